import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { clock, systemClock, WORKER_CLOCK_SOURCE } from './clock.js';
import { ensureDir, listDir, tryUnlink, writeFileAtomic } from './fsx.js';
import { liveness } from './liveness.js';
import { HOST_ID_RE, hostId } from './host-id.js';

/**
 * Leases: how a long-lived herdctl process (an agent's runner, the scheduler)
 * proves to other hosts that it lives. It rewrites its lease file,
 * hosts/<host id>/<pid>-<nonce>.lease, in place every `ttl/15` with a counter
 * that goes up by one each time. Another host calls it dead only once the
 * file's content has not changed for `ttl`, timed on the observer's own
 * monotonic clock: no host's wall clock is ever compared with another's, so
 * skewed clocks cannot make a live holder look dead. In place, not replaced:
 * a reader's open() revalidates the one inode (NFS close-to-open), where a
 * replaced file's name can stay cached on the old one.
 *
 * The holder's side of the bargain: when it has not renewed for `ttl/2`
 * (its disk or network hung, the process was stopped), it is fenced: it must
 * stop its agents and write nothing more, because from `ttl` on another host
 * may take over what it held.
 */

/** The lease time T: $HERDCTL_LEASE_MS (at least 2 s), else 30 s. Every host of one state dir must use the same. */
export function leaseTtlMs(env: NodeJS.ProcessEnv = process.env): number {
  const v = Number(env.HERDCTL_LEASE_MS);
  return Number.isFinite(v) && v >= 2000 ? Math.round(v) : 30_000;
}

/** `<host id>/<pid>-<8 hex>`: a lease's name, relative to hosts/. */
const LEASE_ID_RE = /^([a-z0-9][a-z0-9-]{7,63})\/(\d{1,10}-[0-9a-f]{8})$/;

export const isLeaseId = (v: unknown): v is string => typeof v === 'string' && LEASE_ID_RE.test(v);

export const hostsDir = (home: string): string => join(home, 'hosts');

/** The file of a checked lease id. */
export function leaseFile(home: string, id: string): string {
  const m = LEASE_ID_RE.exec(id);
  if (!m || !HOST_ID_RE.test(m[1])) throw new Error(`not a lease id: ${JSON.stringify(id.slice(0, 80))}`);
  return join(hostsDir(home), m[1], `${m[2]}.lease`);
}

/** What a lease file holds; `wall` is the holder's clock, for people only. */
export interface LeaseRecord {
  hostId: string;
  host: string;
  pid: number;
  role: string;
  counter: number;
  wall: string;
  ttlMs: number;
}

export interface LeaseOptions {
  ttlMs?: number;
  /** Called once, when the lease could not be renewed for ttl/2: the holder must stop its agents and write nothing more. */
  onFence?: (why: string) => void;
  /** Renew from the main thread, on `clock`'s monotonic time (tests that move it); by default a worker thread renews on the system's. */
  inProcess?: boolean;
}

let held: Lease | null = null;

/** The lease this process holds, if any (locks and jobs it takes are named with it). */
export const currentLease = (): Lease | null => held;

/** How many agent process groups one lease can guard (a runner's agents; far above any max_concurrent in use). */
const GUARD_SLOTS = 4096;

/** What the renewal loop is given (all it uses: its source is sent to a worker thread). */
interface RenewArgs {
  file: string;
  everyMs: number;
  ttlMs: number;
  record: Omit<LeaseRecord, 'counter' | 'wall'>;
  /** [0]: monotonic ms of the last renewal; [1]: 0 running, 1 stopped itself (fenced), 2 asked to stop. */
  state: BigInt64Array;
  /** Process groups to SIGKILL when the loop fences (0: a free slot). */
  guarded: Int32Array;
  fs: typeof fs;
  kill: (pid: number, signal: NodeJS.Signals) => void;
  now: () => number;
  wall: () => string;
  setInterval: typeof setInterval;
  clearInterval: typeof clearInterval;
}

/**
 * Rewrites the lease every `everyMs` with the next counter, with calls that
 * do not block the loop: a renewal stuck on a hung mount (a cut link) leaves
 * the loop free to see the time pass. Once ttl/2 has passed since the last
 * renewal, or a renewal ends later than that, the loop stops, marks the lease
 * fenced and SIGKILLs the guarded process groups itself: the holder's main
 * thread may be stuck in a synchronous call on the same mount, and from ttl
 * on another host may end those agents' jobs. Runs in a worker thread by
 * default, so a main thread busy with slow synchronous file calls (an NFS
 * mount under load) does not miss renewals either.
 */
