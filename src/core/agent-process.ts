import type { ChildProcess, spawn as nodeSpawn } from 'node:child_process';
import { LineSplitter } from './lines.js';
import { killGroup } from './platform/index.js';
import type { LaunchSpec } from './runtimes/types.js';

export interface ProcessExit {
  code: number | null;
  signal: string | null;
}

export interface StopStep {
  signal: 'SIGINT' | 'SIGTERM' | 'SIGKILL';
  afterMs: number; // after the stop began
}

/** SIGINT to the group at once, SIGTERM after half the grace (at most 5 s), SIGKILL after the grace. */
export function stopSchedule(graceMs: number): StopStep[] {
  return [
    { signal: 'SIGINT', afterMs: 0 },
    { signal: 'SIGTERM', afterMs: Math.min(graceMs / 2, 5000) },
    { signal: 'SIGKILL', afterMs: graceMs },
  ];
}

export interface AgentProcessHooks {
  /** The process exists (its pid is known). */
  spawned(pid: number): void;
  /** One whole line of its output, without the newline. */
  line(text: string, stream: 'stdout' | 'stderr'): void;
  /** It could not be started (ENOENT, EACCES …); no `ended` follows unless it had spawned. */
  failed(e: Error): void;
  /** It exited and its output was read to the end; its process group has been SIGKILLed (tools it left behind). Called once. */
  ended(exit: ProcessExit): void;
}

/**
 * The supervision of one agent process: started in its own process group (so
 * signals reach the agent and its tools), stdin handed over and closed, output
 * split into lines, stopped by escalation, and ended exactly once.
 */
export class AgentProcess {
  private readonly timers: NodeJS.Timeout[] = [];
  private done = false;

  private constructor(readonly child: ChildProcess) {}

  /** Throws when the spawn fails synchronously; asynchronous failures go to `hooks.failed`. */
  static start(spawn: typeof nodeSpawn, spec: LaunchSpec, hooks: AgentProcessHooks): AgentProcess {
    const child = spawn(spec.argv[0], spec.argv.slice(1), {
      cwd: spec.cwd,
      env: { ...process.env, ...spec.env },
      detached: true, // its own process group: signals reach the agent and its tools
      stdio: [spec.stdin !== undefined ? 'pipe' : 'ignore', 'pipe', 'pipe'],
    });
    const p = new AgentProcess(child);
    child.once('error', (e) => hooks.failed(e));
    child.once('spawn', () => {
      hooks.spawned(child.pid!);
      if (spec.stdin !== undefined) child.stdin!.on('error', () => {}).end(spec.stdin); // EPIPE when the agent exits unread
    });
    const feed = (stream: 'stdout' | 'stderr') => {
      const split = new LineSplitter((text) => hooks.line(text, stream));
      child[stream]!.on('data', (c: Buffer) => split.push(c));
      return split;
    };
    const out = feed('stdout');
    const err = feed('stderr');
    let closed = 0;
    let exit: ProcessExit | null = null;
    const settle = () => {
      if (p.done) return;
      p.done = true;
      out.end();
      err.end();
      p.signal('SIGKILL'); // tools the agent left behind
      p.clearTimers();
      hooks.ended(exit!);
    };
    const onClose = () => {
      if (++closed === 2 && exit) settle();
    };
    child.stdout!.on('close', onClose);
    child.stderr!.on('close', onClose);
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      if (closed === 2) settle();
      else setTimeout(settle, 500).unref(); // a tool child may hold the pipes open
    });
    return p;
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get exited(): boolean {
    return this.child.exitCode !== null || this.child.signalCode !== null;
  }

  /** Stops by escalation (stopSchedule); `onSignal` hears of each signal as it is sent (not after the process ended). */
  stop(graceMs: number, onSignal: (step: StopStep) => void = () => {}): void {
    const [first, ...later] = stopSchedule(graceMs);
    this.signal(first.signal);
    onSignal(first);
    for (const step of later) {
      this.timers.push(
        setTimeout(() => {
          if (this.done) return;
          this.signal(step.signal);
          onSignal(step);
        }, step.afterMs),
      );
    }
  }

  /** To the whole process group. */
  signal(sig: NodeJS.Signals): void {
    const pid = this.child.pid;
    if (!pid) return;
    killGroup(pid, sig); // gone already: nothing to do
  }

  clearTimers(): void {
    for (const t of this.timers) clearTimeout(t);
    this.timers.length = 0;
  }
}
