import { join } from 'node:path';
import { readIfExists, writeFileAtomic } from './fsx.js';

/**
 * index/<name>.json: what was derived from settled index buckets (hours or
 * days whose jobs have all ended), keyed by their segments' size and mtime
 * (`JobIndex.dayStamp`) — any append (a job ending, a `gone` line, a job
 * copied in) changes them, so a stale entry is never used. Derived: delete
 * it and the next reader rebuilds it. Written without fsync: a torn file
 * after a crash only means a miss. `jobs stats` keeps its per-agent sums
 * here, `jobs list` its counts.
 */
export class BucketCache<T> {
  private buckets: Record<string, { stamp: string; value: T }> = {};
  private changed = false;

  constructor(
    private readonly dir: string,
    private readonly name: string,
    private readonly version: number,
  ) {
    const c = readDerived<{ buckets: unknown }>(this.file, version);
    if (c && typeof c.buckets === 'object' && c.buckets !== null) this.buckets = c.buckets as typeof this.buckets;
  }

  private get file(): string {
    return join(this.dir, `${this.name}.json`);
  }

  get(bucket: string, stamp: string): T | null {
    const c = this.buckets[bucket];
    return c && c.stamp === stamp ? c.value : null;
  }

  set(bucket: string, stamp: string, value: T): void {
    this.buckets[bucket] = { stamp, value };
    this.changed = true;
  }

  /** Writes the cache if it changed, dropping buckets whose segments are gone. */
  save(existing: string[]): void {
    const keep = new Set(existing);
    for (const bucket of Object.keys(this.buckets)) {
      if (keep.has(bucket)) continue;
      delete this.buckets[bucket];
      this.changed = true;
    }
    if (this.changed) writeDerived(this.file, this.version, { buckets: this.buckets });
  }
}

/** A derived file of index/ at `version`, or null (missing, torn, or another version's: rebuilt by the caller). */
export function readDerived<T extends object>(file: string, version: number): T | null {
  try {
    const c = JSON.parse(readIfExists(file) ?? 'null');
    return c && typeof c === 'object' && c.v === version ? (c as T) : null;
  } catch {
    return null;
  }
}

/** Writes a derived file without fsync: a torn one after a crash only means a miss. */
export function writeDerived(file: string, version: number, body: object): void {
  try {
    writeFileAtomic(file, JSON.stringify({ v: version, ...body }), { durable: false });
  } catch {
    /* a cache that cannot be written is only slower next time */
  }
}
