import * as fs from 'node:fs';
import { join } from 'node:path';
import { diag } from './diag.js';
import { detachFromOldWriter, EventWriter, readLog, tailStart } from './eventlog.js';
import { isTerminal, transition, type Job } from './job.js';
import type { JobEvent } from './events.js';
import { finishJob, type Ending } from './finish.js';
import { isThisHost, liveness, type ProcIdentity } from './liveness.js';
import { holderState, mtimeOf } from './holder.js';
import { hostId } from './host-id.js';
import { isLeaseId, leaseFile, leaseTtlMs } from './lease.js';
import { killGroup } from './platform/index.js';
import { STALE_MS, tryLockSync } from './lock.js';
import { killMarked } from './proc-sweep.js';
import { RecapBuilder } from './recap.js';
import type { JobStore } from './store.js';
import { appendLines, ensureDir, fileClockNow, sweepTemps } from './fsx.js';
import { ensureRunner } from './runner-launch.js';
import { dirname } from 'node:path';
import { clock } from './clock.js';

export const runnerOf = (job: Job): ProcIdentity | null =>
  job.runnerPid && job.host ? { pid: job.runnerPid, startTime: job.runnerStartTime, host: job.host, hostId: job.hostId ?? null, bootId: job.bootId } : null;

const agentOf = (job: Job): ProcIdentity | null => (job.pid && job.host ? { pid: job.pid, startTime: job.pidStartTime, host: job.host, hostId: job.hostId ?? null, bootId: job.bootId } : null);

/**
 * Why a running job's runner is lost, or null while it lives or cannot be
 * judged yet. Another host's runner is lost once its lease has not changed
 * for the lease time as this process watched it (holder.ts): a command that
 * looks once leaves it to a watcher that lives that long (any runner).
 */
export function lostBecause(store: JobStore, job: Job): string | null {
  // a job's claim goes only after its terminal job.json: `running` without it, over a log that ends with
  // `complete`, is an end overwritten by a late write from a cut-off host (docs/multihost.md, Limits)
  if (!fs.existsSync(store.paths.activeMarker(job.id)) && endsComplete(store.paths.outputFile(job.id))) return 'its log says it ended; job.json said running (a late write)';
  const runner = runnerOf(job);
  if (!runner) return 'the job is running but names no runner (copied in, or written by hand): nothing will finish it';
  if (!isThisHost(runner) && !job.lease) {
    // written without a lease (an older herdctl, or by hand): no runner lock of its host, no runner
    const lock = `${runner.hostId ? store.paths.runnerLock(job.agent, runner.hostId) : join(store.paths.locks, `runner-${job.agent}`)}.lock`;
    if (mtimeOf(lock) === null) return `runner pid ${runner.pid} on ${runner.host} lost: no runner lock of its host`;
    if (holderState(store.paths.home, runner, () => mtimeOf(lock), STALE_MS) !== 'dead') return null;
  } else if (holderState(store.paths.home, { ...runner, lease: job.lease ?? null }) !== 'dead') return null;
  if (isThisHost(runner)) return `runner pid ${runner.pid} on ${runner.host} was lost (it died without finishing the job)`;
  return `host ${runner.host} lost: its runner (pid ${runner.pid}) stopped renewing its lease`;
}

/** Whether a log's last whole line is its `complete` event. */
function endsComplete(path: string): boolean {
  for (const l of readLog(path, tailStart(path, 1))) if (l.event?.type === 'complete') return true;
  return false;
}

/**
 * The "next command that looks" rule: a running job whose runner died is
 * failed now; a pending job with no live runner gets one started.
 */
export function recoverIfLost(store: JobStore, job: Job): Job {
  if (job.status === 'pending') {
    if (ensureRunner(store.paths, job.agent)) diag().log('debug', 'runner started for pending jobs', { agent: job.agent });
    return job;
  }
  if (job.status !== 'running') return job;
  const why = lostBecause(store, job);
  if (!why) {
    if (watchIfSilent(store, job)) diag().log('debug', "runner started to watch another host's silent lease", { agent: job.agent });
    return job;
  }
  const done = failJob(store, job, why);
  if (store.queue.pending(job.agent).length > 0) ensureRunner(store.paths, job.agent);
  return done;
}

