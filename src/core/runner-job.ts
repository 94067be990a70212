// One job in a runner's hands: its state while the agent runs, what must be
// ready before the agent starts, and how the agent's exit becomes the job's
// ending. The runner (runner.ts) owns the loop and the events; these are the
// decisions, kept apart so they read (and test) without the loop.
import * as fs from 'node:fs';
import { finalUsage, prepareLaunch, type Prepared } from './agent-launch.js';
import type { AgentProcess, ProcessExit } from './agent-process.js';
import { EventWriter } from './eventlog.js';
import type { EventDraft, JobEvent } from './events.js';
import { stoppingEvent } from './stopping.js';
import type { Diag, Fields } from './diag.js';
import { getRuntime } from './runtimes/index.js';
import { RecapBuilder } from './recap.js';
import { HumanLog } from './human-log.js';
import { killGroup } from './platform/index.js';
import { killMarked } from './proc-sweep.js';
import { clock } from './clock.js';
import { finishJob, type Ending } from './finish.js';
import type { Job } from './job.js';
import type { OutputParser, Runtime } from './runtimes/types.js';
import { agentEnv, settingsOf, type Settings } from './settings.js';
import type { JobStore } from './store.js';
import { prepareWorktree, wrapUp } from './workflow.js';
import { ownEnd } from './runner-support.js';
import type { Lease } from './lease.js';

export type StopReason = 'cancel' | 'timeout' | 'heartbeat' | 'limit';

/** A claimed job made ready to start: its log opened, its runtime's parser and recap made, its cancel request watched. */
export function openActive(store: JobStore, job: Job, releaseSlot: () => void, on: { writeFailed: (e: Error) => void; logLine: (e: JobEvent) => string; cancelAsked: () => void }): Active {
  const settings = settingsOf(job);
  const runtime = getRuntime(settings.runtime);
  const a: Active = {
    job,
    proc: null,
    writer: EventWriter.open(store.paths.outputFile(job.id), { onError: on.writeFailed }),
    parser: runtime.parser(),
    runtime,
    recap: new RecapBuilder(runtime.recapFiles),
    settings,
    stoppedBy: null,
    cancelReason: null,
    lastOutput: clock.now(),
    timers: [],
    releaseSlot,
    log: new HumanLog(store.paths.agentLog(job.agent, job.id), on.logLine),
  };
  try {
    // a cancel request is acted on at once, not at the next tick
    a.watcher = fs.watch(store.paths.job(job.id), (_, name) => name === 'cancel.json' && on.cancelAsked()).on('error', () => {});
  } catch {
    /* the tick covers it */
  }
  return a;
}

/** Stops a job's agent by escalation (agent-process.ts), each step an event; a cancel is first recorded in job.json, whose readers then show `stopping`. */
export function stopActive(store: JobStore, a: Active, why: StopReason, on: { own: () => boolean; warn: (msg: string, fields: Fields) => void; step: (e: EventDraft) => void }): void {
  if (!a.proc?.pid) return;
  if (why === 'cancel') {
    // job.json keeps `running` (docs/formats.md); readers show it as stopping
    a.job = { ...a.job, cancelRequestedAt: a.cancelRequestedAt ?? clock.isoAt(store.now()) };
    try {
      store.write(a.job, on.own);
    } catch (e) {
      // only the display suffers (no `stopping`): the stop itself goes on
      on.warn('could not record cancelRequestedAt', { job: a.job.id, error: (e as NodeJS.ErrnoException).code ?? 'error' });
    }
  }
  const grace = a.settings.cancelGraceMs;
  const began = store.now();
  a.proc.stop(grace, (step) => on.step(stoppingEvent({ why, step, reason: why === 'limit' ? (a.limitReason ?? null) : a.cancelReason, graceMs: grace, began })));
}

/** A fenced runner's job: its agent killed, timers and watcher off, its log closed with nothing more written. */
export function abandonActive(a: Active): void {
  if (a.proc?.pid && !a.proc.exited) killGroup(a.proc.pid, 'SIGKILL');
  killMarked(a.job.id);
  a.proc?.clearTimers();
  for (const t of a.timers) clearTimeout(t);
  a.watcher?.close();
  a.writer.abandon();
  a.log.abandon();
}

export interface Active {
  job: Job;
  proc: AgentProcess | null;
  writer: EventWriter;
  parser: OutputParser;
  runtime: Runtime;
  recap: RecapBuilder;
  settings: Settings;
  stoppedBy: StopReason | null;
  limitReason?: string;
  model?: string | null;
  cancelReason: string | null;
  cancelRequestedAt?: string | null;
  lastOutput: number;
  timers: NodeJS.Timeout[];
  releaseSlot: () => void;
  log: HumanLog;
  watcher?: fs.FSWatcher;
  writeError?: string;
}

export type StartPlan = { ok: true; prepared: Prepared; patch: Partial<Job> } | { ok: false; error: string; patch: Partial<Job> };

