import type { EventDraft, Usage } from '../events.js';
import type { JobStatus, ExitReason } from '../job.js';

/** What the runner needs to start an agent process. */
export interface LaunchSpec {
  argv: string[]; // argv[0] is the program
  cwd: string;
  env?: Record<string, string>; // added to the runner's environment; never written to job files
  stdin?: string; // written then closed; when absent stdin is /dev/null
}

/** What the runner knows about a job it is about to launch. */
export interface LaunchInput {
  prompt: string;
  workspace: string;
  sessionId: string; // minted up front (claude: --session-id) ...
  resumeSessionId: string | null; // ... or the parent's session (claude: --resume)
  agent: Record<string, unknown>; // the agent's config block (model, permission_mode, allowed_tools, max_turns, system_prompt, command, env …)
}

/** Feeds on the agent's output one line at a time and turns it into events. */
export interface OutputParser {
  /** One line without its trailing newline. Never throws: a line it does not understand becomes an `output` event. */
  line(text: string, stream: 'stdout' | 'stderr'): EventDraft[];
  /** Known once the agent said so (claude: init/result lines). */
  sessionId(): string | null;
  usage(): Usage | null;
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

export interface Runtime {
  name: string;
  launch(input: LaunchInput): LaunchSpec;
  parser(): OutputParser;
  /** Classifies the outcome from what the parser saw plus how the process ended. */
  outcome(parser: OutputParser, exit: ExitInfo): Outcome;
}
