import * as fs from 'node:fs';
import type { Diag } from './diag.js';
import { tryLockSync } from './lock.js';
import { hasPending, workerLockPath } from './webhook-kick.js';
import { Outbox, pendingRecords } from './webhook-outbox.js';
import { deliverDue, type DeliveryReport } from './webhooks.js';
import { clock } from './clock.js';

export interface WorkerOptions {
  diag: Diag;
  now?: () => number;
  /** The longest nap between looks at pending/ when no fs event wakes us (a lost watch event, an NFS peer's write). */
  maxNapMs?: number;
}

const MIN_NAP_MS = 100;

export type WorkerResult = { ran: false } | { ran: true; report: DeliveryReport };

/**
 * The detached delivery worker: one per state dir (a lock), it sends what
 * is due, naps until the next attempt is due (woken early by a new record
 * in pending/), and exits once nothing is pending. Before exiting it
 * releases the lock and looks once more, so a record written by someone who
 * saw the lock still held is not stranded.
 */
export async function runDeliveryWorker(home: string, opts: WorkerOptions): Promise<WorkerResult> {
  const lock = workerLockPath(home);
  let release = tryLockSync(home, lock, () => opts.diag.log('warn', 'webhook worker lock compromised'));
  if (!release) return { ran: false };
  const now = opts.now ?? clock.now;
  const outbox = new Outbox(home);
  const total: DeliveryReport = { delivered: 0, retrying: 0, dead: 0, skipped: 0 };
  const wake = new Nap();
  let watcher: fs.FSWatcher | null = null;
  try {
    watcher = fs.watch(outbox.stateDir('pending'), () => wake.now()).on('error', () => {});
  } catch {
    /* no pending/ yet, or no watch: the nap's cap covers it */
  }
  try {
    for (;;) {
      const r = await deliverDue(home, { diag: opts.diag });
      for (const k of Object.keys(total) as (keyof DeliveryReport)[]) total[k] += r[k];
      const next = nextAttempt(outbox);
      if (next === null) {
        release();
        release = null;
        // a record saved after our look, by someone who saw us holding the lock, is ours to send
        if (!hasPending(home) || !(release = tryLockSync(home, lock))) break;
        continue;
      }
      // at least a moment: a due record someone else is attempting right now must not make us spin
      await wake.sleep(Math.max(MIN_NAP_MS, Math.min(next - now(), opts.maxNapMs ?? 30_000)));
    }
  } finally {
    watcher?.close();
    release?.();
  }
  return { ran: true, report: total };
}

/** When the soonest pending delivery is due (ms), or null when none is pending (or the state dir is gone). */
function nextAttempt(outbox: Outbox): number | null {
  let soonest: number | null = null;
  try {
    for (const r of pendingRecords(outbox)) {
      const t = r.status !== 'pending' || r.nextAttemptAt === null ? 0 : Date.parse(r.nextAttemptAt);
      const at = Number.isNaN(t) ? 0 : t;
      if (soonest === null || at < soonest) soonest = at;
    }
  } catch {
    return null; // the state dir went away (deleted): nothing left to deliver
  }
  return soonest;
}

/** A sleep that an fs event can cut short. */
class Nap {
  private wakeUp: (() => void) | null = null;
  now(): void {
    this.wakeUp?.();
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(t);
        this.wakeUp = null;
        resolve();
      };
      const t = setTimeout(done, ms);
      this.wakeUp = done;
    });
  }
}
