import assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { EventWriter } from '../src/core/eventlog.js';
import { EventStreams } from '../src/server/sse.js';
import { readSse, type SseEvent } from './support/serve.js';
import { tempDir } from './support/tmp.js';

/**
 * EventStreams in-process, against an output.jsonl this test writes itself
 * (the runner's own EventWriter), so the interleavings are ours to choose.
 */
interface Rig {
  url: string;
  streams: EventStreams;
  writer: EventWriter;
  file: string;
  finish: () => void;
}

async function rig(t: TestContext, maxLagBytes?: number): Promise<Rig> {
  const dir = join(tempDir(t), 'job');
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'output.jsonl');
  const writer = EventWriter.open(file);
  let over = false;
  const streams = new EventStreams({ outputFile: () => file, isOver: () => over }, { pollMs: 20, maxLagBytes });
  const server = http.createServer((req, res) => {
    const after = req.headers['last-event-id'] === undefined ? -1 : Number(req.headers['last-event-id']);
    res.writeHead(200, { 'Content-Type': 'text/event-stream' });
    void streams.follow('job', res, after);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.after(() => {
    streams.close();
    server.closeAllConnections();
    server.close();
  });
  const finish = () => {
    writer.append({ type: 'complete', status: 'completed', exitReason: 'success' });
    writer.close();
    over = true;
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/`, streams, writer, file, finish };
}

const stored = (file: string) => readFileSync(file, 'utf8').split('\n').filter(Boolean);
const asLines = (events: SseEvent[]) => events.map((e) => e.data);

/** Appends `n` output events in bursts, yielding to the event loop between them (a busy agent). */
async function flood(w: EventWriter, n: number, burst = 200): Promise<void> {
  for (let i = 0; i < n; i++) {
    w.append({ type: 'output', text: `line ${i} ${'x'.repeat(1000)}` });
    if (i % burst === burst - 1) {
      w.flush();
      await new Promise((r) => setTimeout(r, 1));
    }
  }
  w.flush();
}

test('history then live: every client gets every event once, in order — fast, slow, late and reconnecting ones', async (t) => {
  const r = await rig(t, 64 * 1024); // a small lag limit, so the slow client really drops back to reading the file
  r.writer.append({ type: 'start', argv: ['agent'] });
  r.writer.flush();
  const fast = readSse(r.url, 'x');
  const slow = readSse(r.url, 'x', { slowMs: 700 });
  const cut = readSse(r.url, 'x', { stopAfter: 150 });
  await new Promise((res) => setTimeout(res, 50));
  const writing = flood(r.writer, 6000);
  const first = await cut;
  const late = readSse(r.url, 'x'); // joins mid-flood: history from the file, then the live tail
  const resumed = readSse(r.url, 'x', { lastEventId: first.events.at(-1)!.id });
  await writing;
  r.finish();
  const all = stored(r.file);
  assert.equal(all.length, 6002);
  for (const [name, p] of Object.entries({ fast, slow, late })) {
    const got = await p;
    assert.equal(got.ended, true, `${name}: the stream ends after complete`);
    assert.deepEqual(asLines(got.events), all, `${name}: exactly the stored lines`);
    assert.deepEqual(
      got.events.map((e) => e.id),
      all.map((_, i) => i),
      `${name}: ids are the seqs`,
    );
  }
  const rest = await resumed;
  assert.deepEqual([...asLines(first.events), ...asLines(rest.events)], all, 'disconnect + Last-Event-ID: nothing missing, nothing doubled');
  assert.equal(rest.events.at(-1)!.event, 'complete');
  await new Promise((res) => setTimeout(res, 50));
  assert.deepEqual(r.streams.size, { clients: 0, tails: 0 }, 'no stream or file tail left behind');
});

test('a finished job replays from the file and ends; Last-Event-ID past the end gives an empty stream that ends', async (t) => {
  const r = await rig(t);
  for (let i = 0; i < 5; i++) r.writer.append({ type: 'output', text: `t${i}` });
  r.finish();
  const all = stored(r.file);
  assert.deepEqual(asLines((await readSse(r.url, 'x')).events), all);
  assert.deepEqual(asLines((await readSse(r.url, 'x', { lastEventId: 2 })).events), all.slice(3));
  const none = await readSse(r.url, 'x', { lastEventId: 5 });
  assert.deepEqual(none, { status: 200, events: [], ended: true });
  assert.deepEqual(r.streams.size, { clients: 0, tails: 0 });
});

test('a torn last line is sent only once it is whole; corrupt lines are skipped, the seqs around them kept', async (t) => {
  const r = await rig(t);
  r.writer.append({ type: 'output', text: 'a' });
  r.writer.flush();
  const { appendFileSync } = await import('node:fs');
  appendFileSync(r.file, 'not json\n');
  const p = readSse(r.url, 'x');
  await new Promise((res) => setTimeout(res, 60));
  appendFileSync(r.file, '{"seq":1,"ts":"2026-01-01T00:00:00Z","type":"out'); // half a line: a write in progress
  await new Promise((res) => setTimeout(res, 60));
  appendFileSync(r.file, 'put","text":"b"}\n{"seq":2,"ts":"2026-01-01T00:00:00Z","type":"complete","status":"completed"}\n');
  const got = await p;
  assert.deepEqual(
    got.events.map((e) => [e.id, e.event]),
    [
      [0, 'output'],
      [1, 'output'],
      [2, 'complete'],
    ],
  );
  assert.equal(JSON.parse(got.events[1].data).text, 'b');
});

test('a client that goes away stops its file tail; close() ends the streams still open', async (t) => {
  const r = await rig(t);
  r.writer.append({ type: 'start' });
  r.writer.flush();
  await readSse(r.url, 'x', { stopAfter: 1 });
  await new Promise((res) => setTimeout(res, 50));
  assert.deepEqual(r.streams.size, { clients: 0, tails: 0 });
  const open = readSse(r.url, 'x');
  await new Promise((res) => setTimeout(res, 50));
  assert.deepEqual(r.streams.size, { clients: 1, tails: 1 });
  r.streams.close();
  const got = await open;
  assert.equal(got.ended, true);
  assert.equal(got.events.length, 1);
});
