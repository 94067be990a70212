import { join } from 'node:path';
import { HerdError } from '../errors.js';
import { readIfExists } from '../fsx.js';
import { isThisHost } from '../liveness.js';
import { acquireNamed, deadIn, isHeld, waitForNamed } from '../lock.js';
import { me, type Holder } from '../holder.js';
import { clock } from '../clock.js';
import { Paths } from '../paths.js';

/**
 * One scheduler per state dir, across hosts: a lock (`scheduler/scheduler.lock/`)
 * plus an identity file beside it naming the holder's pid, start time, host,
 * boot and lease, so a killed scheduler on this host is taken over at once,
 * another host's once its lease expired (holder.ts), and a live one can be
 * named in the refusal. A second `herdctl start` on another host stands by.
 */
export interface SchedulerIdentity extends Holder {
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

const held = (home: string): boolean => isHeld(lockPath(home), deadIn(home, lockPath(home)), identityFile(home));

/** The live scheduler of this state dir, if any (for listings). */
export function runningScheduler(home: string): SchedulerIdentity | null {
  const who = readSchedulerIdentity(home);
  return who && held(home) ? who : null;
}

/** How long a second scheduler waits out a holder it cannot judge yet (a gate its dead maker left goes stale after 5 s). */
const IDENTITY_WAIT_MS = 8000;

export interface StandBy {
  /** Another host's scheduler serves: called once, then the lock is tried every `everyMs` until it is ours or `stopped()`. */
  onStandby: (who: SchedulerIdentity) => void;
  stopped: () => boolean;
  /** Called on each try: a standby watches the other hosts meanwhile (host-loss.ts). */
  meanwhile?: () => void;
  everyMs?: number;
}

/**
 * Becomes this state dir's scheduler, or throws `conflict` naming the live one
 * on this host. With `standBy`, a live one on another host is waited out:
 * its host's death frees the lock once its lease has expired (watched from
 * here), within the lease time plus one try. Returns the release function
 * (the lock, then the identity file), or null when stopped while standing by.
 */
export async function acquireScheduler(home: string, onLost: (e: Error) => void, standBy?: StandBy): Promise<(() => void) | null> {
  const lock = lockPath(home);
  const acquire = () => acquireNamed(lock, identityFile(home), { ...me(), startedAt: clock.iso() }, deadIn(home, lock), onLost);
  const serves = () => readSchedulerIdentity(home) !== null && held(home);
  const release = await waitForNamed(acquire, serves, IDENTITY_WAIT_MS, 50);
  if (release) return release;
  const who = readSchedulerIdentity(home);
  if (!standBy || !who || isThisHost(who)) throw refusal(home, who);
  standBy.onStandby(who);
  while (!standBy.stopped()) {
    await new Promise((r) => setTimeout(r, standBy.everyMs ?? 1000)); // real time: a lease is watched on the monotonic clock
    const got = standBy.stopped() ? null : acquire();
    if (got) return got;
    standBy.meanwhile?.();
  }
  return null;
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
