import { HerdError, type ErrorCode } from '../core/errors.js';
import type { HerdEvent } from '../core/events.js';
import { isTerminal, type Job } from '../core/job.js';
import type { Stats } from '../core/stats.js';
import { abortable, promptOf, timeoutError } from './common.js';
import type { Backend, CancelOptions, CancelResult, EventsOptions, ListOptions, RemoteOptions, StatsOptions, SubmitOptions, WaitOptions } from './types.js';

/** The API's error codes (docs/api.md) as the SDK's HerdError codes. */
const CODE: Record<string, ErrorCode> = {
  usage: 'usage',
  invalid_id: 'invalid_id',
  not_found: 'not_found',
  ambiguous: 'ambiguous',
  conflict: 'conflict',
  config: 'config',
  quota_denied: 'quota_denied',
  corrupt: 'corrupt',
  internal: 'internal',
};

const MAX_RECONNECT_MS = 10_000;
/** The largest seq the API takes (15 digits): a stream from there sends no history, only its end. */
const PAST_EVERY_SEQ = 999_999_999_999_999;

/**
 * The SDK against `herdctl serve`: the same interface over its HTTP API and
 * event streams. An event stream that breaks (a network error, a server
 * restart) is reopened with `Last-Event-ID` set to the last seq received,
 * so the events come through once each and in order.
 */
export class RemoteBackend implements Backend {
  private readonly base: string;
  constructor(private readonly opts: RemoteOptions) {
    this.base = opts.url.replace(/\/+$/, '');
  }

