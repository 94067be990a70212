import { readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { ensureDir, writeFileAtomic } from './fsx.js';
import { NAME_RE } from './paths.js';
import { homedir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type * as Yaml from 'yaml';
import type { z as Z } from 'zod';
import { createRequire } from 'node:module';
import { formatDuration, parseDuration } from './duration.js';
import { HerdError, isErrno } from './errors.js';

// yaml, zod and cron-parser cost ~90 ms to load together, more than a
// `herdctl run` should take in all: they are required on first parse only,
// and `loadConfig` answers from a cache while the file is unchanged.
const req = createRequire(import.meta.url);
let yamlLib: typeof Yaml | undefined;
const yaml = (): typeof Yaml => (yamlLib ??= req('yaml') as typeof Yaml);

// ─── Types: camelCase, durations in milliseconds ──────────────────────────────

export const RUNTIMES = ['claude', 'command'] as const;
export type RuntimeName = (typeof RUNTIMES)[number];
export const PERMISSION_MODES = ['acceptEdits', 'bypassPermissions', 'default', 'plan', 'dontAsk'] as const;
export type PermissionMode = (typeof PERMISSION_MODES)[number];
export const CATCH_UP = ['none', 'once'] as const;
export const OVERLAP = ['skip', 'queue', 'allow'] as const;

/** What the scheduler consumes. `cron` is 5 or 6 fields (macros such as @daily are expanded). */
export interface ScheduleConfig {
  agent: string;
  name: string;
  cron: string | null;
  everyMs: number | null;
  timezone: string;
  prompt: string | null; // null: the agent's default prompt
  catchUp: (typeof CATCH_UP)[number];
  overlap: (typeof OVERLAP)[number];
  enabled: boolean;
}

export interface AgentConfig {
  name: string;
  runtime: RuntimeName;
  workspace: string; // absolute, `~` expanded
  model: string | null;
  permissionMode: PermissionMode | null;
  allowedTools: string[] | null;
  maxTurns: number | null;
  systemPrompt: string | null;
  timeoutMs: number | null;
  maxConcurrent: number;
  prompt: string | null;
  command: string[] | null;
  promptArg: boolean;
  env: Record<string, string>;
  claudeBin: string | null;
  webhookUrl: string | null;
  quotaBucket: string | null;
  heartbeatTimeoutMs: number; // the agent's own, else jobs.heartbeat_timeout
  schedules: ScheduleConfig[];
  /** The block as written (snake_case): runtimes read their settings by YAML name. Its workspace is unresolved. */
  raw: Record<string, unknown>;
}

export interface JobsConfig {
  maxConcurrent: number;
  heartbeatTimeoutMs: number;
  cancelGraceMs: number;
}

export interface QuotaConfig {
  tasksPerHour: number | null;
  tasksTotal: number | null;
}

export interface WebhooksConfig {
  secret: string | null;
  retryMax: number;
  retryBaseMs: number;
  timeoutMs: number;
}

export interface Config {
  file: string | null; // null: no config file was found
  envRedacted?: boolean; // loaded from the cache: env names only, no values
  agents: Record<string, AgentConfig>;
  jobs: JobsConfig;
  quotas: Record<string, QuotaConfig>;
  webhooks: WebhooksConfig;
}

const FILE_NAME = 'herdctl.yaml';
const FIX = 'fix the file, then run: herdctl agents list';

// ─── Discovery ────────────────────────────────────────────────────────────────

const isFile = (p: string): boolean => statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;

/** --config, then HERDCTL_CONFIG, then ./herdctl.yaml walking up from cwd, then <home>/herdctl.yaml. */
export function findConfigPath(opts: { flag?: string; env: NodeJS.ProcessEnv; cwd: string; home: string }): string | null {
  if (opts.flag) return mustExist(resolve(opts.cwd, opts.flag), '--config');
  // An explicit pointer to a missing file is a mistake, not a reason to silently pick another config.
  if (opts.env.HERDCTL_CONFIG) return mustExist(resolve(opts.cwd, opts.env.HERDCTL_CONFIG), 'HERDCTL_CONFIG');
  for (let dir = resolve(opts.cwd); ; dir = dirname(dir)) {
    if (isFile(join(dir, FILE_NAME))) return join(dir, FILE_NAME);
    if (dirname(dir) === dir) break;
  }
  const inHome = join(opts.home, FILE_NAME);
  return isFile(inHome) ? inHome : null;
}

function mustExist(path: string, source: string): string {
  if (isFile(path)) return path;
  throw new HerdError('config', `config file ${path} not found (from ${source})`, `check the path given by ${source}`);
}

// ─── Loading ──────────────────────────────────────────────────────────────────

/**
 * Reads and validates the config; null (nothing found) is a valid config
 * without agents. With `cacheDir`, an unchanged file (same path, inode, size,
 * mtime, same herdctl build) is answered from a cached copy of its validated
 * form — without its env values, which never go to disk: such a config has
 * `envRedacted` set and is for submitting, not for starting agents.
 */
export function loadConfig(path: string | null, cacheDir?: string): Config {
  if (path === null) return buildConfig(null, configSchema().parse({}), {});
  const key = cacheDir ? cacheKey(path) : null;
  const cacheFile = cacheDir ? join(cacheDir, `config-${createHash('sha1').update(path).digest('hex').slice(0, 16)}.json`) : null;
  if (key && cacheFile) {
    try {
      const hit = JSON.parse(readFileSync(cacheFile, 'utf8'));
      if (hit.key === key) return hit.config as Config;
    } catch {
      /* no cache yet, or a torn one: parse */
    }
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) throw new HerdError('config', `config file ${path} not found`, 'check the --config path or HERDCTL_CONFIG');
    throw new HerdError('config', `cannot read ${path}: ${(e as Error).message}`, 'check the file permissions');
  }
  const config = parseConfig(text, path);
  if (key && cacheFile) {
    try {
      ensureDir(cacheDir!);
      writeFileAtomic(cacheFile, JSON.stringify({ key, config: redactEnv(config) }));
    } catch {
      /* a cache is an optimisation */
    }
  }
  return config;
}

const BUILD = statSync(fileURLToPath(import.meta.url)).mtimeMs;

function cacheKey(path: string): string | null {
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? [path, st.ino, st.size, st.mtimeMs, st.ctimeMs, BUILD].join('|') : null;
}

function redactEnv(config: Config): Config {
  const agents: Record<string, AgentConfig> = {};
  for (const [name, a] of Object.entries(config.agents)) {
    const blank = Object.fromEntries(Object.keys(a.env).map((k) => [k, '']));
    agents[name] = { ...a, env: blank, raw: { ...a.raw, ...(a.raw.env ? { env: blank } : {}) } };
  }
  return { ...config, agents, envRedacted: true };
}

type Path = (string | number)[];
interface Problem {
  line: number;
  col: number;
  path: Path;
  message: string;
}

/** Parses YAML text; `file` names it in messages and anchors relative workspaces. */
export function parseConfig(text: string, file: string): Config {
  const lineCounter = new (yaml().LineCounter)();
  const doc = yaml().parseDocument(text, { lineCounter, prettyErrors: false, merge: true });
  if (doc.errors.length > 0) {
    fail(file, doc.errors.map((e) => ({ ...lineCounter.linePos(e.pos[0]), path: [], message: `invalid YAML: ${firstLine(e.message)}` })));
  }
  const input = toJS(doc, file);
  const result = configSchema().safeParse(input);
  if (!result.success) fail(file, result.error.issues.flatMap((i) => toProblems(i, doc, lineCounter)));
  return buildConfig(file, result.data, input);
}

/** Unresolved aliases and alias bombs only surface here, without a position. */
function toJS(doc: Yaml.Document, file: string): unknown {
  try {
    return doc.toJS();
  } catch (e) {
    return fail(file, [{ line: 1, col: 1, path: [], message: `invalid YAML: ${firstLine((e as Error).message)}` }]);
  }
}

const firstLine = (s: string): string => s.split('\n')[0];

function fail(file: string, problems: Problem[]): never {
  const lines = problems
    .sort((a, b) => a.line - b.line || a.col - b.col)
    .map((p) => `${file}:${p.line}:${p.col}: ${p.path.length ? `${formatPath(p.path)}: ` : ''}${p.message}`);
  throw new HerdError('config', lines.join('\n'), FIX);
}

/** agents.bragdoc-coder.allowed_tools[1]; names that are not plain words are quoted: agents["../x"]. */
function formatPath(path: Path): string {
  return path
    .map((seg, i) => {
      if (typeof seg === 'number') return `[${seg}]`;
      if (/^[A-Za-z0-9_-]+$/.test(seg)) return i === 0 ? seg : `.${seg}`;
      return `[${JSON.stringify(seg)}]`;
    })
    .join('');
}

/** Zod reports all unknown keys of one mapping in one issue; the user wants each at its own line. */
function toProblems(issue: Z.ZodIssue, doc: Yaml.Document, lc: Yaml.LineCounter): Problem[] {
  const paths = issue.code === 'unrecognized_keys' ? issue.keys.map((k) => [...issue.path, k]) : [issue.path];
  return paths.map((path) => ({ ...locate(doc, lc, path), path, message: issue.message }));
}

/** Line and column of the key at `path`, or of the deepest part of it that exists (the parent of a missing key). */
function locate(doc: Yaml.Document, lc: Yaml.LineCounter, path: Path): { line: number; col: number } {
  const { isAlias, isMap, isNode, isScalar, isSeq } = yaml();
  const start = (n: unknown): number | undefined => (isNode(n) ? n.range?.[0] : undefined);
  let node: unknown = doc.contents;
  let offset = start(node) ?? 0;
  for (const seg of path) {
    if (isAlias(node)) node = node.resolve(doc);
    if (isMap(node)) {
      const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === String(seg));
      if (!pair) break;
      offset = start(pair.key) ?? offset;
      node = pair.value;
    } else if (isSeq(node) && typeof seg === 'number' && seg < node.items.length) {
      node = node.items[seg];
      offset = start(node) ?? offset;
    } else break;
  }
  return lc.linePos(offset);
}

