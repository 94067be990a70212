import * as fs from 'node:fs';
import { join, sep } from 'node:path';
import { ensureDir, listDir, readIfExists, tryReadBytes, tryUnlink, writeFileAtomic } from './fsx.js';
import { hostId } from './host-id.js';
import { appendShared, appendSharedMany } from './shared-append.js';
import { isEditsFile, noteEdits } from './index-edits.js';
import { idsWithRun } from './id-tails.js';
import { idHour, isJobId } from './ids.js';
import type { Job } from './job.js';
import { clock, systemClock } from './clock.js';

/**
 * The derived job index: index/seg-YYYYMMDDHH@<host id>.tsv, one segment per
 * UTC creation hour and per host, append-only, and appended to by that host
 * only: a network filesystem has no append operation, so two hosts appending
 * to one file lose lines (see docs/multihost.md). An hour, not a day: the
 * newest page reads the newest segment, which stays small however long the
 * history (at 1M jobs over 90 days a day holds 11k jobs, an hour 460).
 * Older state dirs have per-day segments (seg-YYYYMMDD@<host>.tsv, or
 * seg-YYYYMMDD.tsv): a day that has one is read as one bucket, with its hour
 * segments, so nothing is read out of order. A line is written
 * when a job is created (status pending) and when it ends (its terminal
 * status, with the figures `stats` needs). Within a segment the last line of
 * an id wins; across segments a terminal line wins over a non-terminal one
 * (terminal is final) and `gone` over both. Terminal lines are exact; a
 * non-terminal entry must be checked against job.json. The last column holds
 * the job's tags as JSON (lines of older herdctls end before it). Delete the folder and
 * the next command rebuilds it from jobs/.
 */
export interface IndexEntry {
  id: string;
  status: string; // a JobStatus, 'unreadable' or 'gone'
  agent: string;
  exitReason: string;
  trigger: string;
  schedule: string;
  startedMs: number;
  completedMs: number;
  inputTokens: number;
  outputTokens: number;
  costUsd: number;
  events: number;
  /** The job's tags; undefined on a line written before the index carried them (then job.json knows). */
  tags?: string[];
}

const TERMINAL_STATUSES = new Set(['completed', 'failed', 'cancelled']);
/** seg-<day>[<hour>][@<host>].tsv: group 1 the day, group 2 the hour (none in an older per-day segment). */
const SEG_RE = /^seg-(\d{8})(\d{2})?(?:@[a-z0-9-]+)?\.tsv$/;
/** Across hosts' segments: gone beats an end, an end beats anything else. */
const rank = (status: string): number => (status === 'gone' ? 2 : TERMINAL_STATUSES.has(status) ? 1 : 0);
const CONTROL = /[\t\n\r]/;
const clean = (s: string | null | undefined): string => (!s ? '' : CONTROL.test(s) ? s.replace(/[\t\n\r]/g, ' ') : s);
const msOf = (iso: string | null): number => (iso ? Date.parse(iso) || 0 : 0);

/** A job's index line. A rebuild makes 100k of them: a template, and no regex replace unless a field needs it. */
export function entryLine(job: Job, events = 0): string {
  const u = job.usage;
  const tags = job.tags?.length ? JSON.stringify(job.tags) : '[]'; // JSON escapes tabs and newlines: one column, whatever the tags hold
  return `${job.id}\t${job.status}\t${clean(job.agent)}\t${job.exitReason ?? ''}\t${clean(job.trigger)}\t${clean(job.schedule)}\t${msOf(job.startedAt)}\t${msOf(job.completedAt)}\t${u?.inputTokens ?? 0}\t${u?.outputTokens ?? 0}\t${u?.costUsd ?? 0}\t${events}\t${tags}\n`;
}

export function markerLine(id: string, status: 'gone' | 'unreadable', agent = ''): string {
  return `${id}\t${status}\t${clean(agent)}\n`;
}

function parseLine(line: string): IndexEntry | null {
  const f = line.split('\t');
  if (f.length < 3 || !isJobId(f[0])) return null;
  return {
    id: f[0],
    status: f[1],
    agent: f[2],
    exitReason: f[3] ?? '',
    trigger: f[4] ?? '',
    schedule: f[5] ?? '',
    startedMs: Number(f[6]) || 0,
    completedMs: Number(f[7]) || 0,
    inputTokens: Number(f[8]) || 0,
    outputTokens: Number(f[9]) || 0,
    costUsd: Number(f[10]) || 0,
    events: Number(f[11]) || 0,
    tags: f[12] === undefined ? undefined : f[12] === '[]' ? [] : tagsOf(f[12]),
  };
}

