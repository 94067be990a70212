import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import { bootId, thisHost, type ProcIdentity } from '../../src/core/liveness.js';
import { BIN, ROOT, collectLines, runCli, type CliResult } from '../helpers.js';

/**
 * Shared plumbing of the fault suite. Iteration counts: the default (quick)
 * variant runs with `npm test`; `npm run test:faults` sets HERDCTL_FAULT_N=full.
 */
export const FULL = process.env.HERDCTL_FAULT_N === 'full';
export const iterations = (quick: number, full: number): number => (FULL ? full : quick);

/** A scenario's sandbox: `<dir>/home` is the state dir, `<dir>/outside` a sibling tree that must stay untouched. */
export interface Sandbox {
  dir: string;
  home: string;
  outside: string;
  config: string;
  ws: string;
}

export function sandbox(t: TestContext, yaml = ''): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'herdctl-fault-'));
  // the scenario's runners and agents first (found by this path), then the files they wrote
  t.after(async () => {
    await reap(dir);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });
  const sb: Sandbox = { dir, home: join(dir, 'home'), outside: join(dir, 'outside'), config: join(dir, 'herdctl.yaml'), ws: join(dir, 'ws') };
  mkdirSync(join(sb.outside, 'nested'), { recursive: true });
  writeFileSync(join(sb.outside, 'keep.txt'), 'not herdctl’s\n');
  writeFileSync(join(sb.outside, 'nested', 'job.json'), '{"not":"a job"}\n');
  mkdirSync(sb.ws);
  if (yaml) writeFileSync(sb.config, yaml);
  return sb;
}

/** The CLI against a sandbox (its config, its home), as a user runs it. */
export function cli(sb: Sandbox, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<CliResult> {
  return runCli(args, { home: sb.home, env: { HERDCTL_CONFIG: sb.config, FAKE_CLAUDE_STATE: join(sb.ws, '.fake-claude'), ...env }, timeoutMs });
}

/** Spawns a TypeScript child script of this directory (through tsx), env cleaned of the test runner's. */
export function spawnChild(script: string, args: string[], env: NodeJS.ProcessEnv = {}, stdio: 'ignore' | 'pipe' = 'pipe'): ChildProcess {
  const e: NodeJS.ProcessEnv = { ...process.env, ...env };
  delete e.NODE_OPTIONS;
  delete e.NODE_TEST_CONTEXT;
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'faults', script), ...args], { cwd: ROOT, env: e, stdio: ['ignore', stdio, stdio] });
}

/** Collects a child's output and waits for it to end. */
export function finished(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') })),
  );
}

export async function until<T>(what: string, probe: () => T | null | undefined | false, timeoutMs = 15_000, everyMs = 20): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

export function readJobFile(home: string, id: string): Record<string, unknown> | null {
  try {
    return JSON.parse(readFileSync(join(home, 'jobs', id, 'job.json'), 'utf8'));
  } catch {
    return null;
  }
}

export const jobIds = (home: string): string[] => {
  try {
    return readdirSync(join(home, 'jobs')).filter((n) => n.startsWith('job-'));
  } catch {
    return [];
  }
};

/** Parsed events of a job's output.jsonl (whole lines only). */
export function events(home: string, id: string): Record<string, unknown>[] {
  let text: string;
  try {
    text = readFileSync(join(home, 'jobs', id, 'output.jsonl'), 'utf8');
  } catch {
    return [];
  }
  return text
    .split('\n')
    .slice(0, -1)
    .flatMap((l) => {
      try {
        return [JSON.parse(l)];
      } catch {
        return [];
      }
    });
}

/** The identity of a process that has exited: what a crashed runner leaves in job.json. */
export function deadIdentity(): ProcIdentity {
  const pid = spawnSync(process.execPath, ['-e', '0']).pid!;
  return { pid, startTime: 1, host: thisHost(), bootId: bootId() };
}

/** Pids of live processes whose command line mentions `marker` (a sandbox path): runners and agents we started. */
export function pidsMentioning(marker: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      if (/^\S+ \(.*\) [ZX] /.test(stat)) continue; // exited, not yet reaped
      if (readFileSync(`/proc/${name}/cmdline`, 'utf8').includes(marker)) found.push(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

/** Ends the runners and agents a scenario started (found by its sandbox path), each by its pid. */
export async function reap(marker: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const pids = pidsMentioning(marker);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
    }
    await sleep(50);
  }
}

/** A `command` agent block; `extra` lines are appended as written (already indented by 4). */
export function commandAgent(name: string, argv: string[], extra = ''): string {
  return `  ${name}:\n    runtime: command\n    command: ${JSON.stringify(argv)}\n${extra}`;
}

/** An agent program: node running `code` with the given argv, so tests need no extra files. */
export const nodeAgent = (code: string, ...args: string[]): string[] => [process.execPath, '-e', code, ...args];

/** A CLI process left running (herdctl start), its output collected line by line. */
export interface Running {
  child: ChildProcess;
  out: string[];
  err: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
  /** Waits for an output line matching `re`. */
  line(re: RegExp, timeoutMs?: number): Promise<string>;
}

/**
 * Starts `node bin/run.js …` against a sandbox. With `preload`, test/faults/preload.ts is
 * loaded first (HERDCTL_FAULT_PLAN, HERDCTL_START_AT in `env`), in it and in the runners it starts.
 */
export function startCli(sb: Sandbox, args: string[], env: NodeJS.ProcessEnv = {}, preload = false): Running {
  const e: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', HERDCTL_HOME: sb.home, HERDCTL_CONFIG: sb.config, ...env };
  delete e.NODE_TEST_CONTEXT;
  delete e.NODE_OPTIONS;
  if (preload) e.NODE_OPTIONS = `--import ${import.meta.resolve('tsx')} --import ${join(ROOT, 'test', 'faults', 'preload.ts')}`;
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: e, stdio: ['ignore', 'pipe', 'pipe'] });
  const { out, err } = collectLines(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out.join('\n'), stderr: err.join('\n') })),
  );
  const line = (re: RegExp, timeoutMs = 15_000) => until(`a line matching ${re}`, () => out.find((l) => re.test(l)), timeoutMs);
  return { child, out, err, exited, line };
}
