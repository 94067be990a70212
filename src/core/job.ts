import type { Usage } from './events.js';
import { HerdError } from './errors.js';

export const JOB_STATUSES = ['pending', 'running', 'completed', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];
export const TERMINAL: ReadonlySet<JobStatus> = new Set(['completed', 'failed', 'cancelled']);
export const EXIT_REASONS = ['success', 'error', 'timeout', 'manual_cancel'] as const;
export type ExitReason = (typeof EXIT_REASONS)[number];

export interface Recap {
  headline: string;
  bullets: string[];
}

/** job.json (docs/formats.md). Field names are the contract; add, never rename. */
export interface Job {
  id: string;
  agent: string;
  schedule: string | null;
  trigger: string;
  status: JobStatus;
  exitReason: ExitReason | null;
  sessionId: string | null;
  parentJobId: string | null;
  resumedFromRecapId?: string | null; // a job resumed from a recap (POST /v1/resume {recap_id}): the job whose recap seeded it
  prompt: string;
  workspace: string;
  model: string | null; // the model it runs with: `run --model`, else the agent's (null: the CLI's default); a resume keeps it
  createdAt: string;
  startedAt: string | null;
  completedAt: string | null;
  output: string;
  error: string | null;
  cancelReason: string | null;
  cancelRequestedAt?: string | null; // set by the runner when it starts stopping the agent; the job reads `stopping` until it ends
  pid: number | null; // agent process (group leader)
  runnerPid: number | null;
  host: string | null;
  pidStartTime: number | null; // agent's start time in the platform's unit (Linux: clock ticks since boot, /proc/<pid>/stat field 22; without /proc: epoch seconds)
  runnerStartTime: number | null;
  hostId?: string | null; // the host's id (host-id.ts): which host the pids belong to; `host` is its name, for people
  lease?: string | null; // the running runner's lease (lease.ts): its epoch; only it may write the job's end, and another host judges it by this
  bootId: string | null; // host's boot id when the pids were recorded: after a reboot they mean nothing
  config: string | null; // the herdctl.yaml the job was submitted with (the runner reads the agent's env from it)
  settings: Record<string, unknown> | null; // the agent's settings at submission (env values left out)
  usage: Usage | null;
  summary: string | null;
  recap: Recap | null;
  priority: number;
  tags: string[];
  quotaBucket: string | null;
  webhookUrl: string | null;
  /** isolation: worktree — the agent ran in `worktree`, a git worktree of `workspace` on `branch`, made from `baseCommit`. */
  worktree: string | null;
  branch: string | null;
  baseCommit: string | null;
  /** What the job changed on its branch (isolation: worktree), set when it ends. */
  changes: { files: string[]; insertions: number; deletions: number } | null;
  /** Retries: this job is attempt `attempt` (1 = the first run); `retryOf` the attempt it re-runs, `retriedBy` the one that re-runs it. */
  retryOf: string | null;
  retriedBy: string | null;
  attempt: number;
  /** A pending job is not started before this instant (a retry's backoff). */
  notBefore: string | null;
  /** Dependencies: pending until every one of these jobs has ended; cancelled if one did not complete, unless `afterAny`. */
  after: string[];
  afterAny: boolean;
  schemaVersion: 1;
}

export const isTerminal = (s: JobStatus): boolean => TERMINAL.has(s);

/** What readers show: `stopping` for a running job whose runner is stopping it after a cancel request (job.json's status stays `running`). */
export type DisplayStatus = JobStatus | 'stopping';
export const displayStatus = (job: Pick<Job, 'status' | 'cancelRequestedAt'>): DisplayStatus => (job.status === 'running' && job.cancelRequestedAt ? 'stopping' : job.status);

const NEXT: Record<JobStatus, readonly JobStatus[]> = {
  pending: ['running', 'cancelled', 'failed'],
  running: ['completed', 'failed', 'cancelled'],
  completed: [],
  failed: [],
  cancelled: [],
};

export interface Transition {
  to: JobStatus;
  at: string;
  exitReason?: ExitReason | null;
  error?: string | null;
  patch?: Partial<Job>;
}

/**
 * The only way a job's status changes. Returns the new job; throws `conflict`
 * on an illegal move (a terminal job never changes).
 */
export function transition(job: Job, t: Transition): Job {
  if (!NEXT[job.status].includes(t.to)) {
    throw new HerdError('conflict', `job ${job.id} is ${job.status}; it cannot become ${t.to}`, isTerminal(job.status) ? `herdctl jobs resume ${job.id}` : `herdctl jobs show ${job.id}`);
  }
  const next: Job = { ...job, ...t.patch, status: t.to };
  if (t.to === 'running') next.startedAt = t.at;
  if (isTerminal(t.to)) {
    next.completedAt = t.at;
    next.exitReason = t.exitReason ?? (t.to === 'completed' ? 'success' : t.to === 'cancelled' ? 'manual_cancel' : 'error');
    if (t.error !== undefined) next.error = t.error;
  }
  return next;
}

