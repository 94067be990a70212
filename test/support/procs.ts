// Processes, through /proc: what a test started, whether it lives, and ending
// it by pid (never by name). Linux only, like the liveness code under test.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';
import { bootId, procStartTime, thisHost, type ProcIdentity } from '../../src/core/liveness.js';
import { sleep, waitFor } from './wait.js';

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

const exited = (st: ProcStat | null) => st === null || st.state === 'Z' || st.state === 'X';

/** A process's start time as herdctl records it: the platform's unit (/proc ticks, or epoch seconds from ps with HERDCTL_PLATFORM=portable). */
export const startTime = (pid: number): number | null => procStartTime(pid);

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
  return !exited(procStat(pid));
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
    if (st && st.pgrp === pgid && !exited(st)) out.push(st.pid);
  }
  return out;
}

export const waitGone = (pids: number[], what: string, timeoutMs = 10_000): Promise<true> => waitFor(`${what} (${pids.join(', ')}) to be gone`, () => pids.every((p) => !alive(p)), timeoutMs);

export const waitGroupGone = (pgid: number, what: string, timeoutMs = 10_000): Promise<true> => waitFor(`process group ${pgid} (${what}) to be gone`, () => groupMembers(pgid).length === 0, timeoutMs);

/** Pids of live (non-zombie) processes whose command line mentions `marker` (a temp-dir path). */
export function pidsMentioning(marker: string): number[] {
  return livePids().filter((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false; // gone meanwhile
    }
  });
}

/**
 * Pids of live processes started under `dir` (a test's temp dir): their
 * command line mentions it (runners, scripts, `--config` paths) or their
 * working directory lies in it (agents in a workspace).
 */
export function pidsUnder(dir: string): number[] {
  return livePids().filter((pid) => {
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(dir)) return true;
      return readlinkSync(`/proc/${pid}/cwd`).startsWith(dir);
    } catch {
      return false; // gone, or not ours to read
    }
  });
}

/** Every live, non-zombie process but this one. */
function livePids(): number[] {
  return readdirSync('/proc')
    .filter((n) => /^\d+$/.test(n) && Number(n) !== process.pid)
    .map(Number)
    .filter((pid) => !exited(procStat(pid)));
}

/** SIGKILLs every process started under `dir`, each by its pid, until none is left (3 sweeps: a dying parent may spawn). */
export async function reap(dir: string): Promise<void> {
  for (let i = 0; i < 3; i++) {
    const pids = pidsUnder(dir);
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
    await sleep(50);
  }
}

/** The identity of a process that has exited: what a crashed runner leaves in job.json. */
export function deadIdentity(): ProcIdentity {
  const pid = spawnSync(process.execPath, ['-e', '0']).pid!;
  return { pid, startTime: 1, host: thisHost(), bootId: bootId() };
}

/** Waits until no runner (of `agent`, if given) holds its lock in `home` (the runners a test started went idle), at most `timeoutMs`; never fails. */
export async function runnersGone(home: string, timeoutMs = 30_000, agent?: string): Promise<void> {
  const locks = join(home, 'locks');
  const prefix = agent ? `runner-${agent}@` : 'runner-';
  const busy = () => existsSync(locks) && readdirSync(locks).some((n) => n.startsWith(prefix) && n.endsWith('.lock'));
  await waitFor('runners to go idle', () => !busy(), timeoutMs, 100).catch(() => undefined);
}
