import { followLog } from './follow.js';
import { isTerminal, type Job } from './job.js';
import { recoverIfLost } from './recovery.js';
import type { JobStore } from './store.js';

/**
 * Blocks until the job is terminal, woken by its output (no busy loop),
 * noticing a lost runner on the way. A job that failed transiently and is
 * retried (`retriedBy`) is not over yet: its last attempt's end is the outcome.
 * `signal`: stop waiting (the job as it is then).
 */
export async function waitForEnd(store: JobStore, id: string, signal?: AbortSignal): Promise<Job> {
  let job = await waitForOne(store, id, signal);
  for (let hops = 0; job.retriedBy && !signal?.aborted && hops < 1000; hops++) job = await waitForOne(store, job.retriedBy, signal);
  return job;
}

async function waitForOne(store: JobStore, id: string, signal?: AbortSignal): Promise<Job> {
  let job = store.read(id);
  if (isTerminal(job.status)) return job;
  await followLog(store.paths.outputFile(id), {
    from: 0,
    onLine: () => {},
    isOver: () => isTerminal((job = recoverIfLost(store, store.read(id))).status),
    checkEveryMs: 200,
    signal,
  });
  if (signal?.aborted) return job;
  return isTerminal(job.status) ? job : settleAfterComplete(store, id);
}

/**
 * The complete event is written before job.json: a reader that saw it gives
 * the writer its last step (up to 2 s), so what it does next (`jobs show`,
 * a script reading job.json) sees the job ended.
 */
export async function settleAfterComplete(store: JobStore, id: string): Promise<Job> {
  let job = recoverIfLost(store, store.read(id));
  for (let i = 0; i < 100 && !isTerminal(job.status); i++) {
    await new Promise((r) => setTimeout(r, 20));
    job = recoverIfLost(store, store.read(id));
  }
  return job;
}
