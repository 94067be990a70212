import { createHmac } from 'node:crypto';
import { loadConfig, type WebhooksConfig } from './config.js';
import { diag as processDiag, type Diag } from './diag.js';
import { formatDuration } from './duration.js';
import { HerdError } from './errors.js';
import { isTerminal, type Job } from './job.js';
import { tryLockSync } from './lock.js';
import { kickDeliveries } from './webhook-kick.js';
import { Paths } from './paths.js';
import { dueDeliveries, Outbox, type Delivery, type WebhookPayload } from './webhook-outbox.js';
import { clock } from './clock.js';
import { isHttpUrl } from './url.js';

/**
 * Webhook delivery, at least once: a terminal job with a webhookUrl gets a
 * record in the outbox (webhook-outbox.ts) before anything is sent; the
 * runner at the end of a job tries at once, and whoever leaves a delivery
 * pending makes sure the detached delivery worker (webhook-worker.ts) is
 * alive to send the retries. One attempt per delivery at a time (a
 * per-delivery lock); the outcome is recorded: 2xx delivered;
 * 4xx but 408/429 dead at once; anything else retried with exponential
 * backoff and jitter until retryMax retries are spent, then dead.
 */

export interface DeliverOptions {
  diag?: Diag;
}

export type DeliveryOutcome = 'delivered' | 'retrying' | 'dead' | 'skipped';
export type DeliveryReport = Record<DeliveryOutcome, number>;

/** At most this many POSTs in flight from one process, so one slow receiver does not hold up the rest. */
const PARALLEL = 8;
/** The backoff doubles up to this, whatever retry_max says. */
const MAX_DELAY_MS = 3_600_000;
const JITTER = 0.2;

export const payloadOf = (job: Job): WebhookPayload => ({
  session_id: job.id,
  status: job.status,
  summary: job.summary,
  started_at: job.startedAt,
  finished_at: job.completedAt,
  job_id: job.id,
  agent: job.agent,
  exit_reason: job.exitReason,
});

export const sign = (secret: string, body: string): string => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

/** The webhook settings of the config a job was submitted with; the defaults when it is gone or went bad. */
function settingsFrom(configPath: string | null, home: string, diag: Diag): WebhooksConfig {
  if (configPath) {
    try {
      return loadConfig(configPath, new Paths(home).cache).webhooks;
    } catch {
      diag.log('warn', 'webhook settings: config unreadable, using defaults (unsigned)');
    }
  }
  return loadConfig(null).webhooks;
}

function withSettings(rec: Delivery, s: WebhooksConfig): Delivery {
  const body = JSON.stringify(rec.payload);
  return { ...rec, signature: s.secret ? sign(s.secret, body) : null, retryMax: s.retryMax, retryBaseMs: s.retryBaseMs, timeoutMs: s.timeoutMs };
}

/**
 * Records the delivery of a terminal job's status, durably (fsynced), before
 * any attempt. Called by finishJob before the job's `complete` event, so a
 * crash anywhere after it still gets the status out; a recovery that ends the
 * job differently replaces the record. Never throws: ending the job matters more.
 */
export function enqueueWebhook(home: string, job: Job, diag: Diag = processDiag()): Delivery | null {
  if (!job.webhookUrl || !isTerminal(job.status)) return null;
  try {
    const now = clock.iso();
    const rec = withSettings(
      {
        jobId: job.id,
        url: job.webhookUrl,
        status: 'pending',
        payload: payloadOf(job),
        signature: null,
        config: job.config,
        retryMax: 0,
        retryBaseMs: 0,
        timeoutMs: 0,
        attempts: 0,
        createdAt: now,
        nextAttemptAt: now,
        lastAttemptAt: null,
        lastStatus: null,
        lastError: null,
        finishedAt: null,
      },
      settingsFrom(job.config, home, diag),
    );
    new Outbox(home).save(rec);
    diag.log('info', 'webhook enqueued', { job: job.id, status: job.status });
    return rec;
  } catch (e) {
    // the job must not end without its delivery record: the caller's end fails and is retried
    diag.log('error', 'webhook not enqueued', { job: job.id, error: (e as NodeJS.ErrnoException).code ?? 'error' });
    throw e;
  }
}

/** Delivers every due delivery not claimed by someone else; for the runner, the scheduler and the detached worker. */
export async function deliverDue(home: string, opts: DeliverOptions = {}): Promise<DeliveryReport> {
  const outbox = new Outbox(home);
  const due = dueDeliveries(outbox, clock.now());
  const report: DeliveryReport = { delivered: 0, retrying: 0, dead: 0, skipped: 0 };
  let next = 0;
  const worker = async () => {
    while (next < due.length) {
      const id = due[next++].jobId;
      try {
        report[await deliverOne(outbox, id, opts)]++;
      } catch (e) {
        // a file error on one delivery (ENOSPC, EACCES …) must not stop the others
        (opts.diag ?? processDiag()).log('error', 'webhook delivery failed', { job: id, error: (e as NodeJS.ErrnoException).code ?? 'error' });
        report.skipped++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL, due.length) }, worker));
  return report;
}

/** One attempt at one delivery if it is (still) due and nobody else is at it. */
async function deliverOne(outbox: Outbox, id: string, opts: DeliverOptions): Promise<DeliveryOutcome> {
  const claim = claimDelivery(outbox, id);
  if (!claim) return 'skipped';
  try {
    // re-read under the lock: another deliverer may have finished it since we listed it
    const rec = outbox.read('pending', id);
    if (!rec || 'problem' in rec) return 'skipped';
    if (rec.status !== 'pending') {
      outbox.settle(rec); // a crash came between rewriting it and moving it
      return 'skipped';
    }
    if (rec.nextAttemptAt && Date.parse(rec.nextAttemptAt) > clock.now()) return 'skipped';
    const done = await attempt(outbox, rec, opts, claim.lost);
    return done.status === 'pending' ? 'retrying' : done.status;
  } finally {
    claim.release();
  }
}