/** Checks the shape of a parsed job.json; returns a reason when it is not a job. */
export function validateJob(v: unknown): string | null {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return 'not a JSON object';
  const o = v as Record<string, unknown>;
  for (const k of ['id', 'agent', 'prompt', 'createdAt'] as const) {
    if (typeof o[k] !== 'string') return `field "${k}" is missing or not a string`;
  }
  if (!JOB_STATUSES.includes(o.status as JobStatus)) return `field "status" is ${JSON.stringify(o.status)}, not one of ${JOB_STATUSES.join(', ')}`;
  return null;
}

/** Every field of a job.json, with the value a missing one takes, in docs/formats.md order. */
const defaults = (): Job => ({
  id: '',
  agent: '',
  schedule: null,
  trigger: 'manual',
  status: 'pending',
  exitReason: null,
  sessionId: null,
  parentJobId: null,
  prompt: '',
  workspace: '',
  model: null,
  createdAt: '',
  startedAt: null,
  completedAt: null,
  output: '',
  error: null,
  cancelReason: null,
  pid: null,
  runnerPid: null,
  host: null,
  pidStartTime: null,
  runnerStartTime: null,
  hostId: null,
  lease: null,
  bootId: null,
  usage: null,
  summary: null,
  recap: null,
  priority: 0,
  tags: [],
  quotaBucket: null,
  webhookUrl: null,
  config: null,
  settings: null,
  worktree: null,
  branch: null,
  baseCommit: null,
  changes: null,
  retryOf: null,
  retriedBy: null,
  attempt: 1,
  notBefore: null,
  after: [],
  afterAny: false,
  schemaVersion: 1,
});
const JOB_KEYS = Object.keys(defaults());

/** True when a parsed job.json has exactly the fields, in order, that herdctl writes: nothing to fill or reorder. */
function canonical(o: Record<string, unknown>): boolean {
  let i = 0;
  for (const k in o) if (k !== JOB_KEYS[i++]) return false;
  return i === JOB_KEYS.length;
}

/** Fills fields a hand-written or older job.json may lack, so readers see one shape (in docs/formats.md order). */
export function normalizeJob(o: Record<string, unknown>): Job {
  // herdctl's own job.json (every read of a rebuild: 100k) is taken as it is, no copy
  const job = canonical(o) ? (o as unknown as Job) : Object.assign(defaults(), o);
  // a hand-written job.json may hold nulls or odd types where readers expect shapes
  if (!Array.isArray(job.tags)) job.tags = [];
  if (!Array.isArray(job.after)) job.after = [];
  if (!Number.isInteger(job.attempt) || job.attempt < 1) job.attempt = 1;
  if (typeof job.notBefore !== 'string' || Number.isNaN(Date.parse(job.notBefore))) job.notBefore = null;
  if (typeof job.priority !== 'number') job.priority = 0;
  for (const k of ['startedAt', 'completedAt'] as const) if (typeof job[k] !== 'string' || Number.isNaN(Date.parse(job[k]!))) job[k] = null;
  if (job.usage !== null && (typeof job.usage !== 'object' || Array.isArray(job.usage))) job.usage = null;
  if (job.usage) {
    const u = job.usage as unknown as Record<string, unknown>;
    const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : null);
    job.usage = {
      inputTokens: num(u.inputTokens) ?? 0,
      outputTokens: num(u.outputTokens) ?? 0,
      cacheReadTokens: num(u.cacheReadTokens) ?? 0,
      cacheCreationTokens: num(u.cacheCreationTokens) ?? 0,
      costUsd: num(u.costUsd),
      turns: num(u.turns),
    };
    if (u.costEstimated === true) job.usage.costEstimated = true;
    const t = u.sessionTotals as Record<string, unknown> | null | undefined;
    if (t && typeof t === 'object') {
      job.usage.sessionTotals = {
        inputTokens: num(t.inputTokens) ?? 0,
        outputTokens: num(t.outputTokens) ?? 0,
        cacheReadTokens: num(t.cacheReadTokens) ?? 0,
        cacheCreationTokens: num(t.cacheCreationTokens) ?? 0,
      };
    }
  }
  const r = job.recap as unknown as Record<string, unknown> | null;
  if (r !== null && (typeof r !== 'object' || typeof r.headline !== 'string')) job.recap = null;
  else if (r && !Array.isArray(r.bullets)) job.recap = { headline: r.headline as string, bullets: [] };
  return job;
}
