import { readFileSync } from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import type { Config } from '../core/config.js';
import type { Diag } from '../core/diag.js';
import { HerdError } from '../core/errors.js';
import { isTerminal } from '../core/job.js';
import { recoverIfLost } from '../core/recovery.js';
import { JobStore } from '../core/store.js';
import { makeAuthCheck } from './auth.js';
import * as api from './handlers.js';
import * as views from './views.js';
import { fromHerdError, HttpError, sendError } from './http.js';
import { Router, type Route } from './router.js';
import { EventStreams } from './sse.js';
import { DASHBOARD_FILES, staticFile } from './static.js';

export interface ServeOptions {
  home: string;
  host: string;
  port: number;
  token: string;
  config: () => Config;
  diag: Diag;
}

export interface RunningServer {
  url: string;
  port: number;
  streams: EventStreams;
  /** Ends the event streams, stops accepting, and resolves once every connection is closed. */
  close(): Promise<void>;
}

const VERSION = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;

function routes(ctx: api.ApiContext): Route[] {
  const r = (method: string, pattern: string, handler: (r: api.ApiRequest) => unknown, auth = true): Route => ({
    method,
    pattern,
    auth,
    handler: handler as Route['handler'],
  });
  return [
    r('GET', '/health', (q) => api.health(ctx, q, VERSION), false),
    ...DASHBOARD_FILES.map((f) => r('GET', f === 'index.html' ? '/' : `/${f}`, staticFile(f), false)),
    r('GET', '/jobs', (q) => api.listJobs(ctx, q)),
    r('POST', '/jobs', (q) => api.createJob(ctx, q)),
    r('GET', '/jobs/:id', (q) => api.showJob(ctx, q)),
    r('POST', '/jobs/:id/cancel', (q) => api.cancel(ctx, q)),
    r('GET', '/jobs/:id/events', (q) => api.events(ctx, q)),
    r('POST', '/v1/resume', (q) => api.resumeJob(ctx, q)),
    r('GET', '/v1/agents', (q) => api.agents(ctx, q)),
    r('GET', '/v1/metrics/jobs', (q) => api.metrics(ctx, q)),
    r('GET', '/v1/jobs/dead-letters', (q) => api.deadLetters(ctx, q)),
    r('POST', '/v1/jobs/quota/reset', (q) => api.quotaReset(ctx, q)),
    r('GET', '/v1/schedules', (q) => views.schedules(ctx, q)),
    r('GET', '/v1/quotas', (q) => views.quotas(ctx, q)),
    r('GET', '/v1/webhooks', (q) => views.webhooks(ctx, q)),
    r('POST', '/v1/jobs/:id/webhook/redeliver', (q) => api.redeliver(ctx, q)),
  ];
}

/**
 * The HTTP API over the same files as the CLI: just another herdctl process.
 * node:http only. The diagnostic log gets the method, the route pattern, the
 * status, the time taken and the job id — never a path, query or body, so
 * no job content reaches it.
 */
export async function startServer(opts: ServeOptions): Promise<RunningServer> {
  const store = new JobStore(opts.home);
  store.init();
  const streams = new EventStreams({ outputFile: (id) => store.paths.outputFile(id), isOver: (id) => isTerminal(recoverIfLost(store, store.read(id)).status) });
  const router = new Router(routes({ store, config: opts.config, streams }));
  const authorized = makeAuthCheck(opts.token);

  const server = http.createServer(async (req, res) => {
    const t0 = performance.now();
    let route = '-';
    const r: api.ApiRequest = { req, res, params: {}, query: new URLSearchParams() };
    try {
      const target = req.url ?? '/';
      const q = target.indexOf('?');
      const m = router.match(req.method ?? 'GET', q === -1 ? target : target.slice(0, q));
      route = m.route.pattern;
      if (m.route.auth && !authorized(req)) {
        throw new HttpError(401, 'unauthorized', 'missing or wrong token: send Authorization: Bearer <token> (the token is in serve.token in the state dir, or $HERDCTL_TOKEN)', {
          'WWW-Authenticate': 'Bearer realm="herdctl"',
        });
      }
      r.params = m.params;
      r.query = new URLSearchParams(q === -1 ? '' : target.slice(q + 1));
      await m.route.handler(r);
    } catch (e) {
      const err = e instanceof HttpError ? e : e instanceof HerdError ? fromHerdError(e) : null;
      // a bug: its type and where it was thrown are logged, not its message (which might quote job content)
      if (!err) opts.diag.log('error', 'request failed', { method: req.method, route, job: r.jobId, error: (e as Error)?.name ?? typeof e, at: (e as Error)?.stack?.split('\n')[1]?.trim() });
      if (res.headersSent) res.destroy();
      else sendError(res, err ?? new HttpError(500, 'internal', 'internal error (the server log says where)'));
    } finally {
      opts.diag.log('info', 'request', { method: req.method, route, status: res.statusCode, ms: Math.round(performance.now() - t0), job: r.jobId });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE') reject(new HerdError('conflict', `${opts.host}:${opts.port} is already in use`, `herdctl serve --port ${opts.port + 1}`));
      else if (e.code === 'EADDRNOTAVAIL' || e.code === 'ENOTFOUND') reject(new HerdError('usage', `cannot listen on ${opts.host}: no such local address`, 'herdctl serve --host 127.0.0.1'));
      else reject(e);
    });
    server.listen(opts.port, opts.host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const hostPart = opts.host.includes(':') ? `[${opts.host}]` : opts.host;

  return {
    url: `http://${hostPart}:${port}`,
    port,
    streams,
    close: () =>
      new Promise<void>((resolve) => {
        streams.close();
        // keep-alive connections close as soon as their response is done; requests still waiting (a cancel with wait_ms) get 2 s
        const sweep = setInterval(() => server.closeIdleConnections(), 50);
        const force = setTimeout(() => server.closeAllConnections(), 2000);
        server.close(() => {
          clearInterval(sweep);
          clearTimeout(force);
          resolve();
        });
        server.closeIdleConnections();
      }),
  };
}
