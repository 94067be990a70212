import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { appendLines } from './fsx.js';
import { hostId } from './host-id.js';
import { clock } from './clock.js';

/**
 * Appends to a file in the (possibly shared) state dir that only this host
 * appends to, one process of this host at a time. A network filesystem has
 * no append operation: an NFS client picks the offset itself, so two writers
 * whose views of the file's size differ overwrite each other's lines. Other
 * hosts never append to this host's files (they are named after its host id);
 * the processes of this host take turns through a host-local mutex, so the
 * size each one starts from includes the line before it.
 */
export function appendShared(path: string, text: string): void {
  appendSharedMany([[path, text]]);
}

/**
 * Many appends under one turn of the mutex, which is per directory (a
 * holder keeps it for microseconds, so one per folder costs no waiting): a
 * rebuild of 100k jobs writes ~2,000 hour segments, and a mutex per file
 * would create and link ~4,000 files in $TMPDIR besides.
 */
export function appendSharedMany(appends: Iterable<readonly [path: string, text: string]>): void {
  const byDir = new Map<string, [string, string][]>();
  for (const [path, text] of appends) (byDir.get(dirname(path)) ?? byDir.set(dirname(path), []).get(dirname(path))!).push([path, text]);
  for (const [dir, list] of byDir) withAppendTurn(dir, () => list.forEach(([path, text]) => appendLines(path, text)));
}

/**
 * Runs `fn` while this host's appenders to `dir` wait: for a rewrite of
 * this host's files there (index compaction) that no append may fall into.
 * Keep it short: a turn held past 10 s is taken to be stuck.
 */
export function withAppendTurn<T>(dir: string, fn: () => T): T {
  const release = localMutex(dir);
  try {
    return fn();
  } finally {
    release();
  }
}

const WAIT = new Int32Array(new SharedArrayBuffer(4));
const sleepMs = (ms: number) => Atomics.wait(WAIT, 0, 0, ms);
/** A holder takes a millisecond; one that keeps it this long is stuck, and the append goes ahead without it. */
const GIVE_UP_MS = 10_000;

let dirMemo: string | null | undefined;

/** A directory on this host's local disk, ours alone (0700, owned by us, not a symlink); null when there is none. */
function localDir(): string | null {
  if (dirMemo !== undefined) return dirMemo;
  const dir = join(tmpdir(), `herdctl-${process.getuid?.() ?? 'user'}`);
  try {
    fs.mkdirSync(dir, { mode: 0o700 });
  } catch {
    /* exists: checked below */
  }
  try {
    const st = fs.lstatSync(dir);
    const mine = st.isDirectory() && (process.getuid === undefined || st.uid === process.getuid()) && (st.mode & 0o077) === 0;
    dirMemo = mine ? dir : null;
  } catch {
    dirMemo = null;
  }
  return dirMemo;
}

/**
 * The lock is a file holding its holder's pid, made whole by link(2) (which
 * fails when the name exists). A holder that died (its pid gone) is moved
 * aside by rename, which one contender wins. Without a private local dir
 * (an odd /tmp), appends go ahead unlocked: right on a kernel NFS client,
 * whose processes share one view of the file's size.
 */
function localMutex(folder: string): () => void {
  const dir = localDir();
  if (!dir) return () => {};
  const lock = join(dir, `append-${hostId()}-${createHash('sha1').update(folder).digest('hex').slice(0, 20)}.lock`);
  const mine = `${lock}.${process.pid}`;
  fs.writeFileSync(mine, String(process.pid), { mode: 0o600 });
  const deadline = clock.now() + GIVE_UP_MS;
  try {
    for (;;) {
      try {
        fs.linkSync(mine, lock);
        return () => {
          try {
            if (fs.readFileSync(lock, 'utf8') === String(process.pid)) fs.unlinkSync(lock);
          } catch {
            /* taken over: it was ours no more */
          }
        };
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') return () => {};
      }
      if (holderDead(lock)) {
        const aside = `${lock}.dead-${process.pid}`;
        try {
          fs.renameSync(lock, aside);
          fs.unlinkSync(aside);
        } catch {
          /* another contender moved it first */
        }
        continue;
      }
      if (clock.now() > deadline) return () => {};
      sleepMs(1);
    }
  } finally {
    try {
      fs.unlinkSync(mine);
    } catch {
      /* gone */
    }
  }
}

function holderDead(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(fs.readFileSync(lock, 'utf8'));
  } catch {
    return false; // released meanwhile: try again
  }
  if (!Number.isInteger(pid) || pid <= 0) return true;
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'ESRCH';
  }
}
