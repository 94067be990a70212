// Webhooks through the real CLI and its processes: runner, detached worker, racing deliverers, restarts.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { enqueueWebhook } from '../src/core/webhooks.js';
import { hasStackTrace, ROOT, runCli } from './support/cli.js';
import { tempDir } from './support/tmp.js';
import { waitFor } from './support/wait.js';
import { filesIn, Receiver, terminalJob, writeConfig } from './support/webhooks.js';

function setup(t: import('node:test').TestContext, cfg: Parameters<typeof writeConfig>[1] = {}) {
  const dir = tempDir(t);
  const home = join(dir, 'home');
  const config = writeConfig(dir, cfg);
  const cli = (...args: string[]) => runCli([...args], { home, env: { HERDCTL_CONFIG: config } });
  return { dir, home, config, cli };
}

test('run: the runner POSTs the terminal status to the agent webhook_url, or to --webhook', async (t) => {
  const rx = await Receiver.start(t);
  const { home, cli } = setup(t, { webhook: rx.url });
  const run = await cli('run', 'echo', '--wait');
  assert.equal(run.code, 0, run.stderr);
  const id = run.stdout.split(' ')[0];
  await waitFor('the delivery', () => filesIn(home, 'delivered').length === 1, 10_000);
  assert.equal(rx.hits.length, 1);
  const body = JSON.parse(rx.hits[0].body);
  assert.equal(body.session_id, id);
  assert.equal(body.job_id, id);
  assert.equal(body.status, 'completed');
  assert.equal(body.exit_reason, 'success');
  assert.equal(body.agent, 'echo');
  assert.match(body.summary ?? '', /all done/);
  assert.ok(body.started_at && body.finished_at);

  const other = await cli('run', 'echo', '--wait', '--webhook', `http://127.0.0.1:${rx.port}/per-job`);
  assert.equal(other.code, 0, other.stderr);
  await waitFor('the second delivery', () => filesIn(home, 'delivered').length === 2, 10_000);
  assert.equal(rx.hits[1].path, '/per-job');

  const list = await cli('webhooks', 'list', '--json');
  assert.equal(list.code, 0, list.stderr);
  const rows = JSON.parse(list.stdout);
  assert.deepEqual(
    rows.map((r: { status: string }) => r.status),
    ['delivered', 'delivered'],
  );
  const human = await cli('webhooks', 'list');
  assert.match(human.stdout, /^JOB\s+STATUS\s+ATTEMPTS\s+NEXT \/ LAST\s+URL/);
  assert.match(human.stdout, /delivered\s+1\/4\s+.*HTTP 200/);
});

test('the receiver is down while a delivery is pending; herdctl "restarts": the next command delivers it, nothing lost', async (t) => {
  const rx = await Receiver.start(t);
  const port = rx.port;
  await rx.close(); // down
  const { home, cli } = setup(t, { retryMax: 8, retryBase: '50ms' });
  const r = await cli('run', 'echo', '--wait', '--webhook', `http://127.0.0.1:${port}/hook`);
  assert.equal(r.code, 0, r.stderr);
  await waitFor(
    'the runner to try once',
    () => {
      const p = filesIn(home, 'pending');
      return p.length === 1 && JSON.parse(fs.readFileSync(join(home, 'webhooks', 'pending', p[0]), 'utf8')).attempts >= 1;
    },
    10_000,
  );
  const pending = JSON.parse((await cli('webhooks', 'list', '--json')).stdout);
  assert.equal(pending.length, 1);
  assert.equal(pending[0].status, 'pending');
  assert.equal(pending[0].lastError, 'ECONNREFUSED');
  // every herdctl process is gone now (the runner exits when idle); the receiver comes back on the same port
  await waitFor('the runner to exit', () => !fs.existsSync(join(home, 'locks', 'runner-echo@h-test-suite.lock')), 10_000);
  await rx.listen(port);
  const list = await cli('jobs', 'list');
  assert.equal(list.code, 0, list.stderr);
  await waitFor('a fresh process to deliver it', () => filesIn(home, 'delivered').length === 1, 10_000);
  assert.equal(rx.hits.length, 1);
  assert.deepEqual(filesIn(home, 'pending'), []);
});

