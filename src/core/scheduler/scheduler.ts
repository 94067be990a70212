import { allSchedules, loadConfig, type Config, type ScheduleConfig } from '../config.js';
import { HerdError } from '../errors.js';
import { listDir, sweepTemps } from '../fsx.js';
import { isTerminal, type Job } from '../job.js';
import { isThisHost, type ProcIdentity } from '../liveness.js';
import { STALE_MS } from '../lock.js';
import { holderState, me, type Holder } from '../holder.js';
import { Seat } from './seat.js';
import { recoverIfLost } from '../recovery.js';
import { ensureRunner } from '../runner-launch.js';
import { JobStore } from '../store.js';
import { submit } from '../submit.js';
import { kickDeliveries } from '../webhook-kick.js';
import { ConfigWatcher } from './config-watch.js';
import { fileName, isUnfinished, KEEP, TickLedger, type TickOutcome, type TickRecord } from './ledger.js';
import { dueTicks, lastFire, nextFire, overlapDecision, tickKey } from './plan.js';
import { clock, type Timer } from '../clock.js';

/** What `herdctl start` prints: one event per fire, skip, queue, miss, error, config change. Ids and names only. */
export type SchedulerEvent = { ts: string } & (
  | { event: 'start'; pid: number; host: string; config: string; schedules: number }
  | { event: 'standby'; pid: number; host: string; hostId: string | null }
  | { event: 'fire'; agent: string; schedule: string; tick: string; job: string; missed: number; lateMs: number; recovered?: boolean }
  | { event: 'skip' | 'queue'; agent: string; schedule: string; tick: string; reason: string }
  | { event: 'missed'; agent: string; schedule: string; tick: string; missed: number }
  | { event: 'error'; agent?: string; schedule?: string; tick?: string; reason: string }
  | { event: 'config'; schedules: number; added: string[]; removed: string[]; changed: string[] }
  | { event: 'config_invalid'; reason: string }
  | { event: 'stop'; reason: string }
);

type EventBody = SchedulerEvent extends infer E ? (E extends SchedulerEvent ? Omit<E, 'ts'> : never) : never;

export interface SchedulerOptions {
  home: string;
  configPath: string;
  onEvent: (e: SchedulerEvent) => void;
}

/** Longest sleep: a wall clock stepped forward (NTP, suspend) is noticed within this. */
export const MAX_SLEEP_MS = 5000;
/** Longest stretch of fires without going back to the event loop (the rest follow at once). */
const SLICE_MS = 200;
/** A schedule whose tick could not be recorded tries again after this. */
const RETRY_MS = 1000;
/** While a queued tick waits for the previous run, the run is looked at this often. */
const QUEUE_POLL_MS = 1000;

interface ScheduleState {
  s: ScheduleConfig;
  firstSeen: number;
  /** Set by a live edit of the timing: ticks at or before it never fire (no catch-up for an expression that did not exist). */
  floor: number | null;
  lastTick: number | null;
  lastJob: { id: string; done: boolean; file: string } | null;
  unfinished: TickRecord[];
  /** Ticks whose job creation was tried here and failed: retried, looking for a job first. */
  attempted: Set<string>;
  tornAt: Map<string, number>;
  names: string[]; // tick file names, oldest first
  next: number | null;
}

const iso = (t: number): string => clock.isoAt(t);
const keyOf = (s: { agent: string; name: string }): string => `${s.agent}/${s.name}`;
/** The instant after which ticks are due: the newest claimed tick, or a live edit's, whichever is later. */
function since(st: ScheduleState): number | null {
  return st.floor !== null && (st.lastTick === null || st.floor > st.lastTick) ? st.floor : st.lastTick;
}
const timing = (s: ScheduleConfig): string => JSON.stringify([s.cron, s.everyMs, s.timezone, s.enabled]);

/**
 * `herdctl start`: sleeps until the earliest next tick across all schedules,
 * fires what is due (catch_up, overlap), and only ever creates jobs through
 * `submit()` — runners stay detached, so stopping the scheduler never touches
 * a running job. Every step of a fire is synchronous, so a signal (handled on
 * the event loop) never lands in the middle of one.
 */
export class Scheduler {
  private readonly ledger: TickLedger;
  private readonly store: JobStore;
  private me: Holder;
  private seat: Seat | null = null;
  private config!: Config;
  private states = new Map<string, ScheduleState>();
  private timer: Timer | null = null;
  private watcher: ConfigWatcher | null = null;
  private stopped = false;
  private ended!: () => void;
  readonly done: Promise<void>;

  constructor(private readonly opts: SchedulerOptions) {
    this.ledger = new TickLedger(opts.home);
    this.store = new JobStore(opts.home);
    this.me = me();
    this.done = new Promise((resolve) => (this.ended = resolve));
  }

