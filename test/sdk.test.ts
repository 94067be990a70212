// The SDK (src/sdk): one interface on a state dir and against `herdctl serve`, typed events, reconnects, no oclif.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cancelJob, Herd, HerdError, streamEvents, submitJob, type HerdEvent } from '../src/sdk/index.js';
import { ROOT } from './support/cli.js';
import { serve, type Served } from './support/serve.js';

const collect = async (it: AsyncIterable<HerdEvent>): Promise<HerdEvent[]> => {
  const out: HerdEvent[] = [];
  for await (const e of it) out.push(e);
  return out;
};

function assertWholeLog(events: HerdEvent[], from = 0): void {
  assert.ok(events.length > 0, 'some events');
  events.forEach((e, i) => assert.equal(e.seq, from + i, 'seq without gaps or repeats'));
  assert.equal(events.at(-1)!.type, 'complete', 'ends after complete');
  assert.equal(events.filter((e) => e.type === 'complete').length, 1);
}

/** The same script against either backend: every method of the interface. */
async function exercise(herd: Herd, s: Served): Promise<void> {
  const job = await herd.submit({ agent: 'coder', prompt: 'tools:2', tags: ['sdk'] });
  assert.match(job.id, /^job-\d{8}-\d{6}-[0-9a-z]{8}$/);
  assert.ok(['pending', 'running'].includes(job.status));
  assert.deepEqual(job.tags, ['sdk']);

  const events = await collect(herd.events(job.id));
  assertWholeLog(events);
  assert.equal(events[0].type, 'start');
  const uses = events.filter((e) => e.type === 'tool_use');
  assert.equal(uses.length, 2);
  for (const e of events) {
    // the union narrows: each type's fields are typed
    if (e.type === 'tool_use') assert.equal(typeof e.tool, 'string');
    if (e.type === 'complete') assert.equal(e.status, 'completed');
  }
  const tail = await collect(herd.events(job.id.slice(4, 22), { since: 2 }));
  assertWholeLog(tail, 3);
  assert.deepEqual(tail, events.slice(3), 'since: only what comes after, by a unique prefix too');

  const done = await herd.wait(job.id, { timeoutMs: 60_000 });
  assert.equal(done.status, 'completed');
  assert.deepEqual(await herd.get(job.id.slice(0, 24)), done);

  const listed = await herd.list({ agent: 'coder', limit: 50 });
  assert.ok(listed.some((j) => j.id === job.id));
  assert.ok(!(await herd.list({ status: 'failed' })).some((j) => j.id === job.id));

  const next = await herd.resume(job.id, { prompt: 'tools:1' });
  assert.equal(next.parentJobId, job.id);
  assert.equal(next.trigger, 'resume');
  assert.equal((await herd.wait(next.id, { timeoutMs: 60_000 })).status, 'completed');

  // cancel while a tool runs, seen through the event stream
  const slow = await herd.submit({ agent: 'coder', prompt: 'sleep:60000' });
  for await (const e of herd.events(slow.id)) if (e.type === 'tool_use') break; // leaving early ends the stream
  const c = await herd.cancel(slow.id, { reason: 'sdk test', waitMs: 30_000 });
  assert.equal(c.result, 'cancelled');
  assert.equal(c.job.status, 'cancelled');
  assert.equal(c.job.cancelReason, 'sdk test');
  assert.equal((await herd.cancel(slow.id)).result, 'already-finished');
  const notes = (await collect(herd.events(slow.id))).filter((e) => e.type === 'output' && e.kind === 'stopping');
  assert.ok(notes.length >= 1, 'the runner noted the stop');

  const stats = await herd.stats({ agent: 'coder' });
  assert.ok(stats.created >= 3);
  assert.ok(stats.completed >= 2);
  assert.ok(stats.cancelled >= 1);

  await assert.rejects(herd.get('job-20200101-000000-zzzzzzzz'), (e: unknown) => e instanceof HerdError && e.code === 'not_found');
  await assert.rejects(herd.submit({ agent: 'nobody' }), (e: unknown) => e instanceof HerdError && e.code === 'not_found');
  await assert.rejects(herd.wait(slow.id.replace(/.$/, (ch) => (ch === 'a' ? 'b' : 'a'))), (e: unknown) => e instanceof HerdError);
  void s;
}

test('SDK on a state dir: submit, events (replay, since, live), wait, get, list, resume, cancel, stats, errors', async (t) => {
  const s = await serve(t);
  await exercise(new Herd({ home: s.home, config: join(s.dir, 'herdctl.yaml') }), s);
});

test('SDK against herdctl serve: the same script over HTTP/SSE', async (t) => {
  const s = await serve(t);
  const herd = new Herd({ url: s.url, token: s.token });
  assert.equal(herd.mode, 'remote');
  await exercise(herd, s);
  await assert.rejects(new Herd({ url: s.url, token: 'wrong-token-0123456789' }).list(), (e: unknown) => e instanceof HerdError && (e.data as { status: number }).status === 401);
});