function tagsOf(column: string): string[] | undefined {
  try {
    const t: unknown = JSON.parse(column);
    return Array.isArray(t) && t.every((x) => typeof x === 'string') ? t : undefined;
  } catch {
    return undefined; // torn: job.json knows
  }
}

export class JobIndex {
  constructor(
    readonly dir: string,
    private readonly jobsDir: string,
  ) {}

  /** This host's segment of an hour (YYYYMMDDHH), or of a day (YYYYMMDD, a rebuild's): the only index file it appends to for it. */
  private segPath(key: string): string {
    return join(this.dir, `seg-${key}@${hostId()}.tsv`);
  }

  private listing: { names: string[]; mtimeNs: bigint; takenMs: number; byBucket?: Map<string, string[]>; buckets?: string[] } | null = null;

  /**
   * The names in index/, listed again only when the directory changed: a
   * stats, a prune or a count asks for the segments of each of ~2,000 hours.
   * A listing taken within the filesystem's timestamp granularity of the
   * directory's last change is trusted for a second only (a file added in the
   * same tick would not move the mtime): one command's scan, not a server's
   * lifetime. Wall time, not herdctl's clock: mtimes are wall time.
   */
  private names(): string[] {
    let mtimeNs: bigint;
    try {
      mtimeNs = fs.statSync(this.dir, { bigint: true }).mtimeNs;
    } catch {
      this.listing = null; // no index/ (yet)
      return [];
    }
    const l = this.listing;
    const now = systemClock.now();
    if (l && l.mtimeNs === mtimeNs && (now - l.takenMs < 1000 || l.takenMs - Number(mtimeNs / 1_000_000n) > 2000)) return l.names;
    const takenMs = now;
    const names = listDir(this.dir);
    this.listing = { names, mtimeNs, takenMs };
    return names;
  }

  /**
   * Every host's segments of a bucket, in name order: an hour's (YYYYMMDDHH),
   * or a whole day's (YYYYMMDD: its per-day segments of older state dirs and
   * all its hours).
   */
  segPaths(bucket: string): string[] {
    const names = this.names();
    const l = this.listing;
    if (!l) return [];
    if (!l.byBucket) {
      // grouped once per listing: a per-bucket scan of 2,000 names for each of 2,000 hours would be 4M comparisons
      l.byBucket = new Map();
      for (const name of [...names].sort()) {
        const m = SEG_RE.exec(name);
        if (!m) continue;
        const path = `${this.dir}${sep}${name}`; // not join(): 2,000 normalizations of a path already normal
        for (const key of m[2] === undefined ? [m[1]] : [m[1], m[1] + m[2]]) (l.byBucket.get(key) ?? l.byBucket.set(key, []).get(key)!).push(path);
      }
    }
    return l.byBucket.get(bucket) ?? [];
  }

  append(id: string, line: string): void {
    ensureDir(this.dir);
    appendShared(this.segPath(idHour(id)), line);
    noteEdits(this.dir, [idHour(id)]);
  }

  /**
   * Many lines at once, one append per segment: a rebuild of 100k jobs makes
   * ~2,000 writes, not 100k. With `wholeDaysBefore` (YYYYMMDD) — a rebuild —
   * the lines of older days go to per-day segments, read as one bucket: a
   * history copied in makes ~90 files rather than ~2,000 (creating a file costs
   * more than writing one), and only the newest days, the ones a `jobs list`
   * pages through, are split by hour.
   */
  appendAll(lines: Iterable<readonly [id: string, line: string]>, wholeDaysBefore?: string): void {
    const byKey = new Map<string, string[]>();
    for (const [id, line] of lines) {
      const hour = idHour(id);
      const key = wholeDaysBefore !== undefined && hour.slice(0, 8) < wholeDaysBefore ? hour.slice(0, 8) : hour;
      (byKey.get(key) ?? byKey.set(key, []).get(key)!).push(line);
    }
    if (byKey.size) ensureDir(this.dir);
    appendSharedMany([...byKey].map(([key, keyLines]) => [this.segPath(key), keyLines.join('')] as const));
    noteEdits(this.dir, byKey.keys());
  }

