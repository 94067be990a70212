import * as fs from 'node:fs';
import { join } from 'node:path';
import { createExclusive, ensureDir, fileClockNow, io, listDir, renameIfThere, tryUnlink } from './fsx.js';
import type { Job } from './job.js';
import type { Paths } from './paths.js';
import { asHolder, me, type Holder } from './holder.js';

/** What active/<id> says: who claimed the job, and for what (an empty file: a claim made before claims were named). */
export interface Claim extends Holder {
  by: 'runner' | 'cancel';
}

/**
 * Pending jobs, one empty marker file each: queue/<agent>/<prio>-<ms>-<id>
 * (1000 - priority, creation time in ms), so a plain sort gives "priority,
 * then age". Whoever creates active/<id> (O_EXCL) owns the job's next
 * transition: a runner of any host (then running) or cancel (then
 * cancelled); the file names the claimant (holder.ts), so a claim of a host
 * that died can be judged. Exclusive create, not rename: two NFS clients
 * renaming one file can both be told they won (nfs-ganesha before 5.3.1).
 * The winner then removes the queue marker. `.new-` markers are creations
 * not yet durable.
 */
export const PRIORITY_MIN = -999;
export const PRIORITY_MAX = 999;

export interface Marker {
  name: string;
  id: string;
}

const MARKER_RE = /^(\d{4})-(\d{14})-(job-\d{8}-\d{6}-[0-9a-z]{8})$/;

export class Queue {
  constructor(private readonly paths: Paths) {}

  private key(job: Job): string {
    const p = Math.max(PRIORITY_MIN, Math.min(PRIORITY_MAX, Math.trunc(job.priority || 0)));
    const ms = Date.parse(job.createdAt) || 0;
    return `${String(1000 - p).padStart(4, '0')}-${String(ms).padStart(14, '0')}-${job.id}`;
  }

  /** Step 1 of a creation: an intent marker, before the job directory exists. */
  intend(job: Job): string {
    const dir = this.paths.agentQueue(job.agent);
    ensureDir(dir);
    const path = join(dir, `.new-${this.key(job)}`);
    createExclusive(path);
    return path;
  }

  /** Step 2: job.json is durable; the job may now be claimed. */
  publish(intent: string): void {
    const name = intent.slice(intent.lastIndexOf('/') + 1).replace(/^\.new-/, '');
    io.renameSync(intent, join(intent.slice(0, intent.lastIndexOf('/')), name));
  }

  /** Claimable markers of one agent, best first. */
  pending(agent: string): Marker[] {
    const out: Marker[] = [];
    for (const name of listDir(this.paths.agentQueue(agent))) {
      const m = MARKER_RE.exec(name);
      if (m) out.push({ name, id: m[3] });
    }
    return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Agents that have a queue directory (possibly empty). */
  agents(): string[] {
    return listDir(this.paths.queue);
  }

  /** Claims the job for this runner (active/<id>, exclusive), then drops its queue marker; false when someone else claimed it first. */
  claim(agent: string, m: Marker): boolean {
    if (!this.takeClaim(m.id, 'runner')) return false;
    tryUnlink(join(this.paths.agentQueue(agent), m.name));
    return true;
  }

  /** Takes a pending job out of the queue for cancelling; returns the path to remove once it is cancelled, or null when it is no longer queued. */
  withdraw(agent: string, id: string): string | null {
    const m = this.pending(agent).find((x) => x.id === id);
    if (!m || !this.takeClaim(id, 'cancel')) return null;
    const to = join(this.paths.agentQueue(agent), `.cancel-${m.name}`);
    if (renameIfThere(join(this.paths.agentQueue(agent), m.name), to)) return to;
    tryUnlink(this.paths.activeMarker(id));
    return null;
  }

  /** Who claimed a job (null: no claim, or an unnamed one). */
  claimOf(id: string): Claim | null {
    try {
      const c = asHolder(JSON.parse(fs.readFileSync(this.paths.activeMarker(id), 'utf8')));
      return c as Claim | null;
    } catch {
      return null;
    }
  }

  /** Puts a claimed-but-never-started job back (its claimant died between claim and start): the marker first, then the claim. */
  requeue(job: Job): void {
    const dir = this.paths.agentQueue(job.agent);
    ensureDir(dir);
    createExclusive(join(dir, this.key(job))); // already there: a requeue that died after this step
    tryUnlink(this.paths.activeMarker(job.id));
  }

  private takeClaim(id: string, by: Claim['by']): boolean {
    ensureDir(this.paths.active);
    const claim: Claim = { ...me(), by };
    return createExclusive(this.paths.activeMarker(id), JSON.stringify(claim) + '\n');
  }

  /** Leftovers of crashed creators/cancellers in one agent's queue, aged by the file clock (another host's marker is as young as it is). */
  leftovers(agent: string): { path: string; id: string; kind: 'new' | 'cancel'; ageMs: number }[] {
    const dir = this.paths.agentQueue(agent);
    const out: { path: string; id: string; kind: 'new' | 'cancel'; ageMs: number }[] = [];
    let now: number | undefined;
    for (const name of listDir(dir)) {
      const m = /^\.(new|cancel)-\d{4}-\d{14}-(job-\d{8}-\d{6}-[0-9a-z]{8})$/.exec(name);
      if (!m) continue;
      try {
        now ??= fileClockNow(dir);
        out.push({ path: join(dir, name), id: m[2], kind: m[1] as 'new' | 'cancel', ageMs: now - fs.statSync(join(dir, name)).mtimeMs });
      } catch {
        /* gone meanwhile */
      }
    }
    return out;
  }

  drop(path: string): void {
    tryUnlink(path);
  }
}
