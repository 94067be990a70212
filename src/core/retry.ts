/**
 * The retry policy, as pure functions (tested by tables). A job whose
 * runtime classed its failure as transient is run again as a new job
 * (retryOf/attempt), after a backoff that doubles per attempt with jitter,
 * while attempts remain. Cancel, timeout, max turns and 4xx are never
 * retried: they are not transient, and stops by herdctl never are.
 */

export const DEFAULT_BACKOFF_MS = 30_000;
/** However many attempts: never wait longer than this between two. */
export const MAX_BACKOFF_MS = 60 * 60_000;
/** ±20 %: retries of jobs that failed together (one API outage) spread out. */
const JITTER = 0.2;

export interface Ended {
  status: 'completed' | 'failed' | 'cancelled';
  exitReason: string | null;
  transient?: boolean;
}

/** `attempt` is the 1-based attempt that just ended; `retries` how many re-runs the job may have after the first. */
export function shouldRetry(end: Ended, attempt: number, retries: number): boolean {
  return end.status === 'failed' && end.exitReason === 'error' && end.transient === true && attempt >= 1 && attempt <= retries;
}

/** Wait before the attempt after `attempt`: base × 2^(attempt−1), capped, times a random factor in [0.8, 1.2). */
export function backoffMs(baseMs: number, attempt: number, random: () => number = Math.random): number {
  const exp = Math.min(baseMs * 2 ** Math.max(0, attempt - 1), MAX_BACKOFF_MS);
  return Math.round(exp * (1 - JITTER + 2 * JITTER * random()));
}
