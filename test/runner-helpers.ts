// Helpers for the runner tests: a throwaway state dir with a config, the real
// CLI, the fake Claude CLI, and process inspection through /proc. Real
// processes and signals only; nothing here imports herdctl's own code.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ROOT, runCli, type CliResult } from './helpers.js';

export { ROOT, runCli };
export const FAKE_CLAUDE = join(ROOT, 'fixtures', 'bin', 'claude');
export const ID_RE = /^job-\d{8}-\d{6}-[0-9a-z]{8}$/;
export const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

export type Json = Record<string, any>;

export interface Fleet {
  dir: string;
  home: string;
  ws: string;
  config: string;
  env: NodeJS.ProcessEnv;
  /** The real CLI with this fleet's home and config. */
  cli(args: string[], opts?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): Promise<CliResult>;
  /** `herdctl run …` that must succeed; returns the job id it printed. */
  submit(agent: string, ...args: string[]): Promise<string>;
  job(id: string): Json;
  log(id: string): ParsedLog;
  jobIds(): string[];
}

/**
 * A fresh state dir, a workspace and a herdctl.yaml. `yaml` gets the paths
 * and returns the config text. On teardown every process this fleet started
 * (runners, agents and their tools, recognised through /proc as ours) is
 * killed by pid before the directory is removed.
 */
export function fleet(t: TestContext, yaml: (p: { dir: string; ws: string; claude: string }) => string): Fleet {
  const dir = mkdtempSync(join(tmpdir(), 'herdctl-runner-'));
  const home = join(dir, 'home');
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  const config = join(dir, 'herdctl.yaml');
  writeFileSync(config, yaml({ dir, ws, claude: FAKE_CLAUDE }));
  const env: NodeJS.ProcessEnv = { HERDCTL_HOME: home, HERDCTL_CONFIG: config, FAKE_CLAUDE_STATE: join(dir, 'fake-claude') };
  t.after(async () => {
    killOurs(dir);
    await sleep(50);
    rmSync(dir, { recursive: true, force: true });
  });
  const f: Fleet = {
    dir,
    home,
    ws,
    config,
    env,
    cli: (args, opts = {}) => runCli(args, { home, env: { ...env, ...opts.env }, timeoutMs: opts.timeoutMs ?? 60_000 }),
    async submit(agent, ...args) {
      const r = await f.cli(['run', agent, ...args]);
      assert.equal(r.code, 0, `run ${agent} ${args.join(' ')} failed: ${r.stderr}`);
      const id = r.stdout.trim();
      assert.match(id, ID_RE);
      return id;
    },
    job: (id) => JSON.parse(readFileSync(join(home, 'jobs', id, 'job.json'), 'utf8')),
    log: (id) => parseLog(readOr(join(home, 'jobs', id, 'output.jsonl'), '')),
    jobIds: () => (existsSync(join(home, 'jobs')) ? readdirSync(join(home, 'jobs')).filter((n) => ID_RE.test(n)) : []),
  };
  return f;
}

/** A claude agent block running the fake CLI. */
export const claudeAgent = (name: string, ws: string, extra = ''): string =>
  `  ${name}:\n    runtime: claude\n    claude_bin: ${JSON.stringify(FAKE_CLAUDE)}\n    workspace: ${JSON.stringify(ws)}\n${extra}`;

/** A command agent block; `command` is the argv. */
export const commandAgent = (name: string, ws: string, command: string[], extra = ''): string =>
  `  ${name}:\n    runtime: command\n    command: ${JSON.stringify(command)}\n    workspace: ${JSON.stringify(ws)}\n${extra}`;

const readOr = (path: string, or: string): string => {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return or;
  }
};

export interface ParsedLog {
  events: Json[];
  /** Lines that end in "\n" but are not JSON events (must stay empty). */
  bad: string[];
  /** A final fragment without "\n", if any. */
  torn: string | null;
  raw: string;
}

export function parseLog(raw: string): ParsedLog {
  const parts = raw.split('\n');
  const last = parts.pop()!;
  const events: Json[] = [];
  const bad: string[] = [];
  for (const line of parts) {
    try {
      const e = JSON.parse(line);
      if (typeof e?.seq === 'number' && typeof e?.type === 'string' && typeof e?.ts === 'string') events.push(e);
      else bad.push(line);
    } catch {
      bad.push(line);
    }
  }
  return { events, bad, torn: last === '' ? null : last, raw };
}

