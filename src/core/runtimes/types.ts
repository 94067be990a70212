import type { z as Z } from 'zod';
import type { EventDraft, Usage } from '../events.js';
import type { JobStatus, ExitReason } from '../job.js';

/** What the runner needs to start an agent process. */
export interface LaunchSpec {
  argv: string[]; // argv[0] is the program
  cwd: string;
  env?: Record<string, string>; // added to the runner's environment; never written to job files
  stdin?: string; // written then closed; when absent stdin is /dev/null
  /** Files the runner writes (0600) into the job's directory before the start, by name; launch refers to them as `${jobDir}/<name>`. */
  files?: Record<string, string>;
}

/** What the runner knows about a job it is about to launch. */
export interface LaunchInput {
  prompt: string;
  workspace: string;
  sessionId: string; // minted up front when the runtime's `sessions` is 'minted' (claude: --session-id), else '' ...
  resumeSessionId: string | null; // ... or the parent's session (claude: --resume)
  agent: Record<string, unknown>; // the agent's config block by YAML name (model — the job's, env …)
  /** The job's own directory (0700), where `files` land. */
  jobDir?: string;
}

/** What a parser may know before the first line. */
export interface ParserContext {
  agent?: Record<string, unknown>; // as LaunchInput.agent
  /** The totals the CLI reported for this session at the end of the job this one resumes (for CLIs whose usage is cumulative). */
  priorTotals?: TokenTotals | null;
}

/** Tokens as a CLI reports them, per model where it says (for cost estimates). */
export interface TokenTotals {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
}

export interface ModelTokens extends TokenTotals {
  model: string;
}

/** Feeds on the agent's output one line at a time and turns it into events. */
export interface OutputParser {
  /** One line without its trailing newline. Never throws: a line it does not understand becomes an `output` event. */
  line(text: string, stream: 'stdout' | 'stderr'): EventDraft[];
  /** The output has ended: events the parser held back (text it was still joining). */
  flush?(): EventDraft[];
  /** Known once the agent said so (claude: init/result lines). */
  sessionId(): string | null;
  /** This job's usage (its share, when the CLI counts per session). */
  usage(): Usage | null;
  /** Tokens per model, when the CLI names the models (for estimating a cost the CLI does not report). */
  modelTokens?(): ModelTokens[];
  /** What the CLI reported for the whole session, when its counts are cumulative: stored so a resume can take its own share. */
  sessionTotals?(): TokenTotals | null;
  /** A limit herdctl enforces itself was reached (e.g. max_turns for a CLI without one): the runner stops the agent and fails the job with this. */
  limitReached?(): string | null;
}

/** How the process ended, and what the runner did to it. */
export interface ExitInfo {
  code: number | null;
  signal: string | null;
  stoppedBy: 'cancel' | 'timeout' | null;
}

export interface Outcome {
  status: Extract<JobStatus, 'completed' | 'failed' | 'cancelled'>;
  exitReason: ExitReason;
  error: string | null;
  summary: string | null; // final result text
  /**
   * The failure is worth running again (a 5xx, overloaded, rate limited, a dropped connection), as the
   * runtime classes it (see transient.ts). Absent or false: never retried. Never set with cancel or timeout.
   */
  transient?: boolean;
}

/** The zod helpers the config schema builds with, so a runtime's keys fail with the same "expected …, got …" messages. */
export interface SchemaKit {
  z: typeof Z;
  text: () => Z.ZodString;
  bool: () => Z.ZodBoolean;
  posInt: () => Z.ZodNumber;
  oneOf: <T extends [string, ...string[]]>(values: T) => Z.ZodEnum<T>;
  stringList: (what: string) => Z.ZodArray<Z.ZodString>;
}

/** A problem with one key of an agent block (reported at that key's line). */
export interface KeyProblem {
  key: string;
  message: string;
}

/**
 * A runtime: everything herdctl knows about one kind of agent CLI. Adding one
 * is this module plus a line in registry.ts (see docs/runtimes.md).
 */
export interface Runtime {
  name: string;
  /** The agent keys only this runtime reads (YAML names), with their checks; an agent of another runtime may not use them. */
  configKeys(kit: SchemaKit): Record<string, Z.ZodTypeAny>;
  /** Checks across keys (e.g. `command` is required), on the parsed block. */
  checkAgent?(agent: Record<string, unknown>): KeyProblem[];
  /** 'minted': the runner makes a UUID the CLI takes up front; 'reported': the CLI names its session in its output; 'none'. */
  sessions: 'minted' | 'reported' | 'none';
  /** The prompt of a job that names none when the agent has none either; null: a prompt is required. */
  defaultPrompt: string | null;
  /** The program run when the agent names none (for GET /health); null when the agent always names it. */
  defaultProgram: string | null;
  /** The model the CLI uses when none is configured, as far as herdctl knows (for cost estimates). */
  defaultModel?: string;
  /** Files a tool call touched, from its `tool_use` event (for the recap). */
  recapFiles(tool: string, input: unknown): string[];
  /** The agent enforces max_budget_usd itself (claude: --max-budget-usd); otherwise herdctl stops it on the cost the stream reports. */
  nativeBudget?: boolean;
  launch(input: LaunchInput): LaunchSpec;
  parser(ctx?: ParserContext): OutputParser;
  /** Classifies the outcome from what the parser saw plus how the process ended. */
  outcome(parser: OutputParser, exit: ExitInfo): Outcome;
}