// ─── Schema: every check says "expected <what>, got <value>" ──────────────────

function makeSchema() {
  const { z } = req('zod') as typeof import('zod');

  // No "..": paths.ts refuses it too, so an agent the config accepts is one the CLI can run.

  const CRON_MACROS: Record<string, string> = {
    '@yearly': '0 0 1 1 *',
    '@annually': '0 0 1 1 *',
    '@monthly': '0 0 1 * *',
    '@weekly': '0 0 * * 0',
    '@daily': '0 0 * * *',
    '@midnight': '0 0 * * *',
    '@hourly': '0 * * * *',
  };

  /** A value as the user wrote it, short enough for one line. */
  function show(v: unknown): string {
    if (v === undefined) return 'nothing';
    if (Array.isArray(v)) return 'a list';
    if (typeof v === 'object' && v !== null) return 'a mapping';
    const s = JSON.stringify(v);
    return s.length > 40 ? `${s.slice(0, 37)}…"` : s;
  }

  const expected = (what: string): Z.RawCreateParams => ({
    errorMap: (_issue, ctx) => ({ message: `expected ${what}, got ${show(ctx.data)}` }),
  });

  const oneOf = <T extends [string, ...string[]]>(values: T) => z.enum(values, expected(`one of ${values.join(', ')}`));
  const text = () => z.string(expected('a non-empty string')).min(1);
  const bool = () => z.boolean(expected('true or false'));
  const posInt = () => z.number(expected('a positive integer')).int().positive();

  /** YAML `key:` with nothing after it means null; for a mapping that reads as "empty". */
  const orEmpty = <T extends Z.ZodTypeAny>(schema: T) => z.preprocess((v) => v ?? {}, schema);

  function strictObject<T extends Z.ZodRawShape>(shape: T, what: string) {
    return z.object(shape, expected(what)).strict(`unknown key; allowed keys: ${Object.keys(shape).join(', ')}`);
  }

  /** Agent and schedule names become directory and file names. */
  const name = (kind: string) =>
    z
      .string({
        errorMap: (_issue, ctx) => ({
          message: `invalid ${kind} name ${show(ctx.data)}: use 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, no ".."`,
        }),
      })
      .regex(NAME_RE);

  /** A duration string, in ms. Zero never makes sense here; `atLeastMs` guards intervals that would spin. */
  const duration = (atLeastMs = 1) =>
    z.unknown().transform((v, ctx) => {
      const ms = typeof v === 'string' ? parseDuration(v) : null;
      if (ms !== null && ms >= atLeastMs) return ms;
      const what =
        ms === null ? 'a duration like 30s, 10m or 1h30m' : atLeastMs > 1 ? `a duration of at least ${formatDuration(atLeastMs)}` : 'a duration above zero';
      ctx.addIssue({ code: 'custom', message: `expected ${what}, got ${show(v)}` });
      return z.NEVER;
    });

  /** The scheduler hands `cron` to cron-parser, which knows neither @midnight nor a 7th (year) field. */
  const cron = () =>
    z.string(expected('a cron expression')).transform((raw, ctx) => {
      const expr = CRON_MACROS[raw.trim()] ?? raw.trim().split(/\s+/).join(' ');
      const fields = expr.split(' ').length;
      if (expr.startsWith('@') || fields < 5 || fields > 6) {
        const why = expr.startsWith('@')
          ? `unknown macro; use one of ${Object.keys(CRON_MACROS).join(', ')}`
          : `has ${fields} field${fields === 1 ? '' : 's'}, expected 5 (minute hour day month weekday) or 6 (seconds first)`;
        ctx.addIssue({ code: 'custom', message: `invalid cron ${show(raw)}: ${why}` });
        return z.NEVER;
      }
      try {
        (req('cron-parser') as typeof import('cron-parser')).CronExpressionParser.parse(expr);
        return expr;
      } catch (e) {
        ctx.addIssue({ code: 'custom', message: `invalid cron ${show(raw)}: ${(e as Error).message}` });
        return z.NEVER;
      }
    });

  /** Kept as written: canonicalizing would show "EST" as "America/Panama". */
  const timezone = () =>
    z.string(expected('an IANA time zone like Europe/Berlin')).superRefine((tz, ctx) => {
      try {
        new Intl.DateTimeFormat(undefined, { timeZone: tz });
      } catch {
        ctx.addIssue({ code: 'custom', message: `unknown time zone ${show(tz)}; use an IANA name like Europe/Berlin or UTC` });
      }
    });

  const httpUrl = () =>
    z.string(expected('an http(s) URL')).superRefine((url, ctx) => {
      if (!/^https?:$/.test(URL.canParse(url) ? new URL(url).protocol : '')) {
        ctx.addIssue({ code: 'custom', message: `expected an http(s) URL, got ${show(url)}` });
      }
    });

  const scheduleSchema = strictObject(
    {
      cron: cron().optional(),
      every: duration(1000).optional(),
      timezone: timezone().optional(),
      prompt: text().optional(),
      catch_up: oneOf([...CATCH_UP]).optional(),
      overlap: oneOf([...OVERLAP]).optional(),
      enabled: bool().optional(),
    },
    'a mapping of schedule settings',
  ).superRefine((s, ctx) => {
    if ((s.cron === undefined) === (s.every === undefined)) {
      const message = s.cron === undefined ? 'needs cron or every' : 'has both cron and every; keep one';
      ctx.addIssue({ code: 'custom', message });
    }
  });

  const agentSchema = strictObject(
    {
      runtime: oneOf([...RUNTIMES]).optional(),
      workspace: text().optional(),
      model: text().optional(),
      permission_mode: oneOf([...PERMISSION_MODES]).optional(),
      allowed_tools: z.array(text(), expected('a list of tool names')).optional(),
      max_turns: posInt().optional(),
      system_prompt: text().optional(),
      timeout: duration().optional(),
      max_concurrent: posInt().optional(),
      prompt: text().optional(),
      command: z.array(text(), expected('a non-empty list of strings')).min(1).optional(),
      prompt_arg: bool().optional(),
      env: z
        .record(z.string(), z.string(expected('a string (quote numbers and booleans)')), expected('a mapping of variable names to strings'))
        .optional(),
      claude_bin: text().optional(),
      webhook_url: httpUrl().optional(),
      quota_bucket: text().optional(),
      heartbeat_timeout: duration().optional(),
      schedules: orEmpty(z.record(name('schedule'), orEmpty(scheduleSchema), expected('a mapping of schedule names to schedules'))),
    },
    'a mapping of agent settings',
  ).superRefine((a, ctx) => {
    if ((a.runtime ?? 'claude') === 'command' && !a.command) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: 'is required with runtime: command, e.g. command: ["npm", "test"]' });
    }
    if (a.runtime !== 'command' && a.command) {
      ctx.addIssue({ code: 'custom', path: ['command'], message: `is only used with runtime: command (this agent's runtime is ${a.runtime ?? 'claude, the default'})` });
    }
  });

  const configSchema = orEmpty(
    strictObject(
      {
        agents: orEmpty(z.record(name('agent'), orEmpty(agentSchema), expected('a mapping of agent names to agents'))),
        jobs: orEmpty(
          strictObject(
            { max_concurrent: posInt().optional(), heartbeat_timeout: duration().optional(), cancel_grace: duration().optional() },
            'a mapping of job settings',
          ),
        ),
        quotas: orEmpty(
          z.record(
            name('quota bucket'),
            orEmpty(strictObject({ tasks_per_hour: posInt().optional(), tasks_total: posInt().optional() }, 'a mapping of quota limits')),
            expected('a mapping of bucket names to limits'),
          ),
        ),
        webhooks: orEmpty(
          strictObject(
            {
              secret: text().optional(),
              retry_max: z.number(expected('an integer ≥ 0')).int().nonnegative().optional(),
              retry_base: duration().optional(),
              timeout: duration().optional(),
            },
            'a mapping of webhook settings',
          ),
        ),
      },
      'a mapping with agents, jobs, quotas and webhooks',
    ).superRefine((c, ctx) => {
      const buckets = Object.keys(c.quotas);
      for (const [agent, a] of Object.entries(c.agents)) {
        if (a.quota_bucket === undefined || Object.hasOwn(c.quotas, a.quota_bucket)) continue;
        const known = buckets.length ? `quotas defines: ${buckets.join(', ')}` : 'quotas defines no buckets';
        ctx.addIssue({ code: 'custom', path: ['agents', agent, 'quota_bucket'], message: `no quota bucket ${show(a.quota_bucket)} (${known})` });
      }
    }),
  );
  return configSchema;
}

