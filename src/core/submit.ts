import { loadConfig, type Config, type QuotaConfig } from './config.js';
import { statSync } from 'node:fs';
import { isAbsolute } from 'node:path';
import { copyJobEnv, dropJobEnv, saveJobEnv } from './job-env.js';
import { runnableAgent } from './providers.js';
import { diag } from './diag.js';
import { checkDailyBudget } from './budget.js';
import { HerdError } from './errors.js';
import { isTerminal, type Job } from './job.js';
import { withQuota } from './quota.js';
import { recapPrompt } from './recap.js';
import { getRuntime } from './runtimes/index.js';
import { ensureRunner } from './runner-launch.js';
import { snapshotSettings } from './settings.js';
import type { JobStore } from './store.js';
import { settleWaits } from './waits.js';
import { isHttpUrl } from './url.js';

export interface SubmitInput {
  agent: string;
  prompt?: string;
  schedule?: string | null;
  trigger?: string;
  priority?: number;
  tags?: string[];
  webhookUrl?: string | null;
  quotaBucket?: string | null;
  /** Overrides the agent's model for this job. */
  model?: string | null;
  /** Workflow options over the agent's own (docs/workflows.md). */
  worktree?: boolean;
  base?: string;
  retries?: number;
  maxBudgetUsd?: number;
  /** Job ids (or unique prefixes) that must end first; with afterAny, whatever they ended as. */
  after?: string[];
  afterAny?: boolean;
  /** Per-job overrides (`run --workspace/--timeout/--env`): an absolute directory, a time limit, env values for the agent (never stored in the job). */
  workspace?: string;
  timeoutMs?: number;
  env?: Record<string, string>;
  /** Where a built-in agent (no config agent of that name) works without a workspace given: the CLI's current directory. Unset: no built-ins. */
  cwd?: string;
}

export const RESUME_PROMPT = 'Continue from where you left off';

/** Persists a pending job for an agent of the config, then makes sure a runner will pick it up. */
export function submit(store: JobStore, config: Config, input: SubmitInput): Job {
  const agent = runnableAgent(config, input.agent, input.cwd);
  const workspace = input.workspace ?? agent.workspace;
  if (input.workspace !== undefined) checkWorkspace(input.workspace, agent.name);
  const prompt = input.prompt ?? agent.prompt ?? getRuntime(agent.runtime).defaultPrompt;
  if (prompt === null) {
    throw new HerdError('usage', `agent "${agent.name}" has no default prompt`, `herdctl run ${agent.name} --prompt "what to do"`);
  }
  if (input.webhookUrl && !isHttpUrl(input.webhookUrl)) {
    throw new HerdError('usage', `webhook ${JSON.stringify(input.webhookUrl)} is not an http(s) URL`, `herdctl run ${agent.name} --webhook https://example.com/hook`);
  }
  const bucket = input.quotaBucket ?? agent.quotaBucket;
  if (bucket && !Object.hasOwn(config.quotas, bucket)) {
    const known = Object.keys(config.quotas);
    throw new HerdError(
      'usage',
      `no quota bucket "${bucket}" in ${config.file ?? 'the config'} (${known.length ? `known buckets: ${known.join(', ')}` : 'it defines no quotas'})`,
      'herdctl quotas list',
    );
  }
  const after = [...new Set((input.after ?? []).map((ref) => store.resolve(ref)))];
  checkDailyBudget(store, agent.name, agent.dailyBudgetUsd, store.now());
  const settings = snapshotSettings(config, agent);
  if (input.worktree || input.base) settings.isolation = 'worktree';
  if (input.base) settings.base = input.base;
  if (input.retries !== undefined) settings.retries = input.retries;
  if (input.maxBudgetUsd !== undefined) settings.maxBudgetUsd = input.maxBudgetUsd;
  if (input.timeoutMs !== undefined) settings.timeoutMs = input.timeoutMs;
  settings.raw = { ...settings.raw, workspace };
  const envToken = saveJobEnv(store.paths, input.env ?? {}); // durable before the job exists, so its runner finds it
  if (envToken) Object.assign(settings, { envToken, jobEnvNames: Object.keys(input.env!) });
  const create = () =>
    store.create({
      agent: agent.name,
      prompt,
      workspace,
      model: input.model ?? agent.model,
      schedule: input.schedule ?? null,
      trigger: input.trigger ?? (input.schedule ? 'schedule' : 'manual'),
      priority: input.priority,
      tags: input.tags,
      webhookUrl: input.webhookUrl ?? agent.webhookUrl,
      quotaBucket: bucket,
      config: config.file,
      settings: settings as unknown as Record<string, unknown>,
      after,
      afterAny: input.afterAny ?? false,
    });
  let job: Job;
  try {
    job = bucket ? withQuota(store.paths, bucket, config.quotas[bucket], create) : create();
  } catch (e) {
    dropJobEnv(store.paths, envToken); // no job: its values go too
    throw e;
  }
  if (after.length) settleWaits(store, job.id, after);
  diag().log('info', 'job submitted', { job: job.id, agent: job.agent, trigger: job.trigger, bucket });
  ensureRunner(store.paths, agent.name);
  return job;
}

