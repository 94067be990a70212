import type { Job } from '../core/job.js';
import type { PendingWhy } from '../core/job-links.js';
import type { LogLine, LogProblem } from '../core/eventlog.js';
import type { StoppingEvent } from '../core/events.js';
import type { SchedulerEvent } from '../core/scheduler/scheduler.js';

/**
 * What an action gets from its caller (oclif, the fast path in bin/run.js, the
 * server): the state dir, and for the streaming actions where their lines go.
 * Actions print nothing: they return data, and the caller's view (src/render/)
 * makes the text.
 */
export interface Ctx {
  home: string | undefined;
  /** Where `jobs logs` and `run --follow` hand each stored line. */
  logs?: LogSink;
  /** `jobs cancel`: the runner's stopping notes (SIGINT, SIGTERM, SIGKILL) as they are written. */
  stopSteps?: (id: string, e: StoppingEvent) => void;
  /** `run --wait/--follow`: aborted on Ctrl-C, which stops the waiting (exit 10, detached), never the job. */
  interrupt?: AbortSignal;
  /** `run --wait/--follow`: the job is on disk (say its id at once), or the caller stopped waiting on it. */
  runNotes?: { started(job: Job): void; detached(job: Job): void };
  /** `jobs wait`: the jobs it is about to wait on (said once: a wait may be long). */
  waiting?: (ids: string[], any: boolean, limitMs?: number) => void;
  /** The scheduler's events as they happen (`herdctl start`). */
  schedulerEvents?: (e: SchedulerEvent) => void;
}

export interface LogSink {
  /** The lines are copied as stored when nothing filters them (no event parsed: fast on a 1 GB log). */
  raw: boolean;
  line(l: LogLine): Promise<void>;
  problem(path: string, p: LogProblem): void;
  /** Called when the log has no more lines for now (follow waits for more). */
  flush(): Promise<void>;
  /** The job is pending: no events yet, and why (without --follow). */
  pending?(job: Job, why: PendingWhy): void;
}

/** data: what --json prints; view: what the text view needs besides (the time it was computed, the filters); exit: a non-zero outcome code. */
export interface ActionResult<T = unknown, V = undefined> {
  data?: T;
  view?: V;
  exit?: number;
}
