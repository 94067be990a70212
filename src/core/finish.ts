import type { EventWriter } from './eventlog.js';
import type { Usage } from './events.js';
import { transition, type ExitReason, type Job, type Transition } from './job.js';
import type { RecapBuilder } from './recap.js';
import type { JobStore } from './store.js';
import { kickDeliveries } from './webhook-kick.js';
import { wakeDependants } from './waits.js';
import { enqueueWebhook } from './webhooks.js';
import { clock } from './clock.js';

export interface Ending {
  status: 'completed' | 'failed' | 'cancelled';
  exitReason: ExitReason;
  error: string | null;
  exitCode?: number | null;
  signal?: string | null;
  summary?: string | null;
  usage?: Usage | null;
  cancelReason?: string | null;
  /** The runtime classed the failure as worth another attempt (retry.ts). */
  transient?: boolean;
  /** More fields for the terminal job.json (a worktree's changes, the retry's id). */
  extra?: Partial<Job>;
}

/**
 * The one way a job ends. The `complete` event is appended and fsynced
 * first, then job.json becomes terminal (with its recap): a crash between
 * the two leaves a complete event that recovery finalizes from, never a
 * second one. A webhook delivery is recorded before both (see enqueueWebhook).
 * `own`: a runner's lease, asked again before job.json is replaced and
 * after, since each write may have waited on a hung mount past the fence;
 * once it says no, nothing more is written (the job's end is the host's
 * that judges it lost). A write the kernel already had on its way may still
 * land late, on that host's end: kept-ends.ts puts that end back.
 */
export function finishJob(store: JobStore, job: Job, w: EventWriter, recap: RecapBuilder, end: Ending, own: () => boolean = () => true): Job {
  const patch: Partial<Job> = { ...end.extra };
  if (end.summary !== undefined) patch.summary = end.summary;
  if (end.usage !== undefined) patch.usage = end.usage;
  if (end.cancelReason !== undefined) patch.cancelReason = end.cancelReason;
  const t: Transition = { to: end.status, at: clock.isoAt(store.now()), exitReason: end.exitReason, error: end.error, patch };
  const preview = transition(job, t); // throws before anything is written if the move is illegal
  patch.recap = recap.build(preview);
  const delivery = enqueueWebhook(store.paths.home, preview);
  w.append({
    type: 'complete',
    status: end.status,
    exitReason: end.exitReason,
    error: end.error,
    exitCode: end.exitCode ?? null,
    signal: end.signal ?? null,
    usage: preview.usage,
    costUsd: preview.usage?.costUsd ?? null,
    durationMs: preview.startedAt && preview.completedAt ? Date.parse(preview.completedAt) - Date.parse(preview.startedAt) : null,
  });
  w.flush(true);
  if (!own()) return job;
  const done = store.commit(job, t, w.seq, own);
  if (!own()) return done;
  // whoever ends the job (its runner, a canceller, a recovering command) leaves a delivery pending: a worker sends it
  if (delivery) kickDeliveries(store.paths.home);
  try {
    wakeDependants(store, done.id);
  } catch {
    /* best effort: a dependant's next look (or its runner's start) finds its dependency ended */
  }
  return done;
}
