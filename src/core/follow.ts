import * as fs from 'node:fs';
import { dirname } from 'node:path';
import { readLog, type LogLine, type LogProblem } from './eventlog.js';
import { clock } from './clock.js';

export interface FollowOptions {
  from?: number; // byte offset
  onLine: (line: LogLine) => void | Promise<void>;
  onProblem?: (p: LogProblem) => void;
  /** Polled about every `checkEveryMs`: true once the job is over (terminal job.json). */
  isOver: () => boolean;
  /** Called when caught up with the file, before waiting (flush output here). */
  onIdle?: () => void | Promise<void>;
  pollMs?: number;
  checkEveryMs?: number;
  signal?: AbortSignal;
}

/**
 * History then live lines, none missed or doubled: a byte offset only ever
 * moves past a whole line, so a line being written (or torn and completed
 * later) is read once, when its "\n" is there. Woken by fs.watch on the job
 * directory and, because watch events can be coalesced or lost, re-read on a
 * short timer. Ends after the `complete` event, or when the job is over and
 * the file has been read to its end.
 */
export async function followLog(path: string, opts: FollowOptions): Promise<'complete' | 'over' | 'aborted'> {
  let offset = opts.from ?? 0;
  let lineNo = 1;
  let wake: (() => void) | null = null;
  let watcher: fs.FSWatcher | null = null;
  try {
    watcher = fs.watch(dirname(path), { persistent: true }, () => wake?.());
    watcher.on('error', () => {}); // the timer still covers us
  } catch {
    /* directory missing or watch unsupported: poll only */
  }
  const pollMs = opts.pollMs ?? 100;
  const checkEvery = opts.checkEveryMs ?? 500;
  let lastCheck = 0;
  const onAbort = () => wake?.();
  opts.signal?.addEventListener('abort', onAbort);
  try {
    for (;;) {
      const drain = async (): Promise<boolean> => {
        const it = readLog(path, offset, lineNo, (p) => p.kind === 'corrupt' && opts.onProblem?.(p));
        for (let r = it.next(); !r.done; r = it.next()) {
          const line = r.value;
          offset = line.end;
          lineNo = line.lineNo + 1;
          await opts.onLine(line);
          if (line.event?.type === 'complete') return true;
        }
        return false;
      };
      if (await drain()) return 'complete';
      if (opts.signal?.aborted) return 'aborted';
      await opts.onIdle?.();
      const now = clock.now();
      if (now - lastCheck >= checkEvery) {
        lastCheck = now;
        if (opts.isOver()) return (await drain()) ? 'complete' : 'over';
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(done, pollMs);
        function done() {
          clearTimeout(t);
          wake = null;
          resolve();
        }
        wake = done;
      });
    }
  } finally {
    watcher?.close();
    opts.signal?.removeEventListener('abort', onAbort);
  }
}
