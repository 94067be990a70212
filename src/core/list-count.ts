import { BucketCache } from './bucket-cache.js';
import { dayEntries, dayOf } from './entries.js';
import type { IndexEntry } from './index-log.js';
import type { Job } from './job.js';
import type { JobStore } from './store.js';

/**
 * How many jobs a `jobs list` filter matches in all, for the footer of a cut
 * list ("… 99,980 more"). Each index bucket is counted per agent and status;
 * a settled one (every job in it ended) is counted once and kept in
 * index/count-cache.json, so a list at a million jobs reads the cache and
 * stats the segments (~2,000 hours), not a million lines. The window's first
 * day (cut at --since) and buckets with live jobs are counted each time.
 * Counts are kept per set of tags too, so a --tag list is counted alike (a
 * line of an older herdctl has no tags: its job.json is read once).
 */
export interface CountFilter {
  status?: string;
  agent?: string;
  sinceMs?: number;
  tags?: string[];
}

type Counts = Record<string, Record<string, Record<string, number>>>; // tags (JSON, sorted) → agent → status → jobs
const CACHE_VERSION = 2;
const SETTLED = new Set(['completed', 'failed', 'cancelled']);

export function countMatching(store: JobStore, filter: CountFilter, check: (job: Job) => Job): number {
  store.refreshIndex();
  const sinceDay = filter.sinceMs !== undefined ? dayOf(filter.sinceMs) : undefined;
  const cache = new BucketCache<Counts>(store.index.dir, 'count-cache', CACHE_VERSION);
  const buckets = store.index.days(sinceDay);
  let total = 0;
  for (const bucket of buckets) {
    const partial = bucket.slice(0, 8) === sinceDay; // cut at the --since instant: never cached
    const stamp = partial ? null : store.index.dayStamp(bucket);
    let counts = stamp ? cache.get(bucket, stamp) : null;
    if (!counts) {
      const fresh = countBucket(store, bucket, partial ? filter.sinceMs : undefined, check);
      counts = fresh.counts;
      if (stamp && fresh.settled) cache.set(bucket, stamp, counts);
    }
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
  }
  cache.save(store.index.days());
  return total;
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
