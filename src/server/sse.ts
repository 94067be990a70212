import type { ServerResponse } from 'node:http';
import { readLog, type LogLine } from '../core/eventlog.js';
import { followLog } from '../core/follow.js';

/** Where a job's events are, and whether it is over (terminal job.json): what the streams need from the store. */
export interface StreamSource {
  outputFile(id: string): string;
  isOver(id: string): boolean;
}

/** A catching-up client writes at most this much before it looks at backpressure again. */
const CHUNK = 256 * 1024;
/** A live batch is sent once it is this large, even before the tail is caught up. */
const BATCH = 256 * 1024;
/** Default of StreamOptions.maxLagBytes. */
const MAX_LAG = 4 * 1024 * 1024;

/** One SSE event: `id` is the seq, so EventSource's Last-Event-ID is "the last seq I have". */
function frame(l: LogLine): string {
  const e = l.event!;
  const type = e.type.replace(/[^\w.-]/g, '_') || 'message';
  // a stored line is one JSON line; a stray CR inside it (legal JSON whitespace) would split the SSE field
  const data = l.raw.includes('\r') ? JSON.stringify(e) : l.raw;
  return `id: ${e.seq}\nevent: ${type}\ndata: ${data}\n\n`;
}

export interface StreamOptions {
  /** How often a followed file is re-read when no file event woke us. */
  pollMs?: number;
  keepaliveMs?: number;
  /** Bytes queued on a live client's socket past which it drops back to reading the file itself. */
  maxLagBytes?: number;
}

interface Follower {
  id: string;
  res: ServerResponse;
  /** Events with seq ≤ after are not sent (?since / Last-Event-ID). */
  after: number;
  /** Byte offset in output.jsonl of the next line this client needs: only ever moves past whole lines. */
  offset: number;
  closed: boolean;
  done: () => void;
}

/**
 * The SSE streams of every job being followed. Each client reads the history
 * from output.jsonl itself (at its own pace, with backpressure), then joins
 * the job's hub: one followLog per job whose new lines are framed once and
 * written to every live client. Byte offsets decide who has what, so a line
 * is sent exactly once to each client: a client joins the hub only when its
 * offset equals the hub's, and a client too slow for the live pace drops back
 * to reading the file from its own offset until it catches up again.
 */
export class EventStreams {
  private readonly hubs = new Map<string, Hub>();
  private readonly open = new Set<Follower>();
  private readonly keepalive: NodeJS.Timeout;
  private readonly pollMs: number;
  private readonly maxLag: number;

  constructor(
    readonly source: StreamSource,
    opts: StreamOptions = {},
  ) {
    this.pollMs = opts.pollMs ?? 100;
    this.maxLag = opts.maxLagBytes ?? MAX_LAG;
    // a comment line now and then keeps idle connections (and proxies) from timing out
    this.keepalive = setInterval(() => {
      for (const hub of this.hubs.values()) for (const f of hub.followers) f.res.write(': keepalive\n\n');
    }, opts.keepaliveMs ?? 15_000);
    this.keepalive.unref();
  }

  /** Open streams, and jobs with a live tail (for tests and leak checks). */
  get size(): { clients: number; tails: number } {
    return { clients: this.open.size, tails: this.hubs.size };
  }

  /** Streams job `id`'s events with seq > after, history then live; resolves when the stream ends (complete, client gone, or close()). */
  follow(id: string, res: ServerResponse, after: number): Promise<void> {
    return new Promise((resolve) => {
      const f: Follower = { id, res, after, offset: 0, closed: false, done: resolve };
      this.open.add(f);
      res.on('close', () => {
        f.closed = true;
        this.leave(f);
        this.finish(f);
      });
      this.start(f);
    });
  }

  /** Ends every stream (the server is shutting down). */
  close(): void {
    clearInterval(this.keepalive);
    for (const hub of this.hubs.values()) hub.stop();
    this.hubs.clear();
    for (const f of this.open) this.end(f);
  }

  /** A stream whose file cannot be read any more (deleted, permissions) just ends. */
  private start(f: Follower): void {
    this.pump(f).catch(() => this.end(f));
  }

