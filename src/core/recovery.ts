import { join } from 'node:path';
import { diag } from './diag.js';
import { EventWriter, readLog } from './eventlog.js';
import { isTerminal, transition, type Job } from './job.js';
import type { JobEvent } from './events.js';
import { finishJob, type Ending } from './finish.js';
import { liveness, type ProcIdentity } from './liveness.js';
import { killGroup } from './platform/index.js';
import { isLocked, tryLockSync } from './lock.js';
import { killMarked } from './proc-sweep.js';
import { RecapBuilder } from './recap.js';
import type { JobStore } from './store.js';
import { appendLines, ensureDir, sweepTemps } from './fsx.js';
import { ensureRunner } from './runner-launch.js';
import { dirname } from 'node:path';
import { clock } from './clock.js';

export const runnerOf = (job: Job): ProcIdentity | null =>
  job.runnerPid && job.host ? { pid: job.runnerPid, startTime: job.runnerStartTime, host: job.host, hostId: job.hostId ?? null, bootId: job.bootId } : null;

const agentOf = (job: Job): ProcIdentity | null => (job.pid && job.host ? { pid: job.pid, startTime: job.pidStartTime, host: job.host, hostId: job.hostId ?? null, bootId: job.bootId } : null);

/** Why a running job's runner is lost, or null while it lives (another host's: by its lock's heartbeat). */
export function lostBecause(store: JobStore, job: Job): string | null {
  const runner = runnerOf(job);
  if (!runner) return 'the job is running but names no runner (copied in, or written by hand): nothing will finish it';
  const state = liveness(runner);
  if (state === 'alive') return null;
  if (state === 'unknown') {
    return isLocked(store.paths.runnerLock(job.agent)) ? null : `runner pid ${runner.pid} on ${runner.host} lost: its lock heartbeat stopped`;
  }
  return `runner pid ${runner.pid} on ${runner.host} was lost (it died without finishing the job)`;
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
  if (!why) return job;
  const done = failJob(store, job, why);
  if (store.queue.pending(job.agent).length > 0) ensureRunner(store.paths, job.agent);
  return done;
}

/**
 * Ends a job whose writer is gone: kills its orphaned agent group, appends
 * the error and the one `complete` event (or finalizes from the one already
 * there), writes the recap and the terminal job.json. A per-job lock keeps
 * two recovering commands from both doing it.
 */
export function failJob(store: JobStore, job: Job, why: string): Job {
  const release = tryLockSync(join(store.paths.job(job.id), 'recovery'));
  if (!release) return job; // someone else is recovering it right now
  try {
    const fresh = store.read(job.id);
    if (isTerminal(fresh.status)) return fresh;
    sweepTemps(store.paths.job(job.id)); // the dead writer's leftovers
    const agent = agentOf(fresh);
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
        return done;
      }
      w.append({ type: 'error', message: why, fatal: true });
      const done = finishJob(store, fresh, w, recap, { status: 'failed', exitReason: 'error', error: why });
      diag().log('info', 'lost job failed', { job: done.id, agent: done.agent, runnerPid: fresh.runnerPid, host: fresh.host, events: w.seq });
      humanLog(store, done, `failed: ${why}`);
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
