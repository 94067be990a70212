import { join } from 'node:path';
import { deadIn, isHeld } from './lock.js';
import { Outbox, pendingRecords } from './webhook-outbox.js';
import { clock } from './clock.js';
import { spawnDetached, type Spawner } from './spawn-detached.js';

export type { Spawner };

/** The delivery worker's lock (a mkdir lock with a heartbeat): one worker per state dir. */
export const workerLockPath = (home: string): string => join(new Outbox(home).dir, 'worker');

/** Some delivery is still pending (readable: an unreadable record cannot be sent and keeps nobody alive). */
export function hasPending(home: string): boolean {
  for (const _ of pendingRecords(new Outbox(home))) return true;
  return false;
}

/**
 * Whoever leaves a delivery pending calls this: it makes sure the detached
 * delivery worker (webhooks-main) is alive, so a retry due in 5 s goes out
 * in about 5 s even when no other herdctl command runs. The worker releases
 * its lock before its last look at pending/, and we look at its lock after
 * our record is on disk, so a record is never left with no worker. Nothing
 * pending costs one readdir of webhooks/pending/; a live worker one stat.
 */
export function kickDeliveries(home: string, _now: number = clock.now(), env: NodeJS.ProcessEnv = process.env, spawn?: Spawner): boolean {
  if (!hasPending(home) || isHeld(workerLockPath(home), deadIn(home, workerLockPath(home)))) return false;
  try {
    spawnDetached('webhooks-main', [home], home, env, spawn); // in home, as before the shared helper (from the sources tsx does not resolve there: in-process tests run without a worker)
  } catch {
    return false; // EAGAIN and the like: the next command that looks tries again
  }
  return true;
}
