import { clock } from './clock.js';
import { hostId } from './host-id.js';
import { holderDead } from './holder.js';
import { isLeaseId, leaseWatch } from './lease.js';
import { isThisHost } from './liveness.js';
import { failJob, lostBecause } from './recovery.js';
import { settingsOf } from './settings.js';
import type { JobStore } from './store.js';

/**
 * What a survivor does about another host that died or was cut off, once
 * the lease of its runner has expired as this process watched it (holder.ts):
 * a job it was running fails ("host X lost"); a job it had claimed but not
 * started fails too, or goes back to the queue with `requeue_on_host_loss`.
 * Only a job still `pending` counts as not started: the runner writes
 * `running` before it spawns the agent, so a running job may have started
 * one whose work (a push, a deploy) must not be done twice. Any number of
 * survivors may look: the job's lock and the queue marker's exclusive create
 * let one of them act. Runners call it from their tick; it reads active/ and
 * the claimed jobs only. A claim still to be judged counts as `watching`:
 * the runner that looks stays up until its lease is renewed or expires.
 */
export function recoverLostHosts(store: JobStore): { recovered: number; watching: number } {
  let recovered = 0;
  let watching = 0;
  const me = hostId();
  for (const id of store.activeIds()) {
    const r = store.tryRead(id);
    if (!r || !('job' in r)) continue;
    const job = r.job;
    if (job.status === 'running' && job.hostId && job.hostId !== me) {
      const why = lostBecause(store, job);
      if (why && failJob(store, job, why).status !== 'running') recovered++;
      else if (!why && isLeaseId(job.lease) && leaseWatch(store.paths.home).undecided(job.lease)) watching++;
    } else if (job.status === 'pending') {
      const claim = store.queue.claimOf(id);
      if (claim?.by !== 'runner' || isThisHost(claim)) continue;
      if (!holderDead(store.paths.home, claim)) {
        if (isLeaseId(claim.lease) && leaseWatch(store.paths.home).undecided(claim.lease)) watching++;
        continue;
      }
      if (settingsOf(job).requeueOnHostLoss) store.queue.requeue(job);
      else failJob(store, job, `host ${claim.host} lost before the job started: its runner there claimed it, then stopped renewing its lease (requeue_on_host_loss: true re-queues such jobs)`, true);
      recovered++;
    }
  }
  return { recovered, watching };
}

/** recoverLostHosts at most every `everyMs` (a tenth of the lease time): what runners and schedulers call on each tick. */
export class HostWatch {
  private last = -Infinity;
  /** Other hosts' running or claimed jobs whose silent lease is still to be judged: the watcher should stay up. */
  watching = 0;

  constructor(
    private readonly store: JobStore,
    private readonly everyMs: number,
  ) {}

  /** The number of jobs recovered (0 when not due). */
  look(): number {
    if (clock.mono() - this.last < this.everyMs) return 0;
    this.last = clock.mono();
    const { recovered, watching } = recoverLostHosts(this.store);
    this.watching = watching;
    return recovered;
  }
}
