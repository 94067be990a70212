import { createRequire } from 'node:module';
import type * as Lockfile from 'proper-lockfile';
import { ensureDir, fileClockNow, io, removeTree, writeFileAtomic } from './fsx.js';
import { dirname } from 'node:path';
import * as fs from 'node:fs';
import { clock } from './clock.js';
import { holderDead, me, mtimeOf } from './holder.js';

// proper-lockfile (mkdir locks, exclusive on NFS too, with an mtime heartbeat)
// is loaded on first use: most commands never lock. Every lock names its
// holder; whether a holder is gone is holder.ts's rule, not the mtime's age.
let lib: typeof Lockfile | null = null;
const lockfile = (): typeof Lockfile => (lib ??= createRequire(import.meta.url)('proper-lockfile') as typeof Lockfile);

export const STALE_MS = 20_000;
/** A gate whose maker has held it this long died in it. */
const GATE_STALE_MS = 5_000;

type Release = () => void;

/**
 * proper-lockfile is never let take a stale lock over: its remove-then-mkdir
 * lets two contenders both win (its issue #121; 5 of 40 rounds of 4 racers
 * here). A dead holder's lock is taken over in `acquireNamed`, under the lock's gate.
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

/** The lock dir exists: held, or left by a holder that died. */
function present(path: string): boolean {
  try {
    fs.statSync(`${path}.lock`);
    return true;
  } catch {
    return false;
  }
}

/**
 * How old a path's mtime is by the clock that stamps files in its folder (the
 * file server's, on NFS): this host's clock corrected by a skew measured once
 * per folder, so a host whose clock is minutes off does not call a fresh gate old.
 */
function storedAgeMs(path: string): number | null {
  const m = mtimeOf(path);
  return m === null ? null : fileClockNow(dirname(path)) - m;
}

/** A lock whose name cannot be read (its holder between name and lock, or killed there): stale once its heartbeat is STALE_MS old. */
function namelessStale(path: string): boolean {
  const age = storedAgeMs(`${path}.lock`);
  return age !== null && age > STALE_MS;
}

/** Whether a lock's holder is known dead (isDead on its name), or the lock has no name and is stale. */
function holderGone(path: string, identityFile: string, isDead: (who: unknown) => boolean): boolean {
  let who: unknown;
  try {
    who = JSON.parse(fs.readFileSync(identityFile, 'utf8'));
  } catch {
    return namelessStale(path);
  }
  return isDead(who);
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
    if ((storedAgeMs(gate) ?? 0) > GATE_STALE_MS) removeTree(gate);
    return null;
  }
  try {
    return fn();
  } finally {
    removeTree(gate);
  }
}

/** The usual judge: the holder is known dead by holder.ts's rule, its heartbeat being the lock's mtime. */
export const deadIn =
  (home: string, path: string) =>
  (who: unknown): boolean =>
    holderDead(home, who, () => mtimeOf(`${path}.lock`), STALE_MS);

/** Takes a plain lock now (named `<path>.owner` with this process), or one whose holder is known dead; null while a holder not known dead has it. */
export function tryLockSync(home: string, path: string, onCompromised?: (e: Error) => void): Release | null {
  return acquireNamed(path, `${path}.owner`, me(), deadIn(home, path), onCompromised);
}

/** Whether a holder not known dead has the lock (a plain lock's name is `<path>.owner`). */
export function isHeld(path: string, isDead: (who: unknown) => boolean, identityFile = `${path}.owner`): boolean {
  return present(path) && !holderGone(path, identityFile, isDead);
}

/**
 * Takes a lock that names its holder in `identityFile` (pid, start time,
 * host, boot, lease). Every attempt runs inside the gate, and the identity is
 * written before the gate opens again, so a contender never judges the new
 * holder by its dead predecessor's identity. A holder `isDead` calls dead
 * (holder.ts: this host's by its pid, another's by its lease) is taken over;
 * a live or not-yet-judged one is left alone. Null: someone else holds it,
 * or is acquiring it right now. The returned release frees the lock, then
 * removes the name if it is still ours.
 */
export function acquireNamed(path: string, identityFile: string, identity: object, isDead: (who: unknown) => boolean, onCompromised?: (e: Error) => void): Release | null {
  ensureDir(dirname(path));
  // held by someone alive: no gate is made, so pollers of a busy lock change nothing (and wake no watcher)
  if (isHeld(path, isDead, identityFile)) return null;
  return withGate(path, () => {
    if (present(path)) {
      if (!holderGone(path, identityFile, isDead)) return null;
      removeTree(`${path}.lock`);
    }
    // named before locked: whoever dies between the two leaves its own (dead) name on the lock, never a nameless one
    const name = JSON.stringify(identity) + '\n';
    writeFileAtomic(identityFile, name, { durable: false }); // a name lost to a power cut leaves a nameless lock: judged stale by its age
    const release = take(path, onCompromised);
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
