// Replays a recorded CLI run (fixtures/transcripts/<cli>/NAME.*) through a runtime's parser.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import type { EventDraft } from '../../src/core/events.js';
import type { ExitInfo, OutputParser, ParserContext, Runtime } from '../../src/core/runtimes/types.js';

export interface Transcript {
  parser: OutputParser;
  events: EventDraft[];
  exit: ExitInfo;
}

const linesOf = (text: string): string[] => (text === '' ? [] : text.replace(/\n$/, '').split('\n'));

export function transcripts(cli: string) {
  const dir = new URL(`../../fixtures/transcripts/${cli}/`, import.meta.url);
  const files = readdirSync(dir);
  const scenarios = files.filter((f) => f.endsWith('.exit')).map((f) => f.slice(0, -'.exit'.length));
  /** Feeds stdout, then stderr (then the parser's held-back events), through a fresh parser. */
  function replay(runtime: Runtime, name: string, ctx?: ParserContext): Transcript {
    const stdoutFile = files.find((f) => f === `${name}.stdout.jsonl` || f === `${name}.stdout`);
    assert.ok(stdoutFile, `no stdout for ${name}`);
    const parser = runtime.parser(ctx);
    const events: EventDraft[] = [];
    for (const line of linesOf(readFileSync(new URL(stdoutFile, dir), 'utf8'))) events.push(...parser.line(line, 'stdout'));
    for (const line of linesOf(readFileSync(new URL(`${name}.stderr`, dir), 'utf8'))) events.push(...parser.line(line, 'stderr'));
    events.push(...(parser.flush?.() ?? []));
    const code = Number(/exit=(\d+)/.exec(readFileSync(new URL(`${name}.exit`, dir), 'utf8'))![1]);
    return { parser, events, exit: { code, signal: null, stoppedBy: null } };
  }
  return { scenarios, replay };
}

export const kinds = (events: EventDraft[]) => events.map((e) => (e.kind ? `${e.type}:${e.kind}` : e.type));
