import { spawn as nodeSpawn } from 'node:child_process';
import * as fs from 'node:fs';
import type { EventDraft, JobEvent } from './events.js';
import type { Ending } from './finish.js';
import { abandonActive, endingOf, openActive, planStart, stopActive, writeEnd, type Active, type StopReason } from './runner-job.js';
import { ensureDir, sweepTemps, tryUnlink } from './fsx.js';
import { isTerminal } from './job.js';
import { identify } from './liveness.js';
import { failJob } from './recovery.js';
import { ensureRunner } from './runner-launch.js';
import { finalUsage } from './agent-launch.js';
import { killMarked } from './proc-sweep.js';
import { JobStore } from './store.js';
import { Diag } from './diag.js';
import { readCancelRequest } from './cancel.js';
import { deliverDue } from './webhooks.js';
import { AgentProcess, type ProcessExit } from './agent-process.js';
import { acquireRunnerLock, foldIndexOnIdle, recoverOwn, settleLeftovers, takeSlots, waitForRunnerLock } from './runner-support.js';
import { Lease } from './lease.js';
import { HostWatch } from './host-loss.js';
import { planFill } from './runner-policy.js';
import { RunnerQueue } from './runner-queue.js';
import { budgetStop } from './workflow.js';
import { clock } from './clock.js';

export interface RunnerOptions {
  home: string;
  agent: string;
  spawn?: typeof nodeSpawn;
  now?: () => number;
  tickMs?: number;
  lingerMs?: number;
  /** How an event reads in the human log logs/<agent>/<id>.log (the entry point passes the terminal renderer; core makes no text). */
  logLine?: (e: JobEvent) => string;
}

/**
 * One agent's runner: the single writer of its jobs while they run. Claims
 * pending jobs best-first within the agent's and the global max_concurrent,
 * starts the agent in its own process group, turns its output into events,
 * enforces timeout, heartbeat and cancel requests, and ends every job with
 * exactly one `complete` event. Exits once nothing is running or queued.
 */
export class Runner {
  private readonly store: JobStore;
  private readonly spawn: typeof nodeSpawn;
  private readonly diag: Diag;
  private readonly active = new Map<string, Active>();
  private releaseLock: (() => void) | null = null;
  private watchers: fs.FSWatcher[] = [];
  private ticker: NodeJS.Timeout | null = null;
  private filling = false;
  private again = false;
  private finished: (() => void) | null = null;
  private idleSince: number | null = null;
  private readonly unfinished = new Map<string, string>(); // jobs whose end could not be written yet: id → error
  private deliveries: Promise<unknown> = Promise.resolve();
  private lease!: Lease;
  private fencedBecause: string | null = null;
  /** Whether the jobs are still this runner's: asked again around each job.json write, since one may hang past the fence. */
  private readonly own = (): boolean => this.lease.healthy();
  private hosts!: HostWatch; // other hosts' lost jobs (host-loss.ts); while one's lease is still to be judged, this runner stays up

  private readonly queued: RunnerQueue;

  constructor(private readonly opts: RunnerOptions) {
    this.store = new JobStore(opts.home, opts.now);
    this.queued = new RunnerQueue(this.store, opts.agent);
    this.spawn = opts.spawn ?? nodeSpawn;
    ensureDir(this.store.paths.logs);
    this.diag = new Diag(this.store.paths.runnerLog(opts.agent), process.env.HERDCTL_LOG ?? 'info');
  }

  private logLine(e: JobEvent): string {
    return this.opts.logLine ? this.opts.logLine(e) : JSON.stringify(e);
  }

  private get agent(): string {
    return this.opts.agent;
  }

  /** Runs until idle. 'busy' when another live runner of this host already serves this agent; 'fenced' when its lease lapsed (see fence()). */
  async run(): Promise<'busy' | 'idle' | 'fenced'> {
    // the lease first: the lock, the slots and the jobs this runner takes are named with it
    this.lease = Lease.take(this.opts.home, `runner ${this.agent}`, { onFence: (why) => this.fence(why) });
    if (!(await waitForRunnerLock(this.store, this.agent, () => this.acquire()))) {
      this.lease.stop();
      return 'busy';
    }
    this.diag.log('info', 'runner started', { agent: this.agent });
    recoverOwn(this.store, this.agent);
    this.hosts = new HostWatch(this.store, this.lease.ttlMs / 10);
    const queueDir = this.store.paths.agentQueue(this.agent);
    for (const dir of [queueDir, this.store.paths.locks]) {
      ensureDir(dir);
      // a change in our queue dir may be a dependency's end (waits.ts pokes it)
      const wake = () => (dir === queueDir && this.queued.depsChanged(), this.kick());
      try {
        this.watchers.push(fs.watch(dir, wake).on('error', () => {}));
      } catch {
        /* the ticker covers it */
      }
    }
    this.ticker = setInterval(() => this.tick(), this.opts.tickMs ?? 250); // the first tick looks at the other hosts
    const done = new Promise<void>((resolve) => (this.finished = resolve));
    this.kick();
    await done;
    if (this.fencedBecause) return 'fenced';
    await this.deliveries; // a POST in flight is finished, not cut off by the exit
    return 'idle';
  }

