import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig } from '../../src/core/config.js';
import { EventWriter } from '../../src/core/eventlog.js';
import { io } from '../../src/core/fsx.js';
import { JobStore } from '../../src/core/store.js';
import { submit } from '../../src/core/submit.js';
import { assertState, assertUntouched, checkState, snapshotTree } from './checker.js';
import { applyPlan, type FaultPlan } from './inject.js';
import { commandAgent } from '../support/agents.js';
import { finished, hasStackTrace } from '../support/cli.js';
import { events, tryReadJob } from '../support/jobs.js';
import { tempDir } from '../support/tmp.js';
import { waitFor } from '../support/wait.js';
import { cli, sandbox, type Sandbox, spawnChild, startCli } from './harness.js';

/**
 * Scenario 4: the disk fills up (ENOSPC, after a short write, as the kernel
 * does) while a runner appends events, while it replaces job.json, and
 * under the CLI. Expected: a clear error (naming the full disk, in job.json's
 * error or the runner's log, or on the CLI's stderr without a stack trace),
 * never a 0-byte job.json, and the job ends failed — by its runner, or by
 * recovery on the next look once there is space again. Deterministic: one
 * run each in both variants.
 */
const NO_SPACE = /no space left on device|ENOSPC/;
const STREAM = ['sh', '-c', 'for i in $(seq 1 60); do echo "line $i"; sleep 0.05; done'];

/** Samples job.json's size while a scenario runs: it must never be seen empty. */
function watchSize(home: string, id: () => string | null): { stop: () => number[] } {
  const zero: number[] = [];
  const timer = setInterval(() => {
    const j = id();
    if (!j) return;
    try {
      if (statSync(join(home, 'jobs', j, 'job.json')).size === 0) zero.push(Date.now());
    } catch {
      /* not there yet */
    }
  }, 5);
  return { stop: () => (clearInterval(timer), zero) };
}

async function runnerWithFullDisk(t: import('node:test').TestContext, plan: Omit<FaultPlan, 'whileExists'>, fullFromStart: boolean) {
  const sb = sandbox(t);
  writeFileSync(sb.config, `agents:\n${commandAgent('busy', sb.ws, STREAM)}`);
  const flag = join(sb.dir, 'disk-full');
  if (fullFromStart) writeFileSync(flag, '');
  const outside = snapshotTree(sb.dir, [sb.home, sb.ws, flag]);
  const runner = spawnChild('child-runner.ts', [sb.home, 'busy'], { HERDCTL_FAULT_PLAN: JSON.stringify({ ...plan, whileExists: flag }) });
  const runnerDone = finished(runner);
  await waitFor('the runner', () => existsSync(join(sb.home, 'locks', 'runner-busy@h-test-suite.json')));
  let id: string | null = null;
  const sizes = watchSize(sb.home, () => id);
  id = submit(new JobStore(sb.home), loadConfig(sb.config), { agent: 'busy', prompt: 'stream' }).id;
  if (!fullFromStart) {
    await waitFor('some events', () => events(sb.home, id!).length >= 5);
    writeFileSync(flag, '');
  }
  await sleep(1000);
  unlinkSync(flag); // space again
  // the next looks, once a second, as a user would
  let job: Record<string, unknown> = {};
  for (let i = 0; i < 12; i++) {
    const show = await cli(sb, ['jobs', 'show', id, '--json']);
    assert.equal(show.code, 0, show.stderr);
    job = JSON.parse(show.stdout);
    if (['completed', 'failed', 'cancelled'].includes(job.status as string)) break;
    await sleep(1000);
  }
  const zeros = sizes.stop();
  const runnerLog = readFileSync(join(sb.home, 'logs', 'runner-busy@h-test-suite.log'), 'utf8');
  const runnerExit = await Promise.race([runnerDone, sleep(100).then(() => null)]);
  return { sb, id, job, zeros, runnerLog, runnerExit, outside };
}

function expectFailedClearly(r: Awaited<ReturnType<typeof runnerWithFullDisk>>, what: string): void {
  const runner = r.runnerExit
    ? `the runner exited ${r.runnerExit.code ?? r.runnerExit.signal}: ${r.runnerExit.stderr.split('\n').find((l) => /^\w*Error: /.test(l)) ?? ''}`
    : 'the runner is still alive';
  assert.deepEqual(r.zeros, [], `${what}: job.json was seen 0 bytes`);
  assert.equal(r.job.status, 'failed', `${what}: the job is ${String(r.job.status)} 12 s after the disk has space again; ${runner}`);
  const jobSays = NO_SPACE.test(String(r.job.error));
  const logSays = r.runnerLog.split('\n').some((l) => NO_SPACE.test(l) && l.includes(r.id!));
  assert.ok(jobSays || logSays, `${what}: nothing says the disk was full — job error: ${String(r.job.error)}; ${runner}; runner log:\n${r.runnerLog}`);
  assertState(r.sb.home);
  assertUntouched(r.outside, snapshotTree(r.sb.dir, [r.sb.home, r.sb.ws, join(r.sb.dir, 'disk-full')]));
}

test('4a. disk full for 1 s while the runner appends events (short write, then ENOSPC): the job ends failed with a clear error; the log keeps whole lines', { timeout: 60_000 }, async (t) => {
  const r = await runnerWithFullDisk(t, { code: 'ENOSPC', ops: ['writeSync'], match: 'output.jsonl', partial: true }, false);
  expectFailedClearly(r, 'appending');
});

