import * as fs from 'node:fs';
import { clock } from './clock.js';
import { diag } from './diag.js';
import { ensureDir, listDir, readIfExists, tryUnlink, writeFileAtomic } from './fsx.js';
import { isJobId } from './ids.js';
import { jobText, parseJobText, type ReadResult } from './job-file.js';
import type { Job } from './job.js';
import type { Paths } from './paths.js';

/** How long a process trusts its listing of ends/ (almost always empty or absent): one readdir a second, not one per job read. */
const LISTING_MS = 1000;

/**
 * The ends of jobs whose host was lost, kept: `ends/<id>.json`, a copy of
 * the terminal job.json the survivor wrote (recovery.ts failJob).
 *
 * Why: a cut-off host's replace of job.json that was already on its way
 * when the link went down is sent again by its NFS client when the link
 * returns, and can land on the survivor's end (the runner checked the job
 * was its own before the cut; nothing it does afterwards can stop a write
 * the kernel holds). Every read of such a job compares job.json with the
 * copy and, when they differ, puts the copy back — so the end the cluster
 * agreed on is the one every reader sees, even after a late write. The copy
 * goes when the job is pruned.
 */
export class KeptEnds {
  private listing: { ids: Set<string>; takenMs: number } | null = null;

  constructor(private readonly paths: Paths) {}

  /** Keeps a lost job's end; written after its job.json, so the copy is never ahead of the log's `complete` event. */
  keep(job: Job): void {
    ensureDir(this.paths.ends);
    writeFileAtomic(this.paths.keptEnd(job.id), jobText(job));
    this.listing?.ids.add(job.id);
  }

  drop(id: string): void {
    tryUnlink(this.paths.keptEnd(id));
    this.listing?.ids.delete(id);
  }

  /** Removes the copies whose job is gone (a prune that crashed between the two). */
  sweep(): void {
    for (const name of listDir(this.paths.ends)) {
      const id = name.slice(0, -'.json'.length);
      if (name.endsWith('.json') && isJobId(id) && !fs.existsSync(this.paths.job(id))) this.drop(id);
    }
  }

  /** What a read of job.json gave, or the kept end when job.json (still there) is not that end: then job.json is put back. */
  check(id: string, read: ReadResult): ReadResult {
    if (read === null || !this.has(id)) return read;
    const text = readIfExists(this.paths.keptEnd(id));
    const kept = text === null ? null : parseJobText(this.paths.keptEnd(id), text, id);
    if (!kept || !('job' in kept)) return read; // pruned meanwhile, or torn: job.json as it is
    if ('job' in read && jobText(read.job) === text) return read;
    try {
      writeFileAtomic(this.paths.jobFile(id), text!);
      diag().log('warn', "a late write replaced a lost host's job end: the kept end is put back", { job: id });
    } catch {
      /* pruned meanwhile, or not writable here: this read still gets the kept end, the next one tries again */
    }
    return kept;
  }

  private has(id: string): boolean {
    const at = clock.mono();
    if (!this.listing || at - this.listing.takenMs > LISTING_MS) {
      const ids = new Set(listDir(this.paths.ends).flatMap((n) => (n.endsWith('.json') ? [n.slice(0, -5)] : [])));
      this.listing = { ids, takenMs: at };
    }
    return this.listing.ids.has(id);
  }
}