function claimDelivery(outbox: Outbox, id: string): { release: () => void; lost: () => boolean } | null {
  let lost = false;
  const release = tryLockSync(outbox.home, outbox.lockPath(id), () => (lost = true));
  return release && { release: () => (lost ? undefined : release()), lost: () => lost };
}

/**
 * `webhooks redeliver`: the delivery (from dead/, delivered/ or pending/)
 * goes back to pending with its attempts reset and re-signed with the
 * config's current secret, then is tried at once.
 */
export async function redeliver(home: string, id: string, opts: DeliverOptions = {}): Promise<Delivery> {
  const outbox = new Outbox(home);
  const claim = claimDelivery(outbox, id);
  if (!claim) throw new HerdError('conflict', `a delivery attempt for ${id} is in progress`, `herdctl webhooks list  (then try again)`);
  try {
    const found = (['pending', 'dead', 'delivered'] as const).map((s) => outbox.read(s, id)).find((r) => r !== null);
    if (!found) throw new HerdError('not_found', `no webhook delivery for ${id}`, 'herdctl webhooks list');
    if ('problem' in found) throw new HerdError('corrupt', found.problem, `inspect it with: cat ${outbox.file('pending', id)}`);
    const now = clock.iso();
    const diag = opts.diag ?? processDiag();
    const fresh = withSettings({ ...found, status: 'pending', attempts: 0, nextAttemptAt: now, lastError: null, lastStatus: null, finishedAt: null }, settingsFrom(found.config, home, diag));
    outbox.requeue(fresh);
    diag.log('info', 'webhook requeued', { job: id, was: found.status });
    return await attempt(outbox, fresh, opts, claim.lost);
  } finally {
    claim.release();
    kickDeliveries(home); // a failed attempt left it pending: its retries go out from the worker
  }
}

interface Result {
  ok: boolean;
  permanent: boolean;
  httpStatus: number | null;
  error: string | null;
}

/** Sends once and records the outcome (unless the lock was lost meanwhile: the new holder owns the record then). */
async function attempt(outbox: Outbox, rec: Delivery, opts: DeliverOptions, lost: () => boolean): Promise<Delivery> {
  const diag = opts.diag ?? processDiag();
  const n = rec.attempts + 1;
  const r = await post(rec, n);
  const at = clock.now();
  const next: Delivery = { ...rec, attempts: n, lastAttemptAt: clock.isoAt(at), lastStatus: r.httpStatus, lastError: r.error };
  const fields = { job: rec.jobId, attempt: n, http: r.httpStatus, error: r.httpStatus === null ? r.error : undefined };
  if (r.ok || r.permanent || n > rec.retryMax) {
    Object.assign(next, { status: r.ok ? 'delivered' : 'dead', nextAttemptAt: null, finishedAt: next.lastAttemptAt });
    diag.log(r.ok ? 'info' : 'warn', r.ok ? 'webhook delivered' : 'webhook dead-lettered', r.ok ? fields : { ...fields, permanent: r.permanent });
  } else {
    const delay = backoff(rec.retryBaseMs, n);
    next.nextAttemptAt = clock.isoAt(at + delay);
    diag.log('info', 'webhook attempt failed, will retry', { ...fields, retryInMs: delay });
  }
  if (lost()) {
    diag.log('warn', 'webhook claim lost during the attempt; outcome left to the new holder', { job: rec.jobId });
    return next;
  }
  if (next.status === 'pending') outbox.save(next);
  else outbox.settle(next);
  return next;
}

/** retry_base × 2^(n−1) after the n-th failed attempt, ±20 % so a fleet of deliveries does not retry in step. */
export function backoff(baseMs: number, n: number, rnd: number = Math.random()): number {
  const d = Math.min(baseMs * 2 ** (n - 1), MAX_DELAY_MS);
  return Math.round(d * (1 - JITTER + 2 * JITTER * rnd));
}

async function post(rec: Delivery, n: number): Promise<Result> {
  if (!isHttpUrl(rec.url)) {
    return { ok: false, permanent: true, httpStatus: null, error: 'not an http(s) URL' };
  }
  const headers: Record<string, string> = {
    'content-type': 'application/json',
    'user-agent': 'herdctl',
    'x-herdctl-delivery': rec.jobId, // lets a receiver drop a repeat (at least once means a repeat can happen)
    'x-herdctl-attempt': String(n),
  };
  if (rec.signature) headers['x-herdctl-signature'] = rec.signature;
  try {
    const res = await fetch(rec.url, {
      method: 'POST',
      headers,
      body: JSON.stringify(rec.payload),
      redirect: 'manual', // a followed 301/302 would turn the POST into a GET
      signal: AbortSignal.timeout(rec.timeoutMs),
    });
    await res.body?.cancel().catch(() => {});
    const s = res.status;
    if (s >= 200 && s < 300) return { ok: true, permanent: false, httpStatus: s, error: null };
    return { ok: false, permanent: s >= 400 && s < 500 && s !== 408 && s !== 429, httpStatus: s, error: `HTTP ${s}` };
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    const why = err.name === 'TimeoutError' ? `timeout after ${formatDuration(rec.timeoutMs)}` : (err.cause?.code ?? err.name);
    return { ok: false, permanent: false, httpStatus: null, error: why };
  }
}
