import { formatDuration } from '../core/duration.js';
import { clock } from '../core/clock.js';

/**
 * A wait's status line on a terminal: a spinner, what it waits for, how long
 * it has waited and, when known, how long it may still take — redrawn in
 * place on stderr once the wait passes a second, and cleared before anything
 * else is printed (views, errors and step lines call clearStatus() first).
 * Off a terminal there is none: the caller's one line said what the wait is for.
 */
const FRAMES = '⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏';
const REDRAW_MS = 100;
/** A wait shorter than this shows nothing: no flicker for a cancel that takes 50 ms. */
const SHOW_AFTER_MS = 1000;
const secs = (ms: number) => (ms < 60_000 ? `${Math.floor(ms / 1000)}s` : formatDuration(ms));

type Stream = { isTTY?: boolean; columns?: number; write(s: string): boolean };
let active: { timer: NodeJS.Timeout; stream: Stream; drawn: boolean } | null = null;
let hooked = false;

/**
 * Starts (or replaces) the status line. `text`: what is awaited; `until`:
 * when something happens by itself (a SIGKILL, a --timeout) and what, shown
 * as a countdown.
 */
export function showStatus(text: string, until?: { atMs: number; what: string }, stream: Stream = process.stderr): void {
  clearStatus();
  if (!stream.isTTY) return;
  const began = clock.now();
  let frame = 0;
  const line: { timer: NodeJS.Timeout; stream: Stream; drawn: boolean } = { timer: setInterval(() => draw(), REDRAW_MS), stream, drawn: false };
  const draw = () => {
    const now = clock.now();
    if (now - began < SHOW_AFTER_MS) return;
    const parts = [`${FRAMES[frame++ % FRAMES.length]} ${text}`, secs(now - began)];
    if (until) parts.push(`${until.what} in ${secs(Math.max(0, until.atMs - now + 999))}`);
    const shown = parts.join(' · ');
    const width = Math.max(20, (stream.columns || 80) - 1); // 0: a pty that never said
    stream.write(`\r\x1b[2K${shown.length > width ? shown.slice(0, width - 1) + '…' : shown}`);
    line.drawn = true;
  };
  line.timer.unref(); // the wait keeps the process alive, never the spinner
  if (!hooked) {
    hooked = true;
    process.once('exit', clearStatus); // an exit by any path leaves no half-drawn line
  }
  active = line;
}

/** Stops the status line and erases it, if it was drawn. */
export function clearStatus(): void {
  if (!active) return;
  clearInterval(active.timer);
  if (active.drawn) active.stream.write('\r\x1b[2K');
  active = null;
}
