import { join } from 'node:path';
import { readDerived, writeDerived } from './bucket-cache.js';
import { clock } from './clock.js';
import { dayEntries, dayOf } from './entries.js';
import { editsSince, hourAt, settledByAge } from './index-edits.js';
import { tryUnlink } from './fsx.js';
import type { IndexEntry } from './index-log.js';
import type { Job } from './job.js';
import type { JobStore } from './store.js';

/**
 * How many jobs a `jobs list` filter matches in all, for the footer of a cut
 * list ("… 999,980 more"), at a cost that does not grow with the history.
 * Counts are kept per agent, status and set of tags (so any filter is summed
 * from them) in index/count-cache.json:
 *   - `days`: per UTC day, the totals of its settled buckets (every job ended)
 *     that are old (index-edits.ts): a list reads these, nothing per hour.
 *     An old bucket changes only through an append the edits journals name
 *     (a late end, a `gone`, a copy-in), so a list reads the journals' new
 *     lines and recounts just the days they name. Days older than two days
 *     keep their totals in count-days.json and only their sum (`archived`)
 *     here; a --since cut inside a day reads its per-bucket count-day-*.json;
 *   - `buckets`: settled buckets still young, each checked by its segments'
 *     size and mtime (`dayStamp`) — a few hours' worth;
 *   - anything live, and the bucket the --since instant falls in, is counted
 *     from the index each time.
 * A line of an older herdctl carries no tags: its job.json is read once.
 */
export interface CountFilter {
  status?: string;
  agent?: string;
  sinceMs?: number;
  tags?: string[];
}

type Counts = Record<string, Record<string, Record<string, number>>>; // tags (JSON, sorted) → agent → status → jobs
interface CountCache {
  edits: Record<string, number>; // journal → bytes read
  /** Rolled-up days; a day's counts are absent once archived (then in count-days.json, and in `archived`). */
  days: Record<string, { buckets: string[]; counts?: Counts }>;
  /** The sum of the archived days' counts: a list with no --since reads this, not 90 days. */
  archived: Counts;
  buckets: Record<string, { stamp: string; counts: Counts }>;
}
const CACHE_VERSION = 4;
/** Days older than this are archived: the cache a list reads stays a few kB at any history. */
const ARCHIVE_AFTER_MS = 2 * 86_400_000;
const SETTLED = new Set(['completed', 'failed', 'cancelled']);

export function countMatching(store: JobStore, filter: CountFilter, check: (job: Job) => Job): number {
  store.refreshIndex();
  const dir = store.index.dir;
  const file = join(dir, 'count-cache.json');
  const cache = readDerived<CountCache>(file, CACHE_VERSION) ?? { edits: {}, days: {}, archived: {}, buckets: {} };
  const rolls = new Rollups(dir, cache);
  let changed = readJournals(store, rolls);
  const all = store.index.days();
  const present = new Set(all);
  for (const [day, r] of Object.entries(cache.days)) {
    if (r.buckets.every((b) => present.has(b))) continue;
    rolls.forget(day); // a bucket of it pruned, or a day's hours folded into a per-day segment
    changed = true;
  }

  // the window's first hour (or an older per-day bucket's day) is cut at the --since instant: counted from the index
  const since = filter.sinceMs;
  const cutDay = since !== undefined ? dayOf(since) : undefined;
  const cutHour = since !== undefined ? hourAt(since) : undefined;
  const before = (b: string) => cutDay !== undefined && (b.length === 8 ? b < cutDay : b < cutHour!);
  const isCut = (b: string) => b === cutHour || b === cutDay;
  const rolled = new Set<string>();
  let total = 0;
  rolls.prepare(cutDay);
  if (cutDay === undefined) total += matching(cache.archived, filter);
  for (const [day, r] of Object.entries(cache.days)) {
    if (cutDay !== undefined && day < cutDay) continue;
    if (day !== cutDay) {
      if (r.counts || cutDay !== undefined) total += matching(rolls.counts(day), filter); // archived: in `archived` (no --since)
      for (const b of r.buckets) rolled.add(b);
      continue;
    }
    const hours = r.buckets.length === 1 && r.buckets[0] === day ? { [day]: rolls.counts(day) } : readDayDetail(dir, day, r.buckets); // a per-day segment's day is its one bucket
    if (!hours) {
      rolls.forget(day); // its hours are counted one by one below, and rolled up again with their detail
      changed = true;
      continue;
    }
    for (const b of r.buckets) {
      if (before(b) || isCut(b)) continue;
      total += matching(hours[b], filter);
      rolled.add(b);
    }
  }
  const now = clock.now();
  const verified = new Set<string>();
  for (const bucket of all) {
    if (rolled.has(bucket) || before(bucket)) continue;
    if (isCut(bucket)) {
      total += matching(countBucket(store, bucket, since, check).counts, filter);
      continue;
    }
    const stamp = store.index.dayStamp(bucket); // taken before the count: a line appended meanwhile makes it stale, never wrong
    let counts = stamp && cache.buckets[bucket]?.stamp === stamp ? cache.buckets[bucket].counts : null;
    if (!counts) {
      const fresh = countBucket(store, bucket, undefined, check);
      counts = fresh.counts;
      if (stamp && fresh.settled) {
        cache.buckets[bucket] = { stamp, counts };
        changed = true;
      } else if (cache.buckets[bucket]) {
        delete cache.buckets[bucket]; // its segments are gone
        changed = true;
      } // else live: counted each time, nothing kept (nor written)
    }
    if (cache.buckets[bucket]) verified.add(bucket);
    total += matching(counts, filter);
  }
  if (rollUp(dir, rolls, present, verified, now)) changed = true;
  if (rolls.archiveOld(dayOf(now - ARCHIVE_AFTER_MS))) changed = true;
  if (changed) {
    rolls.save(); // the archive first: a crash between leaves a day's counts in both, never in neither
    writeDerived(file, CACHE_VERSION, cache);
  }
  return total;
}