function renewLoop(w: RenewArgs): void {
  let counter = 1;
  let writing = false;
  const last = () => Number(Atomics.load(w.state, 0));
  const fence = () => {
    w.clearInterval(timer);
    if (Atomics.compareExchange(w.state, 1, 0n, 1n) !== 0n) return; // stopped meanwhile: the holder does its own
    for (let i = 0; i < w.guarded.length; i++) {
      const pgid = Atomics.load(w.guarded, i);
      try {
        if (pgid > 0) w.kill(-pgid, 'SIGKILL');
      } catch {
        /* gone already */
      }
    }
  };
  const renew = (done: (e: Error | null) => void) => {
    const text = Buffer.from(JSON.stringify({ ...w.record, counter: ++counter, wall: w.wall() }) + '\n');
    w.fs.open(w.file, w.fs.constants.O_WRONLY, (e, fd) => {
      // no O_CREAT: a lease removed at stop stays removed
      if (e) return done(e);
      const close = (e1: Error | null) => w.fs.close(fd, (e2) => done(e1 ?? e2 ?? null)); // on NFS, close sends the data: the renewal is visible once it returns
      w.fs.write(fd, text, 0, text.length, 0, (e1) => (e1 ? close(e1) : w.fs.ftruncate(fd, text.length, close)));
    });
  };
  const timer = w.setInterval(() => {
    if (Atomics.load(w.state, 1) !== 0n) return w.clearInterval(timer);
    if (w.now() - last() > w.ttlMs / 2) return fence();
    if (writing) return; // the last renewal has not come back (a hung mount): the line above fences in time
    writing = true;
    renew((e) => {
      writing = false;
      if (e || Atomics.load(w.state, 1) !== 0n) return; // not renewed: the next try, or the fence once ttl/2 has passed
      const done = w.now();
      if (done - last() > w.ttlMs / 2) return fence();
      Atomics.store(w.state, 0, BigInt(Math.round(done)));
    });
  }, w.everyMs);
}

export class Lease {
  readonly id: string;
  readonly ttlMs: number;
  private readonly file: string;
  private readonly state = new BigInt64Array(new SharedArrayBuffer(16));
  private readonly guarded = new Int32Array(new SharedArrayBuffer(GUARD_SLOTS * 4));
  private readonly mono: () => number;
  private worker: Worker | null = null;
  private fencedBecause: string | null = null;

  private constructor(
    home: string,
    private readonly opts: LeaseOptions,
  ) {
    this.ttlMs = opts.ttlMs ?? leaseTtlMs();
    this.id = `${hostId()}/${process.pid}-${randomBytes(4).toString('hex')}`;
    this.file = leaseFile(home, this.id);
    this.mono = opts.inProcess ? clock.mono : systemClock.mono!;
  }

  /** Writes the first record and renews it until `stop()`; this process's current lease from now on. */
  static take(home: string, role: string, opts: LeaseOptions = {}): Lease {
    const lease = new Lease(home, opts);
    ensureDir(join(hostsDir(home), hostId()));
    const record = { hostId: hostId(), host: hostname(), pid: process.pid, role, ttlMs: lease.ttlMs };
    writeFileAtomic(lease.file, JSON.stringify({ ...record, counter: 1, wall: clock.iso() }) + '\n', { durable: false });
    Atomics.store(lease.state, 0, BigInt(Math.round(lease.mono())));
    sweepOwnLeases(home, lease.id);
    const args = { file: lease.file, everyMs: Math.max(100, Math.floor(lease.ttlMs / 15)), ttlMs: lease.ttlMs, record, state: lease.state, guarded: lease.guarded };
    if (opts.inProcess) renewLoop({ ...args, fs, kill: process.kill, now: lease.mono, wall: clock.iso, setInterval, clearInterval });
    else {
      // __name: the helper tsx's esbuild (keepNames) wraps renewLoop's inner functions in, under the test runner
      const boot = `const __name = (f) => f; const fs = require('node:fs'); const w = require('node:worker_threads').workerData; const c = ${WORKER_CLOCK_SOURCE};
        (${renewLoop.toString()})({ ...w, fs, kill: process.kill, now: c.mono, wall: c.iso, setInterval, clearInterval });`;
      lease.worker = new Worker(boot, { eval: true, workerData: args });
      lease.worker.unref();
    }
    held = lease;
    return lease;
  }

