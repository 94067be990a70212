import { readFileSync } from 'node:fs';
import { parseMountinfo } from '../storage.js';
import type { Platform, Probe } from './types.js';

/** Linux with /proc: start time in clock ticks since boot (/proc/<pid>/stat field 22), boot id from the kernel. */
export function linuxPlatform(procRoot = '/proc'): Platform {
  let boot: string | null | undefined;
  return {
    name: 'linux',
    startUnit: 'clock ticks since boot',
    probe(pid: number): Probe {
      let stat: string;
      try {
        stat = readFileSync(`${procRoot}/${pid}/stat`, 'utf8');
      } catch (e) {
        return (e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'ESRCH' ? { state: 'gone' } : { state: 'unknown' };
      }
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (fields[0] === 'Z' || fields[0] === 'X') return { state: 'gone' }; // exited, not yet reaped
      const start = Number(fields[19]); // field 22 overall (fields[0] is field 3, the state)
      return { state: 'running', start: Number.isFinite(start) ? start : null };
    },
    sameStart: (a, b) => a === b,
    bootId(): string | null {
      if (boot === undefined) {
        try {
          boot = readFileSync(`${procRoot}/sys/kernel/random/boot_id`, 'utf8').trim() || null;
        } catch {
          boot = null;
        }
      }
      return boot;
    },
    mounts() {
      try {
        return parseMountinfo(readFileSync(`${procRoot}/self/mountinfo`, 'utf8'));
      } catch {
        return null;
      }
    },
  };
}
