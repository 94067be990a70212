/* eslint-disable no-control-regex -- the status line is made of terminal escapes */
// A wait's status line (src/render/status-line.ts): on a terminal a spinner with what is
// awaited, for how long, and a countdown to what happens by itself; nothing off a terminal
// or for a wait under a second; erased before anything else is printed.
import assert from 'node:assert/strict';
import { afterEach, beforeEach, mock, test } from 'node:test';
import { systemClock, useClock } from '../src/core/clock.js';
import { clearStatus, showStatus } from '../src/render/status-line.js';

let now = 1_800_000_000_000;
let undo: () => void;
beforeEach(() => {
  undo = useClock({ ...systemClock, now: () => now });
  mock.timers.enable({ apis: ['setInterval'] });
});
afterEach(() => {
  clearStatus();
  mock.timers.reset();
  undo();
});

const stream = (isTTY: boolean) => {
  const out: string[] = [];
  return { out, isTTY, columns: 60, write: (s: string) => (out.push(s), true) };
};
const advance = (ms: number) => {
  now += ms;
  mock.timers.tick(ms);
};

test('on a terminal: drawn in place once the wait passes a second, with the elapsed time and a countdown; erased at the end', () => {
  const tty = stream(true);
  showStatus('waiting for job-x to stop', { atMs: now + 30_000, what: 'SIGKILL' }, tty);
  advance(900);
  assert.deepEqual(tty.out, [], 'nothing in the first second');
  advance(200);
  assert.match(tty.out.at(-1)!, /^\r\x1b\[2K[⠋⠙] waiting for job-x to stop · 1s · SIGKILL in 29s$/);
  advance(5000);
  assert.match(tty.out.at(-1)!, /^\r\x1b\[2K. waiting for job-x to stop · 6s · SIGKILL in 24s$/);
  clearStatus();
  assert.equal(tty.out.at(-1), '\r\x1b[2K', 'erased before what comes next');
  const drawn = tty.out.length;
  advance(1000);
  assert.equal(tty.out.length, drawn, 'no redraw after it ended');
});

test('a long line is cut to the terminal width', () => {
  const tty = stream(true);
  showStatus(`waiting for ${'job-20261205-093000-abcdefgh '.repeat(5)}to end`, undefined, tty);
  advance(1100);
  const shown = tty.out.at(-1)!.replace('\r\x1b[2K', '');
  assert.equal(shown.length, 59);
  assert.ok(shown.endsWith('…'));
});

test('off a terminal, and for a wait under a second, nothing is written', () => {
  const pipe = stream(false);
  showStatus('waiting for job-x to end', undefined, pipe);
  advance(5000);
  clearStatus();
  assert.deepEqual(pipe.out, []);
  const tty = stream(true);
  showStatus('waiting for job-y to end', undefined, tty);
  advance(300);
  clearStatus();
  assert.deepEqual(tty.out, [], 'a quick wait neither draws nor erases');
});
