/** The normalized event vocabulary of output.jsonl (SPEC §3). */
export const EVENT_TYPES = ['start', 'output', 'tool_use', 'tool_result', 'error', 'complete'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** An event before the writer stamps it with `seq` and `ts`. Extra fields are free. */
export interface EventDraft {
  type: EventType | (string & {});
  [field: string]: unknown;
}

/** A stored line of output.jsonl. */
export interface JobEvent extends EventDraft {
  seq: number;
  ts: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheCreationTokens: number;
  costUsd: number | null;
  turns: number | null;
}
