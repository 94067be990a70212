import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';

/** A process as herdctl records it: a pid means nothing without its start time, host and boot. */
export interface ProcIdentity {
  pid: number;
  startTime: number | null;
  host: string;
  bootId: string | null;
}

let cachedBoot: string | null | undefined;
export function bootId(): string | null {
  if (cachedBoot === undefined) {
    try {
      cachedBoot = readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim();
    } catch {
      cachedBoot = null;
    }
  }
  return cachedBoot;
}

export const thisHost = (): string => hostname();

/** Start time in clock ticks since boot (/proc/<pid>/stat field 22), or null when the process is gone. */
export function procStartTime(pid: number): number | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z' || fields[0] === 'X') return null; // exited, not yet reaped
    return Number(fields[19]); // field 22 overall (fields[0] is field 3, the state)
  } catch {
    return null;
  }
}

export function identify(pid: number): ProcIdentity {
  return { pid, startTime: procStartTime(pid), host: thisHost(), bootId: bootId() };
}

/**
 * 'alive' / 'dead' for a process of this host; 'unknown' for another host's
 * (judge those by their lock's heartbeat, never by a local pid check).
 */
export function liveness(p: ProcIdentity): 'alive' | 'dead' | 'unknown' {
  if (p.host !== thisHost()) return 'unknown';
  if (p.bootId && bootId() && p.bootId !== bootId()) return 'dead'; // rebooted since
  const st = procStartTime(p.pid);
  if (st === null) return 'dead';
  if (p.startTime !== null && st !== p.startTime) return 'dead'; // pid recycled
  return 'alive';
}
