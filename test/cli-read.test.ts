import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type CliResult, hasStackTrace, runCli } from './support/cli.js';
import { jobIdAt, seqEvents, writeJob } from './support/jobs.js';
import { tempHome } from './support/tmp.js';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** No stack trace, and every "herdctl: …" error line is followed by a "try: …" line. */
function cleanErrors(r: CliResult, what: string): void {
  assert.ok(!hasStackTrace(r.stderr), `${what}: stack trace in stderr:\n${r.stderr}`);
  const lines = r.stderr.split('\n');
  lines.forEach((l, i) => {
    if (/^herdctl: /.test(l) && !/(torn last line|corrupt line)/.test(l)) assert.match(lines.slice(i + 1).join('\n'), /^\s+try: \S/m, `${what}: no suggestion after ${JSON.stringify(l)}`);
  });
}

function expectError(r: CliResult, code: number, what: string, ...mentions: (string | RegExp)[]): void {
  assert.equal(r.code, code, `${what}: exit ${r.code}, stderr: ${r.stderr}`);
  assert.notEqual(r.stderr.trim(), '', `${what}: silent failure`);
  assert.match(r.stderr, /try: \S/, `${what}: no suggestion in ${JSON.stringify(r.stderr)}`);
  cleanErrors(r, what);
  for (const m of mentions) assert.ok(typeof m === 'string' ? r.stderr.includes(m) : m.test(r.stderr), `${what}: stderr lacks ${m}: ${r.stderr}`);
}

const EVENTS = seqEvents([
  { type: 'start', argv: ['claude', '-p', 'Fix the bug'], cwd: '/tmp/ws', pid: 4242 },
  { type: 'output', text: 'Looking at the code' },
  { type: 'tool_use', tool: 'Read', toolUseId: 'tu_1', input: { file_path: 'src/app.ts' } },
  { type: 'tool_result', toolUseId: 'tu_1', isError: false, content: 'export const app = 1' },
  { type: 'tool_use', tool: 'Bash', toolUseId: 'tu_2', input: { command: 'npm test' } },
  { type: 'tool_result', toolUseId: 'tu_2', isError: true, content: 'exit 1: 3 tests failed' },
  { type: 'error', message: 'rate limited, retrying', fatal: false },
  { type: 'output', text: 'All fixed' },
  { type: 'complete', status: 'completed', exitReason: 'success', exitCode: 0, usage: { inputTokens: 1200, outputTokens: 340 } },
]);

function richJob(home: string) {
  const created = Date.now() - 2 * HOUR;
  return writeJob(home, {
    id: jobIdAt(created, 'r1chj0b0'),
    createdAt: new Date(created).toISOString(),
    agent: 'bragdoc-coder',
    schedule: 'daily-standup',
    trigger: 'schedule',
    status: 'completed',
    exitReason: 'success',
    sessionId: 'sess-0f3c9a',
    parentJobId: 'job-20260101-000000-parent00',
    prompt: "Write today's standup\nwith two lines",
    workspace: '/home/u/code/bragdoc',
    startedAt: new Date(created + 5_000).toISOString(),
    completedAt: new Date(created + 95_000).toISOString(),
    error: 'a non-fatal hiccup',
    cancelReason: 'not needed any more',
    pid: 4242,
    runnerPid: 4241,
    host: 'build-box-7',
    usage: { inputTokens: 1200, outputTokens: 340, cacheReadTokens: 55, cacheCreationTokens: 0, costUsd: 0.0123, turns: 4 },
    summary: 'Standup written to STANDUP.md',
    recap: { headline: 'Wrote the standup', bullets: ['ran Read, Bash', 'touched STANDUP.md'] },
    priority: 7,
    tags: ['team-a', 'daily'],
    quotaBucket: 'nightly-bucket',
    webhookUrl: 'https://hooks.example.com/herd',
    events: EVENTS,
  });
}

test('a state dir that does not exist: friendly empty list, exit 0, nothing created', async (t) => {
  const home = tempHome(t);
  const [human, json, show] = await Promise.all([runCli(['jobs', 'list'], { home }), runCli(['jobs', 'list', '--json'], { home }), runCli(['jobs', 'show', 'job-20260115-093000-k3x9a2bq'], { home })]);
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /no jobs/i);
  assert.equal(human.stderr, '');
  assert.equal(json.code, 0);
  assert.deepEqual(JSON.parse(json.stdout), []);
  expectError(show, 3, 'show on an empty home');
  assert.equal(fs.existsSync(home), false, 'a read command created the state dir');
});

