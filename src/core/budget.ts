import { dayOf } from './entries.js';
import type { Usage } from './events.js';
import { HerdError } from './errors.js';
import type { JobStore } from './store.js';

/**
 * Budgets. `max_budget_usd` caps one job: runtimes with a flag for it get it
 * (Claude Code's --max-budget-usd); for the others herdctl watches the cost
 * the stream reports and stops the job as it would on a timeout.
 * `daily_budget_usd` caps an agent's day: a submission is refused, like a
 * quota, once the agent's jobs created today (UTC) have spent that much.
 */

const usd = (n: number): string => `$${n.toFixed(n < 1 ? 4 : 2)}`;

/** The job has spent its budget (a cost the stream reported reached it). */
export function overBudget(usage: Usage | null, maxUsd: number | null): boolean {
  return maxUsd !== null && usage?.costUsd !== null && usage?.costUsd !== undefined && usage.costUsd >= maxUsd;
}

/** The job's error when herdctl stopped it for its budget (exitReason stays `error`). */
export function budgetError(maxUsd: number, spentUsd: number | null | undefined): string {
  return `budget exceeded: ${spentUsd !== null && spentUsd !== undefined ? `${usd(spentUsd)} spent, ` : ''}max_budget_usd is ${usd(maxUsd)}: stopped by herdctl`;
}

/** What an agent's jobs created today (UTC) have cost, as far as the index knows (ended jobs). */
export function dailySpend(store: JobStore, agent: string, now: number): number {
  store.refreshIndex();
  let sum = 0;
  for (const e of store.index.readDay(dayOf(now))) if (e.agent === agent && Number.isFinite(e.costUsd)) sum += e.costUsd;
  return Math.round(sum * 1e6) / 1e6;
}

/** Refuses a new job of an agent that spent its daily budget: exit 7, `{"error":"quota_denied","resource":"DailyBudgetUsd",…}`. */
export function checkDailyBudget(store: JobStore, agent: string, capUsd: number | null, now: number): void {
  if (capUsd === null) return;
  const used = dailySpend(store, agent, now);
  if (used < capUsd) return;
  throw new HerdError(
    'quota_denied',
    `agent "${agent}" has spent ${usd(used)} today (UTC), its daily_budget_usd is ${usd(capUsd)}`,
    'wait for the next UTC day, or raise daily_budget_usd in herdctl.yaml',
    { error: 'quota_denied', resource: 'DailyBudgetUsd', agent, used, hard_limit: capUsd },
  );
}
