import * as fs from 'node:fs';
import { dirname, basename, join } from 'node:path';
import { hostname } from 'node:os';
import { isErrno } from './errors.js';
import { clock } from './clock.js';

/**
 * The file primitives herdctl's writers go through. A plain object so fault
 * tests can wrap any of them (fail the k-th call, ENOSPC, crash mid-protocol).
 */
export const io = {
  openSync: fs.openSync,
  writeSync: fs.writeSync as (fd: number, data: string | Uint8Array) => number,
  fsyncSync: fs.fsyncSync,
  fdatasyncSync: fs.fdatasyncSync,
  closeSync: fs.closeSync,
  renameSync: fs.renameSync,
  linkSync: fs.linkSync,
  mkdirSync: fs.mkdirSync,
  unlinkSync: fs.unlinkSync,
  ftruncateSync: fs.ftruncateSync,
  rmSync: fs.rmSync,
  chmodSync: fs.chmodSync,
};

export const DIR_MODE = 0o700;
export const FILE_MODE = 0o600;

/** mkdir -p with 0700 at every level it creates (mode is explicit, so the umask can only narrow it). */
export function ensureDir(path: string): void {
  try {
    io.mkdirSync(path, { recursive: true, mode: DIR_MODE });
  } catch (e) {
    if (isErrno(e, 'EEXIST')) return;
    // node's recursive mkdir says ENOENT for any failure (a read-only filesystem too): the plain mkdir says which
    if (!isErrno(e, 'ENOENT') || !existsDir(dirname(path))) throw e;
    try {
      io.mkdirSync(path, { mode: DIR_MODE });
    } catch (plain) {
      if (!isErrno(plain, 'EEXIST')) throw plain;
    }
  }
}

function existsDir(path: string): boolean {
  try {
    return fs.statSync(path).isDirectory();
  } catch {
    return false;
  }
}

export function fsyncDir(path: string): void {
  const fd = io.openSync(path, 'r');
  try {
    io.fsyncSync(fd);
  } finally {
    io.closeSync(fd);
  }
}

/** Writes all of `data`: writeSync may write less than asked. */
export function writeAll(fd: number, data: Buffer): void {
  let off = 0;
  while (off < data.length) off += io.writeSync(fd, off === 0 ? data : data.subarray(off));
}

export const TMP_PREFIX = '.tmp-';

/** The writer's host, in temp names: its pid means nothing on another host sharing the dir. Letters, digits, "." and "-". */
const HOST_TAG =
  hostname()
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '-')
    .slice(0, 64) || 'host';

/** Where a replacement of `path` is written first: beside it, named after its writer (see sweepTemps). */
export const tempPath = (path: string): string => join(dirname(path), `${TMP_PREFIX}${basename(path)}-${process.pid}-${Math.random().toString(36).slice(2, 8)}@${HOST_TAG}`);
/**
 * How far the clock that stamps files in `dir` (a file server's, on a
 * network filesystem) is from this host's: a file is created and its mtime
 * compared with the middle of the write. herdctl never compares clocks across
 * hosts (leases are judged on timers), but the age of a file it did not
 * write is only known by that clock (fileClockNow). Null when the probe file cannot be written.
 */
export function measureSkew(dir: string, now: () => number = clock.now): { skewMs: number; uncertaintyMs: number } | null {
  const probe = tempPath(join(dir, 'doctor-clock')); // a temp name: a sweep removes it if this process dies here
  try {
    const before = now();
    fs.writeFileSync(probe, '', { mode: 0o600 });
    const mtime = fs.statSync(probe).mtimeMs;
    const after = now();
    return { skewMs: Math.round(mtime - (before + after) / 2), uncertaintyMs: Math.ceil((after - before) / 2) + 1000 }; // + a coarse (1 s) timestamp
  } catch {
    return null;
  } finally {
    try {
      fs.unlinkSync(probe);
    } catch {
      /* never made */
    }
  }
}

const skews = new Map<number, number>();

/**
 * Now by the clock that stamps files in `dir` (the file server's, on NFS):
 * this host's clock plus a skew measured once per filesystem. What the age
 * of a file another host wrote is measured against: a host whose clock is
 * minutes ahead must not call another's file in progress old.
 */
export function fileClockNow(dir: string): number {
  let dev: number;
  try {
    dev = fs.statSync(dir).dev;
  } catch {
    return clock.now();
  }
  let skew = skews.get(dev);
  if (skew === undefined) skews.set(dev, (skew = measureSkew(dir)?.skewMs ?? 0));
  return clock.now() + skew;
}

/**
 * Replaces `path` atomically and durably: temp file beside it (0600, O_EXCL),
 * write, fsync, rename over, fsync the directory. A crash at any step leaves
 * the old file or the new one, never a torn one; a leftover temp file is
 * ignored by readers and swept by `sweepTemps`. `durable: false` skips both
 * fsyncs, for a cache that may be lost but never torn. `own`: asked just
 * before the rename, by a writer that may have lost the file meanwhile (a
 * fenced runner): if false, nothing replaces `path` and false is returned.
 */
export function writeFileAtomic(path: string, text: string, { durable = true, own }: { durable?: boolean; own?: () => boolean } = {}): boolean {
  const tmp = tempPath(path);
  const fd = io.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, FILE_MODE);
  try {
    writeAll(fd, Buffer.from(text));
    if (durable) io.fsyncSync(fd);
  } catch (e) {
    io.closeSync(fd);
    tryUnlink(tmp);
    throw e;
  }
  io.closeSync(fd);
  if (own && !own()) {
    tryUnlink(tmp);
    return false;
  }
  try {
    io.renameSync(tmp, path);
  } catch (e) {
    tryUnlink(tmp);
    throw e;
  }
  if (durable) fsyncDir(dirname(path));
  return true;
}

