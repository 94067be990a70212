import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { allSchedules, findConfigPath, getAgent, loadConfig, parseConfig } from '../src/core/config.js';
import { HerdError } from '../src/core/errors.js';

const SPEC_EXAMPLE = `agents:
  bragdoc-coder:
    runtime: claude            # claude | command (others may follow: codex, gemini)
    workspace: ~/code/bragdoc
    model: claude-sonnet-4-6
    permission_mode: acceptEdits
    allowed_tools: [Read, Edit, Bash]
    max_turns: 50
    timeout: 30m               # wall clock; exitReason timeout
    max_concurrent: 1          # per agent; a global [jobs] max_concurrent too
    prompt: Review open TODOs  # default prompt
    schedules:
      daily-standup:
        cron: "0 9 * * 1-5"
        timezone: Europe/Berlin
        prompt: Write today's standup
  nightly-tests:
    runtime: command           # any program: stdout lines become output events
    command: ["npm", "test"]
    workspace: ~/code/app
    schedules:
      nightly: { cron: "0 2 * * *" }
`;

const tmp = mkdtempSync(join(tmpdir(), 'herdctl-config-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The config error's lines; fails the test when the text is valid. */
function problems(text: string): string[] {
  try {
    parseConfig(text, 'herdctl.yaml');
  } catch (e) {
    assert.ok(e instanceof HerdError, `not a HerdError: ${String(e)}`);
    assert.equal(e.code, 'config');
    assert.equal(e.exitCode, 6);
    assert.equal(e.suggestion, 'fix the file, then run: herdctl agents list');
    assert.doesNotMatch(e.message, /\n\s+at /, 'no stack trace');
    return e.message.split('\n');
  }
  return assert.fail('expected a config error');
}

/** An agent block with one schedule whose body is `body`, at line 4. */
const schedule = (body: string) => `agents:\n  a:\n    schedules:\n      s: ${body}\n`;

// ─── Valid configs ───────────────────────────────────────────────────────────

test('the SPEC §4 example parses into camelCase, durations in ms, ~ expanded', () => {
  const c = parseConfig(SPEC_EXAMPLE, '/etc/herd/herdctl.yaml');
  assert.equal(c.file, '/etc/herd/herdctl.yaml');
  assert.deepEqual(Object.keys(c.agents), ['bragdoc-coder', 'nightly-tests']);
  const coder = getAgent(c, 'bragdoc-coder');
  assert.equal(coder.runtime, 'claude');
  assert.equal(coder.workspace, join(homedir(), 'code/bragdoc'));
  assert.equal(coder.model, 'claude-sonnet-4-6');
  assert.equal(coder.permissionMode, 'acceptEdits');
  assert.deepEqual(coder.allowedTools, ['Read', 'Edit', 'Bash']);
  assert.equal(coder.maxTurns, 50);
  assert.equal(coder.timeoutMs, 30 * 60_000);
  assert.equal(coder.maxConcurrent, 1);
  assert.equal(coder.prompt, 'Review open TODOs');
  assert.equal(coder.command, null);
  assert.equal(coder.heartbeatTimeoutMs, 0, 'falls back to jobs.heartbeat_timeout: off by default');
  assert.deepEqual(coder.schedules, [
    {
      agent: 'bragdoc-coder',
      name: 'daily-standup',
      cron: '0 9 * * 1-5',
      everyMs: null,
      timezone: 'Europe/Berlin',
      prompt: "Write today's standup",
      catchUp: 'once',
      overlap: 'skip',
      enabled: true,
    },
  ]);
  const tests = getAgent(c, 'nightly-tests');
  assert.equal(tests.runtime, 'command');
  assert.deepEqual(tests.command, ['npm', 'test']);
  assert.equal(tests.workspace, join(homedir(), 'code/app'));
  assert.equal(tests.schedules[0].timezone, 'UTC');
});

test('raw keeps the agent block by its YAML names, for runtimes', () => {
  const { raw } = getAgent(parseConfig(SPEC_EXAMPLE, 'herdctl.yaml'), 'bragdoc-coder');
  assert.equal(raw.permission_mode, 'acceptEdits');
  assert.deepEqual(raw.allowed_tools, ['Read', 'Edit', 'Bash']);
  assert.equal(raw.max_turns, 50);
  assert.equal(raw.timeout, '30m');
});

test('workspace defaults to the config directory; relative ones resolve against it', () => {
  const c = parseConfig('agents:\n  a: {}\n  b: { workspace: ../src }\n  c:\n', '/srv/herd/herdctl.yaml');
  assert.equal(c.agents.a.workspace, '/srv/herd');
  assert.equal(c.agents.b.workspace, '/srv/src');
  assert.equal(c.agents.c.workspace, '/srv/herd', 'an empty agent block is all defaults');
});

test('an empty file, a comment-only file and no file at all are configs without agents', () => {
  for (const c of [parseConfig('', 'herdctl.yaml'), parseConfig('# nothing yet\n', 'herdctl.yaml'), loadConfig(null)]) {
    assert.deepEqual(c.agents, {});
    assert.deepEqual(c.jobs, { maxConcurrent: 4, heartbeatTimeoutMs: 0, cancelGraceMs: 30_000, requeueOnHostLoss: false });
    assert.deepEqual(c.webhooks, { secret: null, retryMax: 8, retryBaseMs: 5_000, timeoutMs: 10_000 });
    assert.deepEqual(allSchedules(c), []);
  }
  assert.equal(loadConfig(null).file, null);
});

test('jobs, quotas and webhooks sections, with durations in ms', () => {
  const c = parseConfig(
    `jobs: { max_concurrent: 2, heartbeat_timeout: 5m, cancel_grace: 1m30s, requeue_on_host_loss: true }
quotas:
  team: { tasks_per_hour: 10, tasks_total: 50 }
  open:
webhooks: { secret: s3cret, retry_max: 0, retry_base: 2s, timeout: 500ms }
agents:
  a: { quota_bucket: team, heartbeat_timeout: 1h, webhook_url: "https://example.com/hook", env: { A: "1" }, runtime: command, command: [make], prompt_arg: true }
  b: { runtime: command, command: [make], requeue_on_host_loss: false }
pricing:
  gpt-6.1-sol: { input: 1.25, output: 10 }
  gemini-3.8-flash: { input: 0.3, output: 2.5, cached_input: 0.075 }
`,
    'herdctl.yaml',
  );
  assert.deepEqual(c.jobs, { maxConcurrent: 2, heartbeatTimeoutMs: 300_000, cancelGraceMs: 90_000, requeueOnHostLoss: true });
  assert.deepEqual(c.quotas, { team: { tasksPerHour: 10, tasksTotal: 50 }, open: { tasksPerHour: null, tasksTotal: null } });
  assert.deepEqual(c.webhooks, { secret: 's3cret', retryMax: 0, retryBaseMs: 2_000, timeoutMs: 500 });
  const a = c.agents.a;
  assert.equal(a.quotaBucket, 'team');
  assert.equal(a.heartbeatTimeoutMs, 3_600_000);
  assert.equal(a.webhookUrl, 'https://example.com/hook');
  assert.deepEqual(a.env, { A: '1' });
  assert.equal(a.promptArg, true);
  assert.equal(a.requeueOnHostLoss, true, 'from jobs:');
  assert.equal(c.agents.b.requeueOnHostLoss, false, "the agent's own wins");
  assert.deepEqual(c.pricing, { 'gpt-6.1-sol': { input: 1.25, output: 10 }, 'gemini-3.8-flash': { input: 0.3, output: 2.5, cachedInput: 0.075 } });
});

test('schedules: macros expand, 6 fields and intervals pass', () => {
  const c = parseConfig(
    `agents:
  a:
    schedules:
      m: { cron: "@midnight", timezone: America/New_York }
      w: { cron: "@weekly" }
      s: { cron: " 0  30 9 * * * " }
      i: { every: 90s, catch_up: none, overlap: queue, enabled: false, prompt: ping }
  b: { schedules: { h: { cron: "@hourly" } } }
`,
    'herdctl.yaml',
  );
  const byName = Object.fromEntries(allSchedules(c).map((s) => [`${s.agent}/${s.name}`, s]));
  assert.deepEqual(Object.keys(byName), ['a/m', 'a/w', 'a/s', 'a/i', 'b/h']);
  assert.equal(byName['a/m'].cron, '0 0 * * *');
  assert.equal(byName['a/m'].timezone, 'America/New_York');
  assert.equal(byName['a/w'].cron, '0 0 * * 0');
  assert.equal(byName['a/s'].cron, '0 30 9 * * *');
  assert.deepEqual({ ...byName['a/i'] }, { agent: 'a', name: 'i', cron: null, everyMs: 90_000, timezone: 'UTC', prompt: 'ping', catchUp: 'none', overlap: 'queue', enabled: false });
  assert.equal(byName['b/h'].cron, '0 * * * *');
});

// ─── Errors: one line per problem, file:line:col, key path ───────────────────

test('wrong types name the file, line, column, key and the value given', () => {
  const lines = problems(`agents:
  bragdoc-coder:
    runtime: claude
    allowed_tools: [Read, 3]
    timeout: 30 minutes
    prompt_arg: yes
    max_turns: fifty
`);
  assert.deepEqual(lines, [
    'herdctl.yaml:4:27: agents.bragdoc-coder.allowed_tools[1]: expected a non-empty string, got 3',
    'herdctl.yaml:5:5: agents.bragdoc-coder.timeout: expected a duration like 30s, 10m or 1h30m, got "30 minutes"',
    "herdctl.yaml:6:5: agents.bragdoc-coder.prompt_arg: is only used with runtime: command (this agent's runtime is claude)",
    'herdctl.yaml:7:5: agents.bragdoc-coder.max_turns: expected a positive integer, got "fifty"',
  ]);
});

test('enums, URLs, env values and numeric limits are checked', () => {
  const lines = problems(`agents:
  a:
    runtime: cursor
    model: ''
    webhook_url: ftp://example.com
    env: { PORT: 8080 }
    max_concurrent: -1
jobs: { max_concurrent: 1.5 }
webhooks: { retry_max: -1, retry_base: 0s }
`);
  assert.deepEqual(lines, [
    'herdctl.yaml:3:5: agents.a.runtime: expected one of claude, codex, gemini, command, got "cursor"',
    'herdctl.yaml:4:5: agents.a.model: expected a non-empty string, got ""',
    'herdctl.yaml:5:5: agents.a.webhook_url: expected an http(s) URL, got "ftp://example.com"',
    'herdctl.yaml:6:12: agents.a.env.PORT: expected a string (quote numbers and booleans), got 8080',
    'herdctl.yaml:7:5: agents.a.max_concurrent: expected a non-negative integer (0: unlimited), got -1',
    'herdctl.yaml:8:9: jobs.max_concurrent: expected a non-negative integer (0: unlimited), got 1.5',
    'herdctl.yaml:9:13: webhooks.retry_max: expected an integer ≥ 0, got -1',
    'herdctl.yaml:9:28: webhooks.retry_base: expected a duration above zero, got "0s"',
  ]);
});

test('unknown keys are reported one per line, listing the allowed keys', () => {
  const lines = problems('agent:\n  a: {}\nagents:\n  a: { max_turn: 5, modle: x }\n');
  assert.equal(lines.length, 3);
  assert.equal(lines[0], 'herdctl.yaml:1:1: agent: unknown key; did you mean "agents"? allowed keys: agents, jobs, quotas, pricing, webhooks');
  assert.match(lines[1], /^herdctl\.yaml:4:8: agents\.a\.max_turn: unknown key; did you mean "max_turns"\? allowed keys: runtime, workspace, model, .*max_turns.*, schedules$/);
  assert.match(lines[2], /^herdctl\.yaml:4:21: agents\.a\.modle: unknown key; did you mean "model"\? allowed keys: /);
});

test('each runtime owns its keys: checked with its own messages, refused on an agent of another runtime', () => {
  assert.deepEqual(
    problems(`agents:
  x:
    runtime: codex
    sandbox: wide-open
    permission_mode: plan
  g:
    runtime: gemini
    approval_mode: yolo
    max_turns: 0
    codex_config: { a: 1 }
pricing:
  m: { input: cheap, output: 1 }
`),
    [
      'herdctl.yaml:4:5: agents.x.sandbox: expected one of read-only, workspace-write, danger-full-access, got "wide-open"',
      "herdctl.yaml:5:5: agents.x.permission_mode: is only used with runtime: claude (this agent's runtime is codex)",
      'herdctl.yaml:9:5: agents.g.max_turns: expected a positive integer, got 0',
      "herdctl.yaml:10:5: agents.g.codex_config: is only used with runtime: codex (this agent's runtime is gemini)",
      'herdctl.yaml:12:8: pricing.m.input: expected USD per million input tokens, got "cheap"',
    ],
  );
  const ok = parseConfig(
    'agents:\n  x: { runtime: codex, sandbox: workspace-write, max_turns: 3, codex_config: { model_reasoning_effort: high } }\n  g: { runtime: gemini, approval_mode: auto_edit }\n',
    'herdctl.yaml',
  );
  assert.equal(ok.agents.x.runtime, 'codex');
  assert.equal(ok.agents.x.raw.sandbox, 'workspace-write');
  assert.equal(ok.agents.g.raw.approval_mode, 'auto_edit');
});

test('the command runtime needs a command, and only it takes one', () => {
  assert.deepEqual(problems('agents:\n  t:\n    runtime: command\n  c:\n    command: [make]\n  e: { runtime: command, command: [] }\n'), [
    'herdctl.yaml:2:3: agents.t.command: is required with runtime: command, e.g. command: ["npm", "test"]',
    "herdctl.yaml:5:5: agents.c.command: is only used with runtime: command (this agent's runtime is claude, the default)",
    'herdctl.yaml:6:26: agents.e.command: expected a non-empty list of strings, got a list',
  ]);
});

test('cron: 7 fields and garbage are rejected with the reason', () => {
  assert.deepEqual(problems(schedule('{ cron: "0 0 9 * * 1-5 2025" }')), [
    'herdctl.yaml:4:12: agents.a.schedules.s.cron: invalid cron "0 0 9 * * 1-5 2025": has 7 fields, expected 5 (minute hour day month weekday) or 6 (seconds first)',
  ]);
  assert.deepEqual(problems(schedule('{ cron: "61 * * * *" }')), ['herdctl.yaml:4:12: agents.a.schedules.s.cron: invalid cron "61 * * * *": Constraint error, got value 61 expected range 0-59']);
  assert.match(problems(schedule('{ cron: "every day" }'))[0], /^herdctl\.yaml:4:12: agents\.a\.schedules\.s\.cron: invalid cron "every day": has 2 fields/);
  assert.match(problems(schedule('{ cron: "a b c d e" }'))[0], /^herdctl\.yaml:4:12: agents\.a\.schedules\.s\.cron: invalid cron "a b c d e": /);
  assert.match(problems(schedule('{ cron: "@reboot" }'))[0], /invalid cron "@reboot": unknown macro; use one of @yearly, .*@hourly$/);
});

test('schedules: unknown time zone, both or neither trigger, too short an interval', () => {
  assert.deepEqual(problems(schedule('{ cron: "0 9 * * *", timezone: Mars/Olympus }')), [
    'herdctl.yaml:4:31: agents.a.schedules.s.timezone: unknown time zone "Mars/Olympus"; use an IANA name like Europe/Berlin or UTC',
  ]);
  assert.deepEqual(problems(schedule('{ cron: "0 9 * * *", every: 1h }')), ['herdctl.yaml:4:7: agents.a.schedules.s: has both cron and every; keep one']);
  assert.deepEqual(problems(schedule('{ prompt: hi }')), ['herdctl.yaml:4:7: agents.a.schedules.s: needs cron or every']);
  assert.deepEqual(problems(schedule('{ every: 500ms }')), ['herdctl.yaml:4:12: agents.a.schedules.s.every: expected a duration of at least 1s, got "500ms"']);
});

test('agent, schedule and bucket names must be safe directory names', () => {
  assert.match(problems('agents:\n  a..b: {}\n')[0], /invalid agent name "a\.\.b"/);
  assert.deepEqual(problems('agents:\n  ../x: {}\n  ok:\n    schedules:\n      Daily: { every: 1h }\nquotas: { "a b": {} }\n'), [
    'herdctl.yaml:2:3: agents["../x"]: invalid agent name "../x": use 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, no ".."',
    'herdctl.yaml:5:7: agents.ok.schedules.Daily: invalid schedule name "Daily": use 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, no ".."',
    'herdctl.yaml:6:11: quotas["a b"]: invalid quota bucket name "a b": use 1-64 lowercase letters, digits, ".", "_" or "-", starting with a letter or digit, no ".."',
  ]);
});

test('YAML syntax errors and duplicate keys carry line numbers', () => {
  const lines = problems('agents:\n  a: { model: x\n  b: {}\n');
  assert.ok(lines.length >= 1);
  for (const line of lines) assert.match(line, /^herdctl\.yaml:\d+:\d+: invalid YAML: \S/);
  assert.deepEqual(problems('agents:\n  a: {}\n  a: {}\n'), ['herdctl.yaml:3:3: invalid YAML: Map keys must be unique']);
  assert.match(problems('agents:\n  a: *nowhere\n')[0], /^herdctl\.yaml:1:1: invalid YAML: Unresolved alias/);
});

test('quota_bucket must name a bucket in quotas', () => {
  assert.deepEqual(problems('quotas: { team: { tasks_total: 3 } }\nagents:\n  a: { quota_bucket: teem }\n'), [
    'herdctl.yaml:3:8: agents.a.quota_bucket: no quota bucket "teem" (quotas defines: team)',
  ]);
  assert.deepEqual(problems('agents:\n  a: { quota_bucket: team }\n'), ['herdctl.yaml:2:8: agents.a.quota_bucket: no quota bucket "team" (quotas defines no buckets)']);
});

test('the top level must be a mapping, and so must agents', () => {
  assert.deepEqual(problems('- a\n- b\n'), ['herdctl.yaml:1:1: expected a mapping with agents, jobs, quotas, pricing and webhooks, got a list']);
  assert.deepEqual(problems('agents: [a, b]\n'), ['herdctl.yaml:1:1: agents: expected a mapping of agent names to agents, got a list']);
});

// ─── Discovery and loading ───────────────────────────────────────────────────

/** A fresh tree: <root>/home (the state dir), <root>/repo/sub/deeper (the cwd). */
function tree(name: string) {
  const root = join(tmp, name);
  const home = join(root, 'home');
  const repo = join(root, 'repo');
  const cwd = join(repo, 'sub', 'deeper');
  mkdirSync(home, { recursive: true });
  mkdirSync(cwd, { recursive: true });
  const put = (dir: string, file = 'herdctl.yaml'): string => {
    writeFileSync(join(dir, file), '');
    return join(dir, file);
  };
  return { root, home, repo, cwd, put };
}

test('discovery: --config beats HERDCTL_CONFIG beats ./herdctl.yaml walking up beats <home>/herdctl.yaml', () => {
  const t = tree('order');
  assert.equal(findConfigPath({ env: {}, cwd: t.cwd, home: t.home }), null);
  const inHome = t.put(t.home);
  assert.equal(findConfigPath({ env: {}, cwd: t.cwd, home: t.home }), inHome);
  const inRepo = t.put(t.repo);
  assert.equal(findConfigPath({ env: {}, cwd: t.cwd, home: t.home }), inRepo, 'found two levels up');
  const inCwd = t.put(t.cwd);
  assert.equal(findConfigPath({ env: {}, cwd: t.cwd, home: t.home }), inCwd, 'the nearest wins');
  const fromEnv = t.put(t.root, 'env.yaml');
  assert.equal(findConfigPath({ env: { HERDCTL_CONFIG: fromEnv }, cwd: t.cwd, home: t.home }), fromEnv);
  const fromFlag = t.put(t.root, 'flag.yaml');
  assert.equal(findConfigPath({ flag: '../../../flag.yaml', env: { HERDCTL_CONFIG: fromEnv }, cwd: t.cwd, home: t.home }), fromFlag, 'relative to cwd');
});

test('discovery: a --config or HERDCTL_CONFIG naming a missing file is an error', () => {
  const t = tree('missing');
  t.put(t.cwd);
  assert.throws(
    () => findConfigPath({ flag: 'nope.yaml', env: {}, cwd: t.cwd, home: t.home }),
    (e: unknown) => e instanceof HerdError && e.code === 'config' && e.message.startsWith(`config file ${join(t.cwd, 'nope.yaml')} not found`),
  );
  assert.throws(
    () => findConfigPath({ env: { HERDCTL_CONFIG: join(t.root, 'gone.yaml') }, cwd: t.cwd, home: t.home }),
    (e: unknown) => e instanceof HerdError && e.code === 'config' && /gone\.yaml not found \(from HERDCTL_CONFIG\)/.test(e.message),
  );
});

test('discovery: a directory named herdctl.yaml is not a config', () => {
  const t = tree('dir');
  mkdirSync(join(t.cwd, 'herdctl.yaml'));
  const inRepo = t.put(t.repo);
  assert.equal(findConfigPath({ env: {}, cwd: t.cwd, home: t.home }), inRepo);
});

test('loadConfig reads the file and names it in errors', () => {
  const t = tree('load');
  const file = join(t.repo, 'herdctl.yaml');
  writeFileSync(file, 'agents:\n  a: { max_turns: 3 }\n');
  assert.equal(loadConfig(file).agents.a.maxTurns, 3);
  assert.equal(loadConfig(file).agents.a.workspace, t.repo);
  writeFileSync(file, 'agents:\n  a: { max_turns: -3 }\n');
  assert.throws(() => loadConfig(file), { code: 'config', message: `${file}:2:8: agents.a.max_turns: expected a positive integer, got -3` });
  assert.throws(() => loadConfig(join(t.root, 'absent.yaml')), { code: 'config', message: /absent\.yaml not found/ });
});

test('getAgent lists the known agents, or says no config file was found', () => {
  const c = parseConfig(SPEC_EXAMPLE, '/etc/herd/herdctl.yaml');
  assert.throws(() => getAgent(c, 'bragdoc'), {
    name: 'HerdError',
    code: 'not_found',
    message: 'no agent "bragdoc" in /etc/herd/herdctl.yaml (known agents: bragdoc-coder, nightly-tests; built-in agents: claude, codex, gemini)',
    suggestion: 'herdctl agents list',
  });
  assert.throws(() => getAgent(c, 'constructor'), { code: 'not_found' });
  assert.throws(() => getAgent(parseConfig('', '/x/herdctl.yaml'), 'a'), { message: 'no agent "a" in /x/herdctl.yaml (it defines no agents; built-in agents: claude, codex, gemini)' });
  assert.throws(() => getAgent(loadConfig(null), 'a'), { code: 'not_found', message: /^no agent "a": no config file found \(looked for --config, HERDCTL_CONFIG, / });
});

test('0 means none, as in the seed: max_concurrent 0 is unlimited, heartbeat_timeout 0 is no timeout; the heartbeat is off by default', () => {
  const c = parseConfig(
    `agents:
  a: { runtime: command, command: [make], max_concurrent: 0, heartbeat_timeout: 0 }
  b: { runtime: command, command: [make], heartbeat_timeout: "0s" }
  c: { runtime: command, command: [make], heartbeat_timeout: "0" }
  d: { runtime: command, command: [make], heartbeat_timeout: 20m }
  e: { runtime: command, command: [make] }
jobs: { max_concurrent: 0, heartbeat_timeout: 0 }
`,
    'herdctl.yaml',
  );
  assert.deepEqual(c.jobs, { maxConcurrent: 0, heartbeatTimeoutMs: 0, cancelGraceMs: 30_000, requeueOnHostLoss: false });
  const got = ['a', 'b', 'c', 'd', 'e'].map((n) => [n, getAgent(c, n).maxConcurrent, getAgent(c, n).heartbeatTimeoutMs]);
  assert.deepEqual(got, [
    ['a', 0, 0],
    ['b', 1, 0],
    ['c', 1, 0],
    ['d', 1, 1_200_000],
    ['e', 1, 0],
  ]);
  assert.equal(parseConfig('agents:\n  a: { runtime: command, command: [make] }\n', 'herdctl.yaml').agents.a.heartbeatTimeoutMs, 0, 'off without a config saying otherwise');
  assert.deepEqual(problems('jobs: { heartbeat_timeout: -5 }\n'), ['herdctl.yaml:1:9: jobs.heartbeat_timeout: expected a duration like 10m, or 0 for none, got -5']);
});
