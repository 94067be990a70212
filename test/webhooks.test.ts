// The delivery engine in-process, against a real HTTP server on loopback.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Diag } from '../src/core/diag.js';
import { Outbox, type Delivery } from '../src/core/webhook-outbox.js';
import { backoff, deliverDue, enqueueWebhook, redeliver } from '../src/core/webhooks.js';
import { ROOT } from './support/cli.js';
import { tempDir } from './support/tmp.js';
import { waitFor } from './support/wait.js';
import { filesIn, Receiver, SECRET, terminalJob, writeConfig } from './support/webhooks.js';

function setup(t: import('node:test').TestContext, cfg: Parameters<typeof writeConfig>[1] = {}) {
  const dir = tempDir(t);
  const home = join(dir, 'home');
  const config = writeConfig(dir, cfg);
  return { home, config };
}

const record = (home: string, state: string, id: string): Delivery => JSON.parse(fs.readFileSync(join(home, 'webhooks', state, `${id}.json`), 'utf8'));

/** Runs deliverDue until the delivery leaves pending/, as the runner, the scheduler and commands would over time. */
async function deliverUntilSettled(home: string, ms = 5000): Promise<void> {
  await waitFor('the delivery to settle', async () => filesIn(home, 'pending').length === 0 || (await deliverDue(home), false), ms, 5);
}

test('success on the first attempt: exactly one POST with the documented body, a verifiable signature, then delivered/', async (t) => {
  const rx = await Receiver.start(t);
  const { home, config } = setup(t);
  const job = terminalJob({ webhookUrl: rx.url, config });
  const rec = enqueueWebhook(home, job);
  assert.ok(rec, 'enqueued');
  assert.deepEqual(filesIn(home, 'pending'), [`${job.id}.json`], 'on disk before any attempt');
  assert.equal(rx.hits.length, 0);

  const report = await deliverDue(home);
  assert.deepEqual(report, { delivered: 1, retrying: 0, dead: 0, skipped: 0 });
  assert.equal(rx.hits.length, 1);
  const hit = rx.hits[0];
  assert.equal(hit.headers['content-type'], 'application/json');
  assert.deepEqual(JSON.parse(hit.body), {
    session_id: job.id,
    status: 'completed',
    summary: 'the final answer',
    started_at: job.startedAt,
    finished_at: job.completedAt,
    job_id: job.id,
    agent: 'echo',
    exit_reason: 'success',
  });
  const expected = `sha256=${createHmac('sha256', SECRET).update(hit.body).digest('hex')}`;
  assert.equal(hit.headers['x-herdctl-signature'], expected, 'HMAC-SHA256 of the raw body with webhooks.secret');
  assert.equal(hit.headers['x-herdctl-delivery'], job.id);

  assert.deepEqual(filesIn(home, 'pending'), []);
  assert.deepEqual(filesIn(home, 'delivered'), [`${job.id}.json`]);
  const done = record(home, 'delivered', job.id);
  assert.equal(done.status, 'delivered');
  assert.equal(done.attempts, 1);
  assert.equal(done.lastStatus, 200);
  assert.equal(fs.statSync(join(home, 'webhooks', 'delivered', `${job.id}.json`)).mode & 0o777, 0o600);

  await deliverDue(home);
  assert.equal(rx.hits.length, 1, 'a delivered one is never sent again by itself');
});

test('without a secret there is no signature header; a job without a webhook gets no record', async (t) => {
  const rx = await Receiver.start(t);
  const { home, config } = setup(t, { secret: null });
  assert.equal(enqueueWebhook(home, terminalJob({ config })), null);
  const job = terminalJob({ webhookUrl: rx.url, config, status: 'failed', exitReason: 'timeout', summary: null });
  enqueueWebhook(home, job);
  await deliverDue(home);
  assert.equal(rx.hits.length, 1);
  assert.equal(rx.hits[0].headers['x-herdctl-signature'], undefined);
  assert.equal(JSON.parse(rx.hits[0].body).exit_reason, 'timeout');
});

