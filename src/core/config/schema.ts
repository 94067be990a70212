import type { z as Z } from 'zod';
import { formatDuration, parseDuration } from '../duration.js';
import { NAME_RE } from '../paths.js';
import { req } from './yaml-errors.js';
import { RUNTIME_NAMES, RUNTIMES } from '../runtimes/index.js';
import type { SchemaKit } from '../runtimes/types.js';
import { CATCH_UP, OVERLAP } from './types.js';
import { isHttpUrl } from '../url.js';

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
  /** A limit where 0 means "none" (max_concurrent: 0 is unlimited, as in the seed). */
  const limit = () => z.number(expected('a non-negative integer (0: unlimited)')).int().nonnegative();

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
      const what = ms === null ? 'a duration like 30s, 10m or 1h30m' : atLeastMs > 1 ? `a duration of at least ${formatDuration(atLeastMs)}` : 'a duration above zero';
      ctx.addIssue({ code: 'custom', message: `expected ${what}, got ${show(v)}` });
      return z.NEVER;
    });

  /** heartbeat_timeout: a duration, or 0 (`0`, `0s`) for none (the seed's "no timeout"). */
  const offOrDuration = () =>
    z.unknown().transform((v, ctx) => {
      const ms = v === 0 || v === '0' ? 0 : typeof v === 'string' ? parseDuration(v) : null;
      if (ms !== null && ms >= 0) return ms;
      ctx.addIssue({ code: 'custom', message: `expected a duration like 10m, or 0 for none, got ${show(v)}` });
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
      if (!isHttpUrl(url)) {
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

  // Each runtime owns its keys: an agent block may hold the common keys and those of any runtime (so a key
  // of another runtime gets a clear message rather than "unknown key"); its own runtime's are checked below.
  const kit: SchemaKit = { z, text, bool, posInt, oneOf, stringList: (what) => z.array(text(), expected(what)) };
  const runtimeKeys = RUNTIMES.map((r) => ({ name: r.name, runtime: r, keys: r.configKeys(kit) }));
  const owners = new Map<string, string[]>();
  for (const { name: rt, keys } of runtimeKeys) for (const key of Object.keys(keys)) owners.set(key, [...(owners.get(key) ?? []), rt]);
  const byRuntime = Object.fromEntries([...owners.keys()].map((k) => [k, z.unknown().optional()]));

  const agentSchema = strictObject(
    {
      runtime: oneOf(RUNTIME_NAMES as [string, ...string[]]).optional(),
      workspace: text().optional(),
      model: text().optional(),
      ...byRuntime,
      timeout: duration().optional(),
      max_concurrent: limit().optional(),
      prompt: text().optional(),
      env: z.record(z.string(), z.string(expected('a string (quote numbers and booleans)')), expected('a mapping of variable names to strings')).optional(),
      webhook_url: httpUrl().optional(),
      quota_bucket: text().optional(),
      heartbeat_timeout: offOrDuration().optional(),
      // herdctl's own workflow settings (docs/workflows.md): a worktree per job, retries, budgets
      isolation: oneOf(['worktree', 'none']).optional(),
      retries: z.number(expected('an integer ≥ 0')).int().nonnegative().optional(),
      retry_backoff: duration().optional(),
      max_budget_usd: z.number(expected('an amount in US dollars above 0, like 2.50')).positive().optional(),
      requeue_on_host_loss: bool().optional(),
      daily_budget_usd: z.number(expected('an amount in US dollars above 0, like 20')).positive().optional(),
      schedules: orEmpty(z.record(name('schedule'), orEmpty(scheduleSchema), expected('a mapping of schedule names to schedules'))),
    },
    'a mapping of agent settings',
  ).superRefine((a, ctx) => {
    const rt = (a.runtime as string | undefined) ?? 'claude';
    const own = runtimeKeys.find((r) => r.name === rt)!;
    for (const [key, rts] of owners) {
      const value = (a as Record<string, unknown>)[key];
      if (value === undefined) continue;
      if (!rts.includes(rt)) {
        const used = rts.map((r) => `runtime: ${r}`).join(' or ');
        ctx.addIssue({ code: 'custom', path: [key], message: `is only used with ${used} (this agent's runtime is ${a.runtime ?? 'claude, the default'})` });
        continue;
      }
      const checked = own.keys[key].safeParse(value);
      if (!checked.success) for (const i of checked.error.issues) ctx.addIssue({ code: 'custom', path: [key, ...i.path], message: i.message });
    }
    for (const p of own.runtime.checkAgent?.(a as Record<string, unknown>) ?? []) ctx.addIssue({ code: 'custom', path: [p.key], message: p.message });
  });

  const price = strictObject(
    {
      input: z.number(expected('USD per million input tokens')).nonnegative(),
      output: z.number(expected('USD per million output tokens')).nonnegative(),
      cached_input: z.number(expected('USD per million cached input tokens')).nonnegative().optional(),
    },
    'a mapping with input, output and cached_input prices (USD per million tokens)',
  );

  const configSchema = orEmpty(
    strictObject(
      {
        agents: orEmpty(z.record(name('agent'), orEmpty(agentSchema), expected('a mapping of agent names to agents'))),
        jobs: orEmpty(
          strictObject(
            { max_concurrent: limit().optional(), heartbeat_timeout: offOrDuration().optional(), cancel_grace: duration().optional(), requeue_on_host_loss: bool().optional() },
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
        pricing: orEmpty(z.record(z.string(), price, expected('a mapping of model names to prices'))),
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
      'a mapping with agents, jobs, quotas, pricing and webhooks',
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
export const configSchema = () => (schemaMemo ??= makeSchema());

export type Parsed = Z.output<ReturnType<typeof makeSchema>>;
export type ParsedAgent = Parsed['agents'][string];
export type ParsedSchedule = ParsedAgent['schedules'][string];
