import { sinceFlag } from '../core/duration.js';
import type { Job, JobStatus } from '../core/job.js';
import { countMatching, type CountFilter } from '../core/list-count.js';
import { checkName, resolveHome } from '../core/paths.js';
import { recoverIfLost } from '../core/recovery.js';
import { JobStore } from '../core/store.js';
import { kickDeliveries } from '../core/webhook-kick.js';
import type { JobsListView } from '../core/store.js';
import type { ActionResult, Ctx } from './types.js';
import { assertKnownAgent } from './config.js';
import { clock } from '../core/clock.js';

export interface ListFlags {
  status?: string;
  agent?: string;
  since?: string;
  tag?: string[];
  limit: number;
  output?: string;
  'no-headers'?: boolean;
  json?: boolean;
}

/** How many more match than the `shown`. */
function countMore(store: JobStore, filter: CountFilter, check: (job: Job) => Job, shown: number): number {
  return Math.max(1, countMatching(store, filter, check) - shown); // at least the one row past the limit
}

/** `unknownAgent`: the CLI calls an --agent naming no agent a typo (exit 3); the API filters to nothing, as a query does. */
export function jobsList(flags: ListFlags, ctx: Ctx, unknownAgent: 'error' | 'empty' = 'error'): ActionResult<unknown[], JobsListView> {
  const now = clock.now();
  const sinceMs = sinceFlag(flags.since, now, '--since', 'herdctl jobs list --since 24h');
  if (flags.agent) checkName(flags.agent, 'agent');
  const store = new JobStore(resolveHome(ctx.home));
  const filter = { status: flags.status as JobStatus | undefined, agent: flags.agent, sinceMs, tags: flags.tag };
  const check = (job: Job) => recoverIfLost(store, job);
  const found = store.list({ ...filter, limit: flags.limit + 1 }, check);
  const rows = found.slice(0, flags.limit);
  // a cut list says how many more there are (people only: --json and --no-headers print rows alone)
  const more = found.length > rows.length && !flags.json && !flags['no-headers'] ? countMore(store, filter, check, rows.length) : 0;
  if (flags.agent && rows.length === 0 && unknownAgent === 'error') assertKnownAgent(store, flags.agent, { home: ctx.home });
  kickDeliveries(store.paths.home, now); // due webhooks go out from a detached worker
  return {
    data: rows.map((r) => ('job' in r ? r.job : { id: r.id, agent: r.agent || null, status: 'unreadable', error: r.problem })),
    view: { rows, filtered: !!(flags.status || flags.agent || flags.since || flags.tag?.length), now, wide: flags.output === 'wide', headers: !flags['no-headers'], more },
  };
}