  /**
   * The index's buckets, newest first: an hour (YYYYMMDDHH), or a whole day
   * (YYYYMMDD) when the day has a per-day segment of an older state dir.
   * `sinceDay` (YYYYMMDD): only buckets of that day or later.
   */
  days(sinceDay?: string): string[] {
    const names = this.names();
    const l = this.listing;
    if (!l) return [];
    if (!l.buckets) {
      // once per listing: a list and its count both ask
      const wholeDays = new Set<string>();
      const hours = new Set<string>();
      for (const name of names) {
        const m = SEG_RE.exec(name);
        if (!m) continue;
        if (m[2] === undefined) wholeDays.add(m[1]);
        else hours.add(m[1] + m[2]);
      }
      const buckets = [...wholeDays, ...[...hours].filter((h) => !wholeDays.has(h.slice(0, 8)))];
      l.buckets = buckets.sort().reverse(); // a day's key sorts below every later day's hours, above every earlier day's
    }
    if (!sinceDay) return l.buckets;
    const end = l.buckets.findIndex((b) => b.slice(0, 8) < sinceDay);
    return end < 0 ? l.buckets : l.buckets.slice(0, end);
  }

  /** Ids whose random part (their last 8 characters) holds `run`, from the ids' own small index (id-tails.ts). Pruned ids may be among them. */
  idsWithRun(run: string): string[] {
    return idsWithRun(
      this.dir,
      this.names().filter((n) => SEG_RE.test(n)),
      run,
    );
  }

  /**
   * Ids in a bucket's segments that start with `prefix`, by a text search
   * rather than a parse: `jobs show job-20261021-0036` in a folded day of
   * 11k jobs reads it once. Deleted ids may be among them.
   */
  idsWithPrefix(bucket: string, prefix: string): string[] {
    const found = new Set<string>();
    const needle = Buffer.from(`\n${prefix}`);
    let paths = this.segPaths(bucket);
    let files = paths.map((p) => tryReadBytes(p));
    if (files.includes(null)) {
      this.listing = null; // folded meanwhile (index-compact.ts): the day's segments now hold it
      paths = this.segPaths(bucket.slice(0, 8));
      files = paths.map((p) => tryReadBytes(p));
    }
    for (const bytes of files) {
      if (!bytes) continue;
      if (bytes.toString('latin1', 0, prefix.length) === prefix) found.add(bytes.toString('latin1', 0, 28));
      for (let at = bytes.indexOf(needle); at >= 0; at = bytes.indexOf(needle, at + 1)) found.add(bytes.toString('latin1', at + 1, at + 29));
    }
    return [...found].filter(isJobId);
  }

  /** One bucket's jobs (an hour's, or a whole day's), newest first, merged across segments; 'gone' entries dropped; with `fromId`, only ids from it on. */
  readDay(day: string, fromId = ''): IndexEntry[] {
    const byId = new Map<string, IndexEntry>();
    let texts = this.segPaths(day).map((p) => readIfExists(p));
    let onlyHour = false;
    if (texts.includes(null)) {
      // a segment gone since the listing: folded into its day's (index-compact.ts) — read the whole day again, keep this bucket's
      this.listing = null;
      texts = this.segPaths(day.slice(0, 8)).map((p) => readIfExists(p));
      onlyHour = day.length === 10;
    }
    for (const text of texts) {
      const mine = new Map<string, IndexEntry>();
      for (const line of (text ?? '').split('\n')) {
        const e = line && line >= fromId ? parseLine(line) : null; // fromId: a --since cut, no parse of lines before it
        if (!e || (onlyHour && idHour(e.id) !== day)) continue;
        const prev = mine.get(e.id);
        // terminal is final: a later pending line (a re-index racing the job's end) never undoes it
        if (prev && e.status === 'pending' && TERMINAL_STATUSES.has(prev.status)) continue;
        if (prev && !e.agent) e.agent = prev.agent;
        if (prev && !e.tags) e.tags = prev.tags; // a marker line carries none
        mine.set(e.id, e); // an id keeps the place of its first line: creation order
      }
      for (const [id, e] of mine) {
        const prev = byId.get(id);
        if (prev && rank(prev.status) > rank(e.status)) continue;
        if (prev && !e.agent) e.agent = prev.agent;
        if (prev && !e.tags) e.tags = prev.tags; // a marker line carries none
        byId.set(id, e);
      }
    }
    const out: IndexEntry[] = [];
    for (const e of byId.values()) if (e.status !== 'gone') out.push(e);
    // newest first: by the id's second, then (stable sort of the reversed order) by creation order within it
    out.reverse();
    const sec = (id: string) => id.slice(0, 19);
    return out.sort((a, b) => (sec(a.id) < sec(b.id) ? 1 : sec(a.id) > sec(b.id) ? -1 : 0));
  }

