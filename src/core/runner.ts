import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Chalk } from 'chalk';
import { EventWriter } from './eventlog.js';
import type { EventDraft, JobEvent } from './events.js';
import { finishJob, type Ending } from './finish.js';
import { ensureDir, sweepTemps, tryUnlink } from './fsx.js';
import { isJobId } from './ids.js';
import { isTerminal, type Job } from './job.js';
import type { Marker } from './queue.js';
import { LineSplitter } from './lines.js';
import { bootId, identify, liveness, thisHost, type ProcIdentity } from './liveness.js';
import { acquireNamed, isLocked, STALE_MS } from './lock.js';
import { RecapBuilder } from './recap.js';
import { failJob, recoverIfLost } from './recovery.js';
import { ensureRunner, runnerIdentity, runnerIdentityFile } from './runner-launch.js';
import { getRuntime } from './runtimes/index.js';
import type { OutputParser, Runtime } from './runtimes/types.js';
import { JobStore } from './store.js';
import { Diag } from './diag.js';
import { renderEvent } from '../render/events.js';
import { readCancelRequest } from './cancel.js';
import { agentEnv, type Settings, settingsOf } from './settings.js';
import { deliverDue } from './webhooks.js';

const plain = new Chalk({ level: 0 });

interface Active {
  job: Job;
  child: ChildProcess | null;
  writer: EventWriter;
  parser: OutputParser;
  runtime: Runtime;
  recap: RecapBuilder;
  settings: Settings;
  stoppedBy: 'cancel' | 'timeout' | 'heartbeat' | null;
  cancelReason: string | null;
  lastOutput: number;
  timers: NodeJS.Timeout[];
  releaseSlot: () => void;
  logFd: number;
  logLines: string[];
  watcher?: fs.FSWatcher;
  writeError?: string;
}

export interface RunnerOptions {
  home: string;
  agent: string;
  spawn?: typeof nodeSpawn;
  now?: () => number;
  tickMs?: number;
  lingerMs?: number;
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
  private lastSettings: Settings | null = null;
  private idleSince: number | null = null;
  private readonly unfinished = new Map<string, string>(); // jobs whose end could not be written yet: id → error
  private deliveries: Promise<unknown> = Promise.resolve();

  constructor(private readonly opts: RunnerOptions) {
    this.store = new JobStore(opts.home, opts.now);
    this.spawn = opts.spawn ?? nodeSpawn;
    ensureDir(this.store.paths.logs);
    this.diag = new Diag(join(this.store.paths.logs, `runner-${opts.agent}.log`), process.env.HERDCTL_LOG ?? 'info');
  }

  private get agent(): string {
    return this.opts.agent;
  }

  /** Runs until idle. 'busy' when another live runner already serves this agent. */
  async run(): Promise<'busy' | 'idle'> {
    if (!(await this.acquireOrWait())) return 'busy';
    this.diag.log('info', 'runner started', { agent: this.agent });
    this.recoverOwn();
    const wake = () => this.kick();
    for (const dir of [this.store.paths.agentQueue(this.agent), this.store.paths.locks]) {
      ensureDir(dir);
      try {
        this.watchers.push(fs.watch(dir, wake).on('error', () => {}));
      } catch {
        /* the ticker covers it */
      }
    }
    this.ticker = setInterval(() => this.tick(), this.opts.tickMs ?? 250);
    const done = new Promise<void>((resolve) => (this.finished = resolve));
    this.kick();
    await done;
    await this.deliveries; // a POST in flight is finished, not cut off by the exit
    return 'idle';
  }

  /**
   * A live runner that holds the lock and names itself serves the agent:
   * leave. A held lock without a readable name (removed by hand) or a gate
   * its maker died in is waited out until stale — jobs are queued meanwhile.
   */
  private async acquireOrWait(): Promise<boolean> {
    const deadline = Date.now() + STALE_MS + 5_000;
    while (!this.acquire()) {
      const who = runnerIdentity(this.store.paths, this.agent);
      if ((who && liveness(who) !== 'dead' && isLocked(this.store.paths.runnerLock(this.agent))) || Date.now() > deadline) return false;
      await new Promise((r) => setTimeout(r, 250));
    }
    return true;
  }

