import { Exit, HerdError } from '../core/errors.js';
import { checkIdInput } from '../core/ids.js';
import { isTerminal } from '../core/job.js';
import { resolveHome } from '../core/paths.js';
import { JobStore } from '../core/store.js';
import { kickDeliveries } from '../core/webhook-kick.js';
import { DELIVERY_STATES, Outbox, type Delivery, type DeliveryRow, type DeliveryState } from '../core/webhook-outbox.js';
import { enqueueWebhook, redeliver } from '../core/webhooks.js';
import type { ActionResult, Ctx } from './types.js';
import { clock } from '../core/clock.js';

export interface WebhooksListFlags {
  'no-headers'?: boolean;
  dead?: boolean;
  limit: number;
}

/** Pending (soonest attempt first), then dead, then delivered (newest first); --dead: only the dead letters. */
export function webhooksList(flags: WebhooksListFlags, ctx: Ctx): ActionResult<DeliveryRow[], { dead: boolean; more: number; limit: number; now: number; headers: boolean }> {
  const home = resolveHome(ctx.home);
  const outbox = new Outbox(home);
  const now = clock.now();
  const states: DeliveryState[] = flags.dead ? ['dead'] : [...DELIVERY_STATES];
  const rows: DeliveryRow[] = [];
  let more = 0;
  for (const state of states) {
    const ids = outbox.ids(state);
    const room = Math.max(0, flags.limit - rows.length);
    // pending ones are few and read in full, to order them by their next attempt
    const read = (state === 'pending' ? ids : ids.slice(0, room)).map((id): DeliveryRow => {
      const r = outbox.read(state, id);
      return r && !('problem' in r) ? r : { jobId: id, status: 'unreadable', problem: r ? r.problem : 'gone' };
    });
    if (state === 'pending') read.sort((a, b) => ('nextAttemptAt' in a ? (a.nextAttemptAt ?? '') : '').localeCompare('nextAttemptAt' in b ? (b.nextAttemptAt ?? '') : ''));
    rows.push(...read.slice(0, room));
    more += ids.length - Math.min(room, ids.length);
  }
  kickDeliveries(home, now); // due ones go out from a detached worker
  return { data: rows, view: { dead: !!flags.dead, more, limit: flags.limit, now, headers: !flags['no-headers'] } };
}

/** Back to pending with attempts reset, then one attempt now; exits 1 unless that attempt delivered it. */
export async function webhooksRedeliver(input: string, ctx: Ctx): Promise<ActionResult<Delivery, { now: number }>> {
  const home = resolveHome(ctx.home);
  const id = resolveDelivery(home, input);
  const rec = await redeliver(home, id);
  return { data: rec, view: { now: clock.now() }, exit: rec.status === 'delivered' ? undefined : Exit.FAILURE };
}

/** A delivery by job id or unique prefix; a finished job with a webhook but no record yet gets one. */
function resolveDelivery(home: string, input: string): string {
  const prefix = checkIdInput(input);
  const outbox = new Outbox(home);
  const matches = [...new Set(DELIVERY_STATES.flatMap((s) => outbox.ids(s)).filter((id) => id.startsWith(prefix)))];
  if (matches.length === 1) return matches[0];
  if (matches.length > 1) {
    throw new HerdError('ambiguous', `"${input}" matches ${matches.length} deliveries:\n  ${matches.slice(0, 10).join('\n  ')}`, 'give more characters of the id');
  }
  const store = new JobStore(home);
  const job = store.read(store.resolve(input));
  if (!job.webhookUrl) throw new HerdError('not_found', `job ${job.id} has no webhook`, `herdctl run ${job.agent} --webhook URL  (or set webhook_url on the agent)`);
  if (!isTerminal(job.status)) throw new HerdError('conflict', `job ${job.id} is still ${job.status}; its webhook is sent when it ends`, `herdctl jobs logs ${job.id} --follow`);
  if (!enqueueWebhook(home, job)) throw new HerdError('io', `could not record a delivery for ${job.id}`, `check the permissions of ${outbox.dir}`);
  return job.id;
}