  /** A day's size and change time over all its segments, taken before they are read: a line appended meanwhile makes a cache entry stale, never wrong. */
  dayStamp(day: string): string | null {
    const parts: string[] = [];
    for (const path of this.segPaths(day)) {
      try {
        const st = fs.statSync(path);
        parts.push(`${path.slice(this.dir.length + 1)}:${st.size}:${st.mtimeMs}`);
      } catch {
        /* removed meanwhile */
      }
    }
    return parts.length ? parts.join('|') : null;
  }

  /** The edits journals (index-edits.ts) of every host. */
  editsFiles(): string[] {
    return this.names().filter(isEditsFile);
  }

  /** Deletes a day's segments (prune: a day left holding only `gone` lines). */
  dropDay(day: string): void {
    for (const path of this.segPaths(day)) tryUnlink(path);
  }

  /** Every entry, newest first (stats, prune, reconcile). */
  *all(sinceDay?: string): Generator<IndexEntry> {
    for (const day of this.days(sinceDay)) yield* this.readDay(day);
  }

  /** A job.json that could not be read when indexed: kept apart so live listings re-check it (it may be repaired in place). */
  noteUnreadable(id: string): void {
    this.append(id, markerLine(id, 'unreadable'));
    appendShared(join(this.dir, `unreadable@${hostId()}`), `${id}\n`);
  }

  /** Ids noted unreadable by any host (older state dirs: one shared file). */
  unreadable(): string[] {
    const ids: string[] = [];
    for (const name of this.names()) {
      if (name === 'unreadable' || name.startsWith('unreadable@')) ids.push(...(readIfExists(join(this.dir, name)) ?? '').split('\n').filter(isJobId));
    }
    return [...new Set(ids)];
  }

  // ---- staleness: jobs/ changed behind herdctl's back (a job dir copied in or deleted by hand) ----

  private get syncedFile(): string {
    return join(this.dir, 'synced');
  }

  private jobsMtime(): bigint | null {
    try {
      return fs.statSync(this.jobsDir, { bigint: true }).mtimeNs;
    } catch {
      return null;
    }
  }

  private synced(): bigint | null {
    const t = readIfExists(this.syncedFile);
    return t && /^\d+$/.test(t.trim()) ? BigInt(t.trim()) : null;
  }

  /**
   * True when jobs/ changed since the index last saw all of it. An mtime equal
   * to the synced one is still suspect while it is within the filesystem's
   * timestamp granularity of now ("racy git"): a copy-in in the same tick
   * would not move it.
   */
  isStale(): boolean {
    const m = this.jobsMtime();
    if (m === null) return false;
    const s = this.synced();
    if (s === null || m > s) return true;
    if (m < s) return false;
    const coarse = m % 1_000_000_000n === 0n; // whole seconds: a 1 s filesystem (NFS, HFS+, ext3)
    return clock.now() - Number(m / 1_000_000n) < (coarse ? 2000 : 20);
  }

  /** Call before a herdctl-made change to jobs/; pass the result to `afterOwnChange`. */
  beforeOwnChange(): boolean {
    const m = this.jobsMtime();
    const s = this.synced();
    return m !== null && s !== null && m <= s;
  }

  /** herdctl's own change is indexed already: if the index was in sync before it, it still is. */
  afterOwnChange(wasInSync: boolean): void {
    const m = this.jobsMtime();
    if (wasInSync && m !== null) this.markSynced(m);
  }

  markSynced(m = this.jobsMtime()): void {
    if (m === null) return;
    ensureDir(this.dir);
    writeFileAtomic(this.syncedFile, `${m}\n`);
  }

  /** Snapshot of jobs/'s mtime, taken before a reconcile reads the directory. */
  mtime(): bigint | null {
    return this.jobsMtime();
  }
}