  private acquire(): boolean {
    this.releaseLock = acquireRunnerLock(this.store, this.agent, () => this.diag.log('error', 'runner lock compromised', { agent: this.agent }));
    return this.releaseLock !== null;
  }

  private kick(): void {
    if (this.filling) {
      this.again = true;
      return;
    }
    this.filling = true;
    try {
      do {
        this.again = false;
        this.fill();
      } while (this.again);
    } catch (e) {
      this.diag.log('error', 'fill failed', { error: (e as Error).message });
    } finally {
      this.filling = false;
    }
  }

  /** Starts queued jobs, best first, while both limits allow (the policy: runner-policy.ts). */
  private fill(): void {
    const plan = planFill({ queued: this.queued.entries(), running: this.active.size, rivals: () => this.queued.rivals() });
    for (const id of plan.drop) {
      const m = this.store.queue.pending(this.agent).find((q) => q.id === id);
      if (m && this.store.queue.claim(this.agent, m)) tryUnlink(this.store.paths.activeMarker(id));
    }
    if (plan.yieldTo) ensureRunner(this.store.paths, plan.yieldTo); // its runner takes the slot; the lock dir's change wakes us after
    const markers = new Map(this.store.queue.pending(this.agent).map((m) => [m.id, m]));
    for (const id of plan.start) {
      const m = markers.get(id);
      const settings = this.queued.settingsFor(id);
      if (!m || !settings) continue;
      const release = takeSlots(this.store, this.agent, settings, id);
      if (!release) break; // woken again when a slot lock goes away
      if (!this.store.queue.claim(this.agent, m)) {
        release();
        continue;
      }
      this.start(id, release);
    }
    if (this.active.size === 0 && this.unfinished.size === 0 && this.hosts.watching === 0 && !this.queued.keepsRunner()) this.maybeExit();
    else this.idleSince = null;
  }

  private maybeExit(): void {
    const now = clock.now();
    this.idleSince ??= now;
    if (now - this.idleSince < (this.opts.lingerMs ?? 1000)) return;
    // release, then look once more: a submitter publishes before it checks our lock, so nothing falls between
    this.releaseLock?.();
    this.releaseLock = null;
    if (this.queued.keepsRunner() && this.acquire()) {
      this.idleSince = null;
      this.again = true;
      return;
    }
    this.shutdown();
  }

  private shutdown(): void {
    if (this.ticker) clearInterval(this.ticker);
    for (const w of this.watchers) w.close();
    this.lease.stop();
    foldIndexOnIdle(this.store, this.diag);
    this.diag.log('info', 'runner idle, exiting', { agent: this.agent });
    this.finished?.();
  }

  /** Every 250 ms and on a cancel request. A read that fails (EIO from a loaded network mount) is logged; the next tick tries again. */
  private tick(): void {
    try {
      this.tickOnce();
    } catch (e) {
      this.diag.log('error', 'tick failed', { error: (e as NodeJS.ErrnoException).code ?? 'error' });
    }
  }

  private tickOnce(): void {
    if (!this.lease.healthy()) return; // fenced by healthy(): nothing more is done
    const now = clock.now();
    for (const [id, why] of this.unfinished) {
      const r = this.store.tryRead(id);
      try {
        if (r && 'job' in r && !isTerminal(r.job.status)) failJob(this.store, r.job, why);
        this.unfinished.delete(id);
      } catch {
        /* still failing (the disk is still full): next tick */
      }
    }
    for (const a of this.active.values()) {
      if (!a.stoppedBy) {
        const req = readCancelRequest(this.store, a.job.id);
        if (req) {
          a.cancelReason = req.reason;
          a.cancelRequestedAt = req.requestedAt || null;
          this.stop(a, 'cancel');
        } else if (a.settings.heartbeatTimeoutMs && now - a.lastOutput > a.settings.heartbeatTimeoutMs) this.stop(a, 'heartbeat');
      }
    }
    settleLeftovers(this.store, this.agent);
    this.lookAtHosts();
    this.kick();
  }