/**
 * Creates a file that must not exist yet; false when it already does. With
 * content, it appears whole or not at all: written to a temp file, then
 * hard-linked into place (link fails if the name exists, so the first writer
 * still wins and no reader ever sees it empty).
 */
export function createExclusive(path: string, text = ''): boolean {
  if (!text) {
    try {
      io.closeSync(io.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, FILE_MODE));
      return true;
    } catch (e) {
      if (isErrno(e, 'EEXIST')) return false;
      throw e;
    }
  }
  const tmp = tempPath(path);
  const fd = io.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, FILE_MODE);
  try {
    writeAll(fd, Buffer.from(text));
    io.fsyncSync(fd);
  } finally {
    io.closeSync(fd);
  }
  try {
    io.linkSync(tmp, path);
    return true;
  } catch (e) {
    if (isErrno(e, 'EEXIST')) return false;
    throw e;
  } finally {
    tryUnlink(tmp);
  }
}

/** Appends whole lines with one write on an O_APPEND descriptor, so concurrent appenders never interleave; `durable`: fsynced. */
export function appendLines(path: string, text: string, { durable = false } = {}): void {
  const fd = io.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_APPEND | fs.constants.O_NOFOLLOW, FILE_MODE);
  try {
    writeAll(fd, Buffer.from(text));
    if (durable) io.fsyncSync(fd);
  } finally {
    io.closeSync(fd);
  }
}

/** Renames `from` to `to`; false when `from` is gone (someone else moved it first: rename decides races). */
export function renameIfThere(from: string, to: string): boolean {
  try {
    io.renameSync(from, to);
    return true;
  } catch (e) {
    if (isErrno(e, 'ENOENT')) return false;
    throw e;
  }
}

/** rm -rf through `io`. */
export function removeTree(path: string): void {
  io.rmSync(path, { recursive: true, force: true });
}

export function tryUnlink(path: string): void {
  try {
    io.unlinkSync(path);
  } catch {
    /* already gone */
  }
}

/** Reads a file, or null when it does not exist. */
export function readIfExists(path: string): string | null {
  try {
    return fs.readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT', 'ENOTDIR')) return null;
    throw e;
  }
}

/** A file's bytes, or null when it cannot be read (gone meanwhile): for derived files and text searches. */
export function tryReadBytes(path: string): Buffer | null {
  try {
    return fs.readFileSync(path);
  } catch {
    return null;
  }
}

/** Up to `length` bytes of a file from byte `at` (fewer at its end), or null when it cannot be read. */
export function tryReadRange(path: string, at: number, length: number): Buffer | null {
  try {
    const fd = fs.openSync(path, 'r');
    try {
      const buf = Buffer.alloc(length);
      return buf.subarray(0, fs.readSync(fd, buf, 0, length, at));
    } finally {
      fs.closeSync(fd);
    }
  } catch {
    return null;
  }
}

/** Directory entries, or [] when the directory does not exist. */
export function listDir(path: string): string[] {
  try {
    return fs.readdirSync(path);
  } catch (e) {
    if (isErrno(e, 'ENOENT', 'ENOTDIR')) return [];
    throw e;
  }
}

/** listDir with each entry's type as readdir gives it (no stat; a filesystem that does not say gives neither directory nor link). */
export function listDirTyped(path: string): fs.Dirent[] {
  try {
    return fs.readdirSync(path, { withFileTypes: true });
  } catch (e) {
    if (isErrno(e, 'ENOENT', 'ENOTDIR')) return [];
    throw e;
  }
}

/**
 * Removes temp files a crashed writer left behind in `dir`: those over a
 * minute old by the file clock, and those over 5 s old whose writer (the
 * pid in the name) is not running on this host — a live writer needs
 * milliseconds. Another host's writer (named in the temp name) is given the
 * minute. `names`: the dir's listing, when the caller has just taken it
 * (100k jobs). `now`: Infinity removes every temp file (its writers are
 * known gone: another host's, once its lease expired).
 */
export function sweepTemps(dir: string, now?: number, names: Iterable<string> = listDir(dir)): number {
  let at = now;
  let swept = 0;
  for (const name of names) {
    if (!name.startsWith(TMP_PREFIX)) continue;
    try {
      at ??= fileClockNow(dir); // measured only when there is a temp file to judge
      const age = at - fs.statSync(join(dir, name)).mtimeMs;
      if (age > 60_000 || (age > 5_000 && writerGone(name))) {
        removeTree(join(dir, name)); // a temp file, or a half-made job directory
        swept++;
      }
    } catch {
      /* raced with another sweeper */
    }
  }
  return swept;
}

function writerGone(tempName: string): boolean {
  const m = /-(\d+)-[a-z0-9]*(?:@([a-z0-9.-]+))?$/.exec(tempName);
  const pid = Number(m?.[1]);
  if (!pid || (m?.[2] !== undefined && m[2] !== HOST_TAG)) return false; // another host's writer: only the minute rule
  try {
    process.kill(pid, 0);
    return false;
  } catch (e) {
    return isErrno(e, 'ESRCH');
  }
}
