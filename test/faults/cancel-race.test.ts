import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { loadConfig, type Config } from '../../src/core/config.js';
import { cancelJob, type CancelResult } from '../../src/core/control.js';
import { isTerminal } from '../../src/core/job.js';
import { procStartTime } from '../../src/core/liveness.js';
import { JobStore } from '../../src/core/store.js';
import { submit } from '../../src/core/submit.js';
import { assertState, assertUntouched, snapshotTree } from './checker.js';
import { commandAgent, nodeAgent } from '../support/agents.js';
import { events, tryReadJob } from '../support/jobs.js';
import { waitFor } from '../support/wait.js';
import { iterations, sandbox, type Sandbox, spawnChild } from './harness.js';
import { seededRandom } from '../support/seed.js';

/**
 * Scenario 5: `cancel` racing a job's natural end. The agent waits for a
 * trigger file (its prompt) and exits 0 a few ms after it. The natural end —
 * the agent exiting by itself — comes a calibrated D ms after the trigger
 * (the median of uncancelled runs); the cancel is requested at
 * trigger + D ± 5 ms (uniform): before the exit, between the exit and the
 * runner ending the job, and after. The job's runner is a real Runner polling
 * cancel requests every 2 ms (child-runner.ts), so the request really lands
 * before, during and after the end. Expected, always:
 * one terminal status, completed or cancelled, agreeing with what cancel
 * reported, with exactly one complete event saying the same; a job once
 * completed never turns cancelled. Four races run at once.
 */
const N = iterations(48, 500);
const CLAIM_N = iterations(24, 200);
const WIDTH = 4;

const WAITER = `console.log('ready'); const f = process.env.HERDCTL_PROMPT; const t = setInterval(() => { if (require('fs').existsSync(f)) { clearInterval(t); console.log('done'); } }, 1);`;

const spin = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end);
};

async function withRunner(t: import('node:test').TestContext): Promise<{ sb: Sandbox; config: Config; store: JobStore }> {
  const sb = sandbox(t);
  writeFileSync(sb.config, `agents:\n${commandAgent('racer', sb.ws, nodeAgent(WAITER), `    max_concurrent: ${WIDTH}\n`)}jobs:\n  max_concurrent: ${WIDTH}\n  cancel_grace: 2s\n`);
  spawnChild('child-runner.ts', [sb.home, 'racer', '2', '600000'], {}, 'ignore');
  await waitFor('the test runner holds the agent', () => existsSync(join(sb.home, 'locks', 'runner-racer@h-test-suite.json')));
  return { sb, config: loadConfig(sb.config), store: new JobStore(sb.home) };
}

/** What must hold once the race is over, whoever won it. */
async function settled(store: JobStore, home: string, id: string, result: CancelResult, at: string): Promise<string> {
  const job = store.read(id);
  assert.ok(isTerminal(job.status), `${at}: still ${job.status} after cancel returned ${result.result}`);
  assert.ok(job.status === 'completed' || job.status === 'cancelled', `${at}: ${job.status} ${job.error ?? ''}`);
  assert.equal(result.result === 'cancelled' ? 'cancelled' : 'completed', job.status, `${at}: cancel said ${result.result}, the job is ${job.status}`);
  await sleep(30); // a late second writer would show by now (the runner ticks every 2 ms)
  assert.equal(store.read(id).status, job.status, `${at}: the terminal status changed`);
  const completes = events(home, id).filter((e) => e.type === 'complete');
  assert.equal(completes.length, 1, `${at}: ${completes.length} complete events`);
  assert.equal(completes[0].status, job.status, `${at}: complete event vs job.json`);
  return job.status;
}

async function pool(n: number, work: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: WIDTH }, async () => {
      while (next < n) await work(next++);
    }),
  );
}

test(`5. cancel at the natural end ±5 ms (N=${N}): one terminal status agreeing with cancel's answer, one complete event, completed never flips`, { timeout: 600_000 }, async (t) => {
  const random = seededRandom(t);
  const { sb, config, store } = await withRunner(t);
  const outside = snapshotTree(sb.dir, [sb.home, sb.ws]);
  const started = async (i: number) => {
    const trigger = join(sb.ws, `trigger-${i}`);
    const id = submit(store, config, { agent: 'racer', prompt: trigger }).id;
    await waitFor(`#${i} polling for its trigger`, () => events(sb.home, id).some((e) => e.text === 'ready'), 15_000, 2);
    return { id, trigger };
  };
  const latencies: number[] = [];
  await pool(2 * WIDTH, async (i) => {
    const { id, trigger } = await started(-1 - i);
    const t0 = performance.now();
    writeFileSync(trigger, '');
    const pid = tryReadJob(sb.home, id)!.pid as number;
    await waitFor('the agent exits', () => procStartTime(pid) === null, 5000, 0);
    latencies.push(performance.now() - t0);
    await waitFor('the job completes', () => tryReadJob(sb.home, id)?.status === 'completed', 15_000);
  });
  const D = latencies.sort((a, b) => a - b)[latencies.length >> 1];
  const tally: Record<string, number> = {};
  await pool(N, async (i) => {
    const { id, trigger } = await started(i);
    const offset = D + random() * 10 - 5; // after the trigger
    writeFileSync(trigger, '');
    const t0 = performance.now();
    await sleep(Math.max(0, offset - 3));
    spin(offset - (performance.now() - t0));
    const status = await settled(store, sb.home, id, await cancelJob(store, id, 'race', 10_000), `#${i} (trigger + ${offset.toFixed(1)} ms)`);
    const key = `${offset < D ? 'before' : 'after'} ${status}`;
    tally[key] = (tally[key] ?? 0) + 1;
  });
  t.diagnostic(`the agent exits ${D.toFixed(1)} ms after the trigger (median of ${latencies.length}); cancel landed … it, the job ended …: ${JSON.stringify(tally)}`);
  assertState(sb.home);
  assertUntouched(outside, snapshotTree(sb.dir, [sb.home, sb.ws]));
});

test(`5b. cancel racing the runner's claim of a pending job, 0–10 ms after submission (N=${CLAIM_N}): always cancelled, once`, { timeout: 600_000 }, async (t) => {
  const random = seededRandom(t);
  const { sb, config, store } = await withRunner(t);
  const tally: Record<string, number> = {};
  await pool(CLAIM_N, async (i) => {
    const id = submit(store, config, { agent: 'racer', prompt: join(sb.ws, 'never') }).id;
    spin(random() * 10);
    const r = await cancelJob(store, id, 'race', 10_000);
    const status = await settled(store, sb.home, id, r, `#${i}`);
    assert.equal(status, 'cancelled', `#${i}: a job whose agent never ends can only be cancelled`);
    const ran = events(sb.home, id).some((e) => e.type === 'start');
    tally[ran ? 'stopped while running' : 'never started'] = (tally[ran ? 'stopped while running' : 'never started'] ?? 0) + 1;
  });
  t.diagnostic(JSON.stringify(tally));
  assertState(sb.home);
});
