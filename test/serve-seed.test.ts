// The seed's API where it differed: metrics under its names, POST /v1/jobs/quota/reset, POST /v1/resume {recap_id}.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { call, serve, waitJob } from './support/serve.js';

const TERMINAL = (j: Record<string, unknown>) => ['completed', 'failed', 'cancelled'].includes(j.status as string);

test('GET /v1/metrics/jobs has the seed names, equal to the stats counters', async (t) => {
  const s = await serve(t);
  const a = await call(s, 'POST', '/jobs', { body: { agent: 'shell' } });
  assert.equal(a.status, 201, a.text);
  await waitJob(s, a.body.session_id, TERMINAL, 30_000);
  const m = await call(s, 'GET', '/v1/metrics/jobs');
  assert.equal(m.status, 200, m.text);
  const b = m.body;
  const pairs: [string, string][] = [
    ['jobs_created', 'created'],
    ['jobs_completed', 'completed'],
    ['jobs_failed', 'failed'],
    ['jobs_cancelled', 'cancelled'],
    ['queued', 'queued'],
    ['running', 'running'],
    ['events_published', 'eventsPublished'],
    ['webhooks_delivered', 'webhooksDelivered'],
    ['webhooks_dead_lettered', 'webhooksDeadLettered'],
  ];
  for (const [seed, ours] of pairs) {
    assert.equal(typeof b[seed], 'number', seed);
    assert.equal(b[seed], b[ours], `${seed} = ${ours}`);
  }
  assert.equal(b.jobs_created, 1);
  assert.equal(b.jobs_completed, 1);
  assert.ok(b.events_published >= 3);
});

test('POST /v1/jobs/quota/reset {bucket}: a full bucket takes jobs again; unknown and missing buckets are clear errors', async (t) => {
  const s = await serve(t, { extraConfig: 'quotas:\n  tiny: { tasks_total: 1 }\n' });
  assert.equal((await call(s, 'POST', '/jobs', { body: { agent: 'shell', quota_bucket: 'tiny' } })).status, 201);
  const denied = await call(s, 'POST', '/jobs', { body: { agent: 'shell', quota_bucket: 'tiny' } });
  assert.equal(denied.status, 429);
  const reset = await call(s, 'POST', '/v1/jobs/quota/reset', { body: { bucket: 'tiny' } });
  assert.equal(reset.status, 200, reset.text);
  assert.deepEqual(reset.body, { bucket: 'tiny', before: { tasksTotal: 1, tasksPerHour: 1 } });
  assert.equal((await call(s, 'POST', '/jobs', { body: { agent: 'shell', quota_bucket: 'tiny' } })).status, 201, 'room again');
  const cases: [unknown, number, RegExp][] = [
    [{ bucket: 'nope' }, 404, /no quota bucket "nope".*tiny/],
    [{}, 400, /"bucket" is required/],
    [{ bucket: '../x' }, 400, /invalid quota bucket name/],
    [{ bucket: 'tiny', extra: 1 }, 400, /extra/],
  ];
  for (const [body, status, message] of cases) {
    const r = await call(s, 'POST', '/v1/jobs/quota/reset', { body });
    assert.equal(r.status, status, `${JSON.stringify(body)}: ${r.text}`);
    assert.match(r.body.message, message);
  }
  assert.equal((await call(s, 'GET', '/v1/jobs/quota/reset')).status, 405);
});

test("POST /v1/resume {recap_id}: a new job seeded with that job's recap records resumedFromRecapId", async (t) => {
  const s = await serve(t);
  const first = await call(s, 'POST', '/jobs', { body: { agent: 'coder', task: 'tools:1' } });
  const id = first.body.session_id as string;
  const done = await waitJob(s, id, TERMINAL, 30_000);
  assert.ok(done.sessionId, 'the parent has a session');
  const r = await call(s, 'POST', '/v1/resume', { body: { recap_id: id.slice(4, 22), prompt: 'now add tests' } });
  assert.equal(r.status, 201, r.text);
  assert.deepEqual(Object.keys(r.body).sort(), ['parent_id', 'recap_id', 'session_id']);
  assert.equal(r.body.parent_id, id);
  assert.equal(r.body.recap_id, id);
  const job = (await call(s, 'GET', `/jobs/${r.body.session_id}`)).body;
  assert.equal(job.resumedFromRecapId, id);
  assert.equal(job.parentJobId, id);
  assert.equal(job.trigger, 'resume');
  assert.notEqual(job.sessionId, done.sessionId, 'a fresh session (the runner names it when it starts): the recap is the context, not the old session');
  const started = await waitJob(s, r.body.session_id, TERMINAL, 30_000);
  assert.equal(started.status, 'completed');
  assert.notEqual(started.sessionId, done.sessionId);
  assert.match(job.prompt, /^Earlier job .* ended completed\.\nRecap: /);
  assert.match(job.prompt, /now add tests$/);
  // from_subject_id keeps resuming the session, and records no recap
  const plain = await call(s, 'POST', '/v1/resume', { body: { kind: 'job', from_subject_id: id } });
  assert.equal(plain.status, 201, plain.text);
  const pj = (await call(s, 'GET', `/jobs/${plain.body.session_id}`)).body;
  assert.equal(pj.sessionId, done.sessionId);
  assert.equal(pj.resumedFromRecapId, undefined);
  const cases: [unknown, number, RegExp][] = [
    [{ recap_id: id, from_subject_id: id }, 400, /not both/],
    [{ kind: 'other', recap_id: id }, 400, /"kind" must be "job" or "recap"/],
    [{ kind: 'recap', recap_id: 'job-20200101-000000-zzzzzzzz' }, 404, /no job/i],
    [{ kind: 'job' }, 400, /"from_subject_id" is required/],
  ];
  for (const [body, status, message] of cases) {
    const x = await call(s, 'POST', '/v1/resume', { body });
    assert.equal(x.status, status, `${JSON.stringify(body)}: ${x.text}`);
    assert.match(x.body.message, message);
  }
});