/**
 * Everything a job needs before its agent may start: its workspace, its git
 * worktree (isolation: worktree) and the launch spec. A failure here fails
 * the job before the agent runs, with the cause.
 */
export function planStart(store: JobStore, home: string, job: Job, settings: Settings, runtime: Runtime): StartPlan {
  if (!fs.existsSync(job.workspace)) return { ok: false, error: `workspace ${job.workspace} does not exist`, patch: {} };
  let isolated;
  try {
    isolated = prepareWorktree(home, job, settings);
  } catch (e) {
    return { ok: false, error: `could not create the job's git worktree: ${(e as Error).message}`, patch: {} };
  }
  const patch = isolated?.patch ?? {};
  try {
    // the agent runs in its worktree; a budget goes to runtimes that enforce it themselves
    const raw = settings.maxBudgetUsd !== null ? { ...settings.raw, max_budget_usd: settings.maxBudgetUsd } : settings.raw;
    const prepared = prepareLaunch(store, { ...job, ...patch, ...(isolated ? { workspace: isolated.cwd } : {}) }, { ...settings, raw }, runtime, agentEnv(job, store.paths));
    return { ok: true, prepared, patch };
  } catch (e) {
    return { ok: false, error: (e as Error).message, patch }; // the worktree made is recorded, so prune removes it
  }
}

/** The agent exited and its output is read: the job's ending. A stop by herdctl (limit, heartbeat) or a lost event log overrides what the runtime says. */
export function endingOf(a: Active, exit: ProcessExit): Ending {
  const stoppedBy = a.stoppedBy === 'heartbeat' || a.stoppedBy === 'limit' ? null : a.stoppedBy;
  const outcome = a.runtime.outcome(a.parser, { code: exit.code, signal: exit.signal, stoppedBy });
  const usage = finalUsage(a.parser, a.runtime, a.model ?? null, a.settings.pricing);
  const ending: Ending = { ...outcome, exitCode: exit.code, signal: exit.signal, usage, cancelReason: a.cancelReason };
  const stopped = (error: string | undefined) => Object.assign(ending, { status: 'failed', exitReason: 'error', error, transient: false });
  if (a.writeError) stopped(a.writeError);
  else if (a.stoppedBy === 'limit') stopped(a.limitReason);
  else if (a.stoppedBy === 'heartbeat') stopped(`no output for ${Math.round(a.settings.heartbeatTimeoutMs! / 1000)}s (heartbeat_timeout): stopped by herdctl`);
  return ending;
}

/** What writeEnd did: ended the job; 'busy' (try again soon); 'lost' (ended elsewhere); or could not, with the error to retry with. */
export type EndWritten = 'written' | 'busy' | 'lost' | { unfinished: string };

/**
 * Writes a job's end: its last events, recap and terminal job.json
 * (finishJob), then closes its logs. Only while the job is still this
 * runner's — not ended, and running under `lease` — checked under the job's
 * lock (runner-support.ts ownEnd); a job ended elsewhere gets nothing more.
 */
export function writeEnd(store: JobStore, a: Active, ending: Ending, lease: Pick<Lease, 'id' | 'healthy'>, diag: Diag): EndWritten {
  let owned: ReturnType<typeof ownEnd>;
  try {
    owned = ownEnd(store, a.job.id, lease.id);
  } catch {
    owned = 'busy'; // the job's lock or job.json could not be read (EIO): try again
  }
  if (owned === 'busy') return 'busy';
  let closedLog = false;
  let elsewhere = owned === 'lost'; // the job's end is another's: nothing more of this runner's is written for it
  try {
    if (elsewhere) {
      diag.log('warn', 'job ended elsewhere: its end is not written here', { job: a.job.id });
      return 'lost';
    }
    const done = finishJob(store, a.job, a.writer, a.recap, wrapUp(store, a.job, a.settings, ending, a.recap), () => lease.healthy());
    if (!lease.healthy()) {
      // fenced while writing it (a hung mount): a rename already on its way may land on another host's end, which readers put back
      elsewhere = true;
      diag.log('warn', "fenced while writing the job's end: nothing more written", { job: a.job.id });
      return 'lost';
    }
    a.log.close({ seq: a.writer.seq - 1, ts: done.completedAt!, type: 'complete', status: done.status, exitReason: done.exitReason, error: done.error } as JobEvent);
    closedLog = true;
    diag.log('info', 'job ended', { job: done.id, status: done.status, exitReason: done.exitReason, events: a.writer.seq });
    return 'written';
  } catch (e) {
    diag.log('error', 'could not end job', { job: a.job.id, error: (e as NodeJS.ErrnoException).code ?? 'error' });
    return { unfinished: ending.error ?? `herdctl could not record the end of the job: ${(e as Error).message}` };
  } finally {
    if (typeof owned === 'function') owned();
    if (elsewhere) {
      a.writer.abandon();
      a.log.abandon();
    } else {
      a.writer.close();
      if (!closedLog) a.log.close();
    }
  }
}
