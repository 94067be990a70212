// The detached delivery worker: retries go out on time with no other herdctl command running.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { type Delivery } from '../src/core/webhook-outbox.js';
import { enqueueWebhook } from '../src/core/webhooks.js';
import { ROOT, runCli } from './support/cli.js';
import { tempDir } from './support/tmp.js';
import { waitFor } from './support/wait.js';
import { filesIn, Receiver, terminalJob, writeConfig } from './support/webhooks.js';

const workerLock = (home: string) => join(home, 'webhooks', 'worker.lock');
/** The worker's diagnostic lines so far (whole lines only: it may be writing one). */
const workerLog = (home: string): Record<string, unknown>[] => {
  const file = join(home, 'logs', 'webhooks.log');
  if (!fs.existsSync(file)) return [];
  return fs
    .readFileSync(file, 'utf8')
    .split('\n')
    .slice(0, -1)
    .map((l) => JSON.parse(l) as Record<string, unknown>);
};

test('500 then 200 with nobody around: the worker the runner left sends the retry on time, then exits', async (t) => {
  const rx = await Receiver.start(t, (n) => (n === 1 ? 500 : 200));
  const dir = tempDir(t);
  const home = join(dir, 'home');
  const config = writeConfig(dir, { webhook: rx.url, retryMax: 3, retryBase: '3s' });
  // the only command run: it submits and returns; the runner and the worker are detached
  const run = await runCli(['run', 'echo'], { home, env: { HERDCTL_CONFIG: config } });
  assert.equal(run.code, 0, run.stderr);
  await waitFor('the first attempt', () => rx.hits.length >= 1, 30_000);
  let afterFirst: Delivery | null = null;
  await waitFor(
    'the failed first attempt to be recorded',
    () => {
      const p = filesIn(home, 'pending');
      if (p.length !== 1) return false;
      const rec = JSON.parse(fs.readFileSync(join(home, 'webhooks', 'pending', p[0]), 'utf8')) as Delivery;
      if (rec.attempts !== 1) return false;
      afterFirst = rec;
      return true;
    },
    30_000,
  );
  const due = Date.parse(afterFirst!.nextAttemptAt!);
  assert.equal(afterFirst!.lastStatus, 500);
  await waitFor('the retry to be delivered', () => filesIn(home, 'delivered').length === 1, 60_000);
  assert.equal(rx.hits.length, 2);
  assert.equal(rx.hits[1].headers['x-herdctl-attempt'], '2');
  const late = rx.hits[1].at - due;
  assert.ok(late <= 2000, `the retry went out ${late} ms after it was due (backoff + 2 s at most)`);
  assert.ok(rx.hits[1].at >= due - 50, 'not before it was due');
  // the worker exits once the outbox is empty (its last log line comes after it let go of its lock); it was the one that delivered
  const done = () => workerLog(home).filter((l) => l.msg === 'webhook worker done');
  await waitFor('the worker to finish', () => done().length > 0, 30_000);
  assert.ok(!fs.existsSync(workerLock(home)), 'the worker let go of its lock');
  assert.equal(
    done().reduce((n, l) => n + (l.delivered as number), 0),
    1,
    'delivered by the worker',
  );
});

test('one worker per state dir: racing workers leave it to the one holding the lock; it waits out the backoff and exits when empty', async (t) => {
  let n = 0;
  const rx = await Receiver.start(t, () => (++n <= 2 ? 503 : 200));
  const dir = tempDir(t);
  const home = join(dir, 'home');
  const config = writeConfig(dir, { retryMax: 5, retryBase: '300ms' });
  const jobs = [terminalJob({ webhookUrl: rx.url, config }), terminalJob({ webhookUrl: rx.url, config })];
  for (const j of jobs) enqueueWebhook(home, j);
  const workers = Array.from({ length: 4 }, () => spawn(process.execPath, [join(ROOT, 'dist', 'webhooks-main.js'), home], { stdio: 'ignore' }));
  t.after(() => workers.forEach((w) => w.exitCode === null && w.kill('SIGKILL')));
  await Promise.all(workers.map((w) => new Promise((r) => (w.exitCode !== null ? r(null) : w.once('exit', r)))));
  assert.deepEqual(filesIn(home, 'delivered').sort(), jobs.map((j) => `${j.id}.json`).sort());
  assert.deepEqual(filesIn(home, 'pending'), []);
  const log = workerLog(home);
  const ran = log.filter((l) => l.msg === 'webhook worker done');
  assert.equal(ran.length, 1, 'exactly one worker ran');
  assert.deepEqual({ delivered: ran[0].delivered, dead: ran[0].dead }, { delivered: 2, dead: 0 });
  assert.equal(log.filter((l) => l.msg === 'webhook worker not needed: another one is running').length, 3);
  assert.equal(rx.hits.length, 4, 'two failures, then one POST each');
  assert.ok(!fs.existsSync(workerLock(home)), 'the lock is released');
});

test('a pending delivery found by any command starts the worker; nothing pending starts nothing', async (t) => {
  const rx = await Receiver.start(t);
  const dir = tempDir(t);
  const home = join(dir, 'home');
  const config = writeConfig(dir);
  const cli = (...args: string[]) => runCli(args, { home, env: { HERDCTL_CONFIG: config } });
  assert.equal((await cli('jobs', 'list')).code, 0);
  assert.ok(!fs.existsSync(join(home, 'logs', 'webhooks.log')), 'no worker without a pending delivery');
  enqueueWebhook(home, terminalJob({ webhookUrl: rx.url, config }));
  assert.equal((await cli('jobs', 'list')).code, 0);
  await waitFor('the delivery', () => filesIn(home, 'delivered').length === 1, 30_000);
  await waitFor('the worker to exit', () => !fs.existsSync(workerLock(home)), 30_000);
  assert.equal(rx.hits.length, 1);
});