/**
 * Settled buckets checked just now and old enough go into their day's totals,
 * to be checked no more; the day's per-hour detail (read only by a --since
 * cut inside that day) is written beside the cache.
 */
function rollUp(dir: string, rolls: Rollups, present: Set<string>, verified: Set<string>, now: number): boolean {
  const cache = rolls.c;
  const grown = new Map<string, Record<string, Counts>>();
  let changed = false;
  for (const [bucket, e] of Object.entries(cache.buckets)) {
    if (present.has(bucket) && !(verified.has(bucket) && settledByAge(bucket, now))) continue;
    changed = true;
    delete cache.buckets[bucket];
    if (!present.has(bucket)) continue;
    const key = bucket.slice(0, 8);
    const counts = rolls.inline(key);
    const day = cache.days[key];
    if (!grown.has(key)) grown.set(key, (day.buckets.length ? readDayDetail(dir, key, day.buckets) : null) ?? {});
    day.buckets.push(bucket);
    add(counts, e.counts);
    grown.get(key)![bucket] = e.counts;
  }
  for (const [key, hours] of grown) {
    // a detail that does not cover the whole day (lost) is left out: a cut inside that day then rolls it up again
    const buckets = cache.days[key].buckets;
    if (buckets.length === 1 && buckets[0] === key) continue; // a per-day segment's day: its totals are its detail
    if (buckets.every((b) => b in hours)) writeDerived(detailFile(dir, key), CACHE_VERSION, { hours });
    else tryUnlink(detailFile(dir, key));
  }
  return changed;
}

const detailFile = (dir: string, day: string) => join(dir, `count-day-${day}.json`);

/** A rolled-up day's per-bucket counts, when the detail on disk is of exactly these buckets. */
function readDayDetail(dir: string, day: string, buckets: string[]): Record<string, Counts> | null {
  const d = readDerived<{ hours: Record<string, Counts> }>(detailFile(dir, day), CACHE_VERSION);
  if (!d || typeof d.hours !== 'object' || d.hours === null) return null;
  return buckets.length === Object.keys(d.hours).length && buckets.every((b) => b in d.hours) ? d.hours : null;
}

/**
 * The rolled-up days of the cache, and count-days.json: the counts of days
 * older than two days, read only when a --since window or a change reaches
 * one of them. Their sum stays in the cache (`archived`).
 */
class Rollups {
  private archive: Record<string, Counts> | null = null;
  private archiveChanged = false;

  constructor(
    private readonly dir: string,
    readonly c: CountCache,
  ) {}

  private get archiveFile(): string {
    return join(this.dir, 'count-days.json');
  }

  private loaded(): Record<string, Counts> {
    if (this.archive) return this.archive;
    this.archive = readDerived<{ days: Record<string, Counts> }>(this.archiveFile, CACHE_VERSION)?.days ?? {};
    if (Object.entries(this.c.days).some(([day, r]) => !r.counts && !this.archive![day])) {
      // lost or torn: every archived day is counted again
      for (const [day, r] of Object.entries(this.c.days)) if (!r.counts) delete this.c.days[day];
      this.c.archived = {};
      this.archive = {};
      this.archiveChanged = true;
    }
    return this.archive;
  }

  /** A rolled-up day's counts, wherever they are kept. */
  counts(day: string): Counts {
    return this.c.days[day]?.counts ?? this.loaded()[day] ?? {};
  }

  /** A day's counts kept in the cache again (to add to them); the day made if new. */
  inline(day: string): Counts {
    if (this.c.days[day] && !this.c.days[day].counts) {
      const archived = this.loaded()[day]; // a lost archive drops the day: then it is made anew below
      if (this.c.days[day]) this.c.days[day].counts = this.unarchive(day, archived);
    }
    return (this.c.days[day] ??= { buckets: [], counts: {} }).counts!;
  }

  /** Reads the archive now when a --since window reaches an archived day: a lost one is found before counting. */
  prepare(cutDay: string | undefined): void {
    if (cutDay !== undefined && Object.entries(this.c.days).some(([day, r]) => day >= cutDay && !r.counts)) this.loaded();
  }

