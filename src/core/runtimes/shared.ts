// What every runtime's parser and launcher needs the same way: cutting text and
// objects down to storable size, plain output lines, exit descriptions, the
// runner's own stop winning over how the process ended, and reading agent keys.
import { constants } from 'node:os';
import type { EventDraft } from '../events.js';
import { HerdError } from '../errors.js';
import type { ExitInfo, Outcome } from './types.js';

/** Longest text kept in one event; the rest is cut off and the event flagged `truncated`. */
export const TEXT_MAX = 64 * 1024;
/** Tool output, raw lines and error details are logs, not the agent's words: kept shorter. */
export const DETAIL_MAX = 4 * 1024;
/** Linux refuses a single argv (or environment) string over 128 KiB: longer prompts go on stdin or in a file. In bytes. */
export const ARG_PROMPT_MAX = 100_000;
/** Bounds for passing unknown objects through. */
const RAW_MAX_ITEMS = 100;
const RAW_MAX_DEPTH = 8;

export type Obj = Record<string, unknown>;

export const asObj = (v: unknown): Obj | null => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Obj) : null);
export const asNum = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);
/** A string field, cut to DETAIL_MAX: identifiers and labels never need more. */
export const short = (v: unknown): string | undefined => (typeof v === 'string' ? clip(v, DETAIL_MAX).text : undefined);
export const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : []);

/** Cuts `text` to `max` characters, saying how much was left out. */
export function clip(text: string, max: number): { text: string; truncated?: true } {
  if (text.length <= max) return { text };
  return { text: `${text.slice(0, max)}… [${text.length - max} more characters]`, truncated: true };
}

/** `{[key]: text}` cut to `max`, with `truncated: true` when cut. */
export function clipped(key: string, text: string, max: number): Obj {
  const c = clip(text, max);
  return c.truncated ? { [key]: c.text, truncated: true } : { [key]: c.text };
}

/** A plain line of program output as an event; stderr is marked so renderers can tell them apart. */
export function textLine(text: string, stream: 'stdout' | 'stderr'): EventDraft {
  const line = text.endsWith('\r') ? text.slice(0, -1) : text;
  return stream === 'stderr' ? { type: 'output', stream, ...clip(line, TEXT_MAX) } : { type: 'output', ...clip(line, TEXT_MAX) };
}

/** A copy of a parsed JSON value small enough to store: long strings, long lists and deep nesting cut. */
export function shrink(value: unknown): { value: unknown; truncated: boolean } {
  let truncated = false;
  const walk = (v: unknown, depth: number): unknown => {
    if (typeof v === 'string') {
      const c = clip(v, DETAIL_MAX);
      truncated ||= c.truncated === true;
      return c.text;
    }
    if (typeof v !== 'object' || v === null) return v;
    if (depth >= RAW_MAX_DEPTH) {
      truncated = true;
      return '[…]';
    }
    const entries: [string, unknown][] = Array.isArray(v) ? v.map((x, i) => [String(i), x]) : Object.entries(v);
    const kept = entries.slice(0, RAW_MAX_ITEMS).map(([k, x]): [string, unknown] => [clip(k, DETAIL_MAX).text, walk(x, depth + 1)]);
    const more = entries.length - kept.length;
    if (more > 0) truncated = true;
    if (Array.isArray(v)) return more > 0 ? [...kept.map(([, x]) => x), `… ${more} more items`] : kept.map(([, x]) => x);
    return Object.fromEntries(more > 0 ? [...kept, ['…', `${more} more keys`]] : kept);
  };
  return { value: walk(value, 0), truncated };
}

/** A line no handler knows, passed through whole but bounded. */
export function rawEvent(value: unknown): EventDraft {
  const { value: raw, truncated } = shrink(value);
  return truncated ? { type: 'output', kind: 'raw', raw, truncated } : { type: 'output', kind: 'raw', raw };
}

/** A stdout line as JSON object, or null (the caller makes it a text line). */
export function jsonObject(text: string): Obj | null {
  try {
    return asObj(JSON.parse(text));
  } catch {
    return null;
  }
}

/** "killed by SIGTERM" / "exited with code 3"; codes above 128 are also read as the shell's signal convention. */
export function describeExit(exit: ExitInfo): string {
  if (exit.signal) return `killed by ${exit.signal}`;
  if (exit.code === null) return 'ended without an exit status';
  const signal = exit.code > 128 ? Object.entries(constants.signals).find(([, n]) => n === exit.code! - 128)?.[0] : undefined;
  return `exited with code ${exit.code}${signal ? ` (${signal})` : ''}`;
}

/** What every runtime decides the same way: the runner's own cancel or timeout wins over how the process ended. */
export function stoppedOutcome(exit: ExitInfo, summary: string | null): Outcome | null {
  if (exit.stoppedBy === 'cancel') return { status: 'cancelled', exitReason: 'manual_cancel', error: null, summary };
  if (exit.stoppedBy === 'timeout') return { status: 'failed', exitReason: 'timeout', error: 'timed out: stopped by herdctl', summary };
  return null;
}

/** An agent config's string map (env); absent is empty. */
export function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new HerdError('config', `agent \`${field}\` must be a mapping of names to strings`);
  }
  return { ...(value as Record<string, string>) };
}

export function optString(agent: Obj, key: string): string | undefined {
  const v = agent[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new HerdError('config', `agent \`${key}\` must be a string`);
  return v;
}

export function optPositiveInt(agent: Obj, key: string): string | undefined {
  const v = agent[key];
  if (v === undefined || v === null) return undefined;
  if (!Number.isInteger(v) || (v as number) < 1) throw new HerdError('config', `agent \`${key}\` must be a positive whole number`);
  return String(v);
}

/** A list of strings, or one string; absent is undefined. */
export function optStrings(agent: Obj, key: string): string[] | undefined {
  const v = agent[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'string') return [v];
  if (Array.isArray(v) && v.every((t) => typeof t === 'string')) return v as string[];
  throw new HerdError('config', `agent \`${key}\` must be a list of strings`);
}

/** The program: the agent's `<runtime>_bin`, else HERDCTL_<RUNTIME>_BIN, else the CLI's name on the PATH. */
export function programFor(agent: Obj, runtime: string): string {
  return optString(agent, `${runtime}_bin`) || process.env[`HERDCTL_${runtime.toUpperCase()}_BIN`] || runtime;
}

/** File paths in a tool's input under the usual key names. */
export function filesUnder(input: unknown, keys: readonly string[]): string[] {
  const o = asObj(input);
  return o ? keys.map((k) => o[k]).filter((v): v is string => typeof v === 'string') : [];
}
