import assert from 'node:assert/strict';
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, it, test } from 'node:test';
import { hasStackTrace, runCli } from './support/cli.js';
import { readJob, storedLines } from './support/jobs.js';
import { call, readSse, serve, type Served, waitJob } from './support/serve.js';

const SECRET = 'zebra-quokka-4711'; // a word only job content carries: it must never reach the server's log

describe('herdctl serve: the HTTP API', () => {
  let s: Served;
  before(async () => {
    s = await serve(null, { extraConfig: 'quotas:\n  tiny: { tasks_total: 1 }\n' });
  });
  after(() => s.cleanup());

  const submit = async (body: Record<string, unknown>): Promise<string> => {
    const r = await call(s, 'POST', '/jobs', { body });
    assert.equal(r.status, 201, r.text);
    return r.body.session_id;
  };

  it('binds to loopback; /health needs no token and declares background_jobs', async () => {
    assert.match(s.url, /^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await call(s, 'GET', '/health', { token: null });
    assert.equal(r.status, 200);
    assert.deepEqual(r.body.features.background_jobs, { available: true, transport: 'sse', routes_prefix: '/jobs', metrics_route: '/v1/metrics/jobs', store_path: s.home });
  });

  it('every other route needs Authorization: Bearer <token>; the dashboard files do not', async () => {
    const wrong = s.token.slice(0, -1) + (s.token.endsWith('a') ? 'b' : 'a');
    for (const [method, path] of [
      ['GET', '/jobs'],
      ['POST', '/jobs'],
      ['GET', '/jobs/job-20260101-000000-aaaaaaaa'],
      ['GET', '/jobs/job-20260101-000000-aaaaaaaa/events'],
      ['POST', '/jobs/job-20260101-000000-aaaaaaaa/cancel'],
      ['POST', '/v1/resume'],
      ['GET', '/v1/agents'],
      ['GET', '/v1/metrics/jobs'],
      ['GET', '/v1/jobs/dead-letters'],
      ['POST', '/v1/jobs/job-20260101-000000-aaaaaaaa/webhook/redeliver'],
    ]) {
      for (const token of [null, wrong, 'short', `${s.token}x`]) {
        const r = await call(s, method, path, { token });
        assert.equal(r.status, 401, `${method} ${path} with ${token === null ? 'no' : 'a wrong'} token`);
        assert.equal(r.body.error, 'unauthorized');
        assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="herdctl"');
      }
    }
    assert.equal((await call(s, 'GET', '/jobs', { token: null, headers: { authorization: `bearer ${s.token}` } })).status, 200, 'the scheme is case-insensitive');
    for (const path of ['/', '/app.js', '/style.css']) {
      const r = await call(s, 'GET', path, { token: null });
      assert.equal(r.status, 200, path);
      assert.match(r.headers.get('content-security-policy')!, /script-src 'self'/);
    }
  });

  it('the token is generated into <home>/serve.token, mode 0600, and not printed', () => {
    const file = join(s.home, 'serve.token');
    assert.equal(statSync(file).mode & 0o777, 0o600);
    assert.equal(readFileSync(file, 'utf8').trim(), s.token);
    assert.ok(s.token.length >= 40);
    assert.ok(!s.stdout.includes(s.token) && !s.stderr().includes(s.token));
    assert.equal(JSON.parse(s.stdout).token_source, file);
  });

  it('POST /jobs → 201 {session_id}; the job is on disk as given; GET /jobs and /jobs/<prefix> read it back', async () => {
    const r = await call(s, 'POST', '/jobs', { body: { task: `notool ${SECRET}`, agent: 'coder', priority: 5, tags: ['api', 'x'] } });
    assert.equal(r.status, 201);
    assert.deepEqual(Object.keys(r.body), ['session_id']);
    const id = r.body.session_id as string;
    assert.equal(r.headers.get('location'), `/jobs/${id}`);
    const onDisk = readJob(s.home, id);
    assert.deepEqual([onDisk.agent, onDisk.prompt, onDisk.priority, onDisk.tags], ['coder', `notool ${SECRET}`, 5, ['api', 'x']]);
    const done = await waitJob(s, id.slice(4, 26), (j) => j.status === 'completed');
    assert.equal(done.id, id);
    const byPrompt = await submit({ prompt: 'notool', agent: 'shell' });
    await waitJob(s, byPrompt, (j) => j.status === 'completed');

    const list = await call(s, 'GET', '/jobs?agent=coder&status=completed&since=1h&limit=50');
    assert.equal(list.status, 200);
    assert.ok(list.body.jobs.some((j: { id: string }) => j.id === id));
    assert.ok(list.body.jobs.every((j: { agent: string; status: string }) => j.agent === 'coder' && j.status === 'completed'));
    assert.equal((await call(s, 'GET', '/jobs?limit=1')).body.jobs.length, 1);
    assert.deepEqual((await call(s, 'GET', '/jobs?status=running&agent=nobody')).body, { jobs: [], offset: 0, more: false });
  });

  it('bad requests: 400 with a JSON {error, message}; unknown things 404; wrong methods 405 with Allow', async () => {
    const cases: [string, string, unknown, number, RegExp][] = [
      ['POST', '/jobs', '{"agent": "coder",', 400, /malformed JSON/],
      ['POST', '/jobs', '[1,2]', 400, /JSON object/],
      ['POST', '/jobs', '', 400, /"agent" or "provider" is required/],
      ['POST', '/jobs', { agent: 'coder', promt: 'typo' }, 400, /unknown field "promt"/],
      ['POST', '/jobs', { agent: 'coder', task: 'a', prompt: 'b' }, 400, /not both/],
      ['POST', '/jobs', { agent: 'coder', task: '  ' }, 400, /empty/],
      ['POST', '/jobs', { agent: 7 }, 400, /"agent" must be a string/],
      ['POST', '/jobs', { agent: 'coder', priority: 1.5 }, 400, /integer from -999 to 999/],
      ['POST', '/jobs', { agent: 'coder', tags: 'a,b' }, 400, /list of non-empty strings/],
      ['POST', '/jobs', { agent: 'coder', webhook_url: 'ftp://x' }, 400, /http\(s\) URL/],
      ['POST', '/jobs', { agent: 'coder', quota_bucket: '../x' }, 400, /invalid quota bucket name/],
      ['POST', '/jobs', { agent: 'nobody' }, 404, /no agent "nobody"/],
      ['GET', '/jobs?status=done', undefined, 400, /status must be one of/],
      ['GET', '/jobs?limit=0', undefined, 400, /limit must be/],
      ['GET', '/jobs?since=yesterday', undefined, 400, /since/],
      ['GET', '/jobs?stauts=failed', undefined, 400, /unknown query parameter "stauts"/],
      ['GET', '/jobs/job-20260101-000000-aaaaaaaa', undefined, 404, /no job/],
      ['GET', '/jobs/20991231', undefined, 404, /no job/],
      ['GET', '/jobs/NOT_AN_ID', undefined, 400, /invalid job id/],
      ['GET', '/jobs/job-20260101-000000-aaaaaaaa/events', undefined, 404, /no job/],
      ['POST', '/jobs/job-20260101-000000-aaaaaaaa/cancel', {}, 404, /no job/],
      ['POST', '/v1/resume', { kind: 'job', from_subject_id: 'job-20260101-000000-aaaaaaaa' }, 404, /no job/],
      ['POST', '/v1/resume', { kind: 'session', from_subject_id: 'x' }, 400, /"kind" must be "job"/],
      ['POST', '/v1/resume', { kind: 'job' }, 400, /from_subject_id/],
      ['GET', '/nope', undefined, 404, /no route/],
    ];
    for (const [method, path, body, status, message] of cases) {
      const r = await call(s, method, path, { body });
      assert.equal(r.status, status, `${method} ${path} ${JSON.stringify(body)}: ${r.text}`);
      assert.equal(r.headers.get('content-type'), 'application/json; charset=utf-8');
      assert.deepEqual(Object.keys(r.body), ['error', 'message']);
      assert.match(r.body.message, message, `${method} ${path}`);
    }
    const jobs = (await call(s, 'GET', '/jobs')).body.jobs as { id: string }[];
    const ambiguous = await call(s, 'GET', `/jobs/${jobs[0].id.slice(4, 8)}`);
    assert.equal(ambiguous.status, 400);
    assert.equal(ambiguous.body.error, 'ambiguous');
    for (const [method, path, allow] of [
      ['DELETE', '/jobs', 'GET, POST'],
      ['PUT', `/jobs/${jobs[0].id}`, 'GET'],
      ['GET', `/jobs/${jobs[0].id}/cancel`, 'POST'],
      ['POST', '/health', 'GET'],
    ]) {
      const r = await call(s, method, path);
      assert.equal(r.status, 405, `${method} ${path}`);
      assert.equal(r.headers.get('allow'), allow);
      assert.equal(r.body.error, 'method_not_allowed');
    }
  });

  it('a request body over 4 MiB is refused with 413, whether announced or streamed', async () => {
    const big = JSON.stringify({ agent: 'coder', task: 'x'.repeat(4 * 1024 * 1024) });
    const r = await call(s, 'POST', '/jobs', { body: big });
    assert.equal(r.status, 413);
    assert.equal(r.body.error, 'payload_too_large');
    // chunked, no Content-Length: refused once past the cap; the connection survives for the next request
    const port = Number(new URL(s.url).port);
    const answers = await new Promise<string>((resolve, reject) => {
      const sock = net.connect(port, '127.0.0.1', () => {
        sock.write(`POST /jobs HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${s.token}\r\nTransfer-Encoding: chunked\r\n\r\n`);
        const chunk = 'y'.repeat(64 * 1024);
        for (let i = 0; i < 80; i++) sock.write(`${chunk.length.toString(16)}\r\n${chunk}\r\n`);
        sock.write(`0\r\n\r\nGET /health HTTP/1.1\r\nHost: x\r\n\r\n`);
      });
      let got = '';
      sock.on('data', (b) => {
        got += b.toString();
        if (got.includes('"status":"ok"')) {
          sock.destroy();
          resolve(got);
        }
      });
      sock.on('error', reject);
    });
    assert.match(answers, /^HTTP\/1\.1 413 [^]*"payload_too_large"[^]*HTTP\/1\.1 200 /);
  });

  it('cancel: a pending job at once, a running one stops cancelled/manual_cancel with the reason, again is a no-op', async () => {
    const running = await submit({ agent: 'solo', task: 'sleep:30000' });
    await waitJob(s, running, (j) => j.status === 'running');
    const queued = await submit({ agent: 'solo', task: 'notool' });
    const q = await call(s, 'POST', `/jobs/${queued}/cancel`, { body: { reason: 'not needed' } });
    assert.equal(q.status, 200, q.text);
    assert.equal(q.body.result, 'cancelled');
    assert.equal(q.body.job.status, 'cancelled');

    const asked = await call(s, 'POST', `/jobs/${running}/cancel`, { body: { reason: 'wrong branch' } });
    assert.equal(asked.status, 202, 'recorded; the agent is stopping');
    assert.equal(asked.body.result, 'requested');
    const done = await call(s, 'POST', `/jobs/${running}/cancel`, { body: { wait_ms: 15_000 } });
    assert.equal(done.status, 200);
    assert.deepEqual([done.body.job.status, done.body.job.exitReason, done.body.job.cancelReason], ['cancelled', 'manual_cancel', 'wrong branch']);
    const again = await call(s, 'POST', `/jobs/${running}/cancel`);
    assert.equal(again.status, 200);
    assert.equal(again.body.result, 'already-finished');
    assert.equal((await call(s, 'POST', `/jobs/${running}/cancel`, { body: { wait_ms: -1 } })).status, 400);
  });

  it('POST /v1/resume: a new job continuing the given one; a running one is a 409', async () => {
    const parent = await submit({ agent: 'coder', task: 'notool' });
    const running = await submit({ agent: 'coder', task: 'slow:40:100' });
    await waitJob(s, running, (j) => j.status === 'running');
    const busy = await call(s, 'POST', '/v1/resume', { body: { kind: 'job', from_subject_id: running } });
    assert.equal(busy.status, 409);
    assert.equal(busy.body.error, 'conflict');
    await waitJob(s, parent, (j) => j.status === 'completed');
    const r = await call(s, 'POST', '/v1/resume', { body: { kind: 'job', from_subject_id: parent.slice(4), prompt: 'notool and now tests' } });
    assert.equal(r.status, 201, r.text);
    assert.equal(r.body.parent_id, parent);
    const child = await waitJob(s, r.body.session_id, (j) => j.status === 'completed');
    assert.deepEqual([child.parentJobId, child.trigger, child.prompt], [parent, 'resume', 'notool and now tests']);
  });

  it('GET /jobs/<id>/events: history then live, each event `id: <seq>` and `event: <type>`, ending after complete', async () => {
    const id = await submit({ agent: 'coder', task: `slow:10:80 tool:Read ${SECRET}` });
    const got = await readSse(`${s.url}/jobs/${id}/events`, s.token);
    assert.equal(got.status, 200);
    assert.equal(got.ended, true);
    const lines = storedLines(s.home, id);
    assert.deepEqual(
      got.events.map((e) => e.data),
      lines,
    );
    assert.deepEqual(
      got.events.map((e) => [e.id, e.event]),
      lines.map((l) => [JSON.parse(l).seq, JSON.parse(l).type]),
    );
    assert.equal(got.events.at(-1)!.event, 'complete');
  });

  it('disconnect mid-stream, reconnect with Last-Event-ID: exactly the missed events, nothing doubled', async () => {
    const id = await submit({ agent: 'coder', task: 'slow:30:40' });
    const first = await readSse(`${s.url}/jobs/${id}/events`, s.token, { stopAfter: 6 });
    assert.equal(first.ended, false);
    const rest = await readSse(`${s.url}/jobs/${id}/events`, s.token, { lastEventId: first.events.at(-1)!.id });
    assert.deepEqual(
      [...first.events, ...rest.events].map((e) => e.data),
      storedLines(s.home, id),
    );
  });

  it('replay after the job finished, ?since=N (events after seq N), and bad seqs', async () => {
    const id = await submit({ agent: 'shell' });
    await waitJob(s, id, (j) => j.status === 'completed');
    const lines = storedLines(s.home, id);
    assert.deepEqual(
      (await readSse(`${s.url}/jobs/${id}/events`, s.token)).events.map((e) => e.data),
      lines,
    );
    assert.deepEqual(
      (await readSse(`${s.url}/jobs/${id}/events?since=1`, s.token)).events.map((e) => e.data),
      lines.slice(2),
    );
    assert.deepEqual((await readSse(`${s.url}/jobs/${id}/events?since=0`, s.token, { lastEventId: 2 })).events[0].id, 3, 'the later of the two wins');
    assert.equal((await call(s, 'GET', `/jobs/${id}/events?since=-1`)).status, 400);
    assert.equal((await call(s, 'GET', `/jobs/${id}/events`, { headers: { 'last-event-id': 'abc' } })).status, 400);
  });

  it('quota over the cap: 429 with the documented quota denial JSON, and no job', async () => {
    await submit({ agent: 'shell', quota_bucket: 'tiny' });
    const before = (await call(s, 'GET', '/jobs?limit=1000')).body.jobs.length;
    const r = await call(s, 'POST', '/jobs', { body: { agent: 'shell', quota_bucket: 'tiny' } });
    assert.equal(r.status, 429);
    assert.deepEqual(r.body, { error: 'quota_denied', resource: 'Tasks', used: 1, hard_limit: 1 });
    assert.equal((await call(s, 'GET', '/jobs?limit=1000')).body.jobs.length, before);
  });

  it('GET /v1/agents, /v1/metrics/jobs, /v1/jobs/dead-letters; redeliver of a job without a webhook is a 404', async () => {
    const agents = await call(s, 'GET', '/v1/agents');
    assert.deepEqual(
      agents.body.agents.map((a: { name: string; runtime: string }) => [a.name, a.runtime]),
      [
        ['coder', 'claude'],
        ['solo', 'claude'],
        ['shell', 'command'],
      ],
    );
    const m = await call(s, 'GET', '/v1/metrics/jobs');
    assert.equal(m.status, 200, m.text);
    const listed = (await call(s, 'GET', '/jobs?limit=1000')).body.jobs.length;
    assert.equal(m.body.created, listed);
    assert.ok(m.body.completed >= 5 && m.body.cancelled >= 2);
    assert.ok(m.body.eventsPublished > 0);
    assert.equal((await call(s, 'GET', '/v1/metrics/jobs?agent=shell&since=1h')).body.agent, 'shell');
    const dead = await call(s, 'GET', '/v1/jobs/dead-letters');
    assert.equal(dead.status, 200, dead.text);
    assert.deepEqual(dead.body, { dead_letters: [] });
    const id = (await call(s, 'GET', '/jobs?status=completed&limit=1')).body.jobs[0].id;
    const r = await call(s, 'POST', `/v1/jobs/${id}/webhook/redeliver`);
    assert.equal(r.status, 404, r.text);
    assert.match(r.body.message, /has no webhook/);
  });

  it('the request log names method, route, status, time and job id — never job content', () => {
    const lines = s
      .stderr()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    const requests = lines.filter((l) => l.msg === 'request');
    assert.ok(requests.length > 50);
    for (const l of requests) {
      assert.deepEqual(
        Object.keys(l).filter((k) => !['ts', 'level', 'pid', 'msg', 'method', 'route', 'status', 'ms', 'job'].includes(k)),
        [],
      );
      assert.doesNotMatch(l.route, /job-\d/, 'routes are patterns, never paths');
    }
    assert.ok(requests.some((l) => l.route === '/jobs/:id/events' && /^job-/.test(l.job)));
    assert.ok(!s.stderr().includes(SECRET), 'no prompt or agent output in the log');
    assert.ok(!s.stderr().includes('Step 1 of'));
  });
});

test('HERDCTL_TOKEN and --print-token; SIGTERM closes open streams and exits 0', async (t) => {
  const token = 'env-token-0123456789abcdef';
  const s = await serve(t, { env: { HERDCTL_TOKEN: token }, args: ['--print-token'] });
  const info = JSON.parse(s.stdout);
  assert.equal(info.token, token);
  assert.equal(info.token_source, '$HERDCTL_TOKEN');
  assert.equal(info.dashboard, `${s.url}/#token=${token}`);
  assert.equal(existsSync(join(s.home, 'serve.token')), false);
  assert.equal((await call(s, 'GET', '/jobs')).status, 200);
  const r = await call(s, 'POST', '/jobs', { body: { agent: 'coder', task: 'slow:100:100' } });
  let streaming!: () => void;
  const firstEvent = new Promise<void>((resolve) => (streaming = resolve));
  const stream = readSse(`${s.url}/jobs/${r.body.session_id}/events`, s.token, { onEvent: () => streaming() });
  await firstEvent;
  const t0 = Date.now();
  assert.equal(await s.stop(), 0);
  assert.ok(Date.now() - t0 < 5000, 'closed promptly');
  const got = await stream;
  assert.equal(got.ended, true);
  assert.ok(got.events.length > 0);
  // the job itself goes on: the server was only a reader
  const job = readJob(s.home, r.body.session_id);
  assert.equal(job.status, 'running');
});

test('refuses a short HERDCTL_TOKEN and a port in use, with a message and no stack trace', async (t) => {
  const s = await serve(t);
  const short = await runCli(['serve', '--port', '0'], { home: s.home, env: { HERDCTL_TOKEN: 'abc' } });
  assert.equal(short.code, 2);
  assert.match(short.stderr, /HERDCTL_TOKEN is too short/);
  const taken = await runCli(['serve', '--port', new URL(s.url).port], { home: s.home, env: { HERDCTL_TOKEN: '' } });
  assert.equal(taken.code, 5);
  assert.match(taken.stderr, /already in use/);
  assert.ok(!hasStackTrace(short.stderr + taken.stderr));
});
