import { isTerminal, type Job, type JobStatus } from './job.js';
import { deadIn, isHeld } from './lock.js';
import { settingsOf } from './settings.js';
import type { JobStore } from './store.js';

/** How a job relates to others, for `jobs show`: the jobs it waits for, every attempt of its retry chain, and why it is still pending. */
export interface JobLinks {
  waitsFor: { id: string; status: JobStatus | 'gone' }[];
  attempts: { id: string; attempt: number; status: JobStatus; error: string | null }[];
  pending: PendingWhy | null;
}

/** Why a pending job has not started: its place in its agent's queue and the limits in its way. */
export interface PendingWhy {
  /** Pending jobs of its agent that run before it (priority, then age). */
  ahead: number;
  /** Jobs of its agent running, and the agent's max_concurrent (0: unlimited). */
  agentRunning: number;
  agentMax: number;
  /** Global slots held, and jobs.max_concurrent (0: unlimited). */
  slotsBusy: number;
  slotsMax: number;
}

/** Why a pending job waits (null for any other). Reads its agent's queue and the slot locks: cheap, bounded by the pending and running jobs. */
export function pendingWhy(store: JobStore, job: Job): PendingWhy | null {
  if (job.status !== 'pending') return null;
  const queue = store.queue.pending(job.agent);
  const at = queue.findIndex((m) => m.id === job.id);
  const settings = settingsOf(job);
  let agentRunning = 0;
  for (const id of store.activeIds()) {
    const r = store.tryRead(id);
    if (r && 'job' in r && r.job.agent === job.agent && r.job.status === 'running') agentRunning++;
  }
  let slotsBusy = 0;
  for (let i = 0; i < settings.globalMaxConcurrent; i++) if (isHeld(store.paths.slotLock(i), deadIn(store.paths.home, store.paths.slotLock(i)), `${store.paths.slotLock(i)}.json`)) slotsBusy++;
  return { ahead: at < 0 ? queue.length : at, agentRunning, agentMax: settings.maxConcurrent, slotsBusy, slotsMax: settings.globalMaxConcurrent };
}

export function jobLinks(store: JobStore, job: Job): JobLinks {
  const read = (id: string): Job | null => {
    const r = store.tryRead(id);
    return r && 'job' in r ? r.job : null;
  };
  const waitsFor = isTerminal(job.status) ? [] : job.after.map((id) => ({ id, status: read(id)?.status ?? ('gone' as const) }));
  const chain: Job[] = [job];
  const seen = new Set([job.id]);
  // back to the first attempt, then forward to the last (bounded: a hand-made loop must not hang show)
  for (let j = job; j.retryOf && !seen.has(j.retryOf) && chain.length < 100;) {
    const prev = read(j.retryOf);
    if (!prev) break;
    chain.unshift(prev);
    seen.add(prev.id);
    j = prev;
  }
  for (let j = job; j.retriedBy && !seen.has(j.retriedBy) && chain.length < 100;) {
    const next = read(j.retriedBy);
    if (!next) break;
    chain.push(next);
    seen.add(next.id);
    j = next;
  }
  const attempts = chain.length > 1 ? chain.map((j) => ({ id: j.id, attempt: j.attempt, status: j.status, error: j.error })) : [];
  return { waitsFor, attempts, pending: pendingWhy(store, job) };
}