test('SDK over HTTP: a stream cut mid-way is reopened with Last-Event-ID; every event once, in order', async (t) => {
  const s = await serve(t);
  const herd = new Herd({ url: s.url, token: s.token });
  const job = await herd.submit({ agent: 'coder', prompt: 'tools:3' });
  await herd.wait(job.id, { timeoutMs: 60_000 });
  const all = await collect(herd.events(job.id));
  // a proxy that cuts the first two event streams after two events each
  const seenIds: (string | undefined)[] = [];
  let cuts = 0;
  const proxy = http.createServer((req, res) => {
    const isStream = req.url!.includes('/events');
    if (isStream) seenIds.push(req.headers['last-event-id'] as string | undefined);
    const up = http.request(s.url + req.url, { method: req.method, headers: req.headers }, (ur) => {
      res.writeHead(ur.statusCode!, ur.headers);
      let frames = 0;
      const cut = isStream && cuts < 2;
      if (cut) cuts++;
      ur.on('data', (chunk: Buffer) => {
        if (!cut) return void res.write(chunk);
        // forward two whole frames, then drop the connection once they are flushed
        for (const frame of chunk.toString('utf8').split(/(?<=\n\n)/)) {
          if (frames >= 2) return;
          const last = frame.endsWith('\n\n') && frame.includes('data:') && ++frames === 2;
          res.write(frame, last ? () => setTimeout(() => (res.destroy(), ur.destroy()), 50) : undefined);
        }
      });
      ur.on('end', () => res.end());
    });
    req.pipe(up);
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  t.after(() => new Promise<void>((r) => proxy.close(() => r())));
  const viaProxy = new Herd({ url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, token: s.token, reconnectMs: 50 });
  const got = await collect(viaProxy.events(job.id));
  assert.deepEqual(got, all, 'nothing lost, nothing twice');
  assert.equal(cuts, 2);
  assert.deepEqual(seenIds.slice(0, 3), [undefined, '1', '3'], 'each reconnect says the last seq it got');
});

test('the thin functions: submitJob, streamEvents, cancelJob (default herd from $HERDCTL_URL or the state dir)', async (t) => {
  const s = await serve(t);
  const herd = { home: s.home, config: join(s.dir, 'herdctl.yaml') };
  const job = await submitJob({ agent: 'coder', task: 'tools:1' }, herd);
  const events = await collect(streamEvents(job.id, { herd }));
  assertWholeLog(events);
  const slow = await submitJob({ agent: 'coder', task: 'sleep:60000' }, { url: s.url, token: s.token });
  const r = await cancelJob(slow.id, { reason: 'thin', waitMs: 30_000, herd: { url: s.url, token: s.token } });
  assert.equal(r.result, 'cancelled');
});

test("provider and model, the seed's submitJob({ task, provider, model }): on both backends", async (t) => {
  const s = await serve(t);
  for (const herd of [new Herd({ home: s.home, config: join(s.dir, 'herdctl.yaml') }), new Herd({ url: s.url, token: s.token })]) {
    const opts = herd.mode === 'local' ? { home: s.home, config: join(s.dir, 'herdctl.yaml') } : { url: s.url, token: s.token };
    const job = await submitJob({ agent: 'coder', provider: 'claude', model: 'claude-test-model', task: 'tools:1' }, opts);
    assert.equal(job.model, 'claude-test-model', herd.mode);
    assert.equal((await herd.wait(job.id, { timeoutMs: 60_000 })).status, 'completed');
    await assert.rejects(herd.submit({ agent: 'coder', provider: 'codex', task: 'x' }), (e: unknown) => e instanceof HerdError && /runs runtime claude, not provider codex/.test(e.message), herd.mode);
    await assert.rejects(herd.submit({ task: 'x' }), (e: unknown) => e instanceof HerdError && /agent.* or .*provider/.test(e.message), herd.mode);
  }
});

test('importing the SDK loads no oclif (the import graph of dist/sdk/index.js)', () => {
  const seen = new Set<string>();
  const bare = new Set<string>();
  const walk = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    const src = readFileSync(file, 'utf8').replace(/^\s*\/\/.*$/gm, '');
    for (const m of src.matchAll(/(?:from\s+|import\s*\(\s*|import\s+)['"]([^'"]+)['"]/g)) {
      if (m[1].startsWith('.')) walk(resolve(dirname(file), m[1]));
      else bare.add(m[1]);
    }
  };
  walk(join(ROOT, 'dist', 'sdk', 'index.js'));
  assert.ok(seen.size > 10, 'walked the graph');
  const heavy = [...bare].filter((b) => !b.startsWith('node:'));
  assert.deepEqual(
    heavy.filter((b) => b.includes('oclif') || b === 'chalk'),
    [],
    `no command-line modules: ${heavy.join(', ')}`,
  );
  for (const f of seen) assert.ok(!f.includes(`${join('dist', 'commands')}`) && !f.includes(join('dist', 'render')), `${f} is command-line code`);
});
