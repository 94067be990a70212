import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { configSchema, type Parsed, type ParsedAgent, type ParsedSchedule } from './schema.js';
import type { AgentConfig, Config, JobsConfig, PermissionMode, Price, ScheduleConfig } from './types.js';
import { fail, firstLine, toJS, toProblems, yaml } from './yaml-errors.js';

/** A valid config without agents: what no config file means. */
export const emptyConfig = (): Config => buildConfig(null, configSchema().parse({}), {});

/** Parses YAML text; `file` names it in messages and anchors relative workspaces. */
export function parseConfig(text: string, file: string): Config {
  const lineCounter = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  if (doc.errors.length > 0) {
    fail(
      file,
      doc.errors.map((e) => ({ ...lineCounter.linePos(e.pos[0]), path: [], message: `invalid YAML: ${firstLine(e.message)}` })),
    );
  }
  const input = toJS(doc, file);
  const result = configSchema().safeParse(input);
  if (!result.success)
    fail(
      file,
      result.error.issues.flatMap((i) => toProblems(i, doc, lineCounter)),
    );
  return buildConfig(file, result.data, input);
}

// ─── Building the typed config ────────────────────────────────────────────────

function buildConfig(file: string | null, p: Parsed, input: unknown): Config {
  const jobs: JobsConfig = {
    maxConcurrent: p.jobs.max_concurrent ?? 4,
    // off by default: a tool call can be silent for long (a 20-minute test run prints nothing in Claude's stream)
    heartbeatTimeoutMs: p.jobs.heartbeat_timeout ?? 0,
    cancelGraceMs: p.jobs.cancel_grace ?? 30_000,
    requeueOnHostLoss: p.jobs.requeue_on_host_loss ?? false,
  };
  // Validation passed, so the input's agents are mappings (or null: `name:` with nothing under it).
  const rawAgents = (input as { agents?: Record<string, Record<string, unknown> | null> } | null)?.agents ?? {};
  const baseDir = file === null ? process.cwd() : dirname(resolve(file)); // no file, no agents: cwd is never used
  const agents = Object.entries(p.agents).map(([n, a]) => [n, buildAgent(n, a, rawAgents[n] ?? {}, baseDir, jobs)]);
  const quotas = Object.entries(p.quotas).map(([n, q]) => [n, { tasksPerHour: q.tasks_per_hour ?? null, tasksTotal: q.tasks_total ?? null }]);
  return {
    file,
    agents: Object.fromEntries(agents),
    jobs,
    quotas: Object.fromEntries(quotas),
    pricing: Object.fromEntries(
      Object.entries(p.pricing).map(([m, v]): [string, Price] => [
        m,
        v.cached_input === undefined ? { input: v.input, output: v.output } : { input: v.input, output: v.output, cachedInput: v.cached_input },
      ]),
    ),
    webhooks: {
      secret: p.webhooks.secret ?? null,
      retryMax: p.webhooks.retry_max ?? 8,
      retryBaseMs: p.webhooks.retry_base ?? 5_000,
      timeoutMs: p.webhooks.timeout ?? 10_000,
    },
  };
}

function buildAgent(name: string, parsed: ParsedAgent, raw: Record<string, unknown>, baseDir: string, jobs: JobsConfig): AgentConfig {
  const a = parsed as ParsedAgent & Record<string, unknown>; // runtime-owned keys are in the block but not in the static type
  return {
    name,
    runtime: a.runtime ?? 'claude',
    workspace: a.workspace === undefined ? baseDir : resolve(baseDir, expandHome(a.workspace)),
    model: a.model ?? null,
    // runtime-owned keys were checked by their runtime (schema.ts); typed here for the readers of AgentConfig
    permissionMode: (a.permission_mode as PermissionMode | undefined) ?? null,
    allowedTools: (a.allowed_tools as string[] | undefined) ?? null,
    maxTurns: (a.max_turns as number | undefined) ?? null,
    systemPrompt: (a.system_prompt as string | undefined) ?? null,
    timeoutMs: a.timeout ?? null,
    maxConcurrent: a.max_concurrent ?? 1,
    prompt: a.prompt ?? null,
    command: (a.command as string[] | undefined) ?? null,
    promptArg: (a.prompt_arg as boolean | undefined) ?? false,
    env: a.env ?? {},
    claudeBin: (a.claude_bin as string | undefined) ?? null,
    webhookUrl: a.webhook_url ?? null,
    quotaBucket: a.quota_bucket ?? null,
    heartbeatTimeoutMs: a.heartbeat_timeout ?? jobs.heartbeatTimeoutMs,
    isolation: a.isolation === 'worktree' ? 'worktree' : null,
    retries: a.retries ?? 0,
    retryBackoffMs: a.retry_backoff ?? 30_000,
    maxBudgetUsd: a.max_budget_usd ?? null,
    dailyBudgetUsd: a.daily_budget_usd ?? null,
    requeueOnHostLoss: a.requeue_on_host_loss ?? jobs.requeueOnHostLoss,
    schedules: Object.entries(a.schedules).map(([s, sc]) => buildSchedule(name, s, sc)),
    raw,
  };
}

function buildSchedule(agent: string, name: string, s: ParsedSchedule): ScheduleConfig {
  return {
    agent,
    name,
    cron: s.cron ?? null,
    everyMs: s.every ?? null,
    timezone: s.timezone ?? 'UTC',
    prompt: s.prompt ?? null,
    catchUp: s.catch_up ?? 'once',
    overlap: s.overlap ?? 'skip',
    enabled: s.enabled ?? true,
  };
}

/** `~` and `~/…` only; `~user` is left alone, as most tools do outside a shell. */
const expandHome = (p: string): string => (p === '~' ? homedir() : p.startsWith('~/') ? join(homedir(), p.slice(2)) : p);
