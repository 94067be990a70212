import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { cancelWithdrawn, requestCancel } from './cancel.js';
import { diag } from './diag.js';
import { readLog } from './eventlog.js';
import { isStopping, type StoppingEvent } from './events.js';
import { isTerminal, type Job } from './job.js';
import { recoverIfLost } from './recovery.js';
import { ensureRunner } from './runner-launch.js';
import type { JobStore } from './store.js';
import { clock } from './clock.js';

export type CancelResult = { job: Job; result: 'cancelled' | 'already-finished' | 'requested' };

/**
 * Cancel from any process. A pending job is taken out of the queue (an
 * atomic rename decides against a runner claiming it at the same moment) and
 * cancelled here; a running one gets a cancel request its runner obeys
 * (SIGINT, SIGTERM, SIGKILL after the grace). Waits for the end when asked.
 */
export async function cancelJob(store: JobStore, id: string, reason: string | null, waitMs: number, onNote?: (e: StoppingEvent) => void): Promise<CancelResult> {
  let job = recoverIfLost(store, store.read(id));
  if (isTerminal(job.status)) return { job, result: 'already-finished' };
  const notes = onNote ? noteReader(store.paths.outputFile(id), onNote) : () => {};
  requestCancel(store, id, { reason, requestedAt: clock.iso(), by: { pid: process.pid, host: hostname() } });
  diag().log('info', 'cancel requested', { job: id, agent: job.agent, status: job.status });
  if (job.status === 'pending') {
    const marker = store.queue.withdraw(job.agent, id);
    if (marker) {
      job = cancelWithdrawn(store, job, marker, reason);
      diag().log('info', 'pending job cancelled', { job: id, agent: job.agent });
      return { job, result: 'cancelled' };
    }
    ensureRunner(store.paths, job.agent); // claimed by a runner: it sees the request before it starts the agent
  }
  const deadline = clock.now() + waitMs;
  while (clock.now() < deadline) {
    await new Promise((r) => setTimeout(r, 50));
    notes();
    job = recoverIfLost(store, store.read(id));
    if (isTerminal(job.status)) {
      notes();
      return { job, result: job.status === 'cancelled' ? 'cancelled' : 'already-finished' };
    }
  }
  return { job, result: 'requested' };
}

/** Hands the runner's `stopping` notes written after now to `onNote`, a read of the new whole lines per call. */
function noteReader(path: string, onNote: (e: StoppingEvent) => void): () => void {
  let offset = 0;
  try {
    offset = fs.statSync(path).size;
  } catch {
    /* no output yet: from the start */
  }
  return () => {
    for (const line of readLog(path, offset)) {
      offset = line.end;
      if (line.event && isStopping(line.event)) onNote(line.event);
    }
  };
}