let schemaMemo: ReturnType<typeof makeSchema> | undefined;
const configSchema = () => (schemaMemo ??= makeSchema());

type Parsed = Z.output<ReturnType<typeof makeSchema>>;
type ParsedAgent = Parsed['agents'][string];
type ParsedSchedule = ParsedAgent['schedules'][string];

// ─── Building the typed config ────────────────────────────────────────────────

function buildConfig(file: string | null, p: Parsed, input: unknown): Config {
  const jobs: JobsConfig = {
    maxConcurrent: p.jobs.max_concurrent ?? 4,
    heartbeatTimeoutMs: p.jobs.heartbeat_timeout ?? 10 * 60_000,
    cancelGraceMs: p.jobs.cancel_grace ?? 30_000,
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
    webhooks: {
      secret: p.webhooks.secret ?? null,
      retryMax: p.webhooks.retry_max ?? 8,
      retryBaseMs: p.webhooks.retry_base ?? 5_000,
      timeoutMs: p.webhooks.timeout ?? 10_000,
    },
  };
}

function buildAgent(name: string, a: ParsedAgent, raw: Record<string, unknown>, baseDir: string, jobs: JobsConfig): AgentConfig {
  return {
    name,
    runtime: a.runtime ?? 'claude',
    workspace: a.workspace === undefined ? baseDir : resolve(baseDir, expandHome(a.workspace)),
    model: a.model ?? null,
    permissionMode: a.permission_mode ?? null,
    allowedTools: a.allowed_tools ?? null,
    maxTurns: a.max_turns ?? null,
    systemPrompt: a.system_prompt ?? null,
    timeoutMs: a.timeout ?? null,
    maxConcurrent: a.max_concurrent ?? 1,
    prompt: a.prompt ?? null,
    command: a.command ?? null,
    promptArg: a.prompt_arg ?? false,
    env: a.env ?? {},
    claudeBin: a.claude_bin ?? null,
    webhookUrl: a.webhook_url ?? null,
    quotaBucket: a.quota_bucket ?? null,
    heartbeatTimeoutMs: a.heartbeat_timeout ?? jobs.heartbeatTimeoutMs,
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

// ─── Queries ──────────────────────────────────────────────────────────────────

export const allSchedules = (config: Config): ScheduleConfig[] => Object.values(config.agents).flatMap((a) => a.schedules);

export function getAgent(config: Config, name: string): AgentConfig {
  if (Object.hasOwn(config.agents, name)) return config.agents[name];
  if (config.file === null) {
    throw new HerdError(
      'not_found',
      `no agent "${name}": no config file found (looked for --config, HERDCTL_CONFIG, ./${FILE_NAME} in this directory and its parents, and ${FILE_NAME} in the herdctl home)`,
      `create ${FILE_NAME} with an agents: section`,
    );
  }
  const known = Object.keys(config.agents);
  const listed = known.length ? `known agents: ${known.join(', ')}` : 'it defines no agents';
  throw new HerdError('not_found', `no agent "${name}" in ${config.file} (${listed})`, 'herdctl agents list');
}