  forget(day: string): void {
    const r = this.c.days[day];
    if (r && !r.counts) {
      const counts = this.loaded()[day];
      if (counts) this.unarchive(day, counts);
    }
    delete this.c.days[day];
    tryUnlink(detailFile(this.dir, day));
  }

  forgetAll(): void {
    for (const day of Object.keys(this.c.days)) tryUnlink(detailFile(this.dir, day));
    this.c.days = {};
    this.c.archived = {};
    this.archive = {};
    this.archiveChanged = true;
  }

  private unarchive(day: string, counts: Counts): Counts {
    add(this.c.archived, counts, -1);
    delete this.archive![day];
    this.archiveChanged = true;
    return counts;
  }

  /** Moves the counts of days before `beforeDay` out of the cache. */
  archiveOld(beforeDay: string): boolean {
    let moved = false;
    for (const [day, r] of Object.entries(this.c.days)) {
      if (day >= beforeDay || !r.counts) continue;
      this.loaded()[day] = r.counts;
      add(this.c.archived, r.counts);
      delete r.counts;
      this.archiveChanged = moved = true;
    }
    return moved;
  }

  save(): void {
    if (this.archiveChanged) writeDerived(this.archiveFile, CACHE_VERSION, { days: this.archive ?? {} });
  }
}

/**
 * Reads what every host's edits journal added since the cache last looked and
 * forgets the totals of the days it names; a journal that shrank or vanished
 * (replaced, or deleted by hand) forgets every total.
 */
function readJournals(store: JobStore, rolls: Rollups): boolean {
  const cache = rolls.c;
  const names = store.index.editsFiles();
  // nothing cached, or everything to forget (a journal gone: deleted by hand): only where the journals end now matters
  const sizesOnly = (Object.keys(cache.days).length === 0 && Object.keys(cache.buckets).length === 0) || Object.keys(cache.edits).some((n) => !names.includes(n));
  let reset = sizesOnly;
  let changed = false;
  const next: Record<string, number> = {};
  for (const name of names) {
    const got = editsSince(store.index.dir, name, sizesOnly ? null : (cache.edits[name] ?? 0));
    if (got.buckets === null) reset = true;
    for (const b of got.buckets ?? []) {
      if (!cache.days[b.slice(0, 8)] && !cache.buckets[b]) continue;
      rolls.forget(b.slice(0, 8));
      delete cache.buckets[b];
      changed = true;
    }
    next[name] = got.size;
  }
  if (reset && (Object.keys(cache.days).length || Object.keys(cache.buckets).length || Object.keys(cache.archived).length)) {
    rolls.forgetAll();
    cache.buckets = {};
    changed = true;
  }
  if (JSON.stringify(next) !== JSON.stringify(cache.edits)) changed = true;
  cache.edits = next;
  return changed;
}

function matching(counts: Counts, filter: CountFilter): number {
  let total = 0;
  for (const [tagsKey, byAgent] of Object.entries(counts)) {
    if (filter.tags?.length && !filter.tags.every((t) => (JSON.parse(tagsKey) as string[]).includes(t))) continue;
    for (const [agent, byStatus] of Object.entries(byAgent)) {
      if (filter.agent && agent !== filter.agent) continue;
      for (const [status, n] of Object.entries(byStatus)) {
        // an unreadable job.json is listed only when nothing filters (as JobStore.list does)
        if (status === 'unreadable' ? !filter.status && !filter.agent && !filter.tags?.length : !filter.status || status === filter.status) total += n;
      }
    }
  }
  return total;
}

function add(into: Counts, from: Counts, sign = 1): void {
  for (const [tagsKey, byAgent] of Object.entries(from)) {
    for (const [agent, byStatus] of Object.entries(byAgent)) {
      const to = ((into[tagsKey] ??= {})[agent] ??= {});
      for (const [status, n] of Object.entries(byStatus)) {
        to[status] = (to[status] ?? 0) + sign * n;
        if (to[status] === 0) delete to[status];
      }
    }
  }
}

function countBucket(store: JobStore, bucket: string, sinceMs: number | undefined, check: (job: Job) => Job): { counts: Counts; settled: boolean } {
  const counts: Counts = {};
  let settled = true;
  for (const e of dayEntries(store, bucket, sinceMs, check)) {
    if (e.status === 'gone') continue; // deleted, or a creation in flight
    if (!SETTLED.has(e.status)) settled = false;
    const byStatus = ((counts[tagsKey(store, e)] ??= {})[e.agent] ??= {});
    byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
  }
  return { counts, settled };
}

/** An entry's tags as a cache key: from its index line, or (a line of an older herdctl) its job.json. */
function tagsKey(store: JobStore, e: IndexEntry): string {
  let tags = e.tags;
  if (!tags) {
    const r = e.status === 'unreadable' ? null : store.tryRead(e.id);
    tags = r && 'job' in r ? r.job.tags : [];
  }
  return JSON.stringify([...tags].sort());
}