  private async call<T>(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    let res: Response;
    try {
      res = await fetch(this.base + path, {
        method,
        headers: { authorization: `Bearer ${this.opts.token}`, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
        body: body !== undefined ? JSON.stringify(body) : undefined,
        signal,
      });
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw unreachable(this.base, e);
    }
    const text = await res.text();
    let json: unknown = null;
    try {
      json = text ? JSON.parse(text) : null;
    } catch {
      /* not JSON: reported below */
    }
    if (!res.ok) throw apiError(res.status, json, text);
    return json as T;
  }

  async submit(o: SubmitOptions): Promise<Job> {
    const body: Record<string, unknown> = {
      agent: o.agent,
      provider: o.provider,
      model: o.model,
      task: promptOf(o),
      priority: o.priority,
      tags: o.tags,
      webhook_url: o.webhookUrl,
      quota_bucket: o.quotaBucket,
    };
    for (const k of Object.keys(body)) if (body[k] === undefined) delete body[k];
    const { session_id } = await this.call<{ session_id: string }>('POST', '/jobs', body);
    return this.get(session_id);
  }

  get(id: string): Promise<Job> {
    return this.call<Job>('GET', `/jobs/${encodeURIComponent(id)}`);
  }

  async list(o: ListOptions): Promise<Job[]> {
    const q = query({ status: o.status, agent: o.agent, since: o.since, limit: o.limit });
    return (await this.call<{ jobs: Job[] }>('GET', `/jobs${q}`)).jobs;
  }

  async *events(id: string, o: EventsOptions): AsyncGenerator<HerdEvent, void, undefined> {
    let last = o.since ?? -1;
    let delay = this.opts.reconnectMs ?? 250;
    let overAndEmpty = false; // a stream of a finished job gave nothing new once: one more look, then stop
    const ac = new AbortController();
    const stop = () => ac.abort();
    o.signal?.addEventListener('abort', stop);
    try {
      for (;;) {
        if (ac.signal.aborted) return;
        let res: Response | null = null;
        try {
          res = await fetch(`${this.base}/jobs/${encodeURIComponent(id)}/events`, {
            headers: { authorization: `Bearer ${this.opts.token}`, accept: 'text/event-stream', ...(last >= 0 ? { 'last-event-id': String(last) } : {}) },
            signal: ac.signal,
          });
        } catch (e) {
          if (ac.signal.aborted) return;
          void e; // the server is restarting or the network dropped: try again below
        }
        if (res && !res.ok) {
          const text = await res.text();
          let json: unknown = null;
          try {
            json = JSON.parse(text);
          } catch {
            /* reported as is */
          }
          // 5xx and 503 while the server starts are retried; 4xx (a bad token, no such job) are final
          if (res.status < 500) throw apiError(res.status, json, text);
        } else if (res?.body) {
          let got = 0;
          try {
            for await (const e of sseEvents(res.body)) {
              if (e.seq <= last) continue; // never twice, whatever the server sends
              last = e.seq;
              got++;
              delay = this.opts.reconnectMs ?? 250;
              yield e;
              if (e.type === 'complete') return;
            }
          } catch {
            if (ac.signal.aborted) return;
          }
          // ended without `complete`: cut (a proxy, the network, a server shutting down) or a job over without
          // one (a corrupt last line). Reconnect from `last`; a job that is over and had nothing more is done.
          if (got > 0) continue;
          if (await this.isOver(id)) {
            if (overAndEmpty) return;
            overAndEmpty = true;
            continue;
          }
        }
        await sleep(delay, ac.signal);
        delay = Math.min(delay * 2, MAX_RECONNECT_MS);
      }
    } finally {
      ac.abort();
      o.signal?.removeEventListener('abort', stop);
    }
  }

  /** The job has ended; false while the server cannot be reached (a restart): the stream is retried meanwhile. */
  private async isOver(id: string): Promise<boolean> {
    try {
      return isTerminal((await this.get(id)).status);
    } catch (e) {
      if (e instanceof HerdError && e.code === 'io') return false;
      throw e;
    }
  }

  async wait(id: string, o: WaitOptions): Promise<Job> {
    const ac = new AbortController();
    const run = async (): Promise<Job> => {
      for (;;) {
        const job = await this.get(id);
        if (isTerminal(job.status)) return job;
        // follow the stream to its end (it ends after `complete`), then read the job again
        for await (const _ of this.events(id, { since: PAST_EVERY_SEQ, signal: ac.signal }));
        if (ac.signal.aborted) return job;
      }
    };
    try {
      return await abortable(run(), o, () => timeoutError(id, o.timeoutMs!));
    } finally {
      ac.abort();
    }
  }

  cancel(id: string, o: CancelOptions): Promise<CancelResult> {
    return this.call<CancelResult>('POST', `/jobs/${encodeURIComponent(id)}/cancel`, { ...(o.reason !== undefined ? { reason: o.reason } : {}), wait_ms: o.waitMs ?? 0 });
  }

  async resume(id: string, prompt: string | undefined): Promise<Job> {
    const { session_id } = await this.call<{ session_id: string }>('POST', '/v1/resume', { kind: 'job', from_subject_id: id, ...(prompt !== undefined ? { prompt } : {}) });
    return this.get(session_id);
  }

  stats(o: StatsOptions): Promise<Stats> {
    return this.call<Stats>('GET', `/v1/metrics/jobs${query({ agent: o.agent, since: o.since })}`);
  }
}

/** The `data:` of each SSE message, parsed; comments (`: keepalive`) and partial frames skipped. */
async function* sseEvents(body: ReadableStream<Uint8Array>): AsyncGenerator<HerdEvent> {
  const decoder = new TextDecoder();
  let buf = '';
  for await (const chunk of body as unknown as AsyncIterable<Uint8Array>) {
    buf += decoder.decode(chunk, { stream: true });
    let cut: number;
    while ((cut = buf.indexOf('\n\n')) !== -1) {
      const frame = buf.slice(0, cut);
      buf = buf.slice(cut + 2);
      const data = frame
        .split('\n')
        .filter((l) => l.startsWith('data:'))
        .map((l) => l.slice(l[5] === ' ' ? 6 : 5))
        .join('\n');
      if (!data) continue;
      try {
        const e = JSON.parse(data) as HerdEvent;
        if (typeof e?.seq === 'number') yield e;
      } catch {
        /* a frame that is not an event */
      }
    }
  }
}

function query(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}

function apiError(status: number, json: unknown, text: string): HerdError {
  const body = (json && typeof json === 'object' ? json : {}) as { error?: string; message?: string; used?: number; hard_limit?: number };
  if (status === 429 || body.error === 'quota_denied') {
    return new HerdError(
      'quota_denied',
      `quota denied: ${body.used ?? '?'} of ${body.hard_limit ?? '?'} tasks used`,
      'wait for the window to pass, or reset the bucket',
      body as Record<string, unknown>,
    );
  }
  const code = CODE[body.error ?? ''] ?? (status === 404 ? 'not_found' : status === 409 ? 'conflict' : status >= 500 ? 'internal' : 'usage');
  const message = body.message ?? (text.slice(0, 200) || `HTTP ${status}`);
  const hint = status === 401 ? 'pass the token of the server (serve.token in its state dir, or its $HERDCTL_TOKEN)' : undefined;
  return new HerdError(code, `${message} (HTTP ${status}${body.error ? ` ${body.error}` : ''})`, hint, { status, ...body });
}

function unreachable(base: string, e: unknown): HerdError {
  const cause = (e as { cause?: { code?: string } }).cause?.code ?? (e as Error).message;
  return new HerdError('io', `cannot reach herdctl serve at ${base} (${cause})`, 'herdctl serve  (is it running? is the URL right?)');
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
