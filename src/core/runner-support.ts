import { cancelWithdrawn, readCancelRequest } from './cancel.js';
import { sweepTemps, tryUnlink } from './fsx.js';
import { isJobId } from './ids.js';
import { identify, liveness, type ProcIdentity } from './liveness.js';
import { acquireNamed, isLocked, STALE_MS, waitForNamed } from './lock.js';
import { runnerIdentity, runnerIdentityFile } from './runner-launch.js';
import { failJob, recoverIfLost } from './recovery.js';
import type { JobStore } from './store.js';
import { clock } from './clock.js';
import type { Diag } from './diag.js';
import { compactIndex, foldBefore } from './index-compact.js';

// What an agent's runner does around its loop: take over what a dead
// predecessor left, settle half-made queue markers, hold global slots, and
// fold old index hours when it goes idle.

/** Jobs a dead predecessor left: running ones fail, claimed-but-unstarted ones go back to the queue, half-made markers are settled. */
export function recoverOwn(store: JobStore, agent: string): void {
  for (const id of store.activeIds()) {
    const r = store.tryRead(id);
    if (!r || !('job' in r) || r.job.agent !== agent) continue;
    if (r.job.status === 'running') failJob(store, r.job, `runner pid ${r.job.runnerPid} on ${r.job.host} was lost (it died without finishing the job)`);
    else if (r.job.status === 'pending') store.queue.requeue(r.job);
    else tryUnlink(store.paths.activeMarker(id));
  }
  settleLeftovers(store, agent);
  // job dirs are swept as their jobs are looked at; these, by whichever runner starts next
  for (const dir of store.paths.replacedFileDirs()) sweepTemps(dir);
}

export function settleLeftovers(store: JobStore, agent: string): void {
  for (const l of store.queue.leftovers(agent, clock.now())) {
    if (l.ageMs < 30_000) continue; // a creator or canceller may still be at it
    const r = store.tryRead(l.id);
    const job = r && 'job' in r ? r.job : null;
    if (l.kind === 'new' && job?.status === 'pending') store.queue.publish(l.path);
    else if (l.kind === 'cancel' && job?.status === 'pending') cancelWithdrawn(store, job, l.path, readCancelRequest(store, job.id)?.reason ?? null);
    else store.queue.drop(l.path);
  }
}

/**
 * Global max_concurrent: slot i is the lock locks/slot-<i>, held for the length of one job by any agent's
 * runner and named like the runner lock (plus the job), so a SIGKILLed holder's slot is taken over on the
 * next tick rather than when its lock goes stale — after its job is failed and its orphaned agent killed,
 * so the count of running agents stays true.
 */
export function takeGlobalSlot(store: JobStore, max: number, job: string): (() => void) | null {
  if (max === 0) return () => {}; // jobs.max_concurrent: 0 is unlimited: no slot to take
  const me = { ...identify(process.pid), job };
  const isDead = (who: unknown): boolean => {
    const holder = who as ProcIdentity & { job?: string };
    if (liveness(holder) !== 'dead') return false;
    const r = typeof holder.job === 'string' && isJobId(holder.job) ? store.tryRead(holder.job) : null;
    if (r && 'job' in r) recoverIfLost(store, r.job);
    return true;
  };
  for (let i = 0; i < max; i++) {
    const path = store.paths.slotLock(i);
    const release = acquireNamed(path, `${path}.json`, me, isDead);
    if (release) return release;
  }
  return null;
}

/** The agent's runner lock, named with this process (see lock.ts); null when held. */
export function acquireRunnerLock(store: JobStore, agent: string, onLost: () => void): (() => void) | null {
  return acquireNamed(store.paths.runnerLock(agent), runnerIdentityFile(store.paths, agent), identify(process.pid), (who) => liveness(who as ProcIdentity) === 'dead', onLost);
}

/**
 * A live runner that holds the lock and names itself serves the agent: false
 * (leave). A held lock without a readable name (removed by hand) or a gate
 * its maker died in is waited out until stale — jobs are queued meanwhile.
 */
export async function waitForRunnerLock(store: JobStore, agent: string, acquire: () => boolean): Promise<boolean> {
  const serves = () => {
    const who = runnerIdentity(store.paths, agent);
    return !!who && liveness(who) !== 'dead' && isLocked(store.paths.runnerLock(agent));
  };
  return (await waitForNamed(acquire, serves, STALE_MS + 5_000, 250)) === true;
}

/** A runner going idle folds this host's old index hours into days (index-compact.ts); a failure only leaves them as they were. */
export function foldIndexOnIdle(store: JobStore, diag: Diag): void {
  try {
    const days = compactIndex(store.index, foldBefore(clock.now()));
    if (days) diag.log('info', 'index days folded', { days });
  } catch (e) {
    diag.log('warn', 'index fold failed', { error: (e as Error).message });
  }
}
