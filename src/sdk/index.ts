// The package entry point: `import { Herd, submitJob, streamEvents, cancelJob } from 'herdctl'`.
// Loads the core only (no oclif, no command line): test/sdk.test.ts checks the import graph.
import type { HerdEvent } from '../core/events.js';
import type { Job } from '../core/job.js';
import { Herd } from './herd.js';
import type { CancelResult, EventsOptions, HerdOptions, SubmitOptions } from './types.js';

export { Herd } from './herd.js';
export { HerdError, type ErrorCode } from '../core/errors.js';
export { EVENT_TYPES, isStopping } from '../core/events.js';
export type { CompleteEvent, ErrorEvent, EventType, HerdEvent, OutputEvent, StartEvent, StoppingEvent, ToolResultEvent, ToolUseEvent, Usage } from '../core/events.js';
export { displayStatus, JOB_STATUSES, type DisplayStatus, type ExitReason, type Job, type JobStatus, type Recap } from '../core/job.js';
export type { AgentStats, Stats } from '../core/stats.js';
export type { CancelOptions, CancelResult, EventsOptions, HerdOptions, ListOptions, LocalOptions, RemoteOptions, StatsOptions, SubmitOptions, WaitOptions } from './types.js';

/** The Herd the thin functions use: $HERDCTL_URL (+ $HERDCTL_TOKEN) means a server, else the local state dir. */
function defaultHerd(opts?: HerdOptions): Herd {
  if (opts) return new Herd(opts);
  const url = process.env.HERDCTL_URL;
  return url ? new Herd({ url, token: process.env.HERDCTL_TOKEN ?? '' }) : new Herd();
}

/** The seed's style: submits a job and returns it (its id is the `session_id` of the API). */
export function submitJob(input: SubmitOptions, opts?: HerdOptions): Promise<Job> {
  return defaultHerd(opts).submit(input);
}

/** The seed's style: the job's events, replayed then live, ending after `complete`. */
export function streamEvents(id: string, options: EventsOptions & { herd?: HerdOptions } = {}): AsyncGenerator<HerdEvent, void, undefined> {
  const { herd, ...rest } = options;
  return defaultHerd(herd).events(id, rest);
}

/** The seed's style: cancels a job (see Herd.cancel). */
export function cancelJob(id: string, options: { reason?: string; waitMs?: number; herd?: HerdOptions } = {}): Promise<CancelResult> {
  const { herd, ...rest } = options;
  return defaultHerd(herd).cancel(id, rest);
}