test('fails twice, then succeeds: retried with exponential backoff (retry_base 500ms)', async (t) => {
  const rx = await Receiver.start(t, (n) => (n <= 2 ? 503 : 200));
  const { home, config } = setup(t, { retryBase: '500ms' }); // long enough that a loaded machine still asks again before it is due
  const job = terminalJob({ webhookUrl: rx.url, config });
  enqueueWebhook(home, job);

  assert.equal((await deliverDue(home)).retrying, 1);
  const after1 = record(home, 'pending', job.id);
  assert.equal(after1.attempts, 1);
  assert.equal(after1.lastError, 'HTTP 503');
  const wait1 = Date.parse(after1.nextAttemptAt!) - Date.parse(after1.lastAttemptAt!);
  assert.ok(wait1 >= 400 && wait1 <= 600, `first retry after 500ms ± 20 %, got ${wait1}`);
  await deliverDue(home);
  assert.equal(rx.hits.length, 1, 'not retried before it is due');

  await deliverUntilSettled(home);
  assert.equal(rx.hits.length, 3);
  const gap1 = rx.hits[1].at - rx.hits[0].at;
  const gap2 = rx.hits[2].at - rx.hits[1].at;
  assert.ok(gap1 >= 400, `not retried before its time: ${gap1}`);
  assert.ok(gap2 >= 800, `the second wait doubles: ${gap2}`);
  const done = record(home, 'delivered', job.id);
  assert.equal(done.attempts, 3);
  assert.equal(done.lastError, null);
});

test('500 until retry_max: 1 + retry_max attempts, then dead-lettered', async (t) => {
  const rx = await Receiver.start(t, () => 500);
  const { home, config } = setup(t, { retryMax: 3, retryBase: '20ms' });
  const job = terminalJob({ webhookUrl: rx.url, config });
  enqueueWebhook(home, job);
  await deliverUntilSettled(home);
  assert.equal(rx.hits.length, 4);
  assert.deepEqual(filesIn(home, 'dead'), [`${job.id}.json`]);
  assert.deepEqual(filesIn(home, 'delivered'), []);
  const dead = record(home, 'dead', job.id);
  assert.equal(dead.status, 'dead');
  assert.equal(dead.attempts, 4);
  assert.equal(dead.lastError, 'HTTP 500');
  assert.equal(dead.nextAttemptAt, null);
});

test('404 is permanent: dead at once; 408 and 429 are retried', async (t) => {
  const rx = await Receiver.start(t, (_n, hit) =>
    hit.path === '/gone' ? 404 : rx.hits.filter((h) => h.path === hit.path).length === 1 ? 408 : rx.hits.filter((h) => h.path === hit.path).length === 2 ? 429 : 200,
  );
  const { home, config } = setup(t);
  const gone = terminalJob({ webhookUrl: `http://127.0.0.1:${rx.port}/gone`, config });
  const busy = terminalJob({ webhookUrl: rx.url, config });
  enqueueWebhook(home, gone);
  enqueueWebhook(home, busy);
  await deliverUntilSettled(home);
  assert.equal(rx.hits.filter((h) => h.path === '/gone').length, 1, '404: no retry');
  assert.equal(record(home, 'dead', gone.id).lastError, 'HTTP 404');
  assert.equal(rx.hits.filter((h) => h.path === '/hook').length, 3, '408, 429, then 200');
  assert.equal(record(home, 'delivered', busy.id).attempts, 3);
});

test('a hanging receiver: the attempt times out and is retried', async (t) => {
  const rx = await Receiver.start(t, (n) => (n === 1 ? 'hang' : 200));
  const { home, config } = setup(t, { timeout: '300ms' });
  const job = terminalJob({ webhookUrl: rx.url, config });
  enqueueWebhook(home, job);
  const t0 = Date.now();
  assert.equal((await deliverDue(home)).retrying, 1);
  const took = Date.now() - t0;
  // the hanging receiver never answers: any end at all is the timeout's (the bound only rules out a hang, on a loaded box too)
  assert.ok(took >= 280 && took < 30_000, `gave up after the timeout: ${took} ms`);
  assert.equal(record(home, 'pending', job.id).lastError, 'timeout after 300ms');
  await deliverUntilSettled(home);
  assert.equal(rx.hits.length, 2);
  assert.equal(record(home, 'delivered', job.id).attempts, 2);
});

test('deliverers racing in one process: one POST', async (t) => {
  const rx = await Receiver.start(t, async () => {
    await new Promise((r) => setTimeout(r, 200));
    return 200;
  });
  const { home, config } = setup(t);
  const job = terminalJob({ webhookUrl: rx.url, config });
  enqueueWebhook(home, job);
  const reports = await Promise.all(Array.from({ length: 6 }, () => deliverDue(home)));
  assert.equal(
    reports.reduce((n, r) => n + r.delivered, 0),
    1,
  );
  assert.equal(rx.hits.length, 1);
});

