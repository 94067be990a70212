import type { HerdEvent } from '../core/events.js';
import type { DisplayStatus, Job, JobStatus } from '../core/job.js';
import type { Stats } from '../core/stats.js';

/** Where a Herd works: a state dir on this machine (default), or a `herdctl serve` over HTTP. */
export type HerdOptions = LocalOptions | RemoteOptions;

export interface LocalOptions {
  /** The state dir; default $HERDCTL_HOME, else ~/.herdctl (as the CLI's --home). */
  home?: string;
  /** herdctl.yaml; default found as the CLI finds it ($HERDCTL_CONFIG, ./herdctl.yaml walking up, <home>/herdctl.yaml). */
  config?: string;
}

export interface RemoteOptions {
  /** The server, e.g. http://127.0.0.1:7878 */
  url: string;
  /** The bearer token (serve.token in the server's state dir, or its $HERDCTL_TOKEN). */
  token: string;
  /** How long to wait between reconnects of an event stream (ms, doubling up to 10 s); default 250. */
  reconnectMs?: number;
}

export interface SubmitOptions {
  /** An agent of the config (or a runtime's built-in agent: `claude`, `command`, …). */
  agent?: string;
  /** The task text; default the agent's `prompt`. `task` is a synonym, as in the API. */
  prompt?: string;
  task?: string;
  priority?: number;
  tags?: string[];
  webhookUrl?: string;
  quotaBucket?: string;
  /** `claude`, `codex` or `gemini`: without `agent`, the job runs on that provider's agent (the config's agent of that name, else a built-in one in the config's directory). */
  provider?: string;
  /** Overrides the agent's model for this job. */
  model?: string;
}

export interface ListOptions {
  status?: JobStatus;
  agent?: string;
  /** A duration back from now (`30m`, `24h`, `7d`) or a date (`2024-01-15`). */
  since?: string;
  /** Default 20, as `jobs list`. */
  limit?: number;
}

export interface EventsOptions {
  /** Only events with seq > since (as `?since=` / Last-Event-ID): the last seq you have. */
  since?: number;
  /** Stops the iteration (it ends quietly). */
  signal?: AbortSignal;
}

export interface WaitOptions {
  /** Give up after this long with a `timeout` HerdSdkError (the job goes on). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface CancelOptions {
  reason?: string;
  /** Wait this long for the job to end (ms); default 0: the request is recorded and the runner obeys it. */
  waitMs?: number;
}

export interface CancelResult {
  /** `cancelled`: it ended cancelled; `requested`: recorded, the agent is stopping; `already-finished`: nothing changed. */
  result: 'cancelled' | 'requested' | 'already-finished';
  job: Job;
}

export interface StatsOptions {
  agent?: string;
  since?: string;
}

/** The one interface of both backends. */
export interface Backend {
  submit(o: SubmitOptions): Promise<Job>;
  get(id: string): Promise<Job>;
  list(o: ListOptions): Promise<Job[]>;
  events(id: string, o: EventsOptions): AsyncGenerator<HerdEvent, void, undefined>;
  wait(id: string, o: WaitOptions): Promise<Job>;
  cancel(id: string, o: CancelOptions): Promise<CancelResult>;
  resume(id: string, prompt: string | undefined): Promise<Job>;
  stats(o: StatsOptions): Promise<Stats>;
}

export type { DisplayStatus, HerdEvent, Job, JobStatus, Stats };
