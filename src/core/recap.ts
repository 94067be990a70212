import type { JobEvent } from './events.js';
import type { Job, Recap } from './job.js';
import { formatDuration } from './duration.js';

const FILE_KEYS = ['file_path', 'path', 'notebook_path'];

/** Files a tool call touched: the runtime knows its tools' input names (Runtime.recapFiles); these keys otherwise. */
export type FilesOf = (tool: string, input: unknown) => string[];
const byCommonKeys: FilesOf = (_tool, input) => {
  const o = input as Record<string, unknown> | undefined;
  return o && typeof o === 'object' ? FILE_KEYS.map((k) => o[k]).filter((v): v is string => typeof v === 'string') : [];
};

/** Heuristic recap, built incrementally from events as they are written (or replayed from output.jsonl). */
export class RecapBuilder {
  constructor(private readonly filesOf: FilesOf = byCommonKeys) {}

  private tools = new Map<string, number>();
  private files = new Set<string>();
  private errors: string[] = [];
  private lastText: string | null = null;
  private notes: string[] = [];

  /** A bullet herdctl knows beyond the events (a worktree's changes, a retry). */
  note(bullet: string): void {
    this.notes.push(bullet);
  }

  /** The agent did something worth keeping (said something, ran a tool): a retry resumes its session rather than starting over. */
  madeProgress(): boolean {
    return this.tools.size > 0 || this.lastText !== null;
  }

  add(e: JobEvent | { type: string; [k: string]: unknown }): void {
    if (e.type === 'tool_use') {
      const tool = String(e.tool ?? '?');
      this.tools.set(tool, (this.tools.get(tool) ?? 0) + 1);
      for (const f of this.filesOf(tool, e.input)) this.files.add(f);
    } else if (e.type === 'error' || (e.type === 'tool_result' && (e.is_error === true || e.isError === true))) {
      this.errors.push(String(e.message ?? e.content ?? 'error').slice(0, 160));
    } else if (e.type === 'output' && typeof e.text === 'string' && e.stream !== 'stderr' && !e.kind) {
      this.lastText = e.text;
    }
  }

  build(job: Job): Recap {
    const headline = firstLine(job.summary) ?? firstLine(this.lastText) ?? (job.error ? `Failed: ${firstLine(job.error)}` : `${job.status}`);
    const bullets: string[] = [];
    if (this.tools.size)
      bullets.push(
        `Tools: ${[...this.tools]
          .sort((a, b) => b[1] - a[1])
          .map(([t, n]) => `${t} ×${n}`)
          .join(', ')}`,
      );
    if (this.files.size) {
      const list = [...this.files];
      bullets.push(`Files touched: ${list.slice(0, 5).join(', ')}${list.length > 5 ? ` (+${list.length - 5} more)` : ''}`);
    }
    bullets.push(...this.notes);
    if (this.errors.length) bullets.push(`Errors: ${this.errors.length} (first: ${this.errors[0]})`);
    const took = job.startedAt && job.completedAt ? ` after ${formatDuration(Date.parse(job.completedAt) - Date.parse(job.startedAt))}` : '';
    bullets.push(`Ended ${job.status}${job.exitReason ? ` (${job.exitReason})` : ''}${took}${job.cancelReason ? `: ${job.cancelReason}` : ''}`);
    if (job.usage) {
      const u = job.usage;
      bullets.push(
        `Tokens: ${u.inputTokens} in, ${u.outputTokens} out${u.costUsd !== null ? `; cost ${u.costEstimated ? '~' : ''}$${u.costUsd.toFixed(4)}${u.costEstimated ? ' (estimated)' : ''}` : ''}${u.turns !== null ? `; ${u.turns} turns` : ''}`,
      );
    }
    return { headline: headline.slice(0, 200), bullets };
  }
}

function firstLine(s: string | null | undefined): string | null {
  const line = s?.split('\n').find((l) => l.trim() !== '');
  return line ? line.trim() : null;
}

/** The recap as prompt text for resuming a job that has no agent session. */
export function recapPrompt(parent: Job, prompt: string): string {
  const r = parent.recap;
  const lines = [`Earlier job ${parent.id} (prompt: ${parent.prompt.slice(0, 500)}) ended ${parent.status}.`];
  if (r) lines.push(`Recap: ${r.headline}`, ...r.bullets.map((b) => `- ${b}`));
  lines.push('', prompt);
  return lines.join('\n');
}