test('jobs list of hand-written jobs: newest first, filters, --json', async (t) => {
  const home = tempHome(t);
  const now = Date.now();
  const mk = (ago: number, status: string, agent: string, tail: string, extra = {}) =>
    writeJob(home, { id: jobIdAt(now - ago, tail), createdAt: new Date(now - ago).toISOString(), status, agent, ...extra }).id;
  const ids = [
    mk(30 * DAY, 'completed', 'a', 'aaaaaaa1'),
    mk(3 * DAY, 'failed', 'b', 'aaaaaaa2'),
    mk(5 * HOUR, 'completed', 'a', 'aaaaaaa3', { schedule: 'nightly' }),
    mk(2 * HOUR, 'failed', 'a', 'aaaaaaa4', { exitReason: 'timeout' }),
    // "run" by this test process: a live runner, so no look recovers it (one naming no runner would be failed)
    mk(HOUR, 'running', 'b', 'aaaaaaa5', { runnerPid: process.pid, host: hostname() }),
  ];
  const newest = [...ids].reverse();
  const listed = (r: CliResult) => (JSON.parse(r.stdout) as { id: string }[]).map((j) => j.id);
  const first = await runCli(['jobs', 'list', '--json'], { home }); // indexes the hand-written jobs (concurrent first lists: see store.test.ts)
  assert.deepEqual(listed(first), newest);
  const [table, all, failed, agentA, since, sinceDate, limited, none, combo, running] = await Promise.all([
    runCli(['jobs', 'list'], { home }),
    runCli(['jobs', 'list', '--json'], { home }),
    runCli(['jobs', 'list', '--status', 'failed', '--json'], { home }),
    runCli(['jobs', 'list', '--agent', 'a', '--json'], { home }),
    runCli(['jobs', 'list', '--since', '24h', '--json'], { home }),
    runCli(['jobs', 'list', '--since', new Date(now - 10 * DAY).toISOString().slice(0, 10), '--json'], { home }),
    runCli(['jobs', 'list', '--limit', '2', '--json'], { home }),
    runCli(['jobs', 'list', '--agent', 'nobody'], { home }),
    runCli(['jobs', 'list', '--agent', 'a', '--status', 'failed', '--since', '7d', '--json'], { home }),
    runCli(['jobs', 'list', '--status', 'running', '--json'], { home }),
  ]);
  for (const r of [table, all, failed, agentA, since, sinceDate, limited, combo, running]) assert.equal(r.code, 0, r.stderr);
  assert.equal(none.code, 3, 'an agent that has no jobs, no queue and no config entry is a typo, not an empty list');
  assert.match(none.stderr, /no agent "nobody"/);
  const rows = table.stdout.trimEnd().split('\n');
  assert.match(rows[0], /^ID\s+AGENT\s+STATUS/);
  assert.deepEqual(
    rows.slice(1).map((l) => l.split(/\s+/)[0]),
    newest,
  );
  assert.match(
    rows.find((l) => l.startsWith(ids[3]))!,
    /failed\s+timeout/,
  );
  assert.match(
    rows.find((l) => l.startsWith(ids[2]))!,
    /nightly/,
  );
  // eslint-disable-next-line no-control-regex -- an escape sequence is what must be absent
  assert.doesNotMatch(table.stdout, /\x1b\[/, 'colors in a pipe');
  assert.deepEqual(listed(all), newest);
  assert.equal((JSON.parse(all.stdout) as Record<string, unknown>[])[0].agent, 'b');
  assert.deepEqual(listed(failed), [ids[3], ids[1]]);
  assert.deepEqual(listed(agentA), [ids[3], ids[2], ids[0]]);
  assert.deepEqual(listed(since), [ids[4], ids[3], ids[2]]);
  assert.deepEqual(listed(sinceDate), newest.slice(0, 4));
  assert.deepEqual(listed(limited), newest.slice(0, 2));
  assert.deepEqual(listed(combo), [ids[3]]);
  assert.deepEqual(listed(running), [ids[4]]);
});

test('jobs show: every field, readable; --json gives the object; prefixes resolve', async (t) => {
  const home = tempHome(t);
  const { id, job } = richJob(home);
  const [human, json, byPrefix] = await Promise.all([
    runCli(['jobs', 'show', id], { home }),
    runCli(['jobs', 'show', id, '--json'], { home }),
    runCli(['jobs', 'show', id.slice(4, 22), '--json'], { home }),
  ]);
  assert.equal(human.code, 0, human.stderr);
  for (const v of [
    id,
    'bragdoc-coder',
    'completed',
    'success',
    'schedule',
    'daily-standup',
    'sess-0f3c9a',
    'job-20260101-000000-parent00',
    "Write today's standup",
    'with two lines',
    '/home/u/code/bragdoc',
    job.createdAt,
    job.startedAt,
    job.completedAt,
    '1m30s',
    'a non-fatal hiccup',
    'not needed any more',
    '4242',
    '4241',
    'build-box-7',
    '1200',
    '340',
    '0.0123',
    'Standup written to STANDUP.md',
    'Wrote the standup',
    'touched STANDUP.md',
    '7',
    'team-a',
    'daily',
    'nightly-bucket',
    'https://hooks.example.com/herd',
    join(home, 'jobs', id, 'output.jsonl'),
  ] as string[]) {
    assert.ok(human.stdout.includes(v), `jobs show lacks ${JSON.stringify(v)}:\n${human.stdout}`);
  }
  assert.equal(json.code, 0, json.stderr);
  const obj = JSON.parse(json.stdout);
  for (const [k, v] of Object.entries(job)) assert.deepEqual(obj[k], v, `--json field ${k}`);
  assert.equal(byPrefix.code, 0, byPrefix.stderr);
  assert.equal(JSON.parse(byPrefix.stdout).id, id);
});

test('jobs logs --json prints the stored lines byte for byte (minus a torn last line)', async (t) => {
  const home = tempHome(t);
  const stored = [
    '{"seq":0,"ts":"2026-01-15T09:30:00Z","type":"start","argv":["claude"]}',
    '{ "type" : "output", "seq" : 1, "ts":"2026-01-15T09:30:01Z", "text": "caf\\u00e9 \\/ naïve 😀 \\"q\\"" }',
    '{"seq":2,"ts":"2026-01-15T09:30:02Z","type":"tool_use","tool":"Edit","input":{"a":[1,2.50,{"b":null}]},"extra":true}',
    '{"seq":3,"ts":"2026-01-15T09:30:03Z","type":"complete","status":"completed","exitReason":"success"}',
  ]
    .map((l) => l + '\n')
    .join('');
  const { id, dir } = writeJob(home, { events: stored + '{"seq":4,"ts":"2026-01-15T0' });
  const r = await runCli(['jobs', 'logs', id, '--json'], { home });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, stored);
  assert.ok(fs.readFileSync(join(dir, 'output.jsonl'), 'utf8').startsWith(r.stdout));
  assert.match(r.stderr, /line 5: torn last line/);
  cleanErrors(r, 'logs --json');
  // events after seq 1, as the API's ?since=1 and Last-Event-ID: 1 mean
  const since = await runCli(['jobs', 'logs', id, '--json', '--since-seq', '1'], { home });
  assert.equal(since.stdout, stored.split('\n').slice(2).join('\n'));
});

