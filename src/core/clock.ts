/**
 * The one clock of herdctl: every "now", and every Date made from a time,
 * comes from here (src/ has no other Date.now() or new Date()), so a test can
 * run time at its own pace with `useClock` — the scheduler's sleeps included,
 * through `setTimer`.
 */
export interface Clock {
  now(): number;
  /** Milliseconds on a clock that only moves forward, shared by every process of this boot (not by other hosts): what leases are judged by. */
  mono?(): number;
  setTimer(fn: () => void, ms: number): Timer;
  clearTimer(t: Timer): void;
}

/** What `setTimer` returns: a real timeout, or a fake clock's handle. */
export type Timer = ReturnType<typeof setTimeout> | { fake: number };

const hrMs = (): number => Number(process.hrtime.bigint() / 1_000_000n); // CLOCK_MONOTONIC on Linux, mach_absolute_time on macOS: both boot-wide

export const systemClock: Clock = {
  now: () => Date.now(),
  mono: hrMs,
  setTimer: (fn, ms) => setTimeout(fn, ms),
  clearTimer: (t) => clearTimeout(t as ReturnType<typeof setTimeout>),
};

let current: Clock = systemClock;

export const clock = {
  now: (): number => current.now(),
  mono: (): number => (current.mono ? current.mono() : hrMs()),
  /** Now as an ISO 8601 UTC string, as every timestamp herdctl writes. */
  iso: (): string => new Date(current.now()).toISOString(),
  isoAt: (ms: number): string => new Date(ms).toISOString(),
  date: (): Date => new Date(current.now()),
  dateAt: (ms: number): Date => new Date(ms),
  setTimer: (fn: () => void, ms: number): Timer => current.setTimer(fn, ms),
  clearTimer: (t: Timer): void => current.clearTimer(t),
};

/** Replaces the clock (tests); returns the undo. */
export function useClock(c: Clock): () => void {
  const prev = current;
  current = c;
  return () => {
    current = prev;
  };
}

/**
 * The clock of a worker thread, as source code (lease.ts's renewer): a worker
 * cannot share this module's injected clock, and time is read nowhere else.
 */
export const WORKER_CLOCK_SOURCE = '{ mono: () => Number(process.hrtime.bigint() / 1000000n), iso: () => new Date().toISOString() }';
