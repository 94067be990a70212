import { existsSync } from 'node:fs';
import type { QuotaConfig } from './config.js';
import { diag } from './diag.js';
import { formatRelative } from './duration.js';
import { HerdError } from './errors.js';
import { appendLines, ensureDir, readIfExists, writeFileAtomic } from './fsx.js';
import { STALE_MS, tryLockSync } from './lock.js';
import { checkName, type Paths } from './paths.js';
import { clock } from './clock.js';

/**
 * Quota buckets: a ledger per bucket, quotas/<bucket>.jsonl, append-only
 * JSON lines written only under the bucket's lock (locks/quota-<bucket>):
 *   {"job":"<id>","at":<ms>}     one submission counted
 *   {"reset":<ms>}               `quotas reset`: nothing before it counts
 *   {"carried":<n>,"at":<ms>}    n older submissions folded by compaction
 * tasks_total counts submissions since the last reset; tasks_per_hour those
 * of the rolling last 60 minutes. A torn last line (a crash mid-append) is
 * skipped: that submission's job may exist uncounted, never the reverse.
 */
export const WINDOW_MS = 3_600_000;
/** Past this many lines outside the window, a recording rewrites the ledger with them folded into one `carried` line. */
const COMPACT_AT = 2_000;
/** Longer than a lock can stay stale, so a crashed holder is always outwaited. */
const LOCK_WAIT_MS = STALE_MS + 10_000;

export interface BucketUsage {
  total: number;
  /** creation times (ms) of the submissions in the rolling window, oldest first */
  window: number[];
  resetAtMs: number | null;
  /** lines in the ledger (compaction trigger) */
  lines: number;
  /** window entries as written (kept by compaction) */
  recent: string[];
  /** the ledger ends in a torn line: the next append starts a new line first */
  torn: boolean;
}

interface Denial {
  resource: 'tasks_total' | 'tasks_per_hour';
  used: number;
  limit: number;
  /** when a slot frees (tasks_per_hour), null for tasks_total */
  freesAtMs: number | null;
}

export const ledgerPath = (paths: Paths, bucket: string): string => paths.quotaLedger(bucket);
const lockPath = (paths: Paths, bucket: string) => paths.quotaLock(bucket);

export function readUsage(paths: Paths, bucket: string, now: number): BucketUsage {
  const text = readIfExists(ledgerPath(paths, bucket)) ?? '';
  const u: BucketUsage = { total: 0, window: [], resetAtMs: null, lines: 0, recent: [], torn: text !== '' && !text.endsWith('\n') };
  const from = now - WINDOW_MS;
  for (const line of text.split('\n')) {
    if (!line) continue;
    u.lines++;
    let r: { job?: string; at?: number; reset?: number; carried?: number } | null;
    try {
      r = JSON.parse(line);
    } catch {
      continue;
    }
    if (typeof r !== 'object' || r === null) continue;
    if (typeof r.reset === 'number') {
      Object.assign(u, { total: 0, window: [], recent: [], resetAtMs: r.reset });
    } else if (typeof r.carried === 'number') {
      u.total += r.carried;
    } else if (typeof r.at === 'number') {
      u.total++;
      if (r.at > from) {
        u.window.push(r.at);
        u.recent.push(line);
      }
    }
  }
  u.window.sort((a, b) => a - b);
  return u;
}

/** The cap a new submission would break, if any: tasks_total first (time does not free it). */
function denial(u: BucketUsage, limits: QuotaConfig): Denial | null {
  if (limits.tasksTotal !== null && u.total >= limits.tasksTotal) return { resource: 'tasks_total', used: u.total, limit: limits.tasksTotal, freesAtMs: null };
  if (limits.tasksPerHour !== null && u.window.length >= limits.tasksPerHour) {
    return { resource: 'tasks_per_hour', used: u.window.length, limit: limits.tasksPerHour, freesAtMs: slotFreesAt(u.window, limits.tasksPerHour) };
  }
  return null;
}

/** When the window next has room under `limit`: once enough of its oldest submissions have left it. Null when it has room now. */
function slotFreesAt(window: number[], limit: number | null): number | null {
  return limit !== null && window.length >= limit ? window[window.length - limit] + WINDOW_MS : null;
}

export interface BucketStatus {
  bucket: string;
  tasksPerHour: { used: number; limit: number | null };
  tasksTotal: { used: number; limit: number | null };
  /** when the next submission leaves the rolling window (when full: when a slot frees); null when the window is empty */
  freesAt: string | null;
  resetAt: string | null;
}

/** What `quotas list` shows for one bucket. */
export function bucketStatus(paths: Paths, bucket: string, limits: QuotaConfig, now: number): BucketStatus {
  const u = readUsage(paths, bucket, now);
  const frees = slotFreesAt(u.window, limits.tasksPerHour) ?? (u.window.length ? u.window[0] + WINDOW_MS : null);
  const iso = (ms: number | null) => (ms === null ? null : clock.isoAt(ms));
  return {
    bucket,
    tasksPerHour: { used: u.window.length, limit: limits.tasksPerHour },
    tasksTotal: { used: u.total, limit: limits.tasksTotal },
    freesAt: iso(frees),
    resetAt: iso(u.resetAtMs),
  };
}