test('jobs logs renders each event type; --level error; --since-seq', async (t) => {
  const home = tempHome(t);
  const { id } = richJob(home);
  const failed = writeJob(home, {
    status: 'failed',
    events: seqEvents([
      { type: 'start', argv: ['x'] },
      { type: 'output', text: 'hi' },
      { type: 'error', message: 'boom', fatal: true },
      { type: 'complete', status: 'failed', exitReason: 'error', exitCode: 2 },
    ]),
  });
  const [human, errOnly, failedErr, fromSeq] = await Promise.all([
    runCli(['jobs', 'logs', id], { home }),
    runCli(['jobs', 'logs', id, '--level', 'error'], { home }),
    runCli(['jobs', 'logs', failed.id, '--level', 'error'], { home }),
    runCli(['jobs', 'logs', id, '--since-seq', '5'], { home }),
  ]);
  assert.equal(human.code, 0, human.stderr);
  const lines = human.stdout.trimEnd().split('\n');
  assert.equal(lines.length, EVENTS.length);
  const line = (seq: number) => lines[seq];
  assert.match(line(0), /start.*claude -p Fix the bug/);
  assert.match(line(1), /Looking at the code/);
  assert.match(line(2), /Read.*src\/app\.ts/);
  assert.match(line(3), /export const app = 1/);
  assert.doesNotMatch(line(3), /error/);
  assert.match(line(5), /error.*3 tests failed/);
  assert.match(line(6), /error.*rate limited, retrying/);
  assert.match(line(8), /completed.*success/);
  // eslint-disable-next-line no-control-regex -- an escape sequence is what must be absent
  assert.doesNotMatch(human.stdout, /\x1b\[/);
  assert.equal(errOnly.code, 0);
  assert.deepEqual(errOnly.stdout.trimEnd().split('\n').length, 1);
  assert.match(errOnly.stdout, /rate limited/);
  assert.deepEqual(
    failedErr.stdout
      .trimEnd()
      .split('\n')
      .map((l) => /boom|failed/.test(l)),
    [true, true],
  );
  assert.equal(fromSeq.stdout.trimEnd().split('\n').length, 3);
  assert.match(fromSeq.stdout, /rate limited[\s\S]*All fixed[\s\S]*completed/);
});

test('a tool_result with "is_error" (docs/formats.md field name) renders as an error and passes --level warn', async (t) => {
  const home = tempHome(t);
  const { id } = writeJob(home, {
    events: seqEvents([
      { type: 'tool_use', tool: 'Bash', id: 'tu_1', input: { command: 'false' } },
      { type: 'tool_result', id: 'tu_1', is_error: true, content: 'command failed' },
    ]),
  });
  const [human, warn] = await Promise.all([runCli(['jobs', 'logs', id], { home }), runCli(['jobs', 'logs', id, '--level', 'warn'], { home })]);
  assert.match(human.stdout.trimEnd().split('\n')[1], /error.*command failed/);
  assert.match(warn.stdout, /command failed/);
});

test('jobs logs --follow on a finished job exits with its outcome', async (t) => {
  const home = tempHome(t);
  const ended = (status: string, exitReason: string, withComplete = true) =>
    writeJob(home, {
      status,
      exitReason,
      events: seqEvents([{ type: 'start', argv: ['x'] }, { type: 'output', text: `ran ${status}/${exitReason}` }, ...(withComplete ? [{ type: 'complete', status, exitReason }] : [])]),
    }).id;
  const cases: [string, number][] = [
    [ended('completed', 'success'), 0],
    [ended('failed', 'error'), 1],
    [ended('cancelled', 'manual_cancel'), 130],
    [ended('failed', 'timeout'), 124],
    [ended('failed', 'timeout', false), 124], // no complete event: ends when job.json is terminal
    [ended('cancelled', 'manual_cancel', false), 130],
  ];
  const results = await Promise.all(cases.map(([id]) => runCli(['jobs', 'logs', id, '--follow'], { home, timeoutMs: 10_000 })));
  results.forEach((r, i) => {
    assert.equal(r.code, cases[i][1], `case ${i}: ${r.stderr}`);
    assert.match(r.stdout, /ran (completed|failed|cancelled)/);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
  });
  const json = await runCli(['jobs', 'logs', cases[1][0], '--follow', '--json'], { home });
  assert.equal(json.code, 1);
  assert.deepEqual(
    json.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).seq),
    [0, 1, 2],
  );
});

