import * as fs from 'node:fs';
import { join } from 'node:path';
import { isErrno } from './errors.js';
import { ensureDir, fsyncDir, io, listDir, readIfExists, tryUnlink, writeFileAtomic } from './fsx.js';
import { isJobId } from './ids.js';
import type { ExitReason, JobStatus } from './job.js';
import { Paths } from './paths.js';

/** What the receiver gets (README § Webhooks), as JSON. */
export interface WebhookPayload {
  session_id: string; // the job id (README § Webhooks: session_id = job id)
  status: JobStatus;
  summary: string | null;
  started_at: string | null;
  finished_at: string | null;
  job_id: string;
  agent: string;
  exit_reason: ExitReason | null;
}

export const DELIVERY_STATES = ['pending', 'delivered', 'dead'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/**
 * One delivery: webhooks/<state>/<job-id>.json. The body is
 * JSON.stringify(payload) and the signature was made over it at enqueue (or
 * redeliver) time, so no secret is ever stored; the retry settings are
 * snapshotted from the job's config.
 */
/** A row of `webhooks list`: a record, or why one could not be read. */
export type DeliveryRow = Delivery | { jobId: string; status: 'unreadable'; problem: string };

export interface Delivery {
  jobId: string;
  url: string;
  status: DeliveryState;
  payload: WebhookPayload;
  signature: string | null; // "sha256=<hex>", or null without webhooks.secret
  config: string | null; // the job's herdctl.yaml: redeliver re-signs with its current secret
  retryMax: number; // retries after the first attempt
  retryBaseMs: number;
  timeoutMs: number;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string | null; // null once delivered or dead
  lastAttemptAt: string | null;
  lastStatus: number | null; // HTTP status of the last attempt
  lastError: string | null; // "HTTP 500", "timeout after 10s", "ECONNREFUSED" — never a response body
  finishedAt: string | null; // delivered or dead-lettered at
}

/**
 * The webhook outbox under <home>/webhooks: pending/, delivered/, dead/ (one
 * file per job id, so counting files counts deliveries) and locks/ (one
 * proper-lockfile lock per delivery being attempted). A record only moves
 * between the directories by rename, after being rewritten in pending/, so
 * no temp file ever shows in delivered/ or dead/.
 */
export class Outbox {
  readonly dir: string;
  constructor(readonly home: string) {
    this.dir = new Paths(home).webhooks;
  }

  stateDir(state: DeliveryState): string {
    return join(this.dir, state);
  }
  file(state: DeliveryState, id: string): string {
    if (!isJobId(id)) throw new Error(`not a job id: ${JSON.stringify(id.slice(0, 60))}`);
    return join(this.stateDir(state), `${id}.json`);
  }
  lockPath(id: string): string {
    if (!isJobId(id)) throw new Error(`not a job id: ${JSON.stringify(id.slice(0, 60))}`);
    return join(this.dir, 'locks', id);
  }

  /** Job ids with a record in that state, newest first (ids sort by creation time). */
  ids(state: DeliveryState): string[] {
    return listDir(this.stateDir(state))
      .filter((n) => n.endsWith('.json') && isJobId(n.slice(0, -5)))
      .map((n) => n.slice(0, -5))
      .sort()
      .reverse();
  }

  /** The record, null when absent, or a problem when it cannot be parsed (a hand edit). */
  read(state: DeliveryState, id: string): Delivery | null | { problem: string } {
    let text: string | null;
    try {
      text = readIfExists(this.file(state, id));
    } catch (e) {
      return { problem: `cannot read ${this.file(state, id)} (${(e as NodeJS.ErrnoException).code ?? 'error'})` };
    }
    if (text === null) return null;
    try {
      const rec = JSON.parse(text) as Delivery;
      if (rec?.jobId !== id || typeof rec.url !== 'string' || typeof rec.payload !== 'object') throw new Error('not a delivery');
      return rec;
    } catch {
      return { problem: `${this.file(state, id)} is not a webhook delivery record` };
    }
  }

  /** Writes a pending record (new, or its retry state). */
  save(rec: Delivery): void {
    ensureDir(this.stateDir('pending'));
    writeFileAtomic(this.file('pending', rec.jobId), JSON.stringify(rec, null, 2) + '\n');
  }

  /** A delivered or dead record leaves pending/ by rename; a copy in the other final dir (an older run) goes. */
  settle(rec: Delivery): void {
    if (rec.status === 'pending') throw new Error('settle: record is still pending');
    this.save(rec);
    ensureDir(this.stateDir(rec.status));
    io.renameSync(this.file('pending', rec.jobId), this.file(rec.status, rec.jobId));
    fsyncDir(this.stateDir(rec.status));
    fsyncDir(this.stateDir('pending'));
    tryUnlink(this.file(rec.status === 'delivered' ? 'dead' : 'delivered', rec.jobId));
  }

  /** Back to pending (redeliver): the pending copy is durable before the final one goes. */
  requeue(rec: Delivery): void {
    this.save({ ...rec, status: 'pending' });
    tryUnlink(this.file('dead', rec.jobId));
    tryUnlink(this.file('delivered', rec.jobId));
  }

  /** Mtime of the delivery's lock directory, or null when nobody holds or left one. */
  lockMtime(id: string): number | null {
    try {
      return fs.statSync(`${this.lockPath(id)}.lock`).mtimeMs;
    } catch (e) {
      if (isErrno(e, 'ENOENT', 'ENOTDIR')) return null;
      throw e;
    }
  }
}

/** Its next attempt has come; a record a crash left mid-settle (not "pending" inside) is due too, to be settled. */
export const isDue = (r: Delivery, now: number): boolean => r.status !== 'pending' || r.nextAttemptAt === null || Date.parse(r.nextAttemptAt) <= now;

/** The readable records in pending/, read one at a time. */
export function* pendingRecords(outbox: Outbox): Generator<Delivery> {
  for (const id of outbox.ids('pending')) {
    const r = outbox.read('pending', id);
    if (r && !('problem' in r)) yield r;
  }
}

/** Pending records whose next attempt has come, soonest first. */
export function dueDeliveries(outbox: Outbox, now: number): Delivery[] {
  return [...pendingRecords(outbox)].filter((r) => isDue(r, now)).sort((a, b) => (a.nextAttemptAt ?? '').localeCompare(b.nextAttemptAt ?? ''));
}
