import * as fs from 'node:fs';
import type { EventDraft, JobEvent } from './events.js';
import { io, writeAll, FILE_MODE, tempPath, tryReadBytes } from './fsx.js';
import { HerdError } from './errors.js';
import { clock } from './clock.js';

const CHUNK = 1 << 20;

/** A line of output.jsonl as read: the raw text (no "\n", no "\r") and, if it parsed, the event. */
export interface LogLine {
  lineNo: number; // 1-based
  raw: string;
  event: JobEvent | null;
  end: number; // byte offset just past this line's "\n"
}

export interface LogProblem {
  lineNo: number;
  kind: 'torn' | 'corrupt';
  detail: string;
}

export function parseEvent(raw: string): JobEvent | null {
  if (raw.length === 0 || raw[0] !== '{') return null;
  try {
    const v = JSON.parse(raw);
    return v && typeof v === 'object' && typeof v.seq === 'number' && typeof v.type === 'string' ? (v as JobEvent) : null;
  } catch {
    return null;
  }
}

/**
 * Reads whole lines from `start` to the end of the file in 1 MiB chunks, so a
 * 1 GB log costs one chunk of memory (plus the longest line). A final
 * fragment without "\n" is a torn line: reported, not returned, and its
 * start offset is `tornAt` so a follower can resume there. `copyOnly`: the
 * caller prints raw lines and needs no events (a stand-in is returned).
 */