  private lookAtHosts(): void {
    const recovered = this.hosts.look();
    if (recovered) this.diag.log('info', "another host's lost jobs recovered", { jobs: recovered });
  }

  /**
   * The lease could not be renewed for half its time (a hung disk, a cut
   * link, a stopped process): from its full time on, another host may end
   * our jobs. So every agent is killed now and nothing more is written — no
   * event, no job.json, no lock release; the runner exits.
   */
  private fence(why: string): void {
    if (this.fencedBecause) return;
    this.fencedBecause = why;
    if (this.ticker) clearInterval(this.ticker);
    for (const w of this.watchers) w.close();
    for (const a of this.active.values()) abandonActive(a);
    this.active.clear();
    this.diag.log('error', 'runner fenced: agents killed, nothing more written', { agent: this.agent, why });
    this.finished?.();
  }

  private start(id: string, releaseSlot: () => void): void {
    try {
      this.launch(id, releaseSlot);
    } catch (e) {
      this.startFailed(id, releaseSlot, e as Error);
    }
  }

  /** A start that threw (a full disk, say): nothing stays half-started; the job fails with the cause (retried until that can be written). */
  private startFailed(id: string, releaseSlot: () => void, e: Error): void {
    const a = this.active.get(id);
    this.active.delete(id);
    a?.watcher?.close();
    for (const close of [() => a?.writer.close(), () => a?.log.close()]) {
      try {
        close();
      } catch {
        /* the cause is reported below */
      }
    }
    (a?.releaseSlot ?? releaseSlot)();
    this.diag.log('error', 'could not start job', { job: id, error: (e as NodeJS.ErrnoException).code ?? 'error' });
    const r = this.store.tryRead(id);
    if (!r || !('job' in r) || isTerminal(r.job.status)) return;
    const why = `herdctl could not start the job: ${e.message}`;
    try {
      failJob(this.store, r.job, why);
    } catch {
      this.unfinished.set(id, why); // retried each tick until it can be written
    }
  }

  private launch(id: string, releaseSlot: () => void): void {
    const r = this.store.tryRead(id);
    if (!r || !('job' in r) || r.job.status !== 'pending') {
      tryUnlink(this.store.paths.activeMarker(id));
      releaseSlot();
      return;
    }
    let job = r.job;
    sweepTemps(this.store.paths.job(id)); // a crashed writer's leftovers
    const a = openActive(this.store, job, releaseSlot, {
      writeFailed: (e) => this.writeFailed(id, e),
      logLine: (e) => this.logLine(e),
      cancelAsked: () => this.tick(),
    });
    const { settings, runtime } = a;
    this.active.set(id, a);
    const cancel = readCancelRequest(this.store, id);
    if (cancel) {
      a.cancelReason = cancel.reason;
      return this.end(a, { status: 'cancelled', exitReason: 'manual_cancel', error: null, cancelReason: cancel.reason });
    }
    const plan = planStart(this.store, this.opts.home, job, settings, runtime);
    a.job = job = { ...job, ...plan.patch };
    if (!plan.ok) {
      this.emit(a, { type: 'error', message: plan.error, fatal: true });
      return this.end(a, { status: 'failed', exitReason: 'error', error: plan.error });
    }
    const { prepared, patch } = plan;
    const { spec, sessionId, resume } = prepared;
    a.parser = runtime.parser(prepared.parserContext);
    a.model = typeof prepared.parserContext.agent?.model === 'string' ? prepared.parserContext.agent.model : null;
    const me = identify(process.pid);
    if (!this.own()) return; // fenced: the claim is recovered by another host
    const patched = { ...patch, sessionId, runnerPid: me.pid, runnerStartTime: me.startTime, host: me.host, hostId: me.hostId, bootId: me.bootId, lease: this.lease.id };
    job = this.store.commit(job, { to: 'running', patch: patched }, 0, this.own);
    if (!this.own()) return; // fenced while writing `running`: no agent is started
    a.job = job;
    try {
      a.proc = AgentProcess.start(this.spawn, spec, {
        spawned: (pid) => {
          this.lease.guard(pid); // killed by the lease's own thread if it fences while this one is stuck
          a.job = { ...a.job, pid, pidStartTime: identify(pid).startTime };
          this.store.write(a.job, this.own);
          this.emit(a, { type: 'start', argv: spec.argv, cwd: spec.cwd, pid, runnerPid: process.pid, resumedSession: resume });
          if (settings.timeoutMs) a.timers.push(setTimeout(() => this.stop(a, 'timeout'), settings.timeoutMs));
        },
        line: (text, stream) => {
          a.lastOutput = clock.now();
          for (const d of a.parser.line(text, stream)) this.emit(a, d);
          const limit = a.parser.limitReached?.();
          if (limit && !a.stoppedBy) {
            a.limitReason = limit;
            this.stop(a, 'limit');
          }
          const overBudget = a.stoppedBy ? null : budgetStop(runtime, settings, finalUsage(a.parser, runtime, a.model ?? null, settings.pricing));
          if (overBudget) {
            a.limitReason = overBudget;
            this.stop(a, 'limit');
          }
        },
        failed: (e) => this.spawnFailed(a, e),
        ended: (exit) => this.settle(a, exit),
      });
    } catch (e) {
      return this.spawnFailed(a, e as Error);
    }
  }