/** The §3 guarantees of a finished job's log: whole lines, seq 0…n-1, exactly one complete, and it is last. */
export function assertFinishedLog(log: ParsedLog, what = 'output.jsonl'): Json {
  assert.deepEqual(log.bad, [], `${what}: lines that are not events`);
  assert.equal(log.torn, null, `${what}: torn last line`);
  assert.deepEqual(
    log.events.map((e) => e.seq),
    log.events.map((_, i) => i),
    `${what}: seqs have gaps or repeats`,
  );
  const completes = log.events.filter((e) => e.type === 'complete');
  assert.equal(completes.length, 1, `${what}: ${completes.length} complete events`);
  assert.equal(log.events.at(-1)!.type, 'complete', `${what}: complete is not the last event`);
  return completes[0];
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Polls until `fn` returns a truthy value; fails with `what` after `timeoutMs`. */
export async function waitFor<T>(what: string, fn: () => T | undefined | null | false, timeoutMs = 20_000, everyMs = 25): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown = null;
  for (;;) {
    try {
      const v = fn();
      if (v) return v;
    } catch (e) {
      lastError = e; // e.g. job.json not there yet
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? ` (last error: ${(lastError as Error).message})` : ''}`);
    await sleep(everyMs);
  }
}

export const waitStatus = (f: Fleet, id: string, statuses: string[], timeoutMs = 30_000): Promise<Json> =>
  waitFor(`${id} to be ${statuses.join('|')}`, () => {
    const j = f.job(id);
    return statuses.includes(j.status) ? j : null;
  }, timeoutMs);

export const waitTerminal = (f: Fleet, id: string, timeoutMs = 30_000): Promise<Json> => waitStatus(f, id, [...TERMINAL], timeoutMs);

/** Waits for an event in the job's output.jsonl matching `pred`. */
export const waitEvent = (f: Fleet, id: string, pred: (e: Json) => boolean, what: string, timeoutMs = 20_000): Promise<Json> =>
  waitFor(`${what} in ${id}'s output`, () => f.log(id).events.find(pred), timeoutMs);

// ─── Processes, through /proc ────────────────────────────────────────────────

interface ProcStat {
  pid: number;
  state: string;
  pgrp: number;
}

function procStat(pid: number): ProcStat | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = s.slice(s.lastIndexOf(')') + 2).split(' ');
    return { pid, state: f[0], pgrp: Number(f[2]) };
  } catch {
    return null;
  }
}

/** A process's start time in clock ticks since boot (/proc/<pid>/stat field 22), as herdctl records it. */
export function startTime(pid: number): number | null {
  try {
    const s = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(s.slice(s.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return null;
  }
}

/**
 * Whether a process lives: `process.kill(pid, 0)`, and not a zombie. (Orphans
 * here are re-parented to a PID 1 that may never reap them; a zombie has
 * exited and holds nothing but its pid.)
 */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
    throw e;
  }
  const st = procStat(pid);
  return st !== null && st.state !== 'Z' && st.state !== 'X';
}

/** Live (non-zombie) members of a process group; [] once `kill(-pgid, 0)` finds none. */
export function groupMembers(pgid: number): number[] {
  try {
    process.kill(-pgid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return [];
    throw e;
  }
  const out: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const st = procStat(Number(name));
    if (st && st.pgrp === pgid && st.state !== 'Z' && st.state !== 'X') out.push(st.pid);
  }
  return out;
}

export const waitGone = (pids: number[], what: string, timeoutMs = 10_000): Promise<true> =>
  waitFor(`${what} (${pids.join(', ')}) to be gone`, () => pids.every((p) => !alive(p)), timeoutMs);

export const waitGroupGone = (pgid: number, what: string, timeoutMs = 10_000): Promise<true> =>
  waitFor(`process group ${pgid} (${what}) to be gone`, () => groupMembers(pgid).length === 0, timeoutMs);

/** SIGKILLs every live process whose command line or working directory lies under `dir`. */
export function killOurs(dir: string): void {
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const pid = Number(name);
    let ours = false;
    try {
      ours = readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir);
    } catch {
      continue;
    }
    try {
      ours ||= readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
    } catch {
      /* gone, or not ours to read */
    }
    if (!ours) continue;
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
}

/** Peak number of open intervals; at equal times an end is counted before a start (a freed slot may be reused at once). */
export function peakOverlap(intervals: { start: number | bigint; end: number | bigint }[]): number {
  const points: [bigint, number][] = [];
  for (const i of intervals) {
    points.push([BigInt(i.start), 1], [BigInt(i.end), -1]);
  }
  points.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  let cur = 0;
  let peak = 0;
  for (const [, d] of points) {
    cur += d;
    peak = Math.max(peak, cur);
  }
  return peak;
}
