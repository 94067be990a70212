import type { Job } from './job.js';
import { loadConfig, type AgentConfig, type Config } from './config.js';
import type { Price } from './pricing.js';
import { readJobEnv } from './job-env.js';
import type { Paths } from './paths.js';

/**
 * What the runner needs to know about a job's agent, snapshotted into
 * job.json at submission (so a job runs, and resumes, with the settings it
 * was submitted with). Environment values are never stored: only their names;
 * the runner reads the values from the config file when it starts the job.
 */
export interface Settings {
  runtime: string;
  maxConcurrent: number;
  globalMaxConcurrent: number;
  timeoutMs: number | null;
  heartbeatTimeoutMs: number | null;
  cancelGraceMs: number;
  /** `worktree`: the job runs in a git worktree of its own (worktree.ts); `base` the ref it starts from (null: HEAD). */
  isolation: 'worktree' | null;
  base: string | null;
  /** Re-runs after a transient failure (retry.ts), the first after `retryBackoffMs`, doubling. */
  retries: number;
  retryBackoffMs: number;
  /** Spend cap of one job: the runtime's own flag where it has one, else herdctl stops the job (budget.ts). */
  maxBudgetUsd: number | null;
  /** Claimed by a host that was lost before it started the job: back to the queue (true) or failed (host-loss.ts). */
  requeueOnHostLoss: boolean;
  raw: Record<string, unknown>; // the agent's YAML block, env values removed
  pricing: Record<string, Price>; // the config's `pricing:` (cost estimates for CLIs that report none)
}

export const DEFAULT_SETTINGS: Settings = {
  runtime: 'claude',
  maxConcurrent: 1,
  globalMaxConcurrent: 4,
  timeoutMs: null,
  heartbeatTimeoutMs: null,
  cancelGraceMs: 30_000,
  isolation: null,
  base: null,
  retries: 0,
  retryBackoffMs: 30_000,
  maxBudgetUsd: null,
  requeueOnHostLoss: false,
  raw: {},
  pricing: {},
};

export function settingsOf(job: Job): Settings {
  const s = (job.settings ?? {}) as Partial<Settings>;
  const pricing = s.pricing && typeof s.pricing === 'object' && !Array.isArray(s.pricing) ? s.pricing : {};
  return { ...DEFAULT_SETTINGS, ...s, raw: (s.raw as Record<string, unknown>) ?? {}, pricing };
}

/** The agent's env values, read at start time: the config's (from the file the job was submitted with), then the job's own (--env, job-env.ts), which win. */
export function agentEnv(job: Job, paths: Paths): Record<string, string> {
  const s = job.settings as { envNames?: string[]; envToken?: string | null } | null;
  return { ...configEnv(job, s?.envNames ?? []), ...readJobEnv(paths, s?.envToken) };
}

function configEnv(job: Job, names: string[]): Record<string, string> {
  if (names.length === 0 || !job.config) return {};
  try {
    return loadConfig(job.config).agents[job.agent]?.env ?? {};
  } catch {
    return {}; // the config went bad since: run without the extra env rather than not at all
  }
}

/** The snapshot stored in a new job.json. */
export function snapshotSettings(config: Config, agent: AgentConfig): Settings & { envNames: string[] } {
  const { env: _env, ...raw } = agent.raw;
  return {
    runtime: agent.runtime,
    maxConcurrent: agent.maxConcurrent,
    globalMaxConcurrent: config.jobs.maxConcurrent,
    timeoutMs: agent.timeoutMs,
    heartbeatTimeoutMs: agent.heartbeatTimeoutMs,
    cancelGraceMs: config.jobs.cancelGraceMs,
    isolation: agent.isolation,
    base: null,
    retries: agent.retries,
    retryBackoffMs: agent.retryBackoffMs,
    maxBudgetUsd: agent.maxBudgetUsd,
    requeueOnHostLoss: agent.requeueOnHostLoss,
    raw: { ...raw, workspace: agent.workspace },
    pricing: config.pricing ?? {},
    envNames: Object.keys(agent.env),
  };
}