  /** Takes the state dir's scheduler lock and loads the config (its errors are thrown), then runs until stop(). */
  async start(): Promise<void> {
    const config = loadConfig(this.opts.configPath);
    this.store.init();
    this.seat = await Seat.take(this.store, {
      onStandby: (who) => this.emit({ event: 'standby', pid: who.pid, host: who.host, hostId: who.hostId ?? null }),
      onLost: (how, why) => this.lost(how, why),
      onWatchError: (reason) => this.emit({ event: 'error', reason }),
      stopped: () => this.stopped,
    });
    if (!this.seat) return; // stopped while standing by
    this.me = this.seat.holder;
    if (this.stopped) return this.seat.leave(); // a signal came while waiting for the lock
    sweepTemps(this.store.paths.jobs); // a job directory a killed predecessor was building
    this.apply(config, clock.now(), true);
    this.emit({ event: 'start', pid: process.pid, host: this.me.host, config: this.opts.configPath, schedules: this.states.size });
    this.watcher = new ConfigWatcher(this.opts.configPath, () => this.checkConfig());
    this.wake();
  }

  stop(reason: string): void {
    if (this.stopped) return;
    this.stopped = true;
    if (this.timer) clock.clearTimer(this.timer);
    this.watcher?.close();
    this.seat?.leave();
    this.emit({ event: 'stop', reason });
    this.ended();
  }

  /** Fenced, or the lock was taken: stop now, writing nothing more (seat.ts). */
  private lost(how: 'fenced' | 'lock lost', why: string): void {
    this.emit({ event: 'error', reason: why });
    this.stop(how);
  }

  private emit(e: EventBody): void {
    this.opts.onEvent({ ts: iso(clock.now()), ...e } as SchedulerEvent);
  }

  // ─── The loop ──────────────────────────────────────────────────────────────

  private wake = (): void => {
    this.timer = null;
    if (this.stopped || (this.seat && !this.seat.healthy())) return; // unhealthy: fenced (and stopped) by healthy()
    this.seat?.watchHosts((reason) => this.emit({ event: 'error', reason }));
    if (this.watcher?.changed()) this.reload();
    const now = clock.now();
    for (const st of this.states.values()) {
      // hundreds due at once (a catch-up after downtime): yield now and then, so a signal is heard within a second
      if (clock.now() - now > SLICE_MS) break;
      try {
        if (st.unfinished.length > 0) this.settle(st, now);
        if (st.next !== null && st.next <= now) this.due(st, now);
      } catch (e) {
        // a full disk, a permission: this schedule tries again in a moment, the others go on
        this.emit({ event: 'error', agent: st.s.agent, schedule: st.s.name, reason: (e as Error).message });
        if (st.next !== null && st.next <= now) st.next = now + RETRY_MS;
      }
    }
    kickDeliveries(this.opts.home, now); // the scheduler is one of the processes that keep webhooks going
    this.arm();
  };

  /** Sleeps until the earliest next tick (a tick's wall time is re-checked on waking: see MAX_SLEEP_MS). */
  private arm(): void {
    if (this.stopped) return;
    let at = Infinity;
    let waiting = false;
    for (const st of this.states.values()) {
      if (st.next !== null && st.next < at) at = st.next;
      if (st.unfinished.length > 0) waiting = true;
    }
    const delay = Math.min(Math.max(at - clock.now(), 0), waiting ? QUEUE_POLL_MS : MAX_SLEEP_MS);
    this.timer = clock.setTimer(this.wake, delay); // the clock's timer: a test's fake clock runs the loop without sleeping
  }

  /** The ticks due for one schedule: fire the latest (catch_up), record the rest as missed. */
  private due(st: ScheduleState, now: number): void {
    const { fire, missed } = dueTicks(st.s, since(st), st.firstSeen, now);
    if (fire.length > 0) this.tick(st, fire[0], missed, now);
    else if (missed > 0) {
      const latest = lastFire(st.s, now)!;
      if (this.claim(st, latest, 'missed', missed, null, now)) this.emit({ event: 'missed', agent: st.s.agent, schedule: st.s.name, tick: iso(latest), missed });
    }
    st.next = nextFire(st.s, Math.max(now, st.lastTick ?? now));
  }

  private tick(st: ScheduleState, tick: number, missed: number, now: number): void {
    const { s } = st;
    const queued = st.unfinished.find((r) => r.outcome === 'queued');
    let outcome: TickOutcome = 'fire';
    let reason: string | null = null;
    if (queued && s.overlap !== 'allow') {
      outcome = 'skipped';
      reason = `the run of tick ${queued.tick} is still queued`;
    } else {
      const running = s.overlap === 'allow' ? null : this.previousRun(st);
      const decision = overlapDecision(s, running !== null);
      if (decision !== 'fire') {
        outcome = decision === 'queue' ? 'queued' : 'skipped';
        reason = `previous run ${running!.id} is still ${running!.status}`;
      }
    }
    const r = this.claim(st, tick, outcome, missed, reason, now);
    if (!r) return;
    if (outcome === 'fire') this.create(st, r);
    else if (outcome === 'queued') {
      st.unfinished.push(r);
      this.emit({ event: 'queue', agent: s.agent, schedule: s.name, tick: r.tick, reason: reason! });
    } else this.emit({ event: 'skip', agent: s.agent, schedule: s.name, tick: r.tick, reason: reason! });
  }

