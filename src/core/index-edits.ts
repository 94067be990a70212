import * as fs from 'node:fs';
import { join } from 'node:path';
import { clock } from './clock.js';
import { tryReadRange } from './fsx.js';
import { hostId } from './host-id.js';
import { appendShared } from './shared-append.js';

/**
 * index/edits@<host>: the old index buckets this host appended to, one per
 * line. An hour's segment is appended to long after the hour only when a job
 * created then ends late, is removed or pruned (a `gone` line), or is copied
 * in; this journal lets a reader keep totals of old, settled hours (the "N
 * more" count of `jobs list`) and re-check only the hours named here since it
 * last looked, instead of stat-ing ~2,000 segments on every list. Derived
 * like the rest of index/: delete it and every total is recounted once.
 *
 * "Old" has a margin for clocks: a writer notes an hour older than its
 * previous hour; a reader treats an hour as old only three hours after it, so
 * a writer whose clock is up to two hours behind the reader's still notes
 * every hour the reader keeps a total of. The note is written after the line
 * it names (a reader never caches a count taken before the line landed); a
 * crash between the two leaves at worst a stale footer count, never a lost job.
 */
const HOUR_MS = 3_600_000;
const SETTLED_AFTER_HOURS = 3;

/** The UTC hour (YYYYMMDDHH) of an instant, as index buckets are named. */
export const hourAt = (ms: number): string => clock.isoAt(ms).slice(0, 13).replace(/[-T]/g, '');

/** Notes the buckets (hours, or whole days of older state dirs) among `buckets` that are old by this host's clock. */
export function noteEdits(dir: string, buckets: Iterable<string>): void {
  const before = hourAt(clock.now() - HOUR_MS);
  const old = [...buckets].filter((b) => b.padEnd(10, '9') < before);
  if (old.length) appendShared(join(dir, `edits@${hostId()}`), old.map((b) => `${b}\n`).join(''));
}

/** True for the name of an edits journal (any host's). */
export const isEditsFile = (name: string): boolean => name.startsWith('edits@');

/**
 * The buckets a journal names from byte `from` on, and where it ends now
 * (`from` null: only where it ends). Buckets null when it is shorter than
 * `from` (replaced or cut: nothing it said can be trusted) or gone.
 */
export function editsSince(dir: string, name: string, from: number | null): { size: number; buckets: string[] | null } {
  let size: number;
  try {
    size = fs.statSync(join(dir, name)).size;
  } catch {
    return { size: 0, buckets: null };
  }
  if (from === null) return { size, buckets: [] };
  if (size < from) return { size, buckets: null };
  const text = tryReadRange(join(dir, name), from, size - from)?.toString('latin1');
  if (text === undefined) return { size: 0, buckets: null };
  const end = text.lastIndexOf('\n') + 1; // a line being written is read next time, whole
  return { size: from + end, buckets: text.slice(0, end).split('\n').filter(Boolean) };
}

/** Whether a bucket is old enough for a reader to keep its total (see above). */
export function settledByAge(bucket: string, now: number): boolean {
  return bucket.padEnd(10, '9') < hourAt(now - SETTLED_AFTER_HOURS * HOUR_MS);
}