/**
 * Counts, checks and creates as one step: under the bucket's lock the usage
 * is read, the caps checked, the job created and its submission recorded, so
 * concurrent submitters (any number of processes) never overshoot a cap.
 * Over the cap nothing is written and a `quota_denied` error is thrown.
 */
export function withQuota<T extends { id: string }>(paths: Paths, bucket: string, limits: QuotaConfig, create: () => T, now: () => number = clock.now): T {
  const release = lockWait(paths.home, lockPath(paths, bucket), bucket);
  try {
    const u = readUsage(paths, bucket, now());
    const d = denial(u, limits);
    if (d) {
      diag().log('info', 'quota denied', { bucket, resource: d.resource, used: d.used, limit: d.limit });
      throw deniedError(bucket, d, now());
    }
    const created = create();
    record(paths, bucket, u, { job: created.id, at: now() });
    diag().log('info', 'quota granted', { bucket, job: created.id, total: u.total + 1, lastHour: u.window.length + 1 });
    return created;
  } finally {
    release();
  }
}

function record(paths: Paths, bucket: string, u: BucketUsage, entry: { job: string; at: number }): void {
  ensureDir(paths.quotas);
  const file = ledgerPath(paths, bucket);
  const line = JSON.stringify(entry);
  if (u.lines - u.recent.length < COMPACT_AT) return appendLines(file, (u.torn ? '\n' : '') + line + '\n');
  const head = u.resetAtMs !== null ? [JSON.stringify({ reset: u.resetAtMs })] : [];
  const folded = u.total - u.window.length;
  if (folded > 0) head.push(JSON.stringify({ carried: folded, at: entry.at }));
  writeFileAtomic(file, [...head, ...u.recent, line].join('\n') + '\n');
}

export interface ResetResult {
  bucket: string;
  before: { tasksTotal: number; tasksPerHour: number };
}

/** `quotas reset` and POST /v1/jobs/quota/reset: a bucket of the config, or one that still has a ledger (the config may have dropped it since). */
export function resetKnownBucket(paths: Paths, quotas: Record<string, QuotaConfig>, bucket: string, now: () => number = clock.now): ResetResult {
  checkName(bucket, 'quota bucket');
  if (!Object.hasOwn(quotas, bucket) && !existsSync(ledgerPath(paths, bucket))) {
    const known = Object.keys(quotas);
    throw new HerdError('not_found', `no quota bucket "${bucket}" (${known.length ? `known buckets: ${known.join(', ')}` : 'the config defines none'})`, 'herdctl quotas list');
  }
  const before = resetBucket(paths, bucket, now);
  return { bucket, before: { tasksTotal: before.total, tasksPerHour: before.window.length } };
}

/** `quotas reset`: the ledger starts over from one reset line. Returns the usage it had. */
export function resetBucket(paths: Paths, bucket: string, now: () => number = clock.now): BucketUsage {
  const release = lockWait(paths.home, lockPath(paths, bucket), bucket);
  try {
    const before = readUsage(paths, bucket, now());
    ensureDir(paths.quotas);
    writeFileAtomic(ledgerPath(paths, bucket), JSON.stringify({ reset: now() }) + '\n');
    diag().log('info', 'quota reset', { bucket, total: before.total, lastHour: before.window.length });
    return before;
  } finally {
    release();
  }
}

function deniedError(bucket: string, d: Denial, now: number): HerdError {
  const data = { error: 'quota_denied', resource: 'Tasks', used: d.used, hard_limit: d.limit };
  if (d.resource === 'tasks_total') {
    return new HerdError(
      'quota_denied',
      `quota bucket "${bucket}" is full: ${d.used} of ${d.limit} tasks (tasks_total, counted since the last reset); no job was created`,
      `herdctl quotas reset ${bucket}  (or raise quotas.${bucket}.tasks_total)`,
      data,
    );
  }
  const at = clock.isoAt(d.freesAtMs!);
  return new HerdError(
    'quota_denied',
    `quota bucket "${bucket}" is full: ${d.used} of ${d.limit} tasks in the last 60 minutes (tasks_per_hour); no job was created. A slot frees at ${at.slice(11, 19)} UTC (${formatRelative(d.freesAtMs!, now)})`,
    'herdctl quotas list',
    data,
  );
}

/**
 * The bucket lock, waited for synchronously: submission is synchronous for
 * its callers, and a hold lasts a few fsyncs. Jittered backoff spreads
 * contenders out; after a crash the holder's lock goes stale and is taken.
 */
function lockWait(home: string, path: string, bucket: string): () => void {
  const deadline = clock.now() + LOCK_WAIT_MS;
  const nap = new Int32Array(new SharedArrayBuffer(4));
  for (let delay = 2; ; delay = Math.min(delay * 1.5, 50)) {
    const release = tryLockSync(home, path);
    if (release) return release;
    if (clock.now() > deadline) {
      throw new HerdError('conflict', `quota bucket "${bucket}" stayed locked for ${LOCK_WAIT_MS / 1000}s`, `ls ${path}.lock  (a lock left by a stuck process goes stale after ${STALE_MS / 1000}s)`);
    }
    Atomics.wait(nap, 0, 0, delay * (0.5 + Math.random()));
  }
}
