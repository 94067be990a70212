import { BucketCache } from './bucket-cache.js';
import { dayEntries, dayOf } from './entries.js';
import type { Job } from './job.js';
import type { JobStore } from './store.js';

/**
 * How many jobs a `jobs list` filter matches in all, for the footer of a cut
 * list ("… 99,980 more"). Each index bucket is counted per agent and status;
 * a settled one (every job in it ended) is counted once and kept in
 * index/count-cache.json, so a list at a million jobs reads the cache and
 * stats the segments (~2,000 hours), not a million lines. The window's first
 * day (cut at --since) and buckets with live jobs are counted each time.
 * Tags are not in the index: a --tag list has no count (null).
 */
export interface CountFilter {
  status?: string;
  agent?: string;
  sinceMs?: number;
  tags?: string[];
}

type Counts = Record<string, Record<string, number>>; // agent → status → jobs
const CACHE_VERSION = 1;
const SETTLED = new Set(['completed', 'failed', 'cancelled']);

export function countMatching(store: JobStore, filter: CountFilter, check: (job: Job) => Job): number | null {
  if (filter.tags?.length) return null;
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
    for (const [agent, byStatus] of Object.entries(counts)) {
      if (filter.agent && agent !== filter.agent) continue;
      for (const [status, n] of Object.entries(byStatus)) {
        // an unreadable job.json is listed only when nothing filters (as JobStore.list does)
        if (status === 'unreadable' ? !filter.status && !filter.agent : !filter.status || status === filter.status) total += n;
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
    const byStatus = (counts[e.agent] ??= {});
    byStatus[e.status] = (byStatus[e.status] ?? 0) + 1;
  }
  return { counts, settled };
}
