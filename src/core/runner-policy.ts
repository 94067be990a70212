// Which queued jobs an agent's runner may start now: a pure function over a
// snapshot, so the slot policy is tested by tables (test/runner-policy.test.ts)
// and the runner only does the IO around it. The global max_concurrent is not
// decided here: it is the slot locks, taken one by one for the jobs planned.

/** One of our queued jobs, best first. `maxConcurrent` null: it is no pending job any more (drop its marker). */
export interface QueuedEntry {
  id: string;
  rank: string; // the queue marker's name: sorts by priority, then age, across agents too
  maxConcurrent: number | null; // the agent's limit as the job was submitted with
}

/** Another agent's best pending job, with how many of that agent's jobs run. */
export interface RivalHead {
  agent: string;
  rank: string;
  running: number;
  maxConcurrent: number;
}

export interface FillSnapshot {
  /** Read lazily: the plan stops at the first job that may not start, so at most that many are looked at. */
  queued: Iterable<QueuedEntry>;
  running: number; // our jobs now running
  /** Called at most once, and only when some job could start. */
  rivals: () => RivalHead[];
}

export interface FillPlan {
  drop: string[]; // markers of jobs no longer pending
  start: string[]; // in this order, each once it gets a global slot
  yieldTo: string | null; // an agent whose better-ranked job should take the next slot
}

/** max_concurrent 0 means unlimited (the seed documents 0 so). */
export const withinLimit = (running: number, max: number): boolean => max === 0 || running < max;

/**
 * Best first, while the agent's limit allows; a rival's pending job that ranks
 * before ours and is within its own agent's limit goes first (its runner takes
 * the slot, and the slot's release wakes us).
 */
export function planFill(s: FillSnapshot): FillPlan {
  const plan: FillPlan = { drop: [], start: [], yieldTo: null };
  let rivals: RivalHead[] | null = null;
  for (const q of s.queued) {
    if (q.maxConcurrent === null) {
      plan.drop.push(q.id);
      continue;
    }
    if (!withinLimit(s.running + plan.start.length, q.maxConcurrent)) break;
    rivals ??= [...s.rivals()].sort((a, b) => (a.rank < b.rank ? -1 : a.rank > b.rank ? 1 : 0));
    const before = rivals.find((r) => r.rank < q.rank && withinLimit(r.running, r.maxConcurrent));
    if (before) {
      plan.yieldTo = before.agent;
      break;
    }
    plan.start.push(q.id);
  }
  return plan;
}