test('bad job.json (empty, truncated, non-JSON, unknown schema): list marks it unreadable, show/logs exit 8 naming the file', async (t) => {
  const home = tempHome(t);
  const good = writeJob(home, { createdAt: new Date(Date.now() - 10 * HOUR).toISOString(), events: EVENTS });
  const bad = ['', '{"id": "job-2026', 'this is not json', JSON.stringify({ name: 'x', state: 'done', version: 7 })].map((raw, i) =>
    writeJob(home, { createdAt: new Date(Date.now() - (i + 1) * HOUR).toISOString(), rawJobJson: raw }),
  );
  const [table, json] = await Promise.all([runCli(['jobs', 'list'], { home }), runCli(['jobs', 'list', '--json'], { home })]);
  assert.equal(table.code, 0, table.stderr);
  for (const b of bad) assert.match(table.stdout, new RegExp(`^${b.id}\\s+.*unreadable`, 'm'));
  assert.match(table.stdout, new RegExp(`^${good.id}\\s+coder\\s+completed`, 'm'));
  cleanErrors(table, 'list');
  const arr = JSON.parse(json.stdout) as { id: string; status: string; error?: string }[];
  assert.equal(arr.length, 5);
  for (const b of bad) {
    const row = arr.find((r) => r.id === b.id)!;
    assert.equal(row.status, 'unreadable');
    assert.ok(row.error?.includes(join(b.dir, 'job.json')), row.error);
  }
  const runs = await Promise.all(bad.flatMap((b) => [runCli(['jobs', 'show', b.id], { home }), runCli(['jobs', 'logs', b.id.slice(0, 24)], { home })]));
  runs.forEach((r, i) => expectError(r, 8, `show/logs of bad job ${i >> 1}`, join(bad[i >> 1].dir, 'job.json')));
  const jsonErr = await runCli(['jobs', 'show', bad[0].id, '--json'], { home });
  assert.equal(jsonErr.code, 8);
  assert.equal(JSON.parse(jsonErr.stdout).error, 'corrupt');
});

