import { join } from 'node:path';
import { dayOf } from './entries.js';
import { appendLines, readIfExists, tryUnlink } from './fsx.js';
import { hostId } from './host-id.js';
import type { JobIndex } from './index-log.js';
import { withAppendTurn } from './shared-append.js';

/**
 * Folds this host's hour segments of days before `beforeDay` (YYYYMMDD) into
 * one per-day segment each (seg-YYYYMMDD@<host>.tsv), so a history of 90 days
 * is ~140 files rather than ~2,000: every list, count and stats lists and
 * stats fewer. The newest days stay split by hour (the pages `jobs list`
 * reads). Run by a runner going idle and by prune; cheap when there is
 * nothing to fold.
 *
 * Per day, in one turn of this host's append mutex (no append of this host
 * falls between the read and the unlink): the hours are read, appended to the
 * day's segment in hour order and fsynced, then removed. A crash in between
 * leaves a line in both, which readers merge (the same id, the same line).
 * Other hosts' segments are theirs to fold. Returns the days folded.
 */
export function compactIndex(index: JobIndex, beforeDay: string): number {
  const mine = `@${hostId()}.tsv`;
  const byDay = new Map<string, string[]>();
  for (const bucket of index.days()) {
    if (bucket.slice(0, 8) >= beforeDay) continue;
    for (const path of index.segPaths(bucket)) {
      const name = path.slice(index.dir.length + 1);
      if (!name.endsWith(mine) || !/^seg-\d{10}@/.test(name)) continue; // another host's, or a per-day segment already
      (byDay.get(bucket.slice(0, 8)) ?? byDay.set(bucket.slice(0, 8), []).get(bucket.slice(0, 8))!).push(path);
    }
  }
  for (const [day, paths] of byDay) {
    withAppendTurn(index.dir, () => {
      const read = paths.sort().flatMap((p) => {
        const text = readIfExists(p); // null: folded meanwhile by another process of this host
        return text === null ? [] : [[p, text.endsWith('\n') || text === '' ? text : `${text}\n`] as const]; // a torn last line stays one line
      });
      if (read.length === 0) return;
      appendLines(join(index.dir, `seg-${day}${mine}`), read.map(([, t]) => t).join(''), { durable: true });
      for (const [p] of read) tryUnlink(p);
    });
  }
  return byDay.size;
}

/** Days before this one (yesterday, UTC) are one segment each; today's and yesterday's stay split by hour (a rebuild writes them so too). */
export const foldBefore = (now: number): string => dayOf(now - 86_400_000);
