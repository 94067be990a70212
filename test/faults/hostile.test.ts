import { test } from 'node:test';
import assert from 'node:assert/strict';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { HerdError } from '../../src/core/errors.js';
import { Paths } from '../../src/core/paths.js';
import { JobStore } from '../../src/core/store.js';
import { assertState, assertUntouched, snapshotTree } from './checker.js';
import { commandAgent } from '../support/agents.js';
import { hasStackTrace } from '../support/cli.js';
import { events, jobIdAt, jobIds, tryReadJob, writeJob } from '../support/jobs.js';
import { deadIdentity } from '../support/procs.js';
import { waitFor } from '../support/wait.js';
import { cli, sandbox, type Sandbox } from './harness.js';

/**
 * Scenario 9: hostile input — what careless users, copied-in files and
 * other tools put in front of herdctl. For every case: a clear error (its
 * documented exit code, a message, no stack trace) or a marked corrupt entry,
 * never a crash, and never a write outside the state dir (a snapshot of the
 * sandbox around the state dir before and after). Deterministic: each case once.
 */
const DEAD = deadIdentity();

function clean(r: { code: number | null; stderr: string; stdout: string }, what: string, codes: number[]): void {
  assert.ok(codes.includes(r.code!), `${what}: exit ${r.code}, expected ${codes.join(' or ')}\n${r.stderr}${r.stdout.slice(0, 500)}`);
  assert.ok(!hasStackTrace(r.stderr + r.stdout), `${what}: a stack trace\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /internal error/, `${what}: ${r.stderr}`);
}

/** A running job whose runner is dead: any look at it recovers it, i.e. writes. */
function lostJob(dir: string, id: string): void {
  mkdirSync(dir, { recursive: true });
  const job = {
    id,
    agent: 'coder',
    status: 'running',
    prompt: 'p',
    workspace: '/tmp',
    createdAt: '2026-12-01T10:00:00.000Z',
    startedAt: '2026-12-01T10:00:01.000Z',
    runnerPid: DEAD.pid,
    runnerStartTime: DEAD.startTime,
    host: hostname(),
    bootId: DEAD.bootId,
    output: join(dir, 'output.jsonl'),
  };
  writeFileSync(join(dir, 'job.json'), JSON.stringify(job));
  writeFileSync(join(dir, 'output.jsonl'), '{"seq":0,"ts":"2026-12-01T10:00:01.000Z","type":"start"}\n');
}

function setup(t: import('node:test').TestContext): { sb: Sandbox; outside: () => void } {
  const sb = sandbox(t);
  writeFileSync(sb.config, `agents:\n${commandAgent('coder', sb.ws, ['true'])}`);
  const before = snapshotTree(sb.dir, [sb.home, sb.ws]);
  return { sb, outside: () => assertUntouched(before, snapshotTree(sb.dir, [sb.home, sb.ws])) };
}

test('9a. hostile job ids (../, absolute paths, NUL, huge, unicode) to every id-taking command: exit 2 "invalid job id", nothing written; hostile agent names refused', async (t) => {
  const { sb, outside } = setup(t);
  writeJob(sb.home, { status: 'completed' });
  const home = snapshotTree(sb.home);
  const ids = [
    '../../outside/nested',
    '../jobs',
    '/etc/passwd',
    sb.outside,
    'job-20260101-000000-abcdefgh/../../x',
    '..',
    '.',
    'JOB-20260101',
    'a'.repeat(5000),
    'jöb-1',
    'job-2026 0101',
    '$(touch x)',
  ];
  for (const id of ids) {
    for (const cmd of [
      ['jobs', 'show'],
      ['jobs', 'logs'],
      ['jobs', 'cancel'],
      ['jobs', 'resume'],
    ]) {
      const r = await cli(sb, [...cmd, id]);
      clean(r, `${cmd.join(' ')} ${JSON.stringify(id.slice(0, 40))}`, [2]);
      assert.match(r.stderr, /invalid job id/);
    }
  }
  // NUL cannot reach argv (execve ends a string there); the same input through the API
  for (const id of ['job-\0', 'job-20260101-000000-abcdefgh\0../x', '\0']) {
    assert.throws(
      () => new JobStore(sb.home).resolve(id),
      (e) => e instanceof HerdError && e.code === 'invalid_id',
    );
    assert.throws(
      () => new Paths(sb.home).job(id),
      (e) => e instanceof HerdError && e.code === 'invalid_id',
    );
  }
  assertUntouched(home, snapshotTree(sb.home), 'in the state dir');
  // agent names become path parts too (run writes the config cache: that is all)
  for (const agent of ['../coder', '/etc', 'a/b', 'CODER', '..']) {
    clean(await cli(sb, ['run', agent]), `run ${agent}`, [2, 3]);
    clean(await cli(sb, ['jobs', 'list', '--agent', agent]), `jobs list --agent ${agent}`, [0, 2, 3]);
  }
  assert.deepEqual(jobIds(sb.home).length, 1, 'no job was created');
  outside();
});

test('9b. a job directory that is a symlink to a directory outside the state dir: listed as corrupt or refused; never written through', async (t) => {
  const sb = sandbox(t);
  writeFileSync(sb.config, `agents:\n${commandAgent('coder', sb.ws, ['true'])}`);
  const id = jobIdAt(Date.parse('2026-12-01T10:00:00Z'), 'symlink0');
  const victim = join(sb.outside, 'victim');
  lostJob(victim, id);
  mkdirSync(join(sb.home, 'jobs'), { recursive: true });
  symlinkSync(victim, join(sb.home, 'jobs', id));
  const before = snapshotTree(sb.dir, [sb.home, sb.ws]); // with the victim in it
  for (const args of [
    ['jobs', 'list'],
    ['jobs', 'list', '--status', 'running'],
    ['jobs', 'show', id],
    ['jobs', 'logs', id],
    ['jobs', 'cancel', id, '--no-wait'],
    ['jobs', 'stats'],
    ['jobs', 'prune', '--older-than', '1d'],
  ]) {
    const r = await cli(sb, args);
    clean(r, args.join(' '), [0, 3, 5, 8]);
  }
  assertUntouched(before, snapshotTree(sb.dir, [sb.home, sb.ws]), 'outside the state dir (through the symlinked job dir)');
});

test('9c. output.jsonl of a running job is a symlink to a file outside: recovering the job never appends to that file', async (t) => {
  const { sb, outside } = setup(t);
  const id = jobIdAt(Date.parse('2026-12-01T10:00:00Z'), 'symlink1');
  const dir = join(sb.home, 'jobs', id);
  lostJob(dir, id);
  const target = join(sb.outside, 'keep.txt');
  rmSync(join(dir, 'output.jsonl'));
  symlinkSync(target, join(dir, 'output.jsonl'));
  const r = await cli(sb, ['jobs', 'show', id, '--json']);
  clean(r, 'jobs show', [0, 8]);
  outside();
});

test('9d. the state dir itself is a symlink (~/.herdctl → /data/herdctl): a full job run works, everything lands in the target', async (t) => {
  const sb = sandbox(t);
  writeFileSync(sb.config, `agents:\n${commandAgent('coder', sb.ws, ['true'])}`);
  const real = join(sb.dir, 'real-home');
  mkdirSync(real, { mode: 0o700 });
  symlinkSync(real, sb.home);
  const before = snapshotTree(sb.dir, [sb.home, real, sb.ws]);
  const run = await cli(sb, ['run', 'coder', '--wait']);
  clean(run, 'run --wait', [0]);
  const id = run.stdout.trim().split(' ')[0];
  assert.equal(tryReadJob(real, id)?.status, 'completed');
  for (const args of [
    ['jobs', 'list'],
    ['jobs', 'show', id],
    ['jobs', 'logs', id],
    ['jobs', 'stats'],
  ])
    clean(await cli(sb, args), args.join(' '), [0]);
  await waitFor('the runner gone', () => (!readFileSync(join(real, 'logs', 'runner-coder@h-test-suite.log'), 'utf8').includes('"idle, exiting"') ? null : true), 10_000).catch(() => null);
  assertState(real);
  assertUntouched(before, snapshotTree(sb.dir, [sb.home, real, sb.ws]));
});

test('9e. a job.json of 100 MB: show/logs/cancel exit 8 naming it, list marks it unreadable, stats copes; quickly, without slurping it', async (t) => {
  const { sb, outside } = setup(t);
  const id = jobIdAt(Date.parse('2026-12-01T10:00:00Z'), 'hugejob0');
  const dir = join(sb.home, 'jobs', id);
  mkdirSync(dir, { recursive: true });
  const fd = openSync(join(dir, 'job.json'), 'w');
  writeSync(fd, `{"id":"${id}","agent":"coder","status":"running","createdAt":"2026-12-01T10:00:00.000Z","prompt":"`);
  const chunk = Buffer.alloc(1 << 20, 'a');
  for (let i = 0; i < 100; i++) writeSync(fd, chunk);
  writeSync(fd, '"}\n');
  closeSync(fd);
  writeJob(sb.home, { status: 'completed' });
  for (const args of [
    ['jobs', 'show', id],
    ['jobs', 'logs', id],
    ['jobs', 'cancel', id, '--no-wait'],
    ['jobs', 'resume', id],
  ]) {
    const t0 = Date.now();
    const r = await cli(sb, args);
    clean(r, args.join(' '), [8]);
    assert.match(r.stderr, /job\.json is \d+ bytes/);
    assert.ok(Date.now() - t0 < 5000, `${args.join(' ')} took ${Date.now() - t0} ms`);
  }
  const list = await cli(sb, ['jobs', 'list', '--json']);
  clean(list, 'jobs list', [0]);
  const row = (JSON.parse(list.stdout) as Record<string, unknown>[]).find((x) => x.id === id);
  assert.equal(row?.status, 'unreadable');
  for (const args of [
    ['jobs', 'list', '--status', 'running'],
    ['jobs', 'stats'],
    ['jobs', 'prune', '--older-than', '1d', '--dry-run'],
  ])
    clean(await cli(sb, args), args.join(' '), [0]);
  outside();
});

test('9f. output.jsonl with garbage, CRLF, NUL bytes and a 10 MB line: logs print the good events and name the bad lines; recovering it appends one clean complete event', async (t) => {
  const { sb, outside } = setup(t);
  const hostile = [
    '{"seq":0,"ts":"2026-12-01T10:00:01.000Z","type":"start"}\r\n',
    'garbage, not json\n',
    '\0\0\0\0{"seq":1}\0\n',
    `{"seq":1,"ts":"2026-12-01T10:00:02.000Z","type":"output","text":"${'x'.repeat(10 << 20)}"}\n`,
    '{"seq":2,"ts":"2026-12-01T10:00:03.000Z","type":"output","text":"nul \\u0000 inside"}\r\n',
    '\n',
    '{"seq":3,"ts":"2026-12-01T10:00:04.000Z","type":"output","te',
  ].join('');
  const done = writeJob(sb.home, { status: 'completed', events: hostile + 'x"}\n{"seq":4,"ts":"2026-12-01T10:00:05.000Z","type":"complete","status":"completed","exitReason":"success"}\n' });
  const running = jobIdAt(Date.parse('2026-12-01T11:00:00Z'), 'hostile1');
  lostJob(join(sb.home, 'jobs', running), running);
  writeFileSync(join(sb.home, 'jobs', running, 'output.jsonl'), hostile);
  for (const id of [done.id, running]) {
    const logs = await cli(sb, ['jobs', 'logs', id]);
    clean(logs, `jobs logs ${id}`, [0]);
    assert.match(logs.stderr, /corrupt line/);
    const json = await cli(sb, ['jobs', 'logs', id, '--json']);
    clean(json, `jobs logs --json ${id}`, [0]);
  }
  const show = await cli(sb, ['jobs', 'show', running, '--json']);
  clean(show, 'jobs show (recovers it)', [0]);
  assert.equal(JSON.parse(show.stdout).status, 'failed');
  const after = events(sb.home, running);
  assert.equal(after.filter((e) => e.type === 'complete').length, 1);
  assert.equal(after.at(-1)!.type, 'complete', 'the complete event is the last line');
  assert.equal(after.at(-1)!.seq, 4, 'and follows the last good seq (2), after the error event (3)');
  const follow = await cli(sb, ['jobs', 'logs', running, '--follow']);
  clean(follow, 'jobs logs --follow', [1]);
  for (const args of [
    ['jobs', 'list'],
    ['jobs', 'stats'],
    ['jobs', 'show', done.id],
  ])
    clean(await cli(sb, args), args.join(' '), [0]);
  assertState(sb.home, { handMade: new Set([done.id, running]) });
  outside();
});

test('9g. hostile configs (wrong types, unknown keys, a 7-field cron, an unknown time zone, alias bomb, binary, a directory): exit 6 naming file and line, nothing written', async (t) => {
  const sb = sandbox(t);
  const before = snapshotTree(sb.dir, [sb.ws, sb.config]);
  const bomb = `a: &a ["x","x","x","x","x","x","x","x","x"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n`;
  const configs: Record<string, string | Buffer> = {
    'wrong types': 'agents:\n  coder:\n    runtime: command\n    command: "true"\n    max_turns: fifty\n    timeout: 5\n',
    'unknown keys': 'agents:\n  coder:\n    runtime: command\n    command: ["true"]\n    colour: blue\nnonsense: 1\n',
    'a 7-field cron': 'agents:\n  coder:\n    runtime: command\n    command: ["true"]\n    schedules:\n      s: { cron: "0 0 9 * * 1-5 2027" }\n',
    'an unknown time zone': 'agents:\n  coder:\n    runtime: command\n    command: ["true"]\n    schedules:\n      s: { cron: "0 9 * * *", timezone: Mars/Olympus_Mons }\n',
    'an alias bomb': bomb,
    'binary garbage with NUL bytes': Buffer.from([0x00, 0xff, 0xfe, 0x0a, 0x00, 0x3a, 0x3a, 0x0a]),
    'agents as a list': 'agents: [coder]\n',
  };
  for (const [what, text] of Object.entries(configs)) {
    writeFileSync(sb.config, text);
    for (const args of [['agents', 'list'], ['run', 'coder'], ['schedules', 'list'], ['start']]) {
      const r = await cli(sb, args, {}, 15_000);
      clean(r, `${what}: ${args.join(' ')}`, [6]);
      assert.match(r.stderr, new RegExp(`${sb.config.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(:\\d+:\\d+)?`), `${what}: ${args.join(' ')} names the file: ${r.stderr}`);
    }
  }
  rmSync(sb.config);
  mkdirSync(sb.config);
  clean(await cli(sb, ['run', 'coder']), 'a directory as --config', [6]);
  rmSync(sb.config, { recursive: true });
  assertUntouched(before, snapshotTree(sb.dir, [sb.ws, sb.config]), 'anywhere (a config error writes nothing, not even the state dir)');
});

test('9h. a copied-in job.json that says running but names no runner (no runnerPid/host): the next look fails it, it does not stay running forever', async (t) => {
  const { sb, outside } = setup(t);
  const { id } = writeJob(sb.home, { status: 'running', runnerPid: null, host: null, events: '{"seq":0,"ts":"2026-12-01T10:00:01.000Z","type":"start"}\n' });
  const show = await cli(sb, ['jobs', 'show', id, '--json']);
  clean(show, 'jobs show', [0]);
  // no runner can be finishing it: every runner records itself in the same write that makes a job running
  assert.equal(JSON.parse(show.stdout).status, 'failed', 'still running after the next look (recovery.ts lostBecause: no runner identity → "alive")');
  assertState(sb.home);
  outside();
});
