import type { StopStep } from './agent-process.js';
import { stopSchedule } from './agent-process.js';
import { formatDuration } from './duration.js';
import type { StoppingDraft } from './events.js';
import { clock } from './clock.js';

export interface StoppingInput {
  why: 'cancel' | 'timeout' | 'heartbeat' | 'limit';
  step: StopStep;
  reason: string | null;
  graceMs: number;
  /** When the stop began (ms): the escalation times are counted from it. */
  began: number;
}

const WHY: Record<StoppingInput['why'], string> = { cancel: 'cancel requested', timeout: 'timeout reached', heartbeat: 'no output for heartbeat_timeout', limit: 'a limit was reached' };

/**
 * The runner's note in output.jsonl for each step of stopping an agent (see
 * StoppingDraft): what was sent, why, and what comes next and when. Its
 * `text` is what a reader that does not know `kind: 'stopping'` shows.
 */
export function stoppingEvent(i: StoppingInput): StoppingDraft {
  const later = stopSchedule(i.graceMs).filter((s) => s.afterMs > i.step.afterMs);
  const escalations = later.map((s) => ({ signal: s.signal as 'SIGTERM' | 'SIGKILL', at: clock.isoAt(i.began + s.afterMs) }));
  const next = later.map((s) => `${s.signal} in ${formatDuration(s.afterMs - i.step.afterMs)}`).join(', then ');
  const first = i.step.signal === 'SIGINT';
  const head = first ? `stopping: ${WHY[i.why]}${i.reason ? ` (${i.reason})` : ''}` : `still running after ${formatDuration(i.step.afterMs)}`;
  const text = `${head}; sent ${i.step.signal} to the agent${next ? `; ${next} if it has not exited` : ''}`;
  return {
    type: 'output',
    kind: 'stopping',
    text,
    why: i.why,
    step: first ? 'requested' : (i.step.signal as 'SIGTERM' | 'SIGKILL'),
    signal: i.step.signal,
    reason: i.reason,
    graceMs: i.graceMs,
    escalations,
  };
}
