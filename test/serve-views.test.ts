// The read-only routes behind the dashboard's pages, and paging/search on GET /jobs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { call, serve, waitJob } from './support/serve.js';

test('GET /jobs pages with offset and searches prompt, tags and error; /v1/schedules, /v1/quotas, /v1/webhooks', { timeout: 90_000 }, async (t) => {
  const s = await serve(t, {
    extraAgents: `  nightly:
    runtime: command
    command: ["true"]
    workspace: $WS
    quota_bucket: ci
    schedules:
      hourly: { every: 1h }`,
    extraConfig: 'quotas:\n  ci: { tasks_per_hour: 3 }\n',
  });
  const ids: string[] = [];
  for (const task of ['alpha one', 'beta two', 'gamma three']) ids.push((await call(s, 'POST', '/jobs', { body: { agent: 'shell', task, tags: [`tag-${task.split(' ')[0]}`] } })).body.session_id);
  const hooked = (await call(s, 'POST', '/jobs', { body: { agent: 'nightly', webhook_url: 'http://127.0.0.1:9/x' } })).body.session_id;
  for (const id of [...ids, hooked]) await waitJob(s, id, (j) => j.status === 'completed', 30_000);

  const page1 = (await call(s, 'GET', '/jobs?limit=2')).body;
  const page2 = (await call(s, 'GET', '/jobs?limit=2&offset=2')).body;
  assert.equal(page1.jobs.length, 2);
  assert.equal(page1.more, true);
  assert.deepEqual(
    [...page1.jobs, ...page2.jobs].map((j: { id: string }) => j.id),
    [hooked, ...ids.slice().reverse()],
  );
  assert.equal(page2.more, false);
  assert.deepEqual(
    (await call(s, 'GET', '/jobs?q=BETA')).body.jobs.map((j: { id: string }) => j.id),
    [ids[1]],
  );
  assert.deepEqual(
    (await call(s, 'GET', '/jobs?q=tag-gamma')).body.jobs.map((j: { id: string }) => j.id),
    [ids[2]],
  );
  assert.equal((await call(s, 'GET', '/jobs?offset=-1')).status, 400);

  const sched = (await call(s, 'GET', '/v1/schedules')).body;
  assert.equal(sched.scheduler, null);
  assert.deepEqual(
    sched.schedules.map((r: { agent: string; schedule: string }) => `${r.agent}/${r.schedule}`),
    ['nightly/hourly'],
  );
  assert.ok(sched.schedules[0].nextFire);

  const quotas = (await call(s, 'GET', '/v1/quotas')).body;
  assert.deepEqual(
    quotas.buckets.map((b: { bucket: string; tasksPerHour: { used: number; limit: number } }) => [b.bucket, b.tasksPerHour.used, b.tasksPerHour.limit]),
    [['ci', 1, 3]],
  );

  const hooks = (await call(s, 'GET', '/v1/webhooks?limit=5')).body;
  const all = [...hooks.pending.deliveries, ...hooks.dead.deliveries];
  assert.deepEqual(
    all.map((d: { jobId: string }) => d.jobId),
    [hooked],
  );
  assert.equal(all[0].payload, undefined, 'the body (job text) and signature stay on disk');
  assert.equal(all[0].signature, undefined);
  assert.equal((await call(s, 'GET', '/v1/webhooks?state=nope')).status, 400);
  assert.equal((await call(s, 'GET', '/v1/quotas?x=1')).status, 400);
  assert.equal((await call(s, 'GET', '/v1/schedules', { token: null })).status, 401);
});
