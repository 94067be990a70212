import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, utimesSync } from 'node:fs';
import { join } from 'node:path';
import { io } from '../../src/core/fsx.js';
import { isTerminal } from '../../src/core/job.js';
import { JobStore } from '../../src/core/store.js';
import { assertState, assertUntouched, snapshotTree } from './checker.js';
import { claimStep, createStep, type Phase } from './child-steps.js';
import { commandAgent } from '../support/agents.js';
import { finished } from '../support/cli.js';
import { jobIds, tryReadJob } from '../support/jobs.js';
import { waitFor } from '../support/wait.js';
import { cli, FULL, sandbox, spawnChild, type Sandbox } from './harness.js';
import { hookIo, type IoCall } from './inject.js';

/**
 * Scenario 2c: a process SIGKILLed just before or just after each io call of
 * a job's creation (index line, queue intent, job dir made under a temp name,
 * job.json written, renamed into jobs/, fsynced, intent published) and of a
 * runner's claim (active/<id> created exclusively, the queue marker removed, job.json committed to
 * running). Every claim step on both sides; every creation step on one side
 * (alternating) in the quick variant, on both with test:faults. After the next look (the queue's leftovers aged past
 * their 30 s grace, then `jobs list`): a job that exists runs to its end —
 * completed, or failed "runner … was lost" when the kill came after it was
 * durably running — and the checker finds nothing wrong.
 */
interface Case {
  phase: Phase;
  k: number;
  when: 'before' | 'after';
  id: string;
}

/** The io calls one step makes, counted in-process on a scratch state dir. */
function stepCalls(sb: Sandbox, phase: Phase): IoCall[] {
  const home = join(sb.dir, `count-${phase}`);
  const id = phase === 'claim' ? createStep(home, sb.config) : '';
  const calls: IoCall[] = [];
  const restore = hookIo(io, (c, original) => (calls.push(c), original()));
  try {
    if (phase === 'create') createStep(home, sb.config);
    else claimStep(home, id);
  } finally {
    restore();
  }
  return calls;
}

async function pool<T>(items: T[], width: number, work: (x: T) => Promise<void>): Promise<void> {
  const queue = [...items];
  await Promise.all(
    Array.from({ length: width }, async () => {
      for (let x = queue.shift(); x !== undefined; x = queue.shift()) await work(x);
    }),
  );
}

/** Two minutes pass for the queue's half-made markers (the grace a creator or canceller in flight gets). */
function ageQueueLeftovers(home: string): void {
  const old = new Date(Date.now() - 120_000);
  let queues: string[] = [];
  try {
    queues = readdirSync(join(home, 'queue'));
  } catch {
    return;
  }
  for (const agent of queues) {
    for (const name of readdirSync(join(home, 'queue', agent))) if (name.startsWith('.')) utimesSync(join(home, 'queue', agent, name), old, old);
  }
}

test('2c. SIGKILL before/after each io call of a job creation and of a claim: the job runs to its end (or never existed), the checker finds nothing wrong', async (t) => {
  const sb = sandbox(t, `agents:\n${commandAgent('r', null, ['true'])}`);
  const counts = { create: stepCalls(sb, 'create'), claim: stepCalls(sb, 'claim') };
  assert.ok(counts.create.length >= 8, `create: only ${counts.create.length} io calls`);
  assert.ok(
    counts.claim.some((c) => c.op === 'linkSync') && counts.claim.some((c) => c.op === 'unlinkSync' && c.target.includes('/queue/')),
    `the claim's exclusive create and the marker's removal go through io: ${counts.claim.map((c) => c.op).join(', ')}`,
  );
  const home = sb.home;
  const cases: Case[] = [];
  for (const phase of ['create', 'claim'] as const) {
    for (let k = 1; k <= counts[phase].length; k++) {
      for (const when of ['before', 'after'] as const) if (phase === 'claim' || FULL || (k % 2 === 1) === (when === 'before')) cases.push({ phase, k, when, id: '' });
    }
  }
  for (const c of cases) if (c.phase === 'claim') c.id = createStep(home, sb.config);
  const outside = snapshotTree(sb.dir, [home, sb.ws, join(sb.dir, 'count-create'), join(sb.dir, 'count-claim')]);
  const before = new Set(jobIds(home));
  await pool(cases, 4, async (c) => {
    const r = await finished(spawnChild('child-steps.ts', [home, sb.config, c.phase, String(c.k), c.when, c.id]));
    const step = counts[c.phase][c.k - 1];
    assert.equal(r.signal, 'SIGKILL', `${c.phase} killed ${c.when} ${step.op} ${step.target}: the child was not killed (${r.code}): ${r.stdout}${r.stderr}`);
  });
  const created = jobIds(home).filter((id) => !before.has(id));
  const running = new Set(cases.filter((c) => c.phase === 'claim' && tryReadJob(home, c.id)?.status === 'running').map((c) => c.id));

  ageQueueLeftovers(home);
  const list = await cli(sb, ['jobs', 'list', '--json', '--limit', '1000']);
  assert.equal(list.code, 0, list.stderr);
  const store = new JobStore(home);
  const all = [...cases.filter((c) => c.phase === 'claim').map((c) => c.id), ...created];
  await waitFor(
    'every job terminal',
    () =>
      all.every((id) => {
        const r = store.tryRead(id);
        return r && 'job' in r && isTerminal(r.job.status);
      }),
    60_000,
  );
  for (const id of all) {
    const job = store.read(id);
    const c = cases.find((x) => x.id === id);
    const at = c ? `claim killed ${c.when} call ${c.k} (${counts.claim[c.k - 1].op})` : `created ${id}`;
    if (running.has(id)) {
      assert.equal(job.status, 'failed', `${at}: durably running with a dead runner`);
      assert.match(job.error ?? '', /runner pid \d+ .* was lost/);
    } else assert.equal(job.status, 'completed', `${at}: ${job.error ?? ''}`);
  }
  t.diagnostic(
    `${counts.create.length} io calls per creation, ${counts.claim.length} per claim; ${created.length} of ${cases.length - 2 * counts.claim.length} killed creations left a job; ${running.size} killed claims had committed running`,
  );
  // the next runner to start settles what the killed creators left in the queue
  await waitFor('queue leftovers settled', () => readdirSync(join(home, 'queue', 'r')).every((n) => !n.startsWith('.')), 30_000);
  assertState(home, { allowTemps: true });
  assertUntouched(outside, snapshotTree(sb.dir, [home, sb.ws, join(sb.dir, 'count-create'), join(sb.dir, 'count-claim')]));
});
