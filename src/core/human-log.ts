import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { ensureDir, FILE_MODE, io } from './fsx.js';
import type { JobEvent } from './events.js';

/**
 * logs/<agent>/<id>.log: the job's events as a person reads them, written
 * once per batch like the event log. Best effort — output.jsonl is the record.
 * Core makes no text: the line format comes from the caller (the runner's
 * entry point passes the terminal renderer).
 */
export class HumanLog {
  private readonly fd: number;
  private lines: string[] = [];

  constructor(
    path: string,
    private readonly format: (e: JobEvent) => string,
  ) {
    ensureDir(dirname(path));
    this.fd = io.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND | fs.constants.O_NOFOLLOW, FILE_MODE);
  }

  add(e: JobEvent): void {
    this.lines.push(this.format(e));
    if (this.lines.length === 1) setImmediate(() => this.flush());
  }

  flush(): void {
    if (this.lines.length === 0) return;
    const text = this.lines.join('\n') + '\n';
    this.lines = [];
    try {
      io.writeSync(this.fd, text);
    } catch {
      /* the human log is best effort */
    }
  }

  /** Closes with nothing more written: a fenced runner's job, or one ended elsewhere, may be another host's to log now. */
  abandon(): void {
    this.lines = [];
    this.close();
  }

  /** Flushes, then the closing line (the complete event, which the log shows even if its flush failed before). */
  close(last?: JobEvent): void {
    if (last) this.lines.push(this.format(last));
    this.flush();
    try {
      io.closeSync(this.fd);
    } catch {
      /* closed already */
    }
  }
}
