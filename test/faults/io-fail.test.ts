import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { EventWriter } from '../../src/core/eventlog.js';
import { finishJob } from '../../src/core/finish.js';
import { io } from '../../src/core/fsx.js';
import type { Job } from '../../src/core/job.js';
import { RecapBuilder } from '../../src/core/recap.js';
import { recoverIfLost } from '../../src/core/recovery.js';
import { JobStore } from '../../src/core/store.js';
import { assertState, checkState, snapshotTree, assertUntouched } from './checker.js';
import { failFrom, hookIo, type IoCall } from './inject.js';
import { jobIds } from '../support/jobs.js';
import { deadIdentity } from '../support/procs.js';
import { tempDir } from '../support/tmp.js';

/**
 * Scenario 3: one job's whole lifecycle, in-process, as a runner does it —
 * create → claim → commit to running → events → finish (with a webhook
 * outbox record) — with the k-th `io` call failing (EIO), once or for good,
 * for every k. The "runner" is recorded as a dead process, as it is once the
 * error has ended it. An error may surface; after the next look (what
 * `jobs show` does: recoverIfLost) the checker must find nothing wrong.
 */
const EVENTS = 4;

let who: ReturnType<typeof deadIdentity>;

function lifecycle(home: string): void {
  const store = new JobStore(home);
  who ??= deadIdentity();
  let job: Job = store.create({ agent: 'coder', prompt: 'p', workspace: '/tmp', webhookUrl: 'http://127.0.0.1:9/hook' });
  const marker = store.queue.pending('coder').find((m) => m.id === job.id);
  if (!marker || !store.queue.claim('coder', marker)) throw new Error('claim lost');
  job = store.commit(job, { to: 'running', patch: { runnerPid: who.pid, runnerStartTime: who.startTime, host: who.host, bootId: who.bootId } });
  const w = EventWriter.open(store.paths.outputFile(job.id));
  try {
    const recap = new RecapBuilder();
    w.append({ type: 'start', argv: ['x'], cwd: '/tmp', pid: who.pid });
    for (let i = 0; i < EVENTS; i++) {
      recap.add(w.append({ type: 'output', text: `line ${i}` }));
      w.flush();
    }
    finishJob(store, job, w, recap, { status: 'completed', exitReason: 'success', error: null });
  } finally {
    writers.push(w);
  }
}

/** Writers a failed lifecycle left open: closed once io works again, as the process's exit would. */
const writers: EventWriter[] = [];
function closeWriters(): void {
  for (const w of writers.splice(0)) {
    try {
      w.close();
    } catch {
      /* its flush failed before: the fd goes with the process */
    }
  }
}

/** The next command that looks at the job: `jobs show` does recoverIfLost on it. */
function nextLook(home: string): void {
  const store = new JobStore(home);
  for (const id of jobIds(home)) {
    const r = store.tryRead(id);
    if (r && 'job' in r && r.job.status === 'running') recoverIfLost(store, r.job);
  }
}

function countCalls(root: string): IoCall[] {
  const calls: IoCall[] = [];
  const restore = hookIo(io, (c, original) => (calls.push(c), original()));
  try {
    lifecycle(join(root, 'count'));
  } finally {
    restore();
    closeWriters();
  }
  return calls;
}

test('3. the k-th io call of a job lifecycle fails (EIO), once and for good, for every k: invariants hold after the next look', (t) => {
  const root = tempDir(t, 'herdctl-fault-io-');
  const calls = countCalls(root);
  const K = calls.length;
  assert.ok(K >= 35, `only ${K} io calls in a lifecycle`);
  const failures: string[] = [];
  const silent: string[] = [];
  for (const mode of ['once', 'for good'] as const) {
    for (let k = 1; k <= K; k++) {
      const dir = join(root, `${mode === 'once' ? 'o' : 'g'}${k}`);
      const home = join(dir, 'home');
      const outside = snapshotTree(root, [dir]);
      const fault = failFrom(io, k, mode);
      let error: unknown = null;
      try {
        lifecycle(home);
      } catch (e) {
        error = e;
      } finally {
        fault.restore();
        closeWriters();
      }
      const at = `${mode} k=${k} (${fault.failed[0]?.op} ${fault.failed[0]?.target.replace(home, '~')})`;
      if (!error) silent.push(at);
      nextLook(home);
      const found = checkState(home);
      if (found.length) failures.push(`${at}: ${found.map((f) => `[${f.rule}] ${f.path}: ${f.detail}`).join('; ')}`);
      assertUntouched(outside, snapshotTree(root, [dir]));
    }
  }
  t.diagnostic(`${K} io calls per lifecycle, ${2 * K} runs; ${silent.length} without an error surfacing (best-effort steps): ${silent.map((x) => x.replace(/ \(.*/, '')).join(', ')}`);
  assert.deepEqual(failures, [], `invariants broken after an io failure:\n${failures.join('\n')}`);
});

test('3b. without faults the same lifecycle passes the checker (the checker itself is sound)', (t) => {
  const home = join(tempDir(t, 'herdctl-fault-io-'), 'home');
  lifecycle(home);
  closeWriters();
  assertState(home);
  const store = new JobStore(home);
  const [id] = jobIds(home);
  assert.equal(store.read(id).status, 'completed');
});

test('3c. the k-th io call of a prune fails (EIO), once and for good, for every k: each job is whole or gone, and a second prune finishes the job', async (t) => {
  const { pruneJobs } = await import('../../src/core/prune.js');
  const root = tempDir(t, 'herdctl-fault-io-prune-');
  const later = Date.now() + 10 * 86_400_000;
  const prune = (home: string) => {
    const store = new JobStore(home);
    return pruneJobs(store, { olderThanMs: 86_400_000 }, (j) => j, later);
  };
  const setup = (home: string) => {
    for (let i = 0; i < 2; i++) lifecycle(home);
    closeWriters();
  };
  const countHome = join(root, 'count');
  setup(countHome);
  const calls: IoCall[] = [];
  const restore = hookIo(io, (c, original) => (calls.push(c), original()));
  try {
    assert.equal(prune(countHome).length, 2);
  } finally {
    restore();
  }
  const K = calls.length;
  assert.ok(calls.some((c) => c.op === 'renameSync') && calls.some((c) => c.op === 'rmSync'), `prune's renames and deletions go through io: ${calls.map((c) => c.op).join(', ')}`);
  const failures: string[] = [];
  for (const mode of ['once', 'for good'] as const) {
    for (let k = 1; k <= K; k++) {
      const home = join(root, `${mode === 'once' ? 'o' : 'g'}${k}`);
      setup(home);
      const fault = failFrom(io, k, mode);
      try {
        prune(home);
      } catch {
        /* an error may surface */
      } finally {
        fault.restore();
      }
      const at = `${mode} k=${k} (${fault.failed[0]?.op} ${fault.failed[0]?.target.replace(home, '~')})`;
      const found = checkState(home);
      if (found.length) failures.push(`${at}: ${found.map((f) => `[${f.rule}] ${f.path}: ${f.detail}`).join('; ')}`);
      prune(home);
      if (jobIds(home).length) failures.push(`${at}: the next prune left ${jobIds(home).join(', ')}`);
      if (new JobStore(home).list({ limit: 100 }).length) failures.push(`${at}: the next prune left jobs listed`);
    }
  }
  t.diagnostic(`${K} io calls per prune of 2 jobs, ${2 * K} runs`);
  assert.deepEqual(failures, [], `after a failed prune:\n${failures.join('\n')}`);
});