test('a deliverer killed mid-attempt: its claim names it, so the next deliverer on its host takes the claim over at once and completes the delivery once', async (t) => {
  const rx = await Receiver.start(t, (n) => (n === 1 ? 'hang' : 200));
  const { home, config } = setup(t, { timeout: '60s' });
  const job = terminalJob({ webhookUrl: rx.url, config });
  enqueueWebhook(home, job);
  const worker = spawn(process.execPath, [join(ROOT, 'dist', 'webhooks-main.js'), home], { stdio: 'ignore' });
  await waitFor('the worker to POST', () => rx.hits.length === 1, 10_000);
  worker.kill('SIGKILL');
  await new Promise((r) => worker.once('exit', r));

  assert.deepEqual(filesIn(home, 'pending'), [`${job.id}.json`], 'still pending after the crash');
  assert.ok(fs.existsSync(join(home, 'webhooks', 'locks', `${job.id}.lock`)), 'the dead worker left its claim');
  assert.equal((await deliverDue(home)).delivered, 1, 'its holder is dead (its pid, on this host): taken over, no wait for staleness');
  assert.equal(rx.hits.length, 2);
  assert.deepEqual(filesIn(home, 'delivered'), [`${job.id}.json`]);
  assert.deepEqual(filesIn(home, 'pending'), []);
});

test('redeliver: a dead one goes back to pending with attempts reset and is tried at once', async (t) => {
  let fixed = false;
  const rx = await Receiver.start(t, () => (fixed ? 200 : 410));
  const { home, config } = setup(t);
  const job = terminalJob({ webhookUrl: rx.url, config });
  enqueueWebhook(home, job);
  await deliverDue(home);
  assert.deepEqual(filesIn(home, 'dead'), [`${job.id}.json`]);
  fixed = true;
  const rec = await redeliver(home, job.id);
  assert.equal(rec.status, 'delivered');
  assert.equal(rec.attempts, 1, 'attempts were reset');
  assert.deepEqual(filesIn(home, 'dead'), []);
  assert.deepEqual(filesIn(home, 'delivered'), [`${job.id}.json`]);
  assert.equal(rx.hits.length, 2);
  assert.equal(rx.hits[1].body, rx.hits[0].body, 'the same payload');
});

test('the diagnostic log has ids, statuses and codes, never the payload or the URL', async (t) => {
  const rx = await Receiver.start(t, (n) => (n === 1 ? 500 : 200));
  const { home, config } = setup(t);
  const logFile = join(home, '..', 'diag.log');
  const diag = new Diag(logFile, 'debug');
  const job = terminalJob({ webhookUrl: `${rx.url}?token=SECRET-IN-URL`, config, summary: 'PRIVATE-AGENT-TEXT' });
  enqueueWebhook(home, job, diag);
  await deliverDue(home, { diag });
  await new Promise((r) => setTimeout(r, 80));
  await deliverDue(home, { diag });
  const log = fs.readFileSync(logFile, 'utf8');
  assert.match(log, new RegExp(job.id));
  assert.match(log, /"http":500/);
  assert.match(log, /webhook delivered/);
  for (const secret of ['PRIVATE-AGENT-TEXT', 'SECRET-IN-URL', '127.0.0.1', SECRET]) assert.ok(!log.includes(secret), `${secret} leaked into the diagnostic log`);
});

test('backoff: retry_base × 2^(n−1), ±20 % jitter, capped at an hour', () => {
  assert.equal(backoff(5000, 1, 0.5), 5000);
  assert.equal(backoff(5000, 4, 0.5), 40_000);
  assert.equal(backoff(5000, 1, 0), 4000);
  assert.equal(backoff(5000, 1, 1), 6000);
  assert.equal(backoff(5000, 40, 0.5), 3_600_000);
});

test('the outbox is private and its record readable with jq-friendly fields', async (t) => {
  const { home, config } = setup(t);
  const job = terminalJob({ webhookUrl: 'http://127.0.0.1:9/x', config });
  enqueueWebhook(home, job);
  const outbox = new Outbox(home);
  for (const d of [outbox.dir, outbox.stateDir('pending')]) assert.equal(fs.statSync(d).mode & 0o777, 0o700);
  const rec = record(home, 'pending', job.id);
  assert.equal(rec.retryMax, 3);
  assert.equal(rec.retryBaseMs, 50);
  assert.equal(rec.attempts, 0);
  assert.equal(rec.config, config);
  assert.ok(!JSON.stringify(rec).includes(SECRET), 'the secret is never stored, only the signature');
});
