/**
 * The normalized event vocabulary of output.jsonl (docs/formats.md), as a
 * discriminated union on `type`: exported by the SDK (`import type
 * { HerdEvent } from 'herdctl'`) and used by herdctl itself, so a field the
 * runner writes and a field a script reads are checked against one
 * definition. docs/formats.md: "add fields freely, never rename these" — every member
 * keeps an index signature for the extra fields a runtime adds.
 */
export const EVENT_TYPES = ['start', 'output', 'tool_use', 'tool_result', 'error', 'complete'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  costUsd: number | null;
  turns: number | null;
  /** The CLI reported no cost: costUsd was estimated from its tokens and a price table (pricing.ts). */
  costEstimated?: boolean;
  /** What the CLI reported for its whole session when its counts are cumulative (codex): a resume subtracts these to get its share. */
  sessionTotals?: { inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheCreationTokens: number };
}

interface Extra {
  [field: string]: unknown;
}

/** The job began: the agent's argv, cwd and pid (and the session it resumes). */
export interface StartDraft extends Extra {
  type: 'start';
  argv?: string[];
  cwd?: string;
  pid?: number;
  runnerPid?: number;
  resumedSession?: string | null;
}

/**
 * Text from the agent (assistant text, init, status), or a note from
 * herdctl. `kind` says which: absent for plain text; `init`, `status`,
 * `thinking`, `user`, `raw` from the runtimes; `stopping` from the runner
 * (see StoppingDraft). `stream: 'stderr'` marks a line of the agent's stderr.
 */
export interface OutputDraft extends Extra {
  type: 'output';
  kind?: string;
  text?: string;
  stream?: 'stdout' | 'stderr';
}

/**
 * The runner saw a cancel request (or a timeout) and is stopping the agent:
 * one event when it starts (step `requested`, with the signal sent at once
 * and when it will escalate), one per escalation (`SIGTERM`, `SIGKILL`). An
 * `output` event rather than a new type because docs/formats.md fixes the six types;
 * readers that do not know `kind: 'stopping'` still show its `text`.
 */
export interface StoppingDraft extends OutputDraft {
  kind: 'stopping';
  text: string;
  /** `cancel`, `timeout` or `heartbeat`. */
  why: 'cancel' | 'timeout' | 'heartbeat' | 'limit';
  step: 'requested' | 'SIGTERM' | 'SIGKILL';
  /** The signal sent to the agent's process group with this step (SIGINT on `requested`). */
  signal: 'SIGINT' | 'SIGTERM' | 'SIGKILL' | null;
  /** The cancel reason (`cancel --reason`), or null. */
  reason: string | null;
  graceMs: number;
  /** Still to come, with their times: empty on the last step. */
  escalations: { signal: 'SIGTERM' | 'SIGKILL'; at: string }[];
}

/** A tool invocation: tool name, id, input. */
export interface ToolUseDraft extends Extra {
  type: 'tool_use';
  tool?: string; // absent only when the agent's own line lacked it
  id?: string;
  input?: unknown;
}

/** A tool's result: the id of its tool_use, whether it failed, its content. */
export interface ToolResultDraft extends Extra {
  type: 'tool_result';
  id?: string;
  is_error: boolean;
  content?: unknown;
}

/** An error, fatal or not. */
export interface ErrorDraft extends Extra {
  type: 'error';
  message?: string; // always written by herdctl; a runtime's error may carry only `kind` and fields
  fatal?: boolean;
  kind?: string;
}

/** The job ended; exactly one ends every job's output. herdctl writes every field; a hand-written log may have only `status`. */
export interface CompleteDraft extends Extra {
  type: 'complete';
  status: 'completed' | 'failed' | 'cancelled';
  exitReason?: 'success' | 'error' | 'timeout' | 'manual_cancel';
  error?: string | null;
  exitCode?: number | null;
  signal?: string | null;
  usage?: Usage | null;
  costUsd?: number | null;
  durationMs?: number | null;
}

/** An event before the writer stamps it with `seq` and `ts`. */
export type EventDraft = StartDraft | OutputDraft | ToolUseDraft | ToolResultDraft | ErrorDraft | CompleteDraft;

interface Stamp {
  /** 0, 1, 2, … without gaps: the SSE id, and what `since` counts. */
  seq: number;
  /** ISO-8601, when the runner wrote it. */
  ts: string;
}

export type StartEvent = StartDraft & Stamp;
export type OutputEvent = OutputDraft & Stamp;
export type StoppingEvent = StoppingDraft & Stamp;
export type ToolUseEvent = ToolUseDraft & Stamp;
export type ToolResultEvent = ToolResultDraft & Stamp;
export type ErrorEvent = ErrorDraft & Stamp;
export type CompleteEvent = CompleteDraft & Stamp;

/** A stored line of output.jsonl: switch on `type` and the fields are typed. */
export type HerdEvent = StartEvent | OutputEvent | ToolUseEvent | ToolResultEvent | ErrorEvent | CompleteEvent;
/** The name used inside herdctl. */
export type JobEvent = HerdEvent;

export const isStopping = (e: HerdEvent): e is StoppingEvent => e.type === 'output' && e.kind === 'stopping';

/** docs/formats.md spells it is_error; older or hand-written logs may say isError. */
export const toolFailed = (e: Record<string, unknown>): boolean => e.is_error === true || e.isError === true;

const LEVEL_OF: Record<string, number> = { error: 3, complete: 2, start: 1, tool_use: 1, tool_result: 1, output: 0 };
export const LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type Level = (typeof LEVELS)[number];

/** `jobs logs --level`: which events a level keeps. --level error: errors (and the complete event of a failed job); info: everything but stderr noise … */
export function passesLevel(e: JobEvent, level: Level): boolean {
  const rank = { debug: 0, info: 0, warn: 2, error: 3 }[level];
  let l = LEVEL_OF[e.type] ?? 0;
  if (e.type === 'complete' && e.status !== 'completed') l = 3;
  if (e.type === 'tool_result' && toolFailed(e)) l = 2;
  if (level === 'info' && e.stream === 'stderr') return false;
  return l >= rank;
}
