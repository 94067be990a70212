import { appendLines } from './fsx.js';
import { clock } from './clock.js';

/**
 * herdctl's own diagnostic log: one JSON line per event, ids, statuses and
 * counts only — callers never pass job content (prompts, agent text, tool
 * output) or environment values. HERDCTL_LOG=info|debug turns it on (stderr,
 * or HERDCTL_LOG_FILE); a runner passes its own file.
 */
export type Fields = Record<string, string | number | boolean | null | undefined>;

const RANK = { debug: 0, info: 1, warn: 2, error: 3 } as const;
type Level = keyof typeof RANK;

export class Diag {
  private readonly min: number;
  constructor(
    private readonly file: string | null = process.env.HERDCTL_LOG_FILE ?? null,
    level: string | undefined = process.env.HERDCTL_LOG,
  ) {
    this.min = level && level in RANK ? RANK[level as Level] : Infinity;
  }

  log(level: Level, msg: string, fields: Fields = {}): void {
    if (RANK[level] < this.min) return;
    const line = JSON.stringify({ ts: clock.iso(), level, pid: process.pid, msg, ...fields }) + '\n';
    try {
      if (this.file) appendLines(this.file, line);
      else process.stderr.write(line);
    } catch {
      /* diagnostics never break the work */
    }
  }
}

let shared: Diag | undefined;
/** This process's diagnostic log, as HERDCTL_LOG and HERDCTL_LOG_FILE configure it. */
export const diag = (): Diag => (shared ??= new Diag());
