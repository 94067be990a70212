import { cancelWithdrawn } from './cancel.js';
import { isTerminal, type Job, type JobStatus } from './job.js';
import type { JobStore } from './store.js';

/**
 * When may a pending job start? Its dependencies (`after`) must all have
 * ended, and its `notBefore` (a retry's backoff) must have passed. A pure
 * planner (tested by tables); the runner does the reads around it.
 */
export type Readiness =
  | { kind: 'ready' }
  | { kind: 'later'; at: number } // notBefore not reached
  | { kind: 'waiting'; on: string[] } // dependencies still pending or running
  | { kind: 'cancel'; reason: string }; // a dependency did not complete

/** A dependency's status; null when the job is gone (pruned or deleted). */
export type StatusOf = (id: string) => JobStatus | null;

export function readiness(job: Pick<Job, 'after' | 'afterAny' | 'notBefore'>, now: number, statusOf: StatusOf): Readiness {
  const on: string[] = [];
  for (const dep of job.after) {
    const status = statusOf(dep);
    if (status === null) {
      if (!job.afterAny) return { kind: 'cancel', reason: `dependency ${dep} no longer exists` };
    } else if (!isTerminal(status)) on.push(dep);
    else if (status !== 'completed' && !job.afterAny) return { kind: 'cancel', reason: `dependency ${dep} ended ${status}` };
  }
  if (on.length > 0) return { kind: 'waiting', on };
  const at = job.notBefore ? Date.parse(job.notBefore) : NaN;
  if (at > now) return { kind: 'later', at };
  return { kind: 'ready' };
}

export const statusFrom =
  (store: JobStore): StatusOf =>
  (id) => {
    const r = store.tryRead(id);
    return r && 'job' in r ? r.job.status : null;
  };

/**
 * A runner's memory of its jobs that may not start yet, so a queue of
 * waiting jobs costs no reads per tick: a job waiting for a time is looked
 * at again once it is due; one waiting for dependencies once something
 * changed in the agent's queue directory (a dependency's end pokes it, see
 * wakeDependants).
 */
export class WaitGate {
  private readonly blocked = new Map<string, number | null>(); // id → due time, or null: dependencies

  /** True while the job is known to wait: skip it without reading it. */
  skip(id: string, now: number): boolean {
    if (!this.blocked.has(id)) return false;
    const at = this.blocked.get(id)!;
    if (at !== null && at <= now) {
      this.blocked.delete(id);
      return false;
    }
    return true;
  }

  note(id: string, r: Readiness): void {
    if (r.kind === 'later') this.blocked.set(id, r.at);
    else if (r.kind === 'waiting') this.blocked.set(id, null);
    else this.blocked.delete(id);
  }

  /** Something changed in the queue directory: a dependency may have ended. */
  depsChanged(): void {
    for (const [id, at] of this.blocked) if (at === null) this.blocked.delete(id);
  }

  /** Only jobs waiting for dependencies are left: the runner may exit (their dependencies' ends start it again). */
  onlyDependants(ids: string[]): boolean {
    return ids.every((id) => this.blocked.has(id) && this.blocked.get(id) === null);
  }
}

/** Ends a pending job whose dependency did not complete: cancelled, naming it. False when someone else took the job first. */
export function cancelForDependency(store: JobStore, job: Job, reason: string): boolean {
  const marker = store.queue.withdraw(job.agent, job.id);
  if (!marker) return false;
  cancelWithdrawn(store, job, marker, reason, `not started: ${reason}`);
  return true;
}
