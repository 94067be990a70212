import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { storedLines } from './support/jobs.js';
import { call, readSse, serve } from './support/serve.js';

const CLIENTS = 200;
const EVENTS = 2000;

/** Resident set size of a process, in MiB (VmHWM: its peak so far). */
function rssMiB(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : NaN;
}

test(`${CLIENTS} SSE clients follow one busy job on loopback: every one gets every event, in order`, { timeout: 60_000 }, async (t) => {
  const s = await serve(t);
  const idle = rssMiB(s.proc.pid!, 'VmRSS');
  // a pause first, so the clients are connected while the agent floods its output
  const r = await call(s, 'POST', '/jobs', { body: { agent: 'coder', task: `slow:1:1500 flood:${EVENTS}` } });
  const id = r.body.session_id as string;
  const t0 = performance.now();
  const clients = Array.from({ length: CLIENTS }, () => readSse(`${s.url}/jobs/${id}/events`, s.token));
  const results = await Promise.all(clients);
  const ms = performance.now() - t0;
  const lines = storedLines(s.home, id);
  assert.ok(lines.length >= EVENTS, `the job wrote ${lines.length} events`);
  for (const [i, got] of results.entries()) {
    assert.equal(got.ended, true, `client ${i}: the stream ended after complete`);
    assert.equal(got.events.length, lines.length, `client ${i}: every event`);
    assert.ok(
      got.events.every((e, k) => e.data === lines[k]),
      `client ${i}: the stored lines, in order`,
    );
  }
  const peak = rssMiB(s.proc.pid!, 'VmHWM');
  t.diagnostic(
    `${CLIENTS} clients × ${lines.length} events in ${Math.round(ms)} ms (connect → complete, incl. the 1.5 s pause); ${Math.round((CLIENTS * lines.length) / (ms / 1000))} events/s delivered`,
  );
  t.diagnostic(`server RSS: ${idle} MiB idle, peak ${peak} MiB`);
  assert.ok(peak < idle + 200, `server memory stayed bounded (idle ${idle} MiB, peak ${peak} MiB)`);
});
