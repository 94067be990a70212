import type { Job } from '../core/job.js';
import type { PendingWhy } from '../core/job-links.js';
import { pendingText } from './jobs.js';
import type { LogLine, LogProblem } from '../core/eventlog.js';
import { renderEvent } from './events.js';
import { Out } from './out.js';
import { palette } from './style.js';

/** Prints a job's stored lines to stdout: as stored with --json, else one human line each; problems go to stderr. */
export function logPrinter(json: boolean): {
  raw: boolean;
  line(l: LogLine): Promise<void>;
  problem(path: string, p: LogProblem): void;
  flush(): Promise<void>;
  pending(job: Job, why: PendingWhy): void;
} {
  const out = new Out();
  const c = palette();
  return {
    raw: json,
    line: (l) => out.line(json || !l.event ? l.raw : renderEvent(l.event, c)),
    problem: (path, p) => process.stderr.write(`herdctl: ${path} line ${p.lineNo}: ${p.kind === 'torn' ? 'torn last line' : 'corrupt line'}: ${p.detail} (skipped)\n`),
    flush: () => out.flush(),
    // a pending job has no events yet: say so, and why (stderr: stdout stays the log)
    pending: (job, why) => process.stderr.write(`${job.id} is pending (${pendingText(why, job, job.after.length > 0)}): no events yet; follow it with: herdctl jobs logs ${job.id} --follow\n`),
  };
}