/**
 * Ends a job whose writer is gone: kills its orphaned agent group, appends
 * the error and the one `complete` event (or finalizes from the one already
 * there), writes the recap and the terminal job.json. A per-job lock keeps
 * two recovering commands from both doing it. `elsewhere`: the job's writer
 * was another host's (a claim it never started); a running job's runner
 * says so itself. Such a job's end is also kept (kept-ends.ts).
 */
export function failJob(store: JobStore, job: Job, why: string, elsewhere = false): Job {
  const release = tryLockSync(store.paths.home, store.paths.jobLock(job.id));
  if (!release) return job; // someone else is recovering it right now
  try {
    const fresh = store.read(job.id);
    if (isTerminal(fresh.status)) return fresh;
    const agent = agentOf(fresh);
    const runner = runnerOf(fresh);
    const remote = elsewhere || (runner !== null && !isThisHost(runner));
    if (remote) {
      // another host's runner, judged gone by its lease, may only be cut off: its temp files go (a replace it
      // still sends fails), and the log is replaced by a copy (what it still appends lands in the old one)
      sweepTemps(store.paths.job(job.id), Infinity);
      detachFromOldWriter(store.paths.outputFile(job.id));
    } else sweepTemps(store.paths.job(job.id)); // the dead writer's leftovers
    if (agent && liveness(agent) === 'alive') {
      killGroup(agent.pid, 'SIGKILL'); // gone already: nothing to do
    }
    killMarked(job.id); // tools in process groups of their own (gemini's shell) carry the job's mark
    const recap = new RecapBuilder();
    let complete: JobEvent | null = null;
    for (const l of readLog(store.paths.outputFile(job.id))) {
      if (!l.event) continue;
      recap.add(l.event);
      if (l.event.type === 'complete') complete = l.event;
    }
    const w = EventWriter.open(store.paths.outputFile(job.id));
    try {
      if (complete) {
        // the writer died between its complete event and job.json: finish what it started
        const t = { to: complete.status as Ending['status'], exitReason: complete.exitReason as Ending['exitReason'], error: (complete.error as string | null) ?? null };
        const done = store.commit(fresh, { ...t, patch: { recap: recap.build(transition(fresh, { ...t, at: complete.ts })) } }, w.seq);
        diag().log('info', 'lost job finalized from its complete event', { job: done.id, agent: done.agent, status: done.status });
        if (remote) store.ends.keep(done);
        return done;
      }
      w.append({ type: 'error', message: why, fatal: true });
      const done = finishJob(store, fresh, w, recap, { status: 'failed', exitReason: 'error', error: why });
      diag().log('info', 'lost job failed', { job: done.id, agent: done.agent, runnerPid: fresh.runnerPid, host: fresh.host, events: w.seq });
      humanLog(store, done, `failed: ${why}`);
      if (remote) store.ends.keep(done); // a late replace from the lost host cannot make another end stick
      return done;
    } finally {
      w.close();
    }
  } finally {
    release();
  }
}

/** One line in logs/<agent>/<id>.log for things that happen outside the runner. */
function humanLog(store: JobStore, job: Job, text: string): void {
  const path = store.paths.agentLog(job.agent, job.id);
  ensureDir(dirname(path));
  appendLines(path, `${clock.isoAt(store.now())} ${text}\n`);
}

/**
 * A command that looks once cannot judge another host's runner, but it can
 * tell when one looks silent: its lease file was last written over half the
 * lease time ago, by the file server's clock. Then it starts this host's
 * runner for the agent, which watches the lease (recoverLostHosts) and stays
 * up until it is renewed or expired.
 */
export function watchIfSilent(store: JobStore, job: Job): boolean {
  if (!job.hostId || job.hostId === hostId() || !isLeaseId(job.lease)) return false;
  const written = mtimeOf(leaseFile(store.paths.home, job.lease));
  if (written !== null && fileClockNow(store.paths.hosts) - written < leaseTtlMs() / 2) return false;
  return ensureRunner(store.paths, job.agent);
}
