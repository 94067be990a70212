import type { Usage } from '../../src/core/events.js';
import type { Job, JobStatus } from '../../src/core/job.js';
import { JobStore } from '../../src/core/store.js';

export const DAY = 86_400_000;
export const S = 1000;
/** Noon UTC today: "n days ago" never straddles a midnight, whatever the time of the run. */
export const NOON = Math.floor(Date.now() / DAY) * DAY + DAY / 2;

export interface Spec {
  agent: string;
  daysAgo: number;
  status: JobStatus;
  runMs?: number;
  usage?: Usage;
  events?: number;
  /** fields set when the job starts running (runner identity …) */
  running?: Partial<Job>;
}

export const usage = (inputTokens: number, outputTokens: number, costUsd: number): Usage =>
  ({ inputTokens, outputTokens, cacheReadTokens: 0, cacheCreationTokens: 0, costUsd, turns: 1 }) as unknown as Usage;

/**
 * Jobs made the way herdctl makes them, at chosen times: create (job.json,
 * queue marker, pending index line), then commits (running, then the
 * terminal line with usage and event count). Job i is created i seconds
 * after noon of its day.
 */
export function build(home: string, specs: Spec[]): Job[] {
  const clock = { t: 0 };
  const store = new JobStore(home, () => clock.t);
  return specs.map((s, i) => {
    clock.t = NOON - s.daysAgo * DAY + i * S;
    let job = store.create({ agent: s.agent, prompt: 'p', workspace: '/tmp/ws' });
    if (s.status === 'pending') return job;
    store.queue.claim(
      s.agent,
      store.queue.pending(s.agent).find((m) => m.id === job.id)!,
    );
    job = store.commit(job, { to: 'running', at: new Date(clock.t + S).toISOString(), patch: s.running });
    if (s.status === 'running') return job;
    return store.commit(job, { to: s.status, at: new Date(clock.t + S + (s.runMs ?? 0)).toISOString(), patch: { usage: s.usage ?? null } }, s.events ?? 0);
  });
}
