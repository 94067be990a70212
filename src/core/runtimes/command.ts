import { constants } from 'node:os';
import type { EventDraft, Usage } from '../events.js';
import { HerdError } from '../errors.js';
import { EX_TEMPFAIL } from './transient.js';
import type { ExitInfo, LaunchInput, LaunchSpec, Outcome, OutputParser, Runtime } from './types.js';

/** Longest text kept in one event; the rest is cut off and the event flagged `truncated`. */
export const TEXT_MAX = 64 * 1024;

/** Cuts `text` to `max` characters, saying how much was left out. */
export function clip(text: string, max: number): { text: string; truncated?: true } {
  if (text.length <= max) return { text };
  return { text: `${text.slice(0, max)}… [${text.length - max} more characters]`, truncated: true };
}

/** A plain line of program output as an event; stderr is marked so renderers can tell them apart. */
export function textLine(text: string, stream: 'stdout' | 'stderr'): EventDraft {
  const line = text.endsWith('\r') ? text.slice(0, -1) : text;
  return stream === 'stderr' ? { type: 'output', stream, ...clip(line, TEXT_MAX) } : { type: 'output', ...clip(line, TEXT_MAX) };
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

class CommandParser implements OutputParser {
  lastStdout: string | null = null;
  lastStderr: string | null = null;

  line(text: string, stream: 'stdout' | 'stderr'): EventDraft[] {
    const event = textLine(text, stream);
    if (typeof event.text === 'string' && event.text.trim() !== '') {
      if (stream === 'stderr') this.lastStderr = event.text;
      else this.lastStdout = event.text;
    }
    return [event];
  }

  sessionId(): string | null {
    return null;
  }

  usage(): Usage | null {
    return null;
  }
}

function commandArgv(agent: Record<string, unknown>): string[] {
  const argv = agent.command;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
    throw new HerdError('config', 'runtime "command" needs `command`: a non-empty list of strings, e.g. ["npm", "test"]');
  }
  return argv as string[];
}

function launch(input: LaunchInput): LaunchSpec {
  const argv = commandArgv(input.agent);
  const env = stringMap(input.agent.env, 'env');
  return {
    argv: input.agent.prompt_arg === true ? [...argv, input.prompt] : [...argv],
    cwd: input.workspace,
    env: { ...env, HERDCTL_PROMPT: input.prompt },
  };
}

function outcome(parser: OutputParser, exit: ExitInfo): Outcome {
  if (!(parser instanceof CommandParser)) throw new HerdError('internal', 'the command runtime was given a parser it did not make');
  const summary = parser.lastStdout;
  const stopped = stoppedOutcome(exit, summary);
  if (stopped) return stopped;
  if (exit.code === 0 && !exit.signal) return { status: 'completed', exitReason: 'success', error: null, summary };
  const detail = parser.lastStderr ? `: ${parser.lastStderr}` : '';
  // a program says "try again later" with sysexits' EX_TEMPFAIL; anything else is its own failure
  return { status: 'failed', exitReason: 'error', error: `${describeExit(exit)}${detail}`, summary, transient: exit.code === EX_TEMPFAIL };
}

/** An agent config's string map (env); absent is empty. */
export function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== 'object' || Array.isArray(value) || !Object.values(value).every((v) => typeof v === 'string')) {
    throw new HerdError('config', `agent \`${field}\` must be a mapping of names to strings`);
  }
  return { ...(value as Record<string, string>) };
}

/** Runs any program; its stdout and stderr lines become output events and its exit code decides the outcome. */
export const commandRuntime: Runtime = {
  name: 'command',
  launch,
  parser: () => new CommandParser(),
  outcome,
};
