import { EventWriter } from './eventlog.js';
import { finishJob } from './finish.js';
import { createExclusive, readIfExists } from './fsx.js';
import type { Job } from './job.js';
import { RecapBuilder } from './recap.js';
import type { JobStore } from './store.js';

export interface CancelRequest {
  reason: string | null;
  requestedAt: string;
  by: { pid: number; host: string };
}

/** A cancel request is a file in the job's directory; the job's runner obeys it. First request wins. */
export function requestCancel(store: JobStore, id: string, req: CancelRequest): boolean {
  return createExclusive(store.paths.cancelFile(id), JSON.stringify(req) + '\n');
}

export function readCancelRequest(store: JobStore, id: string): CancelRequest | null {
  const text = readIfExists(store.paths.cancelFile(id));
  if (text === null) return null;
  try {
    return JSON.parse(text) as CancelRequest;
  } catch {
    return { reason: null, requestedAt: '', by: { pid: 0, host: '' } }; // unparseable (written by hand): still a request, without a reason
  }
}

/**
 * The one way a pending job ends without running: its taker has renamed it
 * out of the queue (`marker`, from queue.withdraw or a crashed canceller's
 * leftover), so no runner can start it; it ends cancelled (after a fatal
 * error line when `notice` says why), then the marker goes.
 */
export function cancelWithdrawn(store: JobStore, job: Job, marker: string, cancelReason: string | null, notice?: string): Job {
  const w = EventWriter.open(store.paths.outputFile(job.id));
  let done: Job;
  try {
    if (notice) w.append({ type: 'error', message: notice, fatal: true });
    done = finishJob(store, job, w, new RecapBuilder(), { status: 'cancelled', exitReason: 'manual_cancel', error: null, cancelReason });
  } finally {
    w.close();
  }
  store.queue.drop(marker);
  return done;
}