test('output.jsonl problems: missing file prints nothing; CRLF, corrupt middle and torn last lines are tolerated', async (t) => {
  const home = tempHome(t);
  const missing = writeJob(home, {});
  const messy = writeJob(home, {
    events: [JSON.stringify(EVENTS[0]) + '\r\n', JSON.stringify(EVENTS[1]) + '\r\n', '{"seq": 2, broken\n', JSON.stringify(EVENTS[3]) + '\n', '{"seq":4,"ts'].join(''),
  });
  const [m1, m2, h, j] = await Promise.all([
    runCli(['jobs', 'logs', missing.id], { home }),
    runCli(['jobs', 'logs', missing.id, '--json'], { home }),
    runCli(['jobs', 'logs', messy.id], { home }),
    runCli(['jobs', 'logs', messy.id, '--json'], { home }),
  ]);
  for (const r of [m1, m2]) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, '');
    assert.ok(!hasStackTrace(r.stderr));
  }
  assert.equal(h.code, 0, h.stderr);
  assert.equal(h.stdout.trimEnd().split('\n').length, 3);
  assert.match(h.stdout, /Looking at the code/);
  assert.match(h.stderr, /line 3: corrupt line/);
  assert.match(h.stderr, /line 5: torn last line/);
  assert.ok(!hasStackTrace(h.stderr));
  assert.deepEqual(
    j.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).seq),
    [0, 1, 3],
  );
});

test('usage errors exit 2 with a reason and a suggestion, never a stack trace', async (t) => {
  const home = tempHome(t);
  const { id } = writeJob(home, {});
  const cases: [string[], number, ...(string | RegExp)[]][] = [
    [['jobs', 'list', '--since', 'yesterday'], 2, 'yesterday'],
    [['jobs', 'list', '--since', '2024-13-45'], 2, '2024-13-45'],
    [['jobs', 'list', '--bogus'], 2, '--bogus'],
    [['jobs', 'list', '--status', 'done'], 2, 'done'],
    [['jobs', 'list', '--limit', '0'], 2, /--limit.*(0|greater|at least)|(0|greater|at least).*--limit/s],
    [['jobs', 'logs', id, '--since-seq', 'abc'], 2, /since-seq.*(abc|integer)/s],
    [['jobs', 'show'], 2, /\bid\b/],
    [['jobs', 'show', '../../etc/passwd'], 2, 'invalid job id'],
    [['jobs', 'logs', 'job-\u0001abc'], 2, 'invalid job id'],
    [['jobs', 'show', 'x'.repeat(300)], 2, 'invalid job id'],
    [['jobs', 'show', 'job-20990101-000000-zzzzzzzz'], 3],
    [['jobs', 'frobnicate'], 2, 'frobnicate'],
  ];
  const results = await Promise.all(cases.map(([args]) => runCli(args, { home })));
  const failures: string[] = [];
  results.forEach((r, i) => {
    try {
      const [args, code, ...mentions] = cases[i];
      expectError(r, code, args.join(' '), ...mentions);
    } catch (e) {
      failures.push((e as Error).message.split('\n')[0]);
    }
  });
  assert.deepEqual(failures, []);
});