  /** Renewed within ttl/2 and not fenced: what it holds is still its own. Writers check this before every write that others could also make. */
  healthy(): boolean {
    if (this.fencedBecause) return false;
    if (Atomics.load(this.state, 1) === 1n) this.fence(`its lease could not be renewed within half of ${this.ttlMs / 1000} s (its agents were killed then)`);
    else {
      const gap = this.mono() - Number(Atomics.load(this.state, 0));
      if (gap <= this.ttlMs / 2) return true;
      this.fence(`its lease was not renewed for ${Math.round(gap / 1000)} s (more than half of ${this.ttlMs / 1000} s)`);
    }
    return false;
  }

  /**
   * An agent's process group, SIGKILLed by the renewal loop itself if it
   * fences: that works while this thread is stuck. Unguard it as soon as the
   * agent has exited, before its pid can be reused.
   */
  guard(pgid: number): void {
    for (let i = 0; i < this.guarded.length; i++) if (Atomics.compareExchange(this.guarded, i, 0, pgid) === 0) return;
  }

  unguard(pgid: number): void {
    for (let i = 0; i < this.guarded.length; i++) if (Atomics.compareExchange(this.guarded, i, pgid, 0) === pgid) return;
  }

  /** Ends the lease: nothing it held may be judged by it any more (its holders released first). */
  stop(): void {
    Atomics.store(this.state, 1, 2n);
    void this.worker?.terminate();
    this.worker = null;
    if (held === this) held = null;
    if (!this.fencedBecause) tryUnlink(this.file);
  }

  private fence(why: string): void {
    if (this.fencedBecause) return;
    this.fencedBecause = why;
    Atomics.store(this.state, 1, 2n); // renewals stop: the lease must expire for the others
    this.opts.onFence?.(why);
  }
}

/** A lease file's content, or null when it is missing or unreadable. */
export function readLeaseRaw(home: string, id: string): string | null {
  try {
    return fs.readFileSync(leaseFile(home, id), 'utf8');
  } catch {
    return null;
  }
}

export function parseLease(raw: string | null): LeaseRecord | null {
  if (!raw) return null;
  try {
    const r = JSON.parse(raw) as LeaseRecord;
    return typeof r.counter === 'number' && typeof r.pid === 'number' ? r : null;
  } catch {
    return null;
  }
}

/**
 * The observer's side: remembers each lease's content and since when (on
 * this process's monotonic clock) it has been unchanged. A lease is expired
 * once it has stayed the same, or missing, for its ttl. A process that looks
 * once never calls a lease expired: only a watcher that lives through ttl does.
 */
export class LeaseWatch {
  private readonly seen = new Map<string, { raw: string | null; since: number; changed: boolean }>();

  constructor(
    private readonly home: string,
    private readonly ttlMs = leaseTtlMs(),
  ) {}

  expired(id: string): boolean {
    return this.unchangedForMs(id) >= this.ttlMs;
  }

  /** Looked at, not expired, and never seen renewed: a watcher that wants to judge it must stay up to the lease time. */
  undecided(id: string): boolean {
    return !this.expired(id) && this.seen.get(id)?.changed === false;
  }

  /** How long this watcher has seen the lease unchanged (0 at the first look or after a change). */
  unchangedForMs(id: string): number {
    const raw = readLeaseRaw(this.home, id);
    const now = clock.mono();
    const prev = this.seen.get(id);
    if (!prev || prev.raw !== raw) {
      this.seen.set(id, { raw, since: now, changed: prev !== undefined });
      return 0;
    }
    return now - prev.since;
  }
}

const watches = new Map<string, LeaseWatch>();

/** This process's watcher of one state dir's leases (its memory is what makes a lease expire). */
export function leaseWatch(home: string): LeaseWatch {
  let w = watches.get(home);
  if (!w) watches.set(home, (w = new LeaseWatch(home)));
  return w;
}

/** This host's leases left by its processes that died (killed, crashed): removed when a new lease is taken here. Another host's are its own to clear. */
function sweepOwnLeases(home: string, except: string): void {
  const dir = join(hostsDir(home), hostId());
  for (const name of listDir(dir)) {
    const m = /^(\d{1,10})-[0-9a-f]{8}\.lease$/.exec(name);
    if (!m || `${hostId()}/${name.slice(0, -'.lease'.length)}` === except) continue;
    const pid = Number(m[1]);
    if (liveness({ pid, startTime: null, host: hostname(), hostId: hostId(), bootId: null }) === 'dead') tryUnlink(join(dir, name));
  }
}
