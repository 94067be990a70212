import { cancelWithdrawn, readCancelRequest } from './cancel.js';
import { sweepTemps, tryUnlink } from './fsx.js';
import { isJobId } from './ids.js';
import { isThisHost } from './liveness.js';
import { acquireNamed, deadIn, isHeld, STALE_MS, tryLockSync, waitForNamed } from './lock.js';
import { isTerminal } from './job.js';
import { me } from './holder.js';
import { runnerIdentity, runnerIdentityFile } from './runner-launch.js';
import { failJob, recoverIfLost } from './recovery.js';
import type { JobStore } from './store.js';
import { clock } from './clock.js';
import type { Diag } from './diag.js';
import { compactIndex, foldBefore } from './index-compact.js';

// What an agent's runner does around its loop: take over what a dead
// predecessor left, settle half-made queue markers, hold global slots, and
// fold old index hours when it goes idle.

/**
 * Jobs of this agent a dead predecessor on this host left (we hold its lock
 * now): running ones fail, claimed-but-unstarted ones go back to the queue,
 * half-made markers are settled. Other hosts' claims are theirs, until
 * their lease expires (host-loss.ts).
 */
export function recoverOwn(store: JobStore, agent: string): void {
  for (const id of store.activeIds()) {
    const r = store.tryRead(id);
    if (!r || !('job' in r) || r.job.agent !== agent) continue;
    const claim = store.queue.claimOf(id);
    if (claim && (!isThisHost(claim) || claim.by !== 'runner')) continue; // another host's, or a canceller's (settleLeftovers)
    if (r.job.status === 'running') {
      if (!r.job.hostId || r.job.hostId === me().hostId) failJob(store, r.job, `runner pid ${r.job.runnerPid} on ${r.job.host} was lost (it died without finishing the job)`);
    } else if (r.job.status === 'pending') store.queue.requeue(r.job);
    else tryUnlink(store.paths.activeMarker(id));
  }
  settleLeftovers(store, agent);
  // job dirs are swept as their jobs are looked at; these, by whichever runner starts next
  for (const dir of store.paths.replacedFileDirs()) sweepTemps(dir);
}

export function settleLeftovers(store: JobStore, agent: string): void {
  for (const l of store.queue.leftovers(agent)) {
    if (l.ageMs < 30_000) continue; // a creator or canceller may still be at it
    const r = store.tryRead(l.id);
    const job = r && 'job' in r ? r.job : null;
    if (l.kind === 'new' && job?.status === 'pending') store.queue.publish(l.path);
    else if (l.kind === 'cancel' && job?.status === 'pending') cancelWithdrawn(store, job, l.path, readCancelRequest(store, job.id)?.reason ?? null);
    else store.queue.drop(l.path);
  }
}

/**
 * A max_concurrent held across hosts: slot i is the lock `slotPath(i)`, held for the length of one job by
 * a runner of any host and named like the runner lock (plus the job), so a SIGKILLed holder's slot is taken
 * over on the next tick (another host's: once its lease expired) rather than when its lock goes stale —
 * after its job is failed and its orphaned agent killed, so the count of running agents stays true.
 */
function takeSlot(store: JobStore, max: number, job: string, slotPath: (i: number) => string): (() => void) | null {
  if (max === 0) return () => {}; // max_concurrent: 0 is unlimited: no slot to take
  const holder = { ...me(), job };
  for (let i = 0; i < max; i++) {
    const path = slotPath(i);
    const isDead = (who: unknown): boolean => {
      if (!deadIn(store.paths.home, path)(who)) return false;
      const id = (who as { job?: unknown }).job;
      const r = typeof id === 'string' && isJobId(id) ? store.tryRead(id) : null;
      if (r && 'job' in r) recoverIfLost(store, r.job);
      return true;
    };
    const release = acquireNamed(path, `${path}.json`, holder, isDead);
    if (release) return release;
  }
  return null;
}

/** jobs.max_concurrent, across every agent and host (locks/slot-<i>). */
export const takeGlobalSlot = (store: JobStore, max: number, job: string): (() => void) | null => takeSlot(store, max, job, (i) => store.paths.slotLock(i));

/** The agent's max_concurrent, across hosts (locks/agent-<agent>.slot-<i>): each host runs its own runner for the agent. */
export const takeAgentSlot = (store: JobStore, agent: string, max: number, job: string): (() => void) | null => takeSlot(store, max, job, (i) => store.paths.agentSlotLock(agent, i));

/**
 * The agent's slot, then a global one (released in the other order); null when either is taken. The
 * global slots are looked at first: taking and giving back the agent's slot changes locks/, which wakes
 * every runner, so it is only taken when a global slot looks free.
 */
export function takeSlots(store: JobStore, agent: string, settings: { maxConcurrent: number; globalMaxConcurrent: number }, job: string): (() => void) | null {
  const free = (i: number) => !isHeld(store.paths.slotLock(i), deadIn(store.paths.home, store.paths.slotLock(i)), `${store.paths.slotLock(i)}.json`);
  if (settings.globalMaxConcurrent > 0 && !Array.from({ length: settings.globalMaxConcurrent }, (_, i) => i).some(free)) return null;
  const agentSlot = takeAgentSlot(store, agent, settings.maxConcurrent, job);
  if (!agentSlot) return null;
  const globalSlot = takeGlobalSlot(store, settings.globalMaxConcurrent, job);
  if (!globalSlot) agentSlot();
  return globalSlot && (() => (globalSlot(), agentSlot()));
}

/**
 * Whether a runner may write a job's end: under the job's lock (the release
 * is returned), it is not ended and no other runner's lease is on it. 'busy':
 * someone else holds the lock right now (try again); 'lost': another host
 * ended it (its lease had lapsed), or it runs under another lease.
 */
export function ownEnd(store: JobStore, id: string, lease: string): (() => void) | 'busy' | 'lost' {
  const release = tryLockSync(store.paths.home, store.paths.jobLock(id));
  if (!release) return 'busy';
  const r = store.tryRead(id);
  if (r && 'job' in r && !isTerminal(r.job.status) && (r.job.status !== 'running' || (r.job.lease ?? lease) === lease)) return release;
  release();
  return 'lost';
}

/** This host's runner lock for the agent, named with this process and its lease (see lock.ts); null when held. */
export function acquireRunnerLock(store: JobStore, agent: string, onLost: () => void): (() => void) | null {
  const lock = store.paths.runnerLock(agent);
  return acquireNamed(lock, runnerIdentityFile(store.paths, agent), me(), deadIn(store.paths.home, lock), onLost);
}

/**
 * A live runner that holds the lock and names itself serves the agent: false
 * (leave). A held lock without a readable name (removed by hand) or a gate
 * its maker died in is waited out until stale — jobs are queued meanwhile.
 */
export async function waitForRunnerLock(store: JobStore, agent: string, acquire: () => boolean): Promise<boolean> {
  const lock = store.paths.runnerLock(agent);
  const serves = () => runnerIdentity(store.paths, agent) !== null && isHeld(lock, deadIn(store.paths.home, lock), runnerIdentityFile(store.paths, agent));
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