test('jobs logs --follow --json on a running job: history, then live lines once each, exit with the outcome', async (t) => {
  const home = tempHome(t);
  const ev = (seq: number, type = 'output', extra = {}) => JSON.stringify({ seq, ts: new Date().toISOString(), type, text: `live ${seq}`, ...extra }) + '\n';
  const { id, dir, job } = writeJob(home, {
    status: 'running',
    exitReason: null,
    completedAt: null,
    runnerPid: process.pid, // a live runner: nothing recovers the job meanwhile
    host: hostname(),
    events: ev(0, 'start') + ev(1),
  });
  const out = join(dir, 'output.jsonl');
  const following = runCli(['jobs', 'logs', id.slice(0, 24), '--follow', '--json'], { home, timeoutMs: 15_000 });
  await sleep(400);
  for (let seq = 2; seq < 300; seq++) fs.appendFileSync(out, ev(seq));
  const half = ev(300);
  fs.appendFileSync(out, half.slice(0, 20));
  await sleep(300);
  fs.appendFileSync(out, half.slice(20) + ev(301, 'complete', { status: 'failed', exitReason: 'timeout' }));
  fs.writeFileSync(join(dir, 'job.json'), JSON.stringify({ ...job, status: 'failed', exitReason: 'timeout', completedAt: new Date().toISOString() }));
  const r = await following;
  assert.equal(r.code, 124, r.stderr);
  assert.deepEqual(
    r.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l).seq),
    Array.from({ length: 302 }, (_, i) => i),
  );
});

test('an output.jsonl that cannot be read: an error naming it, no stack trace', async (t) => {
  const home = tempHome(t);
  const { id, dir } = writeJob(home, {});
  fs.mkdirSync(join(dir, 'output.jsonl'));
  const [plain, follow] = await Promise.all([runCli(['jobs', 'logs', id], { home }), runCli(['jobs', 'logs', id, '--follow'], { home, timeoutMs: 10_000 })]);
  expectError(plain, 8, 'logs of an unreadable output.jsonl', join(dir, 'output.jsonl'));
  expectError(follow, 8, 'logs --follow of an unreadable output.jsonl', join(dir, 'output.jsonl'));
});

test('hand-written jobs with sparse optional fields show without a crash or NaN', async (t) => {
  const home = tempHome(t);
  const sparse: [Record<string, unknown>, RegExp][] = [
    [{ usage: { inputTokens: 10, outputTokens: 5 } }, /10 in \/ 5 out/], // no cost, cache or turns
    [{ tags: null, priority: null }, /Do the thing/],
    [{ recap: { headline: 'Did it' } }, /Did it/], // no bullets
    [{ startedAt: 'yesterday', completedAt: null }, /yesterday|Do the thing/], // not ISO-8601
  ];
  const made = sparse.map(([fields]) => writeJob(home, fields).id);
  const [list, ...shows] = await Promise.all([runCli(['jobs', 'list'], { home }), ...made.map((id) => runCli(['jobs', 'show', id], { home }))]);
  const failures: string[] = [];
  const check = (what: string, fn: () => void) => {
    try {
      fn();
    } catch (e) {
      failures.push(`${what}: ${(e as Error).message.split('\n').slice(0, 2).join(' ')}`);
    }
  };
  check('list', () => {
    assert.equal(list.code, 0, list.stderr);
    assert.doesNotMatch(list.stdout, /NaN/);
  });
  shows.forEach((r, i) =>
    check(`show ${JSON.stringify(sparse[i][0])}`, () => {
      assert.ok(!hasStackTrace(r.stderr), r.stderr.split('\n').slice(0, 6).join(' | '));
      assert.equal(r.code, 0);
      assert.match(r.stdout, sparse[i][1]);
      assert.doesNotMatch(r.stdout, /NaN|undefined/);
    }),
  );
  assert.deepEqual(failures, []);
});