test('several processes racing on the same due delivery: exactly one POST, one delivered record', async (t) => {
  const rx = await Receiver.start(t, async () => {
    await new Promise((r) => setTimeout(r, 300));
    return 200;
  });
  const { home, config, cli } = setup(t);
  const job = terminalJob({ webhookUrl: rx.url, config });
  enqueueWebhook(home, job);
  const workers = Array.from({ length: 6 }, () => spawn(process.execPath, [join(ROOT, 'dist', 'webhooks-main.js'), home], { stdio: 'ignore' }));
  const lists = Array.from({ length: 2 }, () => cli('webhooks', 'list'));
  await Promise.all([...workers.map((w) => new Promise((r) => w.once('exit', r))), ...lists]);
  await waitFor('the delivery', () => filesIn(home, 'delivered').length === 1, 10_000);
  await new Promise((r) => setTimeout(r, 300)); // a straggler would POST by now
  assert.equal(rx.hits.length, 1);
  const log = fs
    .readFileSync(join(home, 'logs', 'webhooks.log'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
  const reports = log.filter((l) => l.msg === 'webhook worker done');
  assert.equal(
    reports.reduce((n, r) => n + r.delivered, 0),
    1,
  );
  // one worker per state dir: the others found its lock (or the per-delivery claim) taken
  assert.ok(log.some((l) => l.msg.startsWith('webhook worker not needed')) || reports.some((r) => r.skipped > 0), 'the race was real');
  assert.deepEqual(filesIn(home, 'pending'), []);
  assert.deepEqual(filesIn(home, 'dead'), []);
});

test('webhooks list --dead and redeliver from the dead letters', async (t) => {
  let fixed = false;
  const rx = await Receiver.start(t, () => (fixed ? 204 : 404));
  const { home, config, cli } = setup(t);
  const job = terminalJob({ webhookUrl: rx.url, config });
  enqueueWebhook(home, job);
  const kick = await cli('jobs', 'list');
  assert.equal(kick.code, 0, kick.stderr);
  await waitFor('the dead letter', () => filesIn(home, 'dead').length === 1, 10_000);

  const dead = await cli('webhooks', 'list', '--dead');
  assert.equal(dead.code, 0, dead.stderr);
  assert.match(dead.stdout, new RegExp(`${job.id}\\s+dead\\s+1/4\\s+.*HTTP 404`));
  const deadJson = JSON.parse((await cli('webhooks', 'list', '--dead', '--json')).stdout);
  assert.deepEqual(
    deadJson.map((d: { jobId: string }) => d.jobId),
    [job.id],
  );

  fixed = true;
  const again = await cli('webhooks', 'redeliver', job.id.slice(4, 22));
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stdout, new RegExp(`${job.id} delivered \\(HTTP 204\\)`));
  assert.deepEqual(filesIn(home, 'dead'), []);
  assert.deepEqual(filesIn(home, 'delivered'), [`${job.id}.json`]);
  assert.equal(rx.hits.length, 2);
  assert.equal((await cli('webhooks', 'list', '--dead')).stdout.trim(), 'No dead-lettered webhooks.');

  // a delivered one can be sent again too; a failing attempt exits 1 and stays pending for retries
  fixed = false;
  rx.reply = () => 503;
  const failing = await cli('webhooks', 'redeliver', job.id, '--json');
  assert.equal(failing.code, 1);
  const rec = JSON.parse(failing.stdout);
  assert.equal(rec.status, 'pending');
  assert.equal(rec.attempts, 1);
  assert.equal(rec.lastError, 'HTTP 503');
  assert.deepEqual(filesIn(home, 'delivered'), []);
});

test('redeliver: unknown ids and jobs without a webhook are clear errors', async (t) => {
  const { home, cli } = setup(t);
  const none = await cli('webhooks', 'redeliver', '20200101');
  assert.equal(none.code, 3);
  assert.match(none.stderr, /try: /);
  assert.ok(!hasStackTrace(none.stderr));
  const bad = await cli('webhooks', 'redeliver', '../etc');
  assert.equal(bad.code, 2);
  const run = await cli('run', 'echo', '--wait');
  assert.equal(run.code, 0, run.stderr);
  const plain = await cli('webhooks', 'redeliver', run.stdout.split(' ')[0]);
  assert.equal(plain.code, 3);
  assert.match(plain.stderr, /has no webhook/);
  assert.deepEqual(filesIn(home, 'pending'), []);
});
