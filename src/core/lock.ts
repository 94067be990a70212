import { createRequire } from 'node:module';
import type * as Lockfile from 'proper-lockfile';
import { ensureDir, io, removeTree, writeFileAtomic } from './fsx.js';
import { dirname } from 'node:path';
import * as fs from 'node:fs';
import { clock } from './clock.js';

// proper-lockfile (mkdir locks with an mtime heartbeat: fine on NFS, judged by
// staleness not pids) is loaded on first use: most commands never lock.
let lib: typeof Lockfile | null = null;
const lockfile = (): typeof Lockfile => (lib ??= createRequire(import.meta.url)('proper-lockfile') as typeof Lockfile);

export const STALE_MS = 20_000;
/** A gate whose maker has held it this long died in it. */
const GATE_STALE_MS = 5_000;

type Release = () => void;

/**
 * proper-lockfile is never let take a stale lock over: its remove-then-mkdir
 * lets two contenders both win (its issue #121; 5 of 40 rounds of 4 racers
 * here). Stale takeover happens in `replaceStale`, under the lock's gate.
 */
const NEVER_STALE = 2 ** 30;

/** proper-lockfile's mkdir, no stale takeover; null when the lock dir exists. */
function take(path: string, onCompromised?: (e: Error) => void): Release | null {
  try {
    const release = lockfile().lockSync(path, {
      stale: NEVER_STALE,
      update: STALE_MS / 4,
      realpath: false,
      // the default throws from a timer and kills the process; a lost lock is reported instead
      onCompromised: onCompromised ?? (() => {}),
    });
    private0700(path);
    return release;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ELOCKED') return null;
    throw e;
  }
}

/** proper-lockfile makes its lock directory with the umask's mode; ours are 0700 like everything else. */
function private0700(path: string): void {
  try {
    io.chmodSync(`${path}.lock`, 0o700);
  } catch {
    /* released meanwhile */
  }
}

/** The lock dir exists and its heartbeat stopped over STALE_MS ago. */
function isStale(path: string): boolean {
  try {
    return fs.statSync(`${path}.lock`).mtimeMs < clock.now() - STALE_MS;
  } catch {
    return false;
  }
}

/** Only under the gate: a stale lock is removed and taken, by one contender. */
function replaceStale(path: string, onCompromised?: (e: Error) => void): Release | null {
  if (!isStale(path)) return null;
  removeTree(`${path}.lock`);
  return take(path, onCompromised);
}

/**
 * Runs `fn` inside the lock's gate (a second mkdir lock, `<path>.gate/`), where
 * takeovers and names are decided one contender at a time. Null when someone
 * else is in it (a gate left by a maker that died in it is removed for next time).
 */
function withGate<T>(path: string, fn: () => T | null): T | null {
  const gate = `${path}.gate`;
  try {
    io.mkdirSync(gate, { mode: 0o700 });
  } catch {
    try {
      if (clock.now() - fs.statSync(gate).mtimeMs > GATE_STALE_MS) removeTree(gate);
    } catch {
      /* raced */
    }
    return null;
  }
  try {
    return fn();
  } finally {
    removeTree(gate);
  }
}

/** Takes the lock now, or a stale one over; null when someone else holds a fresh one. */
export function tryLockSync(path: string, onCompromised?: (e: Error) => void): Release | null {
  ensureDir(dirname(path));
  return take(path, onCompromised) ?? (isStale(path) ? withGate(path, () => replaceStale(path, onCompromised)) : null);
}

/** Whether a live (non-stale) holder has the lock. */
export function isLocked(path: string): boolean {
  try {
    return fs.statSync(`${path}.lock`).mtimeMs >= clock.now() - STALE_MS;
  } catch {
    return false;
  }
}

/**
 * Takes a lock that names its holder in `identityFile` (pid, start time,
 * host, boot). Every attempt runs inside the gate, and the identity is
 * written before the gate opens again, so a contender never judges the new
 * holder by its dead predecessor's identity: a holder known dead (same host)
 * is taken over at once, a live or unknown one is left alone (another host's
 * goes stale by its heartbeat). Null: someone else holds it, or is acquiring
 * it right now. The returned release frees the lock, then removes the name
 * if it is still ours.
 */
export function acquireNamed(path: string, identityFile: string, identity: object, isDead: (who: unknown) => boolean, onCompromised?: (e: Error) => void): Release | null {
  ensureDir(dirname(path));
  // held by someone alive: no gate is made, so pollers of a busy lock change nothing (and wake no watcher)
  if (isLocked(path) && !judgedDead(identityFile, isDead)) return null;
  return withGate(path, () => {
    if (isLocked(path)) {
      if (!judgedDead(identityFile, isDead)) return null;
      removeTree(`${path}.lock`);
    }
    // named before locked: whoever dies between the two leaves its own (dead) name on the lock, never a nameless one
    const name = JSON.stringify(identity) + '\n';
    writeFileAtomic(identityFile, name);
    const release = take(path, onCompromised) ?? replaceStale(path, onCompromised);
    if (!release) return null;
    // released before unnamed, for the same reason: a holder killed in between leaves a free lock, never a nameless held one
    return () => {
      release();
      unname(path, identityFile, name);
    };
  });
}

/** Removes our name unless a successor's has replaced it; inside the gate, where successors write theirs. */
function unname(path: string, identityFile: string, name: string): void {
  withGate(path, () => {
    try {
      if (fs.readFileSync(identityFile, 'utf8') === name) io.unlinkSync(identityFile);
    } catch {
      /* gone already */
    }
    return null;
  });
}

/** The lock's named holder is known dead; a missing or unreadable name is judged by staleness alone. */
function judgedDead(identityFile: string, isDead: (who: unknown) => boolean): boolean {
  try {
    return isDead(JSON.parse(fs.readFileSync(identityFile, 'utf8')));
  } catch {
    return false;
  }
}

/**
 * The one wait for a named lock (acquireNamed): tries `acquire` every
 * `everyMs` until it wins, or until `holderServes()` says a live holder that
 * named itself has it (it serves: stop trying), or `waitMs` has passed. A held
 * lock with no readable name (its holder between its name and its lock, or
 * exiting, or a gate left by a dead maker) is what the wait is for.
 */
export async function waitForNamed<R>(acquire: () => R | null | false, holderServes: () => boolean, waitMs: number, everyMs: number): Promise<R | null> {
  const deadline = clock.now() + waitMs;
  for (;;) {
    const got = acquire();
    if (got) return got;
    if (holderServes() || clock.now() > deadline) return null;
    await new Promise((r) => setTimeout(r, everyMs)); // real time: a lock's holder lives by the wall clock
  }
}