/**
 * A new job continuing a finished one: same agent, workspace and settings,
 * resuming its agent session; without a session the prompt carries the
 * parent's recap instead. `fromRecap` (the API's `recap_id`): a fresh
 * session seeded with the recap, whatever the session; the new job records
 * `resumedFromRecapId` (a recap is identified by its job).
 */
export function resume(store: JobStore, parent: Job, prompt: string | undefined, model?: string, opts: { fromRecap?: boolean } = {}): Job {
  if (!isTerminal(parent.status)) {
    throw new HerdError(
      'conflict',
      `job ${parent.id} is still ${parent.status}; only a finished job can be resumed`,
      `herdctl jobs logs ${parent.id} --follow  (or: herdctl jobs cancel ${parent.id})`,
    );
  }
  if (opts.fromRecap && !parent.recap) throw new HerdError('not_found', `job ${parent.id} has no recap`, `herdctl jobs resume ${parent.id}`);
  const text = prompt ?? RESUME_PROMPT;
  const session = opts.fromRecap ? null : parent.sessionId;
  return jobFrom(store, parent, { trigger: 'resume', prompt: session ? text : recapPrompt(parent, text), sessionId: session, model, resumedFromRecapId: opts.fromRecap ? parent.id : null });
}

/**
 * `jobs retry`: the same agent, prompt and settings again as a new job
 * (`trigger: retry`, `parentJobId` the old one), in a fresh agent session —
 * in the same worktree and branch when the old one ran isolated.
 */
export function retry(store: JobStore, parent: Job, model?: string): Job {
  if (!isTerminal(parent.status)) {
    throw new HerdError('conflict', `job ${parent.id} is still ${parent.status}; only a finished job can be retried`, `herdctl jobs wait ${parent.id}  (or: herdctl jobs cancel ${parent.id})`);
  }
  return jobFrom(store, parent, { trigger: 'retry', prompt: parent.prompt, sessionId: null, model });
}

/** What differs between an old job and a new one made from it (resume, retry). */
export interface FollowUp {
  trigger: string;
  prompt: string;
  sessionId: string | null; // the session to resume, if any
  model?: string; // the new job's model (default: the old one's)
  retryOf?: string;
  attempt?: number;
  notBefore?: string | null;
  resumedFromRecapId?: string | null;
}

/**
 * The one way to make a job from an old one: same agent, workspace,
 * settings, priority, tags, webhook and quota bucket, and the same worktree
 * and branch (isolation: worktree), with `parentJobId` pointing back.
 */
export function jobFrom(store: JobStore, parent: Job, f: FollowUp): Job {
  const create = () =>
    store.create({
      agent: parent.agent,
      prompt: f.prompt,
      workspace: parent.workspace,
      model: f.model ?? parent.model,
      trigger: f.trigger,
      parentJobId: parent.id,
      priority: parent.priority,
      tags: parent.tags,
      webhookUrl: parent.webhookUrl,
      quotaBucket: parent.quotaBucket,
      sessionId: f.sessionId,
      resumedFromRecapId: f.resumedFromRecapId ?? null,
      config: parent.config,
      settings: withOwnEnv(store, parent.settings),
      retryOf: f.retryOf ?? null,
      attempt: f.attempt ?? 1,
      notBefore: f.notBefore ?? null,
      worktree: parent.worktree,
      branch: parent.branch,
      baseCommit: parent.baseCommit,
    });
  // a follow-up counts against its parent's bucket, capped as the parent's config says now
  const bucket = parent.quotaBucket;
  const job = bucket ? withQuota(store.paths, bucket, bucketLimits(parent.config, bucket), create) : create();
  diag().log('info', 'job submitted', { job: job.id, agent: job.agent, trigger: job.trigger, parent: parent.id, bucket, fromRecap: f.resumedFromRecapId != null });
  ensureRunner(store.paths, parent.agent);
  return job;
}

/** A follow-up's settings, with its own copy of the parent's --env values (job-env.ts). */
function withOwnEnv(store: JobStore, settings: Job['settings']): Job['settings'] {
  const token = (settings as { envToken?: string | null } | null)?.envToken;
  return token ? { ...settings, envToken: copyJobEnv(store.paths, token) } : settings;
}

/** A --workspace must be an existing directory, named absolutely (the CLI resolves a relative one against its cwd). */
function checkWorkspace(dir: string, agent: string): void {
  let isDir = false;
  try {
    isDir = isAbsolute(dir) && statSync(dir).isDirectory();
  } catch {
    /* missing: said below */
  }
  if (!isDir)
    throw new HerdError('usage', `workspace ${JSON.stringify(dir)} is not an existing directory${isAbsolute(dir) ? '' : ' (give an absolute path)'}`, `herdctl run ${agent} --workspace "$PWD"`);
}

const UNCAPPED: QuotaConfig = { tasksPerHour: null, tasksTotal: null };

/** A bucket's caps in a config file; a bucket (or config) gone since is counted, not capped. */
function bucketLimits(configFile: string | null, bucket: string): QuotaConfig {
  if (!configFile) return UNCAPPED;
  try {
    const { quotas } = loadConfig(configFile);
    return Object.hasOwn(quotas, bucket) ? quotas[bucket] : UNCAPPED;
  } catch {
    return UNCAPPED;
  }
}