  private acquire(): boolean {
    const onLost = () => this.diag.log('error', 'runner lock compromised', { agent: this.agent });
    const release = acquireNamed(
      this.store.paths.runnerLock(this.agent),
      runnerIdentityFile(this.store.paths, this.agent),
      identify(process.pid),
      (who) => liveness(who as ProcIdentity) === 'dead',
      onLost,
    );
    if (!release) return false;
    this.releaseLock = release;
    return true;
  }

  /** Jobs a dead predecessor left: running ones fail, claimed-but-unstarted ones go back to the queue, half-made markers are settled. */
  private recoverOwn(): void {
    for (const id of this.store.activeIds()) {
      const r = this.store.tryRead(id);
      if (!r || !('job' in r) || r.job.agent !== this.agent || this.active.has(id)) continue;
      if (r.job.status === 'running') failJob(this.store, r.job, `runner pid ${r.job.runnerPid} on ${r.job.host} was lost (it died without finishing the job)`);
      else if (r.job.status === 'pending') this.store.queue.requeue(r.job);
      else tryUnlink(join(this.store.paths.active, id));
    }
    this.settleLeftovers();
    // job dirs are swept as their jobs are looked at; these, by whichever runner starts next
    for (const dir of this.store.paths.replacedFileDirs()) sweepTemps(dir);
  }

  private settleLeftovers(): void {
    for (const l of this.store.queue.leftovers(this.agent, Date.now())) {
      if (l.ageMs < 30_000) continue; // a creator or canceller may still be at it
      const r = this.store.tryRead(l.id);
      const job = r && 'job' in r ? r.job : null;
      if (l.kind === 'new' && job?.status === 'pending') this.store.queue.publish(l.path);
      else if (l.kind === 'cancel' && job?.status === 'pending') this.cancelPending(job, l.path);
      else this.store.queue.drop(l.path);
    }
  }

