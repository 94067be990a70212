import type { MountEntry } from '../storage.js';

/**
 * What herdctl asks the operating system about processes. One implementation
 * per kind of system; `unknown` whenever it cannot tell, never a guess:
 * callers fail a job or take a lock over only on a definite `gone`.
 */
export type Probe =
  | { state: 'gone' } // no such process (or a zombie: exited, not yet reaped)
  | { state: 'running'; start: number | null } // start: the platform's start-time token, null when unreadable
  | { state: 'unknown' }; // could not ask

export interface Platform {
  /** 'linux' reads /proc; 'portable' asks kill(0) and ps (macOS, BSDs, Linux without /proc). */
  readonly name: 'linux' | 'portable';
  /** What start times are counted in, recorded beside them is not needed: a host uses one platform. */
  readonly startUnit: 'clock ticks since boot' | 'seconds since the epoch';
  probe(pid: number): Probe;
  /** Two start-time tokens name the same process start. */
  sameStart(recorded: number, now: number): boolean;
  /** This boot's id, or null when the system will not say. */
  bootId(): string | null;
  /** The mount table (doctor's storage check), or null when the system will not say. */
  mounts(): MountEntry[] | null;
}