  /** Reads the file from the client's offset up to the hub's (or the end), then joins the hub. */
  private async pump(f: Follower): Promise<void> {
    const path = this.source.outputFile(f.id);
    for (;;) {
      if (f.closed) return;
      const hub = this.hubs.get(f.id);
      const limit = hub ? hub.sent : Infinity;
      let text = '';
      let complete = false;
      let capped = false;
      for (const l of readLog(path, f.offset)) {
        if (l.end > limit) break; // the hub has not sent this one yet: it will
        f.offset = l.end;
        if (l.event && l.event.seq > f.after) text += frame(l);
        if (l.event?.type === 'complete') {
          complete = true;
          break;
        }
        if (text.length >= CHUNK) {
          capped = true;
          break;
        }
      }
      const ok = text === '' || f.res.write(text);
      if (complete) return this.end(f);
      if (!ok) await drained(f.res);
      if (!ok || capped) continue;
      // caught up with the live tail (or with the file, when nothing tails it yet)
      const now = this.hubs.get(f.id);
      if (now && now.sent === f.offset) {
        now.followers.add(f);
        return;
      }
      if (!now && !hub) {
        this.startHub(f.id, f.offset).followers.add(f);
        return;
      }
      // the hub moved on while we waited for the socket, or ended (the job did): read on, after a turn of the loop
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  private startHub(id: string, from: number): Hub {
    const hub = new Hub(from);
    this.hubs.set(id, hub);
    const path = this.source.outputFile(id);
    followLog(path, {
      from,
      pollMs: this.pollMs,
      signal: hub.abort.signal,
      onLine: (l) => {
        if (hub.add(l) >= BATCH) this.broadcast(hub);
      },
      onIdle: () => this.broadcast(hub),
      isOver: () => {
        try {
          return this.source.isOver(id);
        } catch {
          return true; // the job is gone or unreadable: nothing more will come
        }
      },
    })
      .catch(() => 'over' as const)
      .then((how) => {
        if (this.hubs.get(id) === hub) this.hubs.delete(id);
        if (how === 'aborted') return;
        this.broadcast(hub);
        for (const f of hub.followers) this.end(f);
      });
    return hub;
  }

  /**
   * Sends the hub's pending lines to its live clients, one buffer shared by
   * all. A client whose socket lags too far behind goes back to reading the
   * file at its own pace, so a slow reader holds at most maxLagBytes here.
   */
  private broadcast(hub: Hub): void {
    const batch = hub.take();
    if (!batch) return;
    for (const f of hub.followers) {
      const data = f.after < batch.firstSeq ? batch.data : batch.after(f.after);
      if (data.length > 0) f.res.write(data);
      f.offset = batch.end;
      if (f.res.writableLength > this.maxLag) {
        hub.followers.delete(f);
        void drained(f.res).then(() => this.start(f));
      }
    }
  }

  /** A client went away; a hub nobody follows any more stops. */
  private leave(f: Follower): void {
    const hub = this.hubs.get(f.id);
    if (!hub) return;
    hub.followers.delete(f);
    for (const o of this.open) if (o.id === f.id && o !== f) return;
    hub.stop();
    this.hubs.delete(f.id);
  }

  private end(f: Follower): void {
    f.closed = true;
    if (!f.res.writableEnded) f.res.end();
    this.finish(f);
  }

  private finish(f: Follower): void {
    if (this.open.delete(f)) f.done();
  }
}

/** The live tail of one job: lines read since the last broadcast, and how far the broadcasts got. */
class Hub {
  readonly followers = new Set<Follower>();
  readonly abort = new AbortController();
  private frames: { seq: number; text: string }[] = [];
  private bytes = 0;
  private readTo: number;

  /** Byte offset up to which lines have been handed to the live clients. */
  sent: number;

  constructor(from: number) {
    this.sent = from;
    this.readTo = from;
  }

  /** Queues a line; returns the queued size. */
  add(l: LogLine): number {
    this.readTo = l.end;
    if (l.event) {
      const text = frame(l);
      this.frames.push({ seq: l.event.seq, text });
      this.bytes += text.length;
    }
    return this.bytes;
  }

  /** The queued lines as one buffer shared by every client, and the offset they reach. */
  take(): { data: Buffer; firstSeq: number; end: number; after: (seq: number) => string } | null {
    if (this.readTo === this.sent) return null;
    const frames = this.frames;
    this.frames = [];
    this.bytes = 0;
    this.sent = this.readTo;
    return {
      data: Buffer.from(frames.map((x) => x.text).join('')),
      firstSeq: frames.length ? frames[0].seq : Infinity,
      end: this.readTo,
      after: (seq) =>
        frames
          .filter((x) => x.seq > seq)
          .map((x) => x.text)
          .join(''),
    };
  }

  stop(): void {
    this.abort.abort();
  }
}

function drained(res: ServerResponse): Promise<void> {
  if (res.destroyed || res.writableEnded) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}