  private cancelPending(job: Job, marker: string): void {
    const w = EventWriter.open(this.store.paths.outputFile(job.id));
    try {
      finishJob(this.store, job, w, new RecapBuilder(), { status: 'cancelled', exitReason: 'manual_cancel', error: null, cancelReason: readCancelRequest(this.store, job.id)?.reason ?? null });
    } finally {
      w.close();
    }
    this.store.queue.drop(marker);
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

  /** Starts queued jobs, best first, while both limits allow. */
  private fill(): void {
    const queued = this.store.queue.pending(this.agent);
    for (const m of queued) {
      const settings = this.settingsFor(m.id);
      if (!settings) {
        this.store.queue.claim(this.agent, m) && tryUnlink(join(this.store.paths.active, m.id));
        continue;
      }
      if (this.active.size >= settings.maxConcurrent) break;
      if (this.outranked(m)) break; // its runner takes the slot; the lock dir's change wakes us after
      const release = this.takeGlobalSlot(settings.globalMaxConcurrent, m.id);
      if (!release) break; // woken again when a slot lock goes away
      if (!this.store.queue.claim(this.agent, m)) {
        release();
        continue;
      }
      this.start(m.id, release);
    }
    if (this.active.size === 0 && this.unfinished.size === 0 && this.store.queue.pending(this.agent).length === 0) this.maybeExit();
    else this.idleSince = null;
  }

  private settingsFor(id: string): Settings | null {
    const r = this.store.tryRead(id);
    if (!r || !('job' in r) || r.job.status !== 'pending') return null;
    this.lastSettings = settingsOf(r.job);
    return this.lastSettings;
  }

  /**
   * Priority, then age, across agents too: another agent's pending job that
   * ranks before ours (marker names sort that way) and is within its own
   * agent's limit gets the next global slot.
   */
  private outranked(mine: Marker): boolean {
    for (const agent of this.store.queue.agents()) {
      if (agent === this.agent) continue;
      const best = this.store.queue.pending(agent)[0];
      if (!best || best.name >= mine.name) continue;
      const r = this.store.tryRead(best.id);
      if (!r || !('job' in r) || r.job.status !== 'pending') continue;
      if (this.runningCount(agent) >= settingsOf(r.job).maxConcurrent) continue;
      ensureRunner(this.store.paths, agent);
      return true;
    }
    return false;
  }

  private runningCount(agent: string): number {
    let n = 0;
    for (const id of this.store.activeIds()) {
      const r = this.store.tryRead(id);
      if (r && 'job' in r && r.job.agent === agent && !isTerminal(r.job.status)) n++;
    }
    return n;
  }

  /**
   * Global max_concurrent: slot i is the lock locks/slot-<i>, held for the length of one job by any agent's
   * runner and named like the runner lock (plus the job), so a SIGKILLed holder's slot is taken over on the
   * next tick rather than when its lock goes stale — after its job is failed and its orphaned agent killed,
   * so the count of running agents stays true.
   */
  private takeGlobalSlot(max: number, job: string): (() => void) | null {
    const me = { ...identify(process.pid), job };
    const isDead = (who: unknown): boolean => {
      const holder = who as ProcIdentity & { job?: string };
      if (liveness(holder) !== 'dead') return false;
      const r = typeof holder.job === 'string' && isJobId(holder.job) ? this.store.tryRead(holder.job) : null;
      if (r && 'job' in r) recoverIfLost(this.store, r.job);
      return true;
    };
    for (let i = 0; i < max; i++) {
      const path = join(this.store.paths.locks, `slot-${i}`);
      const release = acquireNamed(path, `${path}.json`, me, isDead);
      if (release) return release;
    }
    return null;
  }

  private maybeExit(): void {
    const now = Date.now();
    this.idleSince ??= now;
    if (now - this.idleSince < (this.opts.lingerMs ?? 1000)) return;
    // release, then look once more: a submitter publishes before it checks our lock, so nothing falls between
    this.releaseLock?.();
    this.releaseLock = null;
    if (this.store.queue.pending(this.agent).length > 0 && this.acquire()) {
      this.idleSince = null;
      this.again = true;
      return;
    }
    this.shutdown();
  }

  private shutdown(): void {
    if (this.ticker) clearInterval(this.ticker);
    for (const w of this.watchers) w.close();
    this.diag.log('info', 'runner idle, exiting', { agent: this.agent });
    this.finished?.();
  }

  private tick(): void {
    const now = Date.now();
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
          this.stop(a, 'cancel');
        } else if (a.settings.heartbeatTimeoutMs && now - a.lastOutput > a.settings.heartbeatTimeoutMs) this.stop(a, 'heartbeat');
      }
    }
    this.settleLeftovers();
    this.kick();
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
    for (const close of [() => a?.writer.close(), () => a && fs.closeSync(a.logFd)]) {
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
      tryUnlink(join(this.store.paths.active, id));
      releaseSlot();
      return;
    }
    let job = r.job;
    sweepTemps(this.store.paths.job(id)); // a crashed writer's leftovers
    const settings = settingsOf(job);
    const writer = EventWriter.open(this.store.paths.outputFile(id), { onError: (e) => this.writeFailed(id, e) });
    const recap = new RecapBuilder();
    const runtime = getRuntime(settings.runtime);
    const logPath = this.store.paths.agentLog(job.agent, id);
    ensureDir(join(logPath, '..'));
    const a: Active = {
      job,
      child: null,
      writer,
      parser: runtime.parser(),
      runtime,
      recap,
      settings,
      stoppedBy: null,
      cancelReason: null,
      lastOutput: Date.now(),
      timers: [],
      releaseSlot,
      logFd: fs.openSync(logPath, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND | fs.constants.O_NOFOLLOW, 0o600),
      logLines: [],
    };
    this.active.set(id, a);
    try {
      // a cancel request is acted on at once, not at the next tick
      a.watcher = fs.watch(this.store.paths.job(id), (_, name) => name === 'cancel.json' && this.tick()).on('error', () => {});
    } catch {
      /* the tick covers it */
    }
    const cancel = readCancelRequest(this.store, id);
    if (cancel) {
      a.cancelReason = cancel.reason;
      return this.end(a, { status: 'cancelled', exitReason: 'manual_cancel', error: null, cancelReason: cancel.reason });
    }
    if (!fs.existsSync(job.workspace)) {
      this.emit(a, { type: 'error', message: `workspace ${job.workspace} does not exist`, fatal: true });
      return this.end(a, { status: 'failed', exitReason: 'error', error: `workspace ${job.workspace} does not exist` });
    }
    const resume = job.trigger === 'resume' && job.sessionId ? job.sessionId : null;
    const sessionId = resume ?? (runtime.name === 'claude' ? randomUUID() : null);
    let spec;
    try {
      spec = runtime.launch({ prompt: job.prompt, workspace: job.workspace, sessionId: sessionId ?? '', resumeSessionId: resume, agent: { ...settings.raw, env: agentEnv(job) } });
    } catch (e) {
      const msg = (e as Error).message;
      this.emit(a, { type: 'error', message: msg, fatal: true });
      return this.end(a, { status: 'failed', exitReason: 'error', error: msg });
    }
    const me = identify(process.pid);
    job = this.store.commit(job, { to: 'running', patch: { sessionId, runnerPid: me.pid, runnerStartTime: me.startTime, host: thisHost(), bootId: bootId() } });
    a.job = job;
    let child: ChildProcess;
    try {
      child = this.spawn(spec.argv[0], spec.argv.slice(1), {
        cwd: spec.cwd,
        env: { ...process.env, ...spec.env },
        detached: true, // its own process group: signals reach the agent and its tools
        stdio: [spec.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
      });
    } catch (e) {
      return this.spawnFailed(a, e as Error);
    }
    a.child = child;
    child.once('error', (e) => this.spawnFailed(a, e));
    child.once('spawn', () => {
      const pid = child.pid!;
      a.job = { ...a.job, pid, pidStartTime: identify(pid).startTime };
      this.store.write(a.job);
      this.emit(a, { type: 'start', argv: spec.argv, cwd: spec.cwd, pid, runnerPid: process.pid, resumedSession: resume });
      if (spec.stdin !== undefined) child.stdin!.on('error', () => {}).end(spec.stdin); // EPIPE when the agent exits unread
      if (settings.timeoutMs) a.timers.push(setTimeout(() => this.stop(a, 'timeout'), settings.timeoutMs));
    });
    const feed = (stream: 'stdout' | 'stderr') => {
      const split = new LineSplitter((line) => {
        a.lastOutput = Date.now();
        for (const d of a.parser.line(line, stream)) this.emit(a, d);
      });
      child[stream]!.on('data', (c: Buffer) => split.push(c));
      return split;
    };
    const out = feed('stdout');
    const err = feed('stderr');
    let closed = 0;
    let exit: { code: number | null; signal: string | null } | null = null;
    const settle = () => {
      out.end();
      err.end();
      this.killGroup(a, 'SIGKILL'); // tools the agent left behind
      const stoppedBy = a.stoppedBy === 'heartbeat' ? null : a.stoppedBy;
      const outcome = a.runtime.outcome(a.parser, { code: exit?.code ?? null, signal: exit?.signal ?? null, stoppedBy });
      const ending: Ending = { ...outcome, exitCode: exit?.code ?? null, signal: exit?.signal ?? null, usage: a.parser.usage(), cancelReason: a.cancelReason };
      if (a.writeError) Object.assign(ending, { status: 'failed', exitReason: 'error', error: a.writeError });
      else if (a.stoppedBy === 'heartbeat') {
        Object.assign(ending, { status: 'failed', exitReason: 'error', error: `no output for ${Math.round(a.settings.heartbeatTimeoutMs! / 1000)}s (heartbeat_timeout): stopped by herdctl` });
      }
      const sid = a.parser.sessionId();
      if (sid) a.job = { ...a.job, sessionId: sid };
      this.end(a, ending);
    };
    let settled = false;
    const once = () => {
      if (settled) return;
      settled = true;
      settle();
    };
    const onClose = () => {
      if (++closed === 2 && exit) once();
    };
    child.stdout!.on('close', onClose);
    child.stderr!.on('close', onClose);
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      if (closed === 2) once();
      else setTimeout(once, 500).unref(); // a tool child may hold the pipes open
    });
  }

  /** output.jsonl cannot be written (ENOSPC, EIO): the job cannot be recorded, so it is stopped and fails with the cause. */
  private writeFailed(id: string, e: Error): void {
    const a = this.active.get(id);
    if (!a || a.writeError) return;
    a.writeError = `could not write ${this.store.paths.outputFile(id)}: ${e.message}`;
    this.diag.log('error', 'event log write failed', { job: id, error: (e as NodeJS.ErrnoException).code ?? 'error' });
    if (a.child?.pid && a.child.exitCode === null) this.killGroup(a, 'SIGKILL'); // its exit ends the job
    else this.end(a, { status: 'failed', exitReason: 'error', error: a.writeError });
  }

  private spawnFailed(a: Active, e: Error): void {
    if (!this.active.has(a.job.id) || a.job.pid) return;
    const msg = `could not start the agent: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? `program not found (${e.message})` : e.message}`;
    this.emit(a, { type: 'error', message: msg, fatal: true });
    this.end(a, { status: 'failed', exitReason: 'error', error: msg });
  }

  private emit(a: Active, d: EventDraft): void {
    const e = a.writer.append(d);
    a.recap.add(e);
    a.logLines.push(renderEvent(e as JobEvent, plain));
    if (a.logLines.length === 1) setImmediate(() => this.flushLog(a)); // one write per batch, like the event log
  }

  private flushLog(a: Active): void {
    if (a.logLines.length === 0) return;
    const text = a.logLines.join('\n') + '\n';
    a.logLines = [];
    try {
      fs.writeSync(a.logFd, text);
    } catch {
      /* the human log is best effort */
    }
  }

  /** SIGINT to the group, SIGTERM after half the grace (at most 5 s), SIGKILL after the grace. */
  private stop(a: Active, why: 'cancel' | 'timeout' | 'heartbeat'): void {
    if (a.stoppedBy) return;
    a.stoppedBy = why;
    this.diag.log('info', 'stopping job', { job: a.job.id, why });
    if (!a.child?.pid) return;
    const grace = a.settings.cancelGraceMs;
    this.killGroup(a, 'SIGINT');
    a.timers.push(setTimeout(() => this.killGroup(a, 'SIGTERM'), Math.min(grace / 2, 5000)));
    a.timers.push(setTimeout(() => this.killGroup(a, 'SIGKILL'), grace));
  }

  private killGroup(a: Active, sig: NodeJS.Signals): void {
    const pid = a.child?.pid;
    if (!pid) return;
    try {
      process.kill(-pid, sig);
    } catch {
      /* the group is gone */
    }
  }

  private end(a: Active, ending: Ending): void {
    if (this.active.get(a.job.id) !== a) return; // ended already (spawn error and exit both fired)
    a.watcher?.close();
    for (const t of a.timers) clearTimeout(t);
    a.timers = [];
    try {
      const done = finishJob(this.store, a.job, a.writer, a.recap, ending);
      this.flushLog(a);
      fs.writeSync(a.logFd, renderEvent({ seq: a.writer.seq - 1, ts: done.completedAt!, type: 'complete', status: done.status, exitReason: done.exitReason, error: done.error }, plain) + '\n');
      this.diag.log('info', 'job ended', { job: done.id, status: done.status, exitReason: done.exitReason, events: a.writer.seq });
      // async: the next job starts meanwhile
      this.deliveries = Promise.all([this.deliveries, deliverDue(this.opts.home, { diag: this.diag }).catch(() => {})]);
    } catch (e) {
      this.diag.log('error', 'could not end job', { job: a.job.id, error: (e as NodeJS.ErrnoException).code ?? 'error' });
      this.unfinished.set(a.job.id, ending.error ?? `herdctl could not record the end of the job: ${(e as Error).message}`); // retried each tick
    } finally {
      a.writer.close();
      fs.closeSync(a.logFd);
      a.releaseSlot();
      this.active.delete(a.job.id);
      setImmediate(() => this.kick());
    }
  }
}
