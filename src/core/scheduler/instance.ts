import { join } from 'node:path';
import { HerdError } from '../errors.js';
import { readIfExists } from '../fsx.js';
import { identify, liveness, type ProcIdentity } from '../liveness.js';
import { acquireNamed, isLocked, waitForNamed } from '../lock.js';
import { clock } from '../clock.js';
import { Paths } from '../paths.js';

/**
 * One scheduler per state dir: a proper-lockfile lock (`scheduler/scheduler.lock/`,
 * heartbeat every 5 s, stale after 20 s) plus an identity file beside it naming
 * the holder's pid, start time, host and boot, so a killed scheduler on this host
 * is taken over at once and a live one can be named in the refusal.
 */
export interface SchedulerIdentity extends ProcIdentity {
  startedAt: string;
}

const lockPath = (home: string): string => join(new Paths(home).scheduler, 'scheduler');
const identityFile = (home: string): string => join(new Paths(home).scheduler, 'scheduler.json');

export function readSchedulerIdentity(home: string): SchedulerIdentity | null {
  try {
    return JSON.parse(readIfExists(identityFile(home)) ?? 'null');
  } catch {
    return null;
  }
}

/** The live scheduler of this state dir, if any (for listings). */
export function runningScheduler(home: string): SchedulerIdentity | null {
  if (!isLocked(lockPath(home))) return null;
  const who = readSchedulerIdentity(home);
  return who && liveness(who) !== 'dead' ? who : null;
}

/** How long a second scheduler waits out a holder it cannot judge yet (a gate its dead maker left goes stale after 5 s). */
const IDENTITY_WAIT_MS = 8000;

/**
 * Becomes this state dir's scheduler, or throws `conflict` naming the live one.
 * Returns the release function (the lock, then the identity file).
 */
export async function acquireScheduler(home: string, onLost: (e: Error) => void): Promise<() => void> {
  const lock = lockPath(home);
  const acquire = () => acquireNamed(lock, identityFile(home), { ...identify(process.pid), startedAt: clock.iso() }, (who) => liveness(who as SchedulerIdentity) === 'dead', onLost);
  const serves = () => {
    const who = readSchedulerIdentity(home);
    return !!who && liveness(who) !== 'dead' && isLocked(lock);
  };
  const release = await waitForNamed(acquire, serves, IDENTITY_WAIT_MS, 50);
  if (!release) throw refusal(home, readSchedulerIdentity(home));
  return release;
}

function refusal(home: string, who: SchedulerIdentity | null): HerdError {
  const holder = who ? `pid ${who.pid} on ${who.host}, running since ${who.startedAt}` : 'a process that has not named itself (its lock goes stale 20 s after it stops)';
  return new HerdError(
    'conflict',
    `a scheduler is already running for ${home}: ${holder}`,
    who ? `stop that one first (kill ${who.pid} on ${who.host}), or use another --home` : 'wait 20 s and retry, or use another --home',
    { error: 'conflict', message: `a scheduler is already running for ${home}`, pid: who?.pid ?? null, host: who?.host ?? null, startedAt: who?.startedAt ?? null },
  );
}
