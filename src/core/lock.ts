import { createRequire } from 'node:module';
import type * as Lockfile from 'proper-lockfile';
import { ensureDir, writeFileAtomic } from './fsx.js';
import { dirname } from 'node:path';
import * as fs from 'node:fs';

// proper-lockfile (mkdir locks with an mtime heartbeat: fine on NFS, judged by
// staleness not pids) is loaded on first use: most commands never lock.
let lib: typeof Lockfile | null = null;
const lockfile = (): typeof Lockfile => (lib ??= createRequire(import.meta.url)('proper-lockfile') as typeof Lockfile);

export const STALE_MS = 20_000;

const base = (onCompromised?: (e: Error) => void) => ({
  stale: STALE_MS,
  realpath: false,
  // the default throws from a timer and kills the process; a lost lock is reported instead
  onCompromised: onCompromised ?? (() => {}),
});

/** Takes the lock now or returns null when someone else holds a fresh one. */
export function tryLockSync(path: string, onCompromised?: (e: Error) => void): (() => void) | null {
  ensureDir(dirname(path));
  try {
    const release = lockfile().lockSync(path, { ...base(onCompromised), update: STALE_MS / 4 });
    private0700(path);
    return release;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOCKED') return null;
    throw e;
  }
}

/** Waits for the lock (polling with backoff) up to `waitMs`. */
export async function lock(path: string, waitMs = 10_000, onCompromised?: (e: Error) => void): Promise<() => Promise<void>> {
  ensureDir(dirname(path));
  const retries = { retries: Math.ceil(waitMs / 50), minTimeout: 5, maxTimeout: 100, factor: 1.5 };
  const release = await lockfile().lock(path, { ...base(onCompromised), update: STALE_MS / 4, retries });
  private0700(path);
  return release;
}

/** proper-lockfile makes its lock directory with the umask's mode; ours are 0700 like everything else. */
function private0700(path: string): void {
  try {
    fs.chmodSync(`${path}.lock`, 0o700);
  } catch {
    /* released meanwhile */
  }
}

/** Whether a live (non-stale) holder has the lock. */
export function isLocked(path: string): boolean {
  try {
    return lockfile().checkSync(path, { stale: STALE_MS, realpath: false });
  } catch {
    return false;
  }
}

/**
 * Takes a lock that names its holder in `identityFile` (pid, start time,
 * host, boot). Every attempt runs inside a second mkdir lock (the gate), and
 * the identity is written before the gate opens again, so a contender never
 * judges the new holder by its dead predecessor's identity: a holder known
 * dead (same host) is taken over at once, a live or unknown one is left alone
 * (another host's goes stale by its heartbeat). Null: someone else holds it,
 * or is acquiring it right now.
 */
export function acquireNamed(path: string, identityFile: string, identity: object, isDead: (who: unknown) => boolean, onCompromised?: (e: Error) => void): (() => void) | null {
  ensureDir(dirname(path));
  // held by someone alive: no gate is made, so pollers of a busy lock change nothing (and wake no watcher)
  if (isLocked(path) && !judgedDead(identityFile, isDead)) return null;
  const gate = `${path}.gate`;
  try {
    fs.mkdirSync(gate, { mode: 0o700 });
  } catch {
    try {
      if (Date.now() - fs.statSync(gate).mtimeMs > 5_000) fs.rmSync(gate, { recursive: true, force: true }); // its maker died in it
    } catch {
      /* raced */
    }
    return null;
  }
  try {
    if (isLocked(path)) {
      if (!judgedDead(identityFile, isDead)) return null;
      fs.rmSync(`${path}.lock`, { recursive: true, force: true });
    }
    // named before locked: whoever dies between the two leaves its own (dead) name on the lock, never a nameless one
    writeFileAtomic(identityFile, JSON.stringify(identity) + '\n');
    return tryLockSync(path, onCompromised);
  } finally {
    fs.rmSync(gate, { recursive: true, force: true });
  }
}

/** The lock's named holder is known dead; a missing or unreadable name is judged by staleness alone. */
function judgedDead(identityFile: string, isDead: (who: unknown) => boolean): boolean {
  try {
    return isDead(JSON.parse(fs.readFileSync(identityFile, 'utf8')));
  } catch {
    return false;
  }
}
