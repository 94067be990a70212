import { isTerminal, type Job, type JobStatus } from './job.js';
import type { JobStore } from './store.js';

/** How a job relates to others, for `jobs show`: the jobs it waits for, and every attempt of its retry chain. */
export interface JobLinks {
  waitsFor: { id: string; status: JobStatus | 'gone' }[];
  attempts: { id: string; attempt: number; status: JobStatus; error: string | null }[];
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
  return { waitsFor, attempts };
}
