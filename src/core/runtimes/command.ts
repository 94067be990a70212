import type { EventDraft, Usage } from '../events.js';
import { HerdError } from '../errors.js';
import { ARG_PROMPT_MAX, describeExit, stoppedOutcome, stringMap, textLine } from './shared.js';
import { EX_TEMPFAIL } from './transient.js';
import type { ExitInfo, LaunchInput, LaunchSpec, Outcome, OutputParser, Runtime } from './types.js';

class CommandParser implements OutputParser {
  lastStdout: string | null = null;
  lastStderr: string | null = null;
  private costUsd: number | null = null;

  line(text: string, stream: 'stdout' | 'stderr'): EventDraft[] {
    const event = textLine(text, stream);
    if (typeof event.text === 'string' && event.text.trim() !== '') {
      if (stream === 'stderr') this.lastStderr = event.text;
      else this.lastStdout = event.text;
    }
    if (stream === 'stdout' && text.startsWith('{') && text.includes('"total_cost_usd"')) this.noteCost(text);
    return [event];
  }

  /**
   * A program that knows what it spends says so on a stdout line that is a JSON object with
   * `total_cost_usd` (the running total, as Claude Code's result line has it): that becomes the job's
   * cost, and what max_budget_usd is checked against.
   */
  private noteCost(text: string): void {
    try {
      const v = (JSON.parse(text) as { total_cost_usd?: unknown }).total_cost_usd;
      if (typeof v === 'number' && Number.isFinite(v) && v >= 0) this.costUsd = v;
    } catch {
      /* not JSON after all: an ordinary line */
    }
  }

  sessionId(): string | null {
    return null;
  }

  usage(): Usage | null {
    return this.costUsd === null ? null : { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, costUsd: this.costUsd, turns: null };
  }
}

function commandArgv(agent: Record<string, unknown>): string[] {
  const argv = agent.command;
  if (!Array.isArray(argv) || argv.length === 0 || !argv.every((a) => typeof a === 'string')) {
    throw new HerdError('config', 'runtime "command" needs `command`: a non-empty list of strings, e.g. ["npm", "test"]');
  }
  return argv as string[];
}

/** The prompt file a command agent finds through $HERDCTL_PROMPT_FILE, in its job's directory. */
export const PROMPT_FILE = 'prompt.txt';

/**
 * A command agent gets its prompt three ways: always in the file named by
 * $HERDCTL_PROMPT_FILE; in $HERDCTL_PROMPT when it fits in one environment
 * string (≤ 100 kB; a longer one would make the start fail with E2BIG); as its
 * last argument with `prompt_arg: true`, within the same limit.
 */
function launch(input: LaunchInput): LaunchSpec {
  const argv = commandArgv(input.agent);
  const env = stringMap(input.agent.env, 'env');
  const bytes = Buffer.byteLength(input.prompt);
  const fits = bytes <= ARG_PROMPT_MAX;
  if (input.agent.prompt_arg === true && !fits) {
    throw new HerdError(
      'usage',
      `the prompt is ${bytes} bytes, too long to pass as an argument (prompt_arg: true; the limit is ${ARG_PROMPT_MAX}): have the program read $HERDCTL_PROMPT_FILE instead`,
    );
  }
  const spec: LaunchSpec = {
    argv: input.agent.prompt_arg === true ? [...argv, input.prompt] : [...argv],
    cwd: input.workspace,
    env: { ...env, ...(fits ? { HERDCTL_PROMPT: input.prompt } : {}) },
  };
  if (input.jobDir) {
    spec.files = { [PROMPT_FILE]: input.prompt };
    spec.env!.HERDCTL_PROMPT_FILE = `${input.jobDir}/${PROMPT_FILE}`;
  }
  return spec;
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

/** Runs any program; its stdout and stderr lines become output events and its exit code decides the outcome. */
export const commandRuntime: Runtime = {
  name: 'command',
  configKeys: (k) => ({ command: k.stringList('a non-empty list of strings').min(1), prompt_arg: k.bool() }),
  checkAgent: (a) => (a.command === undefined ? [{ key: 'command', message: 'is required with runtime: command, e.g. command: ["npm", "test"]' }] : []),
  sessions: 'none',
  defaultPrompt: '', // a program needs no task
  defaultProgram: null,
  recapFiles: () => [],
  launch,
  parser: () => new CommandParser(),
  outcome,
};
