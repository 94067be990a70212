// The platform seam: what herdctl asks the operating system about processes.
// One implementation reads Linux's /proc; the portable one (macOS, the BSDs,
// a Linux with /proc hidden) asks kill(0), ps and sysctl. Liveness, locks,
// recovery and the scheduler go through here; nothing else reads /proc for
// them (docs/platforms.md).
import { existsSync } from 'node:fs';
import { linuxPlatform } from './linux.js';
import { portablePlatform } from './portable.js';
import type { Platform } from './types.js';

export type { Platform, Probe } from './types.js';

let current: Platform | undefined;

/** HERDCTL_PLATFORM=linux|portable forces one (the suite runs the portable one on Linux); else /proc decides. */
export function choosePlatform(env: NodeJS.ProcessEnv = process.env): Platform {
  const want = env.HERDCTL_PLATFORM;
  if (want === 'portable') return portablePlatform();
  if (want === 'linux') return linuxPlatform();
  return existsSync('/proc/self/stat') ? linuxPlatform() : portablePlatform();
}

export function platform(): Platform {
  return (current ??= choosePlatform());
}

/** Swaps the platform in-process (tests); returns the restorer. */
export function setPlatform(p: Platform | undefined): () => void {
  const prev = current;
  current = p;
  return () => {
    current = prev;
  };
}

/**
 * Signals a process group. 'gone' when it no longer exists; 'denied' when it
 * belongs to someone else. Process groups and kill(-pgid) are POSIX: the same
 * on Linux, macOS and the BSDs.
 */
export function killGroup(pgid: number, sig: NodeJS.Signals): 'sent' | 'gone' | 'denied' {
  if (!Number.isInteger(pgid) || pgid <= 1) return 'gone'; // never -1 or -0: that is every process
  try {
    process.kill(-pgid, sig);
    return 'sent';
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? 'denied' : 'gone';
  }
}

/** Why herdctl cannot run on this system, or null. bin/run.js asks before anything else. */
export function unsupportedReason(p: NodeJS.Platform = process.platform): string | null {
  if (p === 'win32') return 'herdctl needs a POSIX system (Linux, macOS, a BSD): on Windows, run it inside WSL (https://learn.microsoft.com/windows/wsl/)';
  return null;
}