  /** Makes the tick's key durable; null when it was claimed already (by us before a clock step, or by another scheduler). */
  private claim(st: ScheduleState, tick: number, outcome: TickOutcome, missed: number, reason: string | null, now: number): TickRecord | null {
    const { agent, name } = st.s;
    const r: TickRecord = { key: tickKey(agent, name, tick), agent, schedule: name, tick: iso(tick), outcome, job: null, claimedAt: iso(now), by: this.me, missed, reason };
    const won = this.ledger.claim(r);
    st.lastTick = Math.max(st.lastTick ?? tick, tick);
    if (!won) return null;
    st.names.push(fileName(r));
    return r;
  }

  /** Creates the job of a claimed tick, at `claimedAt`, and records its id in the key. */
  private create(st: ScheduleState, r: TickRecord): void {
    const { s } = st;
    try {
      const store = new JobStore(this.opts.home, () => Date.parse(r.claimedAt!));
      const job = submit(store, this.config, { agent: s.agent, prompt: s.prompt ?? undefined, schedule: s.name, trigger: 'schedule' });
      this.recordJob(st, r, job.id);
      this.emit({ event: 'fire', agent: s.agent, schedule: s.name, tick: r.tick, job: job.id, missed: r.missed, lateMs: clock.now() - Date.parse(r.tick) });
    } catch (e) {
      if (e instanceof HerdError) {
        // the config cannot make this job (no prompt, agent gone): the tick ends as an error, not retried
        this.finishKey(st, { ...r, outcome: 'error', reason: e.message });
        this.emit({ event: 'error', agent: s.agent, schedule: s.name, tick: r.tick, reason: e.message });
        return;
      }
      // an I/O failure, before or after the job was made: retried, looking for the job first
      st.attempted.add(r.key);
      if (!st.unfinished.some((u) => u.key === r.key)) st.unfinished.push(r);
      this.emit({ event: 'error', agent: s.agent, schedule: s.name, tick: r.tick, reason: `could not create the job (will retry): ${(e as Error).message}` });
    }
  }

  private recordJob(st: ScheduleState, r: TickRecord, id: string): void {
    if (!st.lastJob || st.lastJob.id < id) st.lastJob = { id, done: false, file: fileName(r) };
    this.finishKey(st, { ...r, job: id });
  }

  /** Writes a key's final state, drops it from the unfinished, prunes old keys now and then. */
  private finishKey(st: ScheduleState, r: TickRecord): void {
    this.ledger.update(r);
    st.unfinished = st.unfinished.filter((u) => u.key !== r.key);
    st.attempted.delete(r.key);
    st.tornAt.delete(r.key);
    if (st.names.length > KEEP + 10) {
      const protect = new Set(st.unfinished.map(fileName));
      if (st.lastJob) protect.add(st.lastJob.file);
      st.names = this.ledger.prune(st.s.agent, st.s.name, st.names, protect);
    }
  }

  /** The schedule's previous run when it is still pending or running (a lost runner's job is failed on the way). */
  private previousRun(st: ScheduleState): Job | null {
    if (!st.lastJob || st.lastJob.done) return null;
    const r = this.store.tryRead(st.lastJob.id);
    const job = r && 'job' in r ? recoverIfLost(this.store, r.job) : null;
    if (job && !isTerminal(job.status)) return job;
    st.lastJob.done = true;
    return null;
  }

  // ─── Keys without a job: queued ticks, and what a dead scheduler left ───────

  private settle(st: ScheduleState, now: number): void {
    for (const r of [...st.unfinished]) {
      if (!this.mayFinish(st, r, now)) continue;
      if (r.outcome === 'queued' && this.previousRun(st)) continue;
      this.finish(st, r, now);
    }
  }

  /** Ours, or its claimer is gone: a live other claimer (two schedulers racing over a lock) finishes its own. */
  private mayFinish(st: ScheduleState, r: TickRecord, now: number): boolean {
    if (!r.by) return now - (st.tornAt.get(r.key) ?? now) > 2000; // a torn key is torn for microseconds while its writer lives
    if (this.isMe(r.by)) return true;
    const state = holderState(this.opts.home, r.by);
    // a claimer without a lease (an older herdctl) is judged by how long ago it claimed
    return state === 'dead' || (state === 'unknown' && !(r.by as Holder).lease && now - Date.parse(r.claimedAt ?? '') > STALE_MS);
  }

