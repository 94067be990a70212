import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadConfig } from '../../src/core/config.js';
import { sweepTemps } from '../../src/core/fsx.js';
import { isTerminal } from '../../src/core/job.js';
import { snapshotSettings } from '../../src/core/settings.js';
import { JobStore } from '../../src/core/store.js';
import { assertState, assertUntouched, snapshotTree } from './checker.js';
import { commandAgent } from '../support/agents.js';
import { finished } from '../support/cli.js';
import { waitFor } from '../support/wait.js';
import { cli, sandbox, type Sandbox, spawnChild } from './harness.js';

/**
 * Scenario 2: a runner SIGKILLed at each step of a job.json replacement
 * (temp file open, write, fsync, close, rename, directory fsync; killed just
 * before or just after the step), for both replacements a runner makes
 * (pending → running, and running → completed after its complete event).
 * 6 steps × 2 × 2 = 24 kills, the same in both variants: the protocol has
 * no randomness to sample.
 */
const STEPS = ['open', 'write', 'fsync', 'close', 'rename', 'dirfsync'] as const;
type Step = (typeof STEPS)[number];
type To = 'running' | 'completed';

interface Case {
  to: To;
  step: Step;
  when: 'before' | 'after';
  id: string;
  old: string;
}

const landedNew = (c: Pick<Case, 'step' | 'when'>) => c.step === 'dirfsync' || (c.step === 'rename' && c.when === 'after');
const leavesTemp = (c: Pick<Case, 'step' | 'when'>) => !landedNew(c) && !(c.step === 'open' && c.when === 'before');

function createJob(sb: Sandbox, agent = 'r'): string {
  const config = loadConfig(sb.config);
  const a = config.agents[agent];
  // store.create, not submit: no runner is started, the child is the job's runner
  return new JobStore(sb.home).create({ agent, prompt: '', workspace: a.workspace, config: sb.config, settings: snapshotSettings(config, a) as unknown as Record<string, unknown> }).id;
}

async function pool<T>(items: T[], width: number, work: (x: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let x = queue.shift(); x !== undefined; x = queue.shift()) await work(x);
    }),
  );
}

const temps = (dir: string) => readdirSync(dir).filter((n) => n.startsWith('.tmp-'));

test('2. SIGKILL at each step of a job.json replacement (24 kills): the old or the new file, never a broken one; temp files ignored; the job then ends as its log says', async (t) => {
  const sb = sandbox(t, `agents:\n${commandAgent('r', null, ['true'])}`);
  const cases: Case[] = [];
  for (const to of ['running', 'completed'] as const) {
    for (const step of STEPS) for (const when of ['before', 'after'] as const) cases.push({ to, step, when, id: '', old: '' });
  }
  for (const c of cases) {
    c.id = createJob(sb);
    c.old = readFileSync(join(sb.home, 'jobs', c.id, 'job.json'), 'utf8');
  }
  const outside = snapshotTree(sb.dir, [sb.home, sb.ws]);
  await pool(cases, 4, async (c) => {
    const r = await finished(spawnChild('child-replace.ts', [sb.home, c.id, c.to, c.step, c.when]));
    assert.equal(r.signal, 'SIGKILL', `${c.to} ${c.when} ${c.step}: the child was not killed (${r.code}): ${r.stdout}${r.stderr}`);
  });

  const store = new JobStore(sb.home);
  for (const c of cases) {
    const at = `${c.to}, killed ${c.when} ${c.step}`;
    const dir = join(sb.home, 'jobs', c.id);
    const text = readFileSync(join(dir, 'job.json'), 'utf8');
    if (landedNew(c)) assert.equal(JSON.parse(text).status, c.to, `${at}: the new job.json`);
    else if (c.to === 'running') assert.equal(text, c.old, `${at}: the old job.json, byte for byte`);
    else assert.equal(JSON.parse(text).status, 'running', `${at}: the old (running) job.json`);
    assert.equal(temps(dir).length, leavesTemp(c) ? 1 : 0, `${at}: temp files ${temps(dir)}`);
    const r = store.tryRead(c.id);
    assert.ok(r && 'job' in r, `${at}: readers must ignore the temp file`);
  }

  // the next look: list recovers the running jobs whose runner died and starts a runner for the claimed pending ones
  const list = await cli(sb, ['jobs', 'list', '--json', '--limit', '100']);
  assert.equal(list.code, 0, list.stderr);
  const rows = JSON.parse(list.stdout) as Record<string, unknown>[];
  assert.deepEqual(rows.map((r) => r.id).sort(), cases.map((c) => c.id).sort(), 'one row per job, no temp file listed, nothing unreadable');
  await waitFor(
    'every job terminal',
    () =>
      cases.every((c) => {
        const r = store.tryRead(c.id);
        return r && 'job' in r && isTerminal(r.job.status);
      }),
    20_000,
  );
  for (const c of cases) {
    const job = store.read(c.id);
    // pending → running killed before the rename: still pending and claimed, requeued by the next runner, then run
    // … after it: running with a dead runner → failed. running → completed: the complete event was first, so completed
    const want = c.to === 'completed' ? 'completed' : landedNew(c) ? 'failed' : 'completed';
    assert.equal(job.status, want, `${c.to}, killed ${c.when} ${c.step}: ${job.error ?? ''}`);
    if (want === 'failed') assert.match(job.error ?? '', /runner pid \d+ .* was lost/);
  }
  assertState(sb.home, { allowTemps: true });
  assertUntouched(outside, snapshotTree(sb.dir, [sb.home, sb.ws]));
});