test('4b. disk full for 1 s while the runner replaces job.json (pending → running): the job ends failed with a clear error, job.json never empty', { timeout: 60_000 }, async (t) => {
  const r = await runnerWithFullDisk(t, { code: 'ENOSPC', ops: ['writeSync'], match: '.tmp-job.json', partial: true }, true);
  expectFailedClearly(r, 'replacing job.json');
});

/** The CLI with a fault plan preloaded (inherited by the runner it starts). */
const cliWithPlan = (sb: Sandbox, args: string[], plan: FaultPlan) => startCli(sb, args, { HERDCTL_FAULT_PLAN: JSON.stringify(plan) }, true).exited;

test('4c. `herdctl run` on a full disk: a clear error (no stack trace, not "internal error"), no half-made job; with space again it works', { timeout: 60_000 }, async (t) => {
  const sb = sandbox(t);
  writeFileSync(sb.config, `agents:\n${commandAgent('r', sb.ws, ['true'])}`);
  const flag = join(sb.dir, 'disk-full');
  writeFileSync(flag, '');
  const outside = snapshotTree(sb.dir, [sb.home, sb.ws, flag]);
  const problems: string[] = [];
  // everything full, then only job.json's temp file failing (the index and the queue marker got through)
  for (const match of [undefined, '.tmp-job.json']) {
    const r = await cliWithPlan(sb, ['run', 'r'], { code: 'ENOSPC', ops: ['writeSync'], match, whileExists: flag, partial: true });
    const at = match ? `ENOSPC on ${match}` : 'ENOSPC on every write';
    assert.equal(r.code, 9, `${at}: exit ${r.code} (want 9, the environment): ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, NO_SPACE, `${at}: ${r.stderr}`);
    assert.ok(!hasStackTrace(r.stderr), r.stderr);
    if (/internal error|report it/.test(r.stderr)) problems.push(`${at}: a full disk is reported as a herdctl bug: ${r.stderr.trim()}`);
    for (const v of checkState(sb.home)) problems.push(`${at}: [${v.rule}] ${v.path}: ${v.detail}`);
  }
  // --json: the same error as a JSON object on stdout, with the errno, and exit 9
  const j = await cliWithPlan(sb, ['run', 'r', '--json'], { code: 'ENOSPC', ops: ['writeSync'], whileExists: flag, partial: true });
  assert.equal(j.code, 9, j.stderr);
  assert.equal(j.stderr, '', 'nothing but the JSON error');
  const err = JSON.parse(j.stdout) as Record<string, unknown>;
  assert.equal(err.error, 'environment');
  assert.equal(err.errno, 'ENOSPC');
  assert.match(String(err.suggestion), /free some disk space/);
  unlinkSync(flag);
  const ok = await cli(sb, ['run', 'r', '--wait']);
  assert.equal(ok.code, 0, ok.stderr);
  const list = await cli(sb, ['jobs', 'list', '--json']);
  const rows = JSON.parse(list.stdout) as Record<string, unknown>[];
  const unreadable = rows.filter((x) => x.status === 'unreadable');
  if (unreadable.length) problems.push(`jobs list shows ${unreadable.length} unreadable job(s) that run never returned an id for: ${JSON.stringify(unreadable)}`);
  assertUntouched(outside, snapshotTree(sb.dir, [sb.home, sb.ws, flag]));
  assert.deepEqual(problems, []);
});

test('4d. an EventWriter whose write hit ENOSPC (short write) and is used again: seqs stay gap-free, no torn line in the middle', (t) => {
  const home = join(tempDir(t, 'herdctl-fault-'), 'home');
  const store = new JobStore(home);
  const job = store.commit(store.create({ agent: 'a', prompt: 'p', workspace: '/tmp' }), { to: 'running', patch: { runnerPid: process.pid, host: 'h' } });
  const w = EventWriter.open(store.paths.outputFile(job.id));
  w.append({ type: 'output', text: 'before' });
  w.flush();
  const restore = applyPlan(io, { code: 'ENOSPC', ops: ['writeSync'], match: 'output.jsonl', partial: true });
  let error: unknown = null;
  try {
    w.append({ type: 'output', text: 'while full' });
    w.flush();
  } catch (e) {
    error = e;
  } finally {
    restore();
  }
  assert.match(String(error), NO_SPACE, 'the failed write surfaces');
  w.append({ type: 'output', text: 'after' }); // a caller that carries on (the runner's end() does, for the complete event)
  w.close();
  const lines = readFileSync(store.paths.outputFile(job.id), 'utf8').split('\n').slice(0, -1);
  const parsed = lines.map((l) => {
    try {
      return JSON.parse(l).seq as number;
    } catch {
      return `torn: ${JSON.stringify(l.slice(0, 40))}`;
    }
  });
  assert.deepEqual(
    parsed,
    parsed.map((_, i) => i),
    `every line whole, seqs 0, 1, 2…; output.jsonl after the failed write:\n${lines.join('\n')}`,
  );
});

test('4e. the fault plan itself: without a full disk the preloaded CLI runs a job normally', { timeout: 30_000 }, async (t) => {
  const sb = sandbox(t);
  writeFileSync(sb.config, `agents:\n${commandAgent('r', sb.ws, ['true'])}`);
  const r = await cliWithPlan(sb, ['run', 'r', '--wait'], { code: 'ENOSPC', ops: ['writeSync'], whileExists: join(sb.dir, 'no-such-flag') });
  assert.equal(r.code, 0, r.stderr);
  assert.equal(tryReadJob(sb.home, r.stdout.trim().split(' ')[0])?.status, 'completed');
  assertState(sb.home);
});
