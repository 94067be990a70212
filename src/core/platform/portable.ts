import { execFileSync } from 'node:child_process';
import { parseBsdMount } from '../storage.js';
import type { Platform, Probe } from './types.js';

export interface PortableDeps {
  /** process.kill(pid, 0) */
  signal0?: (pid: number) => void;
  /** Runs a program, returns its stdout; throws when it cannot run or exits non-zero. */
  exec?: (file: string, args: string[]) => string;
}

// C locale and UTC so `lstart` reads the same in every process, whatever its TZ or LANG.
const defaultExec = (file: string, args: string[]): string =>
  execFileSync(file, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, LC_ALL: 'C', LANG: 'C', TZ: 'UTC' }, timeout: 5000 });

/**
 * Systems without /proc (macOS, the BSDs, a Linux with /proc hidden):
 * kill(pid, 0) says whether a pid exists, `ps -o stat=,lstart=` gives its
 * state and its start time (whole seconds since the epoch), and
 * `sysctl -n kern.boottime` names the boot. Any of them failing gives
 * `unknown` or null, never `gone`.
 */
export function portablePlatform(deps: PortableDeps = {}): Platform {
  const signal0 = deps.signal0 ?? ((pid: number) => process.kill(pid, 0));
  const exec = deps.exec ?? defaultExec;
  let boot: string | null | undefined;
  return {
    name: 'portable',
    startUnit: 'seconds since the epoch',
    probe(pid: number): Probe {
      if (!Number.isInteger(pid) || pid <= 0) return { state: 'gone' };
      try {
        signal0(pid);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'ESRCH') return { state: 'gone' };
        if (code !== 'EPERM') return { state: 'unknown' }; // EPERM: it exists, another user's
      }
      let out: string;
      try {
        out = exec('ps', ['-o', 'stat=', '-o', 'lstart=', '-p', String(pid)]);
      } catch (e) {
        // ps exits 1 with no output when the pid is gone (it may have exited since kill(0))
        const status = (e as { status?: number }).status;
        const stdout = String((e as { stdout?: unknown }).stdout ?? '');
        if (status === 1 && stdout.trim() === '') return exists(signal0, pid) ? { state: 'running', start: null } : { state: 'gone' };
        return { state: 'running', start: null }; // no usable ps: alive, start unknown
      }
      return parsePs(out);
    },
    // lstart has whole seconds; Linux's procps derives it from a boot time that can move by a second
    sameStart: (a, b) => Math.abs(a - b) <= 1,
    bootId(): string | null {
      if (boot === undefined) {
        try {
          boot = parseBoottime(exec('sysctl', ['-n', 'kern.boottime']));
        } catch {
          boot = null;
        }
      }
      return boot;
    },
    mounts() {
      try {
        return parseBsdMount(exec('mount', []));
      } catch {
        return null;
      }
    },
  };
}

function exists(signal0: (pid: number) => void, pid: number): boolean {
  try {
    signal0(pid);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** `ps -o stat= -o lstart=` output: "S    Sat Dec  5 00:11:15 2026". */
export function parsePs(out: string): Probe {
  const line = out.trim();
  if (line === '') return { state: 'gone' };
  if (line.startsWith('Z')) return { state: 'gone' }; // zombie: exited, not yet reaped
  const m = /^(\S+)\s+(.+)$/.exec(line);
  if (!m) return { state: 'running', start: null };
  const ms = Date.parse(`${m[2].replace(/\s+/g, ' ')} UTC`);
  return { state: 'running', start: Number.isFinite(ms) ? Math.floor(ms / 1000) : null };
}

/** `sysctl -n kern.boottime`: "{ sec = 1733350000, usec = 123456 } Thu Dec  5 ..." → "1733350000.123456". */
export function parseBoottime(out: string): string | null {
  const m = /sec\s*=\s*(\d+)\s*,\s*usec\s*=\s*(\d+)/.exec(out);
  return m ? `${m[1]}.${m[2]}` : null;
}
