import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { EventWriter, readLog, type LogLine, type LogProblem } from '../src/core/eventlog.js';
import { followLog } from '../src/core/follow.js';
import { isTerminal } from '../src/core/job.js';
import { JobStore } from '../src/core/store.js';
import { tempDir } from './support/tmp.js';

const ev = (seq: number, extra: Record<string, unknown> = {}) => JSON.stringify({ seq, ts: '2026-01-15T09:30:00.000Z', type: 'output', text: `line ${seq}`, ...extra });
const lines = (...l: string[]) => l.map((x) => x + '\n').join('');

/** Every line of a file, its generator return value and the problems reported. */
function readAll(path: string, start = 0) {
  const problems: LogProblem[] = [];
  const out: LogLine[] = [];
  const it = readLog(path, start, 1, (p) => problems.push(p));
  let r = it.next();
  for (; !r.done; r = it.next()) out.push(r.value);
  return { lines: out, result: r.value, problems };
}

const seqsOf = (path: string) => readAll(path).lines.map((l) => l.event?.seq);
const range = (n: number) => Array.from({ length: n }, (_, i) => i);

test('EventWriter: gap-free seqs, one "\\n"-terminated line per event, flushed each tick, 0600', async (t) => {
  const path = join(tempDir(t), 'output.jsonl');
  const w = EventWriter.open(path);
  w.append({ type: 'start', argv: ['x'] });
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(seqsOf(path), [0], 'an appended event is written by the next tick');
  for (let i = 1; i < 1000; i++) w.append({ type: i % 7 ? 'output' : 'tool_use', text: 'y'.repeat(i % 5 === 0 ? 3000 : 10) });
  w.close();
  const text = fs.readFileSync(path, 'utf8');
  assert.ok(text.endsWith('\n'));
  const raw = text.split('\n');
  assert.equal(raw.pop(), '');
  assert.deepEqual(
    raw.map((l) => JSON.parse(l).seq),
    range(1000),
  );
  for (const l of raw) assert.match(JSON.parse(l).ts, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  assert.equal(fs.statSync(path).mode & 0o777, 0o600);

  const again = EventWriter.open(path);
  assert.equal(again.seq, 1000);
  again.append({ type: 'complete', status: 'completed' });
  again.close();
  assert.deepEqual(seqsOf(path), range(1001));
});

test('EventWriter: reopening a log with a torn last line truncates the fragment and continues the seq', (t) => {
  const dir = tempDir(t);
  const cases: [string, string, number][] = [
    ['torn', lines(ev(0), ev(1), ev(2)) + '{"seq":3,"ts":"2026', 3],
    ['corrupt last whole line, then torn', lines(ev(0), ev(1), 'garbage') + '{"se', 2],
    ['only a fragment', '{"seq":0,"t', 0],
    ['empty', '', 0],
    ['CRLF', ev(0) + '\r\n' + ev(1) + '\r\n', 2],
    ['last line of 200 KB', lines(ev(0), ev(1, { text: 'z'.repeat(200_000) })), 2],
    ['torn fragment of 200 KB', lines(ev(0), ev(1)) + ev(2, { text: 'z'.repeat(200_000) }).slice(0, 200_010), 2],
  ];
  for (const [name, content, next] of cases) {
    const path = join(dir, `${name}.jsonl`);
    fs.writeFileSync(path, content);
    const w = EventWriter.open(path);
    assert.equal(w.seq, next, name);
    w.append({ type: 'output', text: 'after' });
    w.close();
    const { lines: got, problems } = readAll(path);
    assert.deepEqual(
      problems.filter((p) => p.kind === 'torn'),
      [],
      `${name}: a torn fragment is left`,
    );
    assert.equal(got.at(-1)?.event?.seq, next, name);
    assert.equal(got.at(-1)?.event?.text, 'after', name);
  }
});

test('readLog: torn last line reported, not returned', (t) => {
  const path = join(tempDir(t), 'o.jsonl');
  const whole = lines(ev(0), ev(1));
  fs.writeFileSync(path, whole + '{"seq":2,"ts":"20');
  const { lines: got, result, problems } = readAll(path);
  assert.deepEqual(
    got.map((l) => l.event?.seq),
    [0, 1],
  );
  assert.deepEqual(result, { end: Buffer.byteLength(whole), tornAt: Buffer.byteLength(whole) });
  assert.equal(problems.length, 1);
  assert.equal(problems[0].kind, 'torn');
  assert.equal(problems[0].lineNo, 3);
});

test('readLog: a corrupt middle line is reported with its line number, the rest is returned', (t) => {
  const path = join(tempDir(t), 'o.jsonl');
  fs.writeFileSync(path, lines(ev(0), ev(1), '{"seq":2, oops', 'not json at all', ev(4), '[1,2]', ev(6)));
  const { lines: got, problems } = readAll(path);
  assert.deepEqual(
    got.filter((l) => l.event).map((l) => l.event!.seq),
    [0, 1, 4, 6],
  );
  assert.deepEqual(
    got.filter((l) => !l.event).map((l) => l.lineNo),
    [3, 4, 6],
  );
  assert.deepEqual(
    problems.map((p) => [p.kind, p.lineNo]),
    [
      ['corrupt', 3],
      ['corrupt', 4],
      ['corrupt', 6],
    ],
  );
});

test('readLog: CRLF lines, a 10 MB line, a UTF-8 char across the 1 MiB read boundary', (t) => {
  const dir = tempDir(t);
  const crlf = join(dir, 'crlf.jsonl');
  fs.writeFileSync(crlf, `${ev(0)}\r\n${ev(1)}\r\n`);
  const c = readAll(crlf);
  assert.deepEqual(
    c.lines.map((l) => l.event?.seq),
    [0, 1],
  );
  assert.equal(c.lines[0].raw, ev(0));
  assert.deepEqual(c.problems, []);

  const big = join(dir, 'big.jsonl');
  const huge = 'é'.repeat(5 * 1024 * 1024); // 10 MB of UTF-8
  fs.writeFileSync(big, lines(ev(0), ev(1, { text: huge }), ev(2)));
  const b = readAll(big);
  assert.deepEqual(
    b.lines.map((l) => l.event?.seq),
    [0, 1, 2],
  );
  assert.equal(b.lines[1].event?.text, huge);
  assert.deepEqual(b.problems, []);

  const edge = join(dir, 'edge.jsonl');
  const first = ev(0);
  const pad = 1024 * 1024 - Buffer.byteLength(first) - 1 - Buffer.byteLength('{"seq":1,"text":"') - 1;
  const second = `{"seq":1,"text":"${'a'.repeat(pad)}😀","type":"output","ts":"x"}`;
  fs.writeFileSync(edge, lines(first, second));
  const e = readAll(edge);
  assert.equal(e.lines[1].event?.text, 'a'.repeat(pad) + '😀');
});

test('readLog: an empty file and a missing file give nothing and no problem', (t) => {
  const dir = tempDir(t);
  fs.writeFileSync(join(dir, 'empty.jsonl'), '');
  for (const name of ['empty.jsonl', 'missing.jsonl']) {
    const r = readAll(join(dir, name));
    assert.deepEqual(r.lines, []);
    assert.deepEqual(r.problems, []);
    assert.deepEqual(r.result, { end: 0, tornAt: null });
  }
});

/** Appends N output events with bursts, pauses, big lines and two lines written in halves, then `complete` (seq N). */
const WRITER = String.raw`
const fs = require('node:fs');
const [path, n] = [process.argv[1], Number(process.argv[2])];
const fd = fs.openSync(path, 'a');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const line = (seq, type = 'output') => JSON.stringify({ seq, ts: new Date().toISOString(), type, text: seq % 997 === 0 ? 'b'.repeat(300000) : 'line ' + seq }) + '\n';
const halves = async (text) => { const cut = Math.floor(text.length / 2); fs.writeSync(fd, text.slice(0, cut)); await sleep(250); fs.writeSync(fd, text.slice(cut)); };
(async () => {
  let seq = 0;
  for (let block = 0; seq < n; block++) {
    if (block % 2 === 0) {
      for (let i = 0; i < 200 && seq < n; i++) fs.writeSync(fd, line(seq++)); // 200 back-to-back
    } else {
      for (let i = 0; i < 200 && seq < n; i++) {
        if (seq === Math.floor(n / 2)) await halves(line(seq++));
        else fs.writeSync(fd, line(seq++));
        if (i % 20 === 0) await sleep(1);
      }
    }
    await sleep(2);
  }
  await halves(line(n, 'complete'));
  fs.closeSync(fd);
})();
`;

test('followLog: 10,000 appends from another process arrive once each, in order, then complete', async (t) => {
  const N = 10_000;
  const dir = tempDir(t);
  const path = join(dir, 'output.jsonl');
  const signal = AbortSignal.timeout(30_000);
  const follow = (seen: number[]) =>
    followLog(path, {
      onLine: (l) => void seen.push(l.event ? l.event.seq : -1),
      isOver: () => false,
      signal,
    });
  const early: number[] = [];
  const late: number[] = [];
  const first = follow(early); // before the file exists
  await sleep(50);
  const child = spawn(process.execPath, ['-e', WRITER, path, String(N)], { stdio: 'inherit' });
  const exited = new Promise<number | null>((r) => child.on('exit', r));
  while (early.length < 3000 && !signal.aborted) await sleep(5);
  const second = follow(late); // while it writes
  assert.equal(await first, 'complete');
  assert.equal(await second, 'complete');
  assert.equal(await exited, 0);
  assert.deepEqual(early, range(N + 1));
  assert.deepEqual(late, range(N + 1));
});

test('followLog: ends "over" when job.json turns terminal without a complete event', async (t) => {
  const store = new JobStore(join(tempDir(t), 'home'));
  const job = store.commit(store.create({ agent: 'a', prompt: 'p', workspace: '/tmp' }), { to: 'running' });
  const path = store.paths.outputFile(job.id);
  const w = EventWriter.open(path);
  w.append({ type: 'start' });
  w.flush();
  fs.appendFileSync(path, 'not json\n'); // a corrupt line from elsewhere: reported, not fatal
  const seen: number[] = [];
  const problems: number[] = [];
  const isOver = () => isTerminal(store.read(job.id).status);
  const opts = {
    onLine: (l: LogLine) => void (l.event && seen.push(l.event.seq)),
    onProblem: (p: LogProblem) => void problems.push(p.lineNo),
    isOver,
    pollMs: 20,
    checkEveryMs: 20,
    signal: AbortSignal.timeout(10_000),
  };
  const live = followLog(path, opts);
  await sleep(150);
  w.append({ type: 'output', text: 'late' });
  w.close();
  store.commit(store.read(job.id), { to: 'failed', error: 'runner lost' });
  assert.equal(await live, 'over');
  assert.deepEqual(seen, [0, 1]);
  assert.deepEqual(problems, [2]);

  seen.length = 0; // following a job that is over already: history, then 'over' at once
  const t0 = Date.now();
  assert.equal(await followLog(path, { ...opts, checkEveryMs: 5000, onProblem: undefined }), 'over');
  assert.deepEqual(seen, [0, 1]);
  assert.ok(Date.now() - t0 < 2500, 'a finished job is not waited on (not even one re-check)');
});