  private isMe(p: ProcIdentity | null): boolean {
    return p !== null && p.pid === this.me.pid && isThisHost(p) && p.startTime === this.me.startTime;
  }

  /** Creates a key's job, unless a claimer that died (or a failed attempt here) already made it: then that job is the tick's. */
  private finish(st: ScheduleState, r: TickRecord, now: number): void {
    if (r.claimedAt && (!this.isMe(r.by) || st.attempted.has(r.key))) {
      const job = this.findJob(r);
      if (job) {
        this.adopt(job);
        this.recordJob(st, r, job.id);
        this.emit({ event: 'fire', agent: r.agent, schedule: r.schedule, tick: r.tick, job: job.id, missed: r.missed, lateMs: Date.parse(job.createdAt) - Date.parse(r.tick), recovered: true });
        return;
      }
    }
    // No job was made for it: re-claim at a new instant (durably) and make it.
    const claimed: TickRecord = { ...r, claimedAt: iso(now), by: this.me };
    this.ledger.update(claimed);
    st.unfinished = st.unfinished.map((u) => (u.key === r.key ? claimed : u));
    st.tornAt.delete(r.key);
    this.create(st, claimed);
  }

  /** The job a crashed claimer created for the key: same agent and schedule, created at the claim's instant. */
  private findJob(r: TickRecord): Job | null {
    const prefix = `job-${r.claimedAt!.slice(0, 10).replace(/-/g, '')}-${r.claimedAt!.slice(11, 19).replace(/:/g, '')}-`;
    for (const id of listDir(this.store.paths.jobs)) {
      if (!id.startsWith(prefix)) continue;
      const got = this.store.tryRead(id);
      if (got && 'job' in got && got.job.agent === r.agent && got.job.schedule === r.schedule && got.job.createdAt === r.claimedAt) return got.job;
    }
    return null;
  }

  /** A found job may have died with its queue marker unpublished: publish it (its creator is dead) and make sure a runner comes. */
  private adopt(job: Job): void {
    if (job.status !== 'pending') return;
    for (const l of this.store.queue.leftovers(job.agent)) {
      if (l.id === job.id && l.kind === 'new') this.store.queue.publish(l.path);
    }
    ensureRunner(this.store.paths, job.agent);
  }

  // ─── Config ────────────────────────────────────────────────────────────────

  private checkConfig = (): void => {
    if (this.stopped || !this.watcher?.changed()) return;
    this.reload();
    if (this.timer) clock.clearTimer(this.timer);
    this.arm();
  };

  /** A valid edit replaces the config at once; an invalid one keeps the running config and says why. */
  private reload(): void {
    let next: Config;
    try {
      next = loadConfig(this.opts.configPath);
    } catch (e) {
      this.emit({ event: 'config_invalid', reason: (e as Error).message });
      return;
    }
    try {
      const diff = this.apply(next, clock.now(), false);
      this.emit({ event: 'config', schedules: this.states.size, ...diff });
    } catch (e) {
      this.emit({ event: 'error', reason: `could not apply the edited config: ${(e as Error).message}` });
    }
  }

  private apply(config: Config, now: number, initial: boolean): { added: string[]; removed: string[]; changed: string[] } {
    const fresh = new Map<string, ScheduleState>();
    const added: string[] = [];
    const changed: string[] = [];
    for (const s of allSchedules(config)) {
      const key = keyOf(s);
      const prev = this.states.get(key);
      const st = prev ? { ...prev } : this.load(s, now); // copies: a failure half-way leaves the running states as they were
      if (!prev) {
        if (!initial) added.push(key);
      } else if (JSON.stringify(prev.s) !== JSON.stringify(s)) {
        changed.push(key);
        if (timing(prev.s) !== timing(s)) st.floor = now;
      }
      st.s = s;
      st.next = nextFire(s, since(st) ?? st.firstSeen); // in the past when ticks were missed: due at once
      fresh.set(key, st);
    }
    const removed = [...this.states.keys()].filter((k) => !fresh.has(k));
    this.states = fresh;
    this.config = config;
    return { added, removed, changed };
  }

  private load(s: ScheduleConfig, now: number): ScheduleState {
    const h = this.ledger.load(s.agent, s.name, now);
    let lastJob: ScheduleState['lastJob'] = null;
    for (const r of h.records) if (r.job) lastJob = { id: r.job, done: false, file: fileName(r) };
    const last = h.records.at(-1);
    return {
      s,
      firstSeen: h.firstSeen,
      floor: null,
      lastTick: last ? Date.parse(last.tick) : null,
      lastJob,
      unfinished: h.records.filter(isUnfinished),
      attempted: new Set(),
      tornAt: h.tornAt,
      names: h.records.map(fileName),
      next: null,
    };
  }
}