export function* readLog(path: string, start = 0, firstLineNo = 1, onProblem?: (p: LogProblem) => void, copyOnly = false): Generator<LogLine, { end: number; tornAt: number | null }> {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return { end: start, tornAt: null };
    throw new HerdError('corrupt', `${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, `inspect it with: ls -l ${path}`);
  }
  const buf = Buffer.allocUnsafe(CHUNK);
  let pos = start; // file offset of the next byte to read
  let lineStart = start;
  let lineNo = firstLineNo;
  let pending: Buffer[] = []; // bytes of the current, unfinished line
  try {
    for (;;) {
      const n = readChunk(fd, buf, pos, path);
      if (n === 0) break;
      let from = 0;
      for (;;) {
        const nl = buf.indexOf(10, from);
        if (nl === -1 || nl >= n) break;
        pending.push(buf.subarray(from, nl));
        let raw = pending.length === 1 ? pending[0].toString('utf8') : Buffer.concat(pending).toString('utf8');
        pending = [];
        if (raw.endsWith('\r')) raw = raw.slice(0, -1);
        const end = pos + nl + 1;
        // copying lines through unchanged: a line shaped like ours needs no parse (the cost of 1 GB logs)
        const event = copyOnly && looksWritten(raw) ? WRITTEN : parseEvent(raw);
        if (!event && onProblem) onProblem({ lineNo, kind: 'corrupt', detail: describeBad(raw) });
        yield { lineNo, raw, event, end };
        lineNo++;
        lineStart = end;
        from = nl + 1;
      }
      if (from < n) pending.push(Buffer.from(buf.subarray(from, n)));
      pos += n;
    }
  } finally {
    fs.closeSync(fd);
  }
  if (pos > lineStart) {
    onProblem?.({ lineNo, kind: 'torn', detail: `${pos - lineStart} bytes without a final newline (a write in progress, or a crash mid-append)` });
    return { end: lineStart, tornAt: lineStart };
  }
  return { end: pos, tornAt: null };
}

function readChunk(fd: number, buf: Buffer, pos: number, path: string): number {
  try {
    return fs.readSync(fd, buf, 0, buf.length, pos);
  } catch (e) {
    throw new HerdError('corrupt', `${path} cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`, `inspect it with: ls -l ${path}`);
  }
}

/** Stands for an event a copy-only read did not parse. */
const WRITTEN = Object.freeze({ seq: -1, ts: '', type: 'unparsed' }) as unknown as JobEvent;
const looksWritten = (raw: string): boolean => raw.startsWith('{"seq":') && raw.endsWith('}');

function describeBad(raw: string): string {
  if (raw.length === 0) return 'empty line';
  return `not a JSON event (${raw.length} bytes, starts ${JSON.stringify(raw.slice(0, 40))})`;
}

/**
 * The single writer of one job's output.jsonl. Lines are stamped with
 * gap-free `seq`, batched per tick into one write on an O_APPEND descriptor
 * (whole lines only, so readers never see half an event from us), and
 * fdatasync'ed within `syncEveryMs`; `flush(true)` syncs at once (status changes).
 */
export class EventWriter {
  private buffered: string[] = [];
  private bufferedBytes = 0;
  private flushScheduled = false;
  private abandoned = false;
  private syncTimer: NodeJS.Timeout | null = null;
  private dirty = false;
  private dirtySince: number | null = null;
  private nextSeq: number;
  private batchSeq: number; // seq of the first buffered line
  private size: number; // bytes of whole lines in the file
  published = 0;

  private constructor(
    private readonly fd: number,
    nextSeq: number,
    size: number,
    private readonly syncEveryMs: number,
    private readonly onLines?: (lines: string) => void,
    private readonly onError?: (e: Error) => void,
  ) {
    this.nextSeq = nextSeq;
    this.batchSeq = nextSeq;
    this.size = size;
  }

  /**
   * Opens (creating 0600) for appending. Taking over a log a dead writer left
   * with a torn last line truncates that fragment, so the file keeps "at most
   * a torn last line" and gap-free seqs.
   */
  static open(path: string, opts: { syncEveryMs?: number; onLines?: (lines: string) => void; onError?: (e: Error) => void } = {}): EventWriter {
    const fd = io.openSync(path, fs.constants.O_RDWR | fs.constants.O_CREAT | fs.constants.O_APPEND | fs.constants.O_NOFOLLOW, FILE_MODE);
    let nextSeq = 0;
    let size = fs.fstatSync(fd).size;
    if (size > 0) {
      const { lastWhole, seq } = scanTail(fd, size);
      if (lastWhole < size) io.ftruncateSync(fd, lastWhole);
      nextSeq = seq;
      size = lastWhole;
    }
    return new EventWriter(fd, nextSeq, size, opts.syncEveryMs ?? 100, opts.onLines, opts.onError);
  }

  get seq(): number {
    return this.nextSeq;
  }

  append(draft: EventDraft, now = clock.date()): JobEvent {
    const event = { seq: this.nextSeq++, ts: now.toISOString(), ...draft, type: draft.type } as JobEvent;
    const line = JSON.stringify(event) + '\n';
    this.buffered.push(line);
    this.bufferedBytes += line.length;
    this.published++;
    if (this.bufferedBytes >= 256 * 1024) this.flush();
    else if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.background(() => this.flush()));
    }
    return event;
  }

  /** A flush or sync off the caller's stack: a failure goes to onError instead of killing the process. */
  private background(f: () => void): void {
    try {
      f();
    } catch (e) {
      if (this.onError) this.onError(e as Error);
      else throw e;
    }
  }

  flush(durable = false): void {
    this.flushScheduled = false;
    if (this.abandoned) return;
    if (this.buffered.length > 0) {
      const text = this.buffered.join('');
      const bytes = Buffer.from(text);
      this.buffered = [];
      this.bufferedBytes = 0;
      try {
        writeAll(this.fd, bytes);
      } catch (e) {
        // a short write then ENOSPC/EIO: cut back to the last whole line and give the lost seqs back, so the file
        // keeps gap-free seqs and no torn line in the middle
        try {
          io.ftruncateSync(this.fd, this.size);
        } catch {
          /* the next open truncates a torn tail anyway */
        }
        this.nextSeq = this.batchSeq;
        throw e;
      }
      this.size += bytes.length;
      this.batchSeq = this.nextSeq;
      this.onLines?.(text);
      this.dirty = true;
      this.dirtySince ??= clock.now();
    }
    // a flood can keep the event loop busy past the timer: sync inline once the oldest unsynced write is due
    if (durable || (this.dirtySince !== null && clock.now() - this.dirtySince >= this.syncEveryMs)) this.sync();
    else if (this.dirty && !this.syncTimer) {
      this.syncTimer = setTimeout(() => this.background(() => this.sync()), this.syncEveryMs);
      this.syncTimer.unref();
    }
  }

  private sync(): void {
    if (this.syncTimer) clearTimeout(this.syncTimer);
    this.syncTimer = null;
    if (!this.dirty) return;
    this.dirty = false;
    this.dirtySince = null;
    io.fdatasyncSync(this.fd);
  }

  close(): void {
    this.flush(true);
    io.closeSync(this.fd);
  }

  /** Drops what is not written yet and closes, writing nothing more: a fenced runner's job may be another host's to end now. */
  abandon(): void {
    this.abandoned = true;
    this.buffered = [];
    this.bufferedBytes = 0;
    if (this.syncTimer) clearTimeout(this.syncTimer);
    try {
      io.closeSync(this.fd);
    } catch {
      /* a hung or gone disk: nothing more to do */
    }
  }
}

/**
 * Replaces a job's log with a copy of itself before another host's lost
 * writer's job is ended here. That writer may be cut off rather than dead: its
 * descriptor keeps pointing at the old file, so whatever it still sends lands
 * there, never in the copy this host appends the end to.
 */
export function detachFromOldWriter(path: string): void {
  const bytes = tryReadBytes(path);
  if (!bytes) return;
  const tmp = tempPath(path);
  const fd = io.openSync(tmp, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, FILE_MODE);
  try {
    writeAll(fd, bytes);
    io.fsyncSync(fd);
  } finally {
    io.closeSync(fd);
  }
  io.renameSync(tmp, path);
}

/** Finds the end of the last whole line and the seq after the last parseable event, reading backwards. */
function scanTail(fd: number, size: number): { lastWhole: number; seq: number } {
  let end = size;
  let lastWhole = -1;
  let data = Buffer.alloc(0); // bytes [end, …) not yet ruled out, ending just before a "\n"
  while (end > 0) {
    const start = Math.max(0, end - 64 * 1024);
    const chunk = Buffer.allocUnsafe(end - start);
    fs.readSync(fd, chunk, 0, chunk.length, start);
    data = data.length ? Buffer.concat([chunk, data]) : chunk;
    end = start;
    if (lastWhole === -1) {
      const nl = data.lastIndexOf(10);
      if (nl === -1) continue;
      lastWhole = start + nl + 1;
      data = data.subarray(0, nl);
    }
    let stop = data.length;
    for (;;) {
      const prev = stop === 0 ? -1 : data.lastIndexOf(10, stop - 1);
      if (prev === -1 && start > 0) break; // the line may begin in an earlier chunk
      const ev = parseEvent(
        data
          .subarray(prev + 1, stop)
          .toString('utf8')
          .replace(/\r$/, ''),
      );
      if (ev) return { lastWhole, seq: ev.seq + 1 };
      if (prev === -1) return { lastWhole, seq: 0 };
      stop = prev;
    }
    data = data.subarray(0, stop);
  }
  return { lastWhole: Math.max(lastWhole, 0), seq: 0 };
}

/**
 * The byte offset where the last `n` whole lines of a log begin, found by
 * reading backwards from the end (a 1 GB log costs a few chunks, not a
 * pass): `jobs logs --tail N`. A torn last line (no "\n" yet) is not counted.
 */
export function tailStart(path: string, n: number): number {
  let fd: number;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch {
    return 0; // missing: readLog says so
  }
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(Math.min(CHUNK, 64 * 1024));
    let end = size;
    let seen = -1; // the newline ending the last whole line is not a line start
    let first = true;
    while (end > 0) {
      const len = Math.min(buf.length, end);
      fs.readSync(fd, buf, 0, len, end - len);
      for (let i = len - 1; i >= 0; i--) {
        if (first) {
          first = false;
          if (buf[i] !== 0x0a) continue; // a torn last line: whole lines end before it
        }
        if (buf[i] === 0x0a && ++seen === n) return end - len + i + 1;
      }
      end -= len;
    }
    return 0;
  } finally {
    fs.closeSync(fd);
  }
}