  /** The agent exited and its output is read: classify, then end the job. */
  private settle(a: Active, exit: ProcessExit): void {
    if (a.proc?.pid) this.lease.unguard(a.proc.pid); // its group is dead and about to be reaped: its id may be reused
    killMarked(a.job.id); // tools in process groups of their own (gemini's shell) outlive the agent's group
    for (const d of a.parser.flush?.() ?? []) this.emit(a, d);
    const ending = endingOf(a, exit);
    const sid = a.parser.sessionId();
    if (sid) a.job = { ...a.job, sessionId: sid };
    this.end(a, ending);
  }

  /** output.jsonl cannot be written (ENOSPC, EIO): the job cannot be recorded, so it is stopped and fails with the cause. */
  private writeFailed(id: string, e: Error): void {
    const a = this.active.get(id);
    if (!a || a.writeError) return;
    a.writeError = `could not write ${this.store.paths.outputFile(id)}: ${e.message}`;
    this.diag.log('error', 'event log write failed', { job: id, error: (e as NodeJS.ErrnoException).code ?? 'error' });
    if (a.proc?.pid && !a.proc.exited)
      a.proc.signal('SIGKILL'); // its exit ends the job
    else this.end(a, { status: 'failed', exitReason: 'error', error: a.writeError });
  }

  private spawnFailed(a: Active, e: Error): void {
    if (!this.active.has(a.job.id) || a.job.pid) return;
    const msg = `could not start the agent: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? `program not found (${e.message})` : e.message}`;
    this.emit(a, { type: 'error', message: msg, fatal: true });
    this.end(a, { status: 'failed', exitReason: 'error', error: msg });
  }

  private emit(a: Active, d: EventDraft): void {
    if (!this.lease.healthy()) return; // fenced by healthy(): not one more line
    const e = a.writer.append(d);
    a.recap.add(e);
    a.log.add(e as JobEvent);
  }

  /** By escalation (agent-process.ts); `why` decides the outcome. */
  private stop(a: Active, why: StopReason): void {
    if (a.stoppedBy || !this.lease.healthy()) return;
    a.stoppedBy = why;
    this.diag.log('info', 'stopping job', { job: a.job.id, why });
    stopActive(this.store, a, why, {
      own: this.own,
      warn: (msg, fields) => this.diag.log('warn', msg, fields),
      step: (e) => this.active.get(a.job.id) === a && this.emit(a, e),
    });
  }

  private end(a: Active, ending: Ending): void {
    if (this.active.get(a.job.id) !== a) return; // ended already (spawn error and exit both fired)
    a.watcher?.close();
    for (const t of a.timers) clearTimeout(t);
    a.timers = [];
    a.proc?.clearTimers();
    if (!this.lease.healthy()) return; // fenced by healthy(): the end is another host's to write
    const r = writeEnd(this.store, a, ending, this.lease, this.diag);
    if (r === 'busy') return void setTimeout(() => this.end(a, ending), 25);
    if (r === 'written') {
      // async: the next job starts meanwhile
      this.deliveries = Promise.all([this.deliveries, deliverDue(this.opts.home, { diag: this.diag }).catch(() => {})]);
    } else if (r !== 'lost') this.unfinished.set(a.job.id, r.unfinished); // retried each tick
    a.releaseSlot();
    this.active.delete(a.job.id);
    setImmediate(() => this.kick());
  }
}