test('2b. leftover temp files: sweepTemps removes those over a minute old; and something calls it (the next look or the job’s runner)', async (t) => {
  const sb = sandbox(t, `agents:\n${commandAgent('r', null, ['true'])}`);
  // sweepTemps itself: old temp files go, fresh ones (a live writer's) and other files stay
  const scratch = join(sb.dir, 'scratch');
  mkdirSync(scratch);
  // …and those 10 s old whose writer is not running (pid 99999999 never is), not a live writer's
  const dead = '.tmp-job.json-99999999-abc';
  const live = `.tmp-job.json-${process.pid}-abc`;
  for (const n of ['.tmp-job.json-1-old', '.tmp-job.json-2-new', dead, live, 'job.json']) writeFileSync(join(scratch, n), '{');
  const old = new Date(Date.now() - 120_000);
  utimesSync(join(scratch, '.tmp-job.json-1-old'), old, old);
  const recent = new Date(Date.now() - 10_000);
  for (const n of [dead, live]) utimesSync(join(scratch, n), recent, recent);
  assert.equal(sweepTemps(scratch), 2);
  assert.deepEqual(readdirSync(scratch).sort(), ['.tmp-job.json-2-new', live, 'job.json'].sort());

  // a crash left a temp file beside job.json two minutes ago; then the job is looked at and runs to its end
  const id = createJob(sb);
  const r = await finished(spawnChild('child-replace.ts', [sb.home, id, 'running', 'write', 'after']));
  assert.equal(r.signal, 'SIGKILL');
  const dir = join(sb.home, 'jobs', id);
  const [tmp] = temps(dir);
  utimesSync(join(dir, tmp), old, old);
  // and writers killed mid-replace elsewhere: a lock's name, a quota ledger, the config cache, the scheduler's name, a webhook record
  const elsewhere = ['locks', 'quotas', 'cache', 'scheduler', join('webhooks', 'pending')].map((d) => join(sb.home, d, '.tmp-x.json-1-old'));
  for (const f of elsewhere) {
    mkdirSync(dirname(f), { recursive: true });
    writeFileSync(f, '{');
    utimesSync(f, old, old);
  }
  const show = await cli(sb, ['jobs', 'show', id, '--json']);
  assert.equal(show.code, 0, show.stderr);
  await waitFor(
    'the job ran',
    () => {
      const x = new JobStore(sb.home).tryRead(id);
      return x && 'job' in x && isTerminal(x.job.status);
    },
    20_000,
  );
  assert.equal(new JobStore(sb.home).read(id).status, 'completed');
  await cli(sb, ['jobs', 'list']);
  assert.deepEqual(
    elsewhere.filter((f) => existsSync(f)),
    [],
    'swept by the runner that ran the job',
  );
  assertState(sb.home);
});
