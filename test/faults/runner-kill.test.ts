import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertState, assertUntouched, snapshotTree } from './checker.js';
import { commandAgent, nodeAgent } from '../support/agents.js';
import { hasStackTrace } from '../support/cli.js';
import { events, tryReadJob } from '../support/jobs.js';
import { pidsMentioning, waitGone } from '../support/procs.js';
import { waitFor } from '../support/wait.js';
import { cli, iterations, sandbox } from './harness.js';
import { seededRandom } from '../support/seed.js';

/**
 * Scenario 1: the runner of a busy job (3,000 output events over ~1.5 s,
 * stdout and stderr) is SIGKILLed at a random moment between `run`
 * returning and 2.5 s later: while starting, claiming, streaming, finishing
 * or lingering. What the files say right after the kill decides the outcome
 * of the next look (`jobs show`):
 *   - running, no complete event → failed ("runner … was lost"), on that very look;
 *   - a complete event but job.json not yet terminal → finalized to that event's status;
 *   - already terminal → unchanged;
 *   - still pending (claimed or not) → a new runner is started and runs it → completed.
 * Always: the log reads to its last whole line, exactly one complete event,
 * no orphaned agent process, nothing outside the state dir touched.
 */
const N = iterations(12, 100);
const WIDTH = 2; // iterations at once, each in its own state dir

const BUSY = `const tag = process.argv[1]; let i = 0;
const t = setInterval(() => {
  for (let k = 0; k < 50; k++) (k % 10 ? process.stdout : process.stderr).write('line ' + (i++) + ' ' + 'x'.repeat(k * 20) + '\\n');
  if (i >= 3000) clearInterval(t);
}, 25);`;

type Seen = 'pending' | 'running' | 'complete-logged' | 'terminal';

async function once(t: import('node:test').TestContext, n: number, random: () => number): Promise<Seen> {
  const sb = sandbox(t);
  const marker = join(sb.dir, 'agent-marker');
  const yaml = `agents:\n${commandAgent('busy', sb.ws, nodeAgent(BUSY, marker))}`;
  writeFileSync(sb.config, yaml);
  const outside = snapshotTree(sb.dir, [sb.home, sb.ws]);
  const run = await cli(sb, ['run', 'busy']);
  assert.equal(run.code, 0, run.stderr);
  const id = run.stdout.trim();
  await sleep(random() * 2500);
  const runners = pidsMentioning(sb.home).filter((pid) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('runner-main'));
  for (const pid of runners) process.kill(pid, 'SIGKILL');
  // a process in an uninterruptible call (an fsync on a busy disk) dies only when it returns: until then it is alive to any look
  await waitGone(runners, 'the killed runner');
  const job = tryReadJob(sb.home, id)!;
  const complete = events(sb.home, id).find((e) => e.type === 'complete');
  const seen: Seen = ['completed', 'failed', 'cancelled'].includes(job.status as string) ? 'terminal' : complete ? 'complete-logged' : (job.status as Seen);
  const at = `#${n} (${seen}, ${runners.length} runner(s) killed)`;

  const show = await cli(sb, ['jobs', 'show', id, '--json']);
  assert.equal(show.code, 0, `${at}: ${show.stderr}`);
  assert.ok(!hasStackTrace(show.stderr), show.stderr);
  let looked = JSON.parse(show.stdout) as Record<string, unknown>;
  if (seen === 'running') {
    assert.equal(looked.status, 'failed', `${at}: the next look fails it`);
    assert.match(looked.error as string, /^runner pid \d+ on .* was lost/);
  } else if (seen === 'complete-logged') assert.equal(looked.status, complete!.status, `${at}: finalized from its complete event`);
  else if (seen === 'terminal') assert.equal(looked.status, job.status, `${at}: a finished job is left alone`);
  else {
    // pending: the look started a runner (a runner killed before naming itself holds its lock until stale: 20 s)
    looked = await waitFor(
      `${at}: the requeued job ran`,
      () => {
        const j = tryReadJob(sb.home, id);
        return j && ['completed', 'failed'].includes(j.status as string) ? j : null;
      },
      30_000,
      100,
    );
    assert.equal(looked.status, 'completed', `${at}: ${String(looked.error)}`);
  }

  const logs = await cli(sb, ['jobs', 'logs', id, '--json']);
  assert.equal(logs.code, 0, `${at}: ${logs.stderr}`);
  const file = readFileSync(join(sb.home, 'jobs', id, 'output.jsonl'), 'utf8');
  const whole = file.slice(0, file.lastIndexOf('\n') + 1);
  assert.equal(logs.stdout, whole, `${at}: logs --json prints every whole line`);
  assert.equal(events(sb.home, id).filter((e) => e.type === 'complete').length, 1, `${at}: one complete event`);
  await waitFor(`${at}: no orphaned agent`, () => pidsMentioning(marker).length === 0, 10_000);
  // a runner the look started may still linger: the checker sees it alive, which is fine
  assertState(sb.home, {}, at);
  assertUntouched(outside, snapshotTree(sb.dir, [sb.home, sb.ws]));
  return seen;
}

test(`1. the runner of a busy job SIGKILLed at a random moment (N=${N}): failed on the next look if it was running; log whole; one complete event`, { timeout: N * 60_000 }, async (t) => {
  const random = seededRandom(t);
  const tally = new Map<Seen, number>();
  let next = 0;
  await Promise.all(
    Array.from({ length: WIDTH }, async () => {
      while (next < N) {
        const seen = await once(t, next++, random);
        tally.set(seen, (tally.get(seen) ?? 0) + 1);
      }
    }),
  );
  t.diagnostic(`state at the kill: ${JSON.stringify(Object.fromEntries(tally))}`);
  assert.ok((tally.get('running') ?? 0) > 0, 'no kill landed while the job was running');
});
