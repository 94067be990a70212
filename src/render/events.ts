import type { ChalkInstance } from 'chalk';
import { toolFailed, type JobEvent, type StoppingEvent } from '../core/events.js';
import { safeBlock } from './safe.js';
import { clearStatus, showStatus } from './status-line.js';

/** Where an event's text starts ("HH:MM:SS tag     "): continuation lines are indented to it. */
const TEXT_COLUMN = 17;

/** Agent text for a terminal: cut to `max`, control characters made visible, continuation lines kept in the text column. */
const short = (v: unknown, max = 400): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? '' : safeBlock(s.length > max ? `${s.slice(0, max)}… (${s.length} chars)` : s, TEXT_COLUMN);
};

/** One event as a human line (or a few). The same text goes to logs/<agent>/<id>.log. */
export function renderEvent(e: JobEvent, c: ChalkInstance): string {
  const time = c.dim(typeof e.ts === 'string' ? e.ts.slice(11, 19) : '--:--:--');
  const tag = (t: string, color: (s: string) => string) => color(t.padEnd(7));
  switch (e.type) {
    case 'start':
      return `${time} ${tag('start', c.cyan)} ${short(Array.isArray(e.argv) ? (e.argv as string[]).map((a) => (a.length > 60 ? a.slice(0, 57) + '…' : a)).join(' ') : '', 300)}${e.resumedSession ? c.dim(` (resuming ${e.resumedSession})`) : ''}`;
    case 'output':
      if (e.kind === 'stopping') return `${time} ${tag('stop', c.magenta)} ${c.magenta(short(e.text ?? '', 400))}`;
      if (e.kind === 'init') return `${time} ${tag('init', c.dim)} model ${short(e.model ?? '?', 100)}, session ${short(e.sessionId ?? '?', 100)}`;
      // claude's result repeats the answer just printed as assistant text: each piece of agent text appears once
      if (e.kind === 'result' && e.isError !== true) return `${time} ${tag('result', c.dim)} ${short(e.subtype ?? 'done', 60)}`;
      return `${time} ${tag(e.stream === 'stderr' ? 'stderr' : 'output', e.stream === 'stderr' ? c.yellow : c.white)} ${short(e.text ?? e.raw ?? '', 2000)}`;
    case 'tool_use':
      return `${time} ${tag('tool', c.blue)} ${c.bold(short(String(e.tool ?? '?'), 100))} ${c.dim(short(e.input, 300))}`;
    case 'tool_result':
      return `${time} ${tag('result', toolFailed(e) ? c.red : c.blue)} ${toolFailed(e) ? c.red('error: ') : ''}${short(e.content, 300)}`;
    case 'error':
      return `${time} ${tag('error', c.red)} ${c.red(short(e.message ?? e.text ?? e, 1000))}`;
    case 'complete': {
      const how = `${e.status}${e.exitReason ? ` (${e.exitReason})` : ''}`;
      const color = e.status === 'completed' ? c.green : e.status === 'cancelled' ? c.magenta : c.red;
      const exit = e.exitCode !== undefined && e.exitCode !== null ? `, exit ${e.exitCode}` : e.signal ? `, ${e.signal}` : '';
      return `${time} ${tag('done', color)} ${color(how)}${exit}${e.error ? ` — ${short(e.error, 300)}` : ''}`;
    }
    default:
      return `${time} ${tag(String((e as JobEvent).type).slice(0, 7), c.dim)} ${short(e, 300)}`; // a hand-written type
  }
}

/** `jobs cancel`: one line per step of stopping the agent, as the runner notes it (its text says what was sent and what comes next). */
export function renderStopStep(id: string, e: StoppingEvent, c: ChalkInstance): string {
  const time = c.dim(typeof e.ts === 'string' ? e.ts.slice(11, 19) : '--:--:--');
  return `${time} ${id} ${c.magenta(e.text)}`;
}

/** Prints each stopping step as it happens (not with --json: the results say how it ended). */
export function stopStepPrinter(json: boolean, c: ChalkInstance): ((id: string, e: StoppingEvent) => void) | undefined {
  if (json) return undefined;
  return (id, e) => {
    clearStatus();
    process.stdout.write(renderStopStep(id, e, c) + '\n');
    const next = e.escalations?.[0];
    showStatus(`waiting for ${id} to stop`, next ? { atMs: Date.parse(next.at), what: next.signal } : undefined);
  };
}
