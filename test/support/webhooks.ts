import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { normalizeJob, type Job } from '../../src/core/job.js';
import { jobIdAt } from './jobs.js';

export interface Hit {
  at: number;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** What the n-th request (1-based) gets: an HTTP status, or "hang" (never answered). */
export type Reply = number | 'hang';

/** A webhook receiver on 127.0.0.1 in the test process, counting every POST it sees. */
export class Receiver {
  readonly hits: Hit[] = [];
  private server: http.Server | null = null;
  private sockets = new Set<Socket>();
  port = 0;

  constructor(public reply: (n: number, hit: Hit) => Reply | Promise<Reply> = () => 200) {}

  static async start(t: TestContext, reply?: (n: number, hit: Hit) => Reply | Promise<Reply>, port = 0): Promise<Receiver> {
    const r = new Receiver(reply);
    await r.listen(port);
    t.after(() => r.close());
    return r;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}/hook`;
  }

  async listen(port = this.port): Promise<void> {
    const server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', async () => {
        const hit: Hit = { at: Date.now(), path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8') };
        this.hits.push(hit);
        const r = await this.reply(this.hits.length, hit);
        if (r === 'hang') return;
        res.statusCode = r;
        res.end('{"echo":"ignored"}');
      });
    });
    server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve, reject) => server.once('error', reject).listen(port, '127.0.0.1', resolve));
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
  }

  /** Stops listening and drops every connection (hanging ones too): the port refuses from now on. */
  async close(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    for (const sock of this.sockets) sock.destroy();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

export const SECRET = 'test-secret-0123';

/** herdctl.yaml in `dir` with a `command` agent and fast webhook retries. */
export function writeConfig(dir: string, opts: { webhook?: string; secret?: string | null; retryMax?: number; retryBase?: string; timeout?: string } = {}): string {
  const lines = [
    'agents:',
    '  echo:',
    '    runtime: command',
    '    command: ["sh", "-c", "echo all done"]',
    `    workspace: ${dir}`,
    ...(opts.webhook ? [`    webhook_url: ${opts.webhook}`] : []),
    'webhooks:',
    ...(opts.secret === null ? [] : [`  secret: ${opts.secret ?? SECRET}`]),
    `  retry_max: ${opts.retryMax ?? 3}`,
    `  retry_base: ${opts.retryBase ?? '50ms'}`,
    `  timeout: ${opts.timeout ?? '2s'}`,
  ];
  mkdirSync(dir, { recursive: true });
  const file = join(dir, 'herdctl.yaml');
  writeFileSync(file, lines.join('\n') + '\n');
  return file;
}

let tail = 0;

/** A terminal job as finishJob hands it over (nothing on disk). */
export function terminalJob(fields: Partial<Job> = {}): Job {
  const created = Date.now() - 60_000;
  return normalizeJob({
    id: jobIdAt(created, `w${String(tail++).padStart(7, '0')}`),
    agent: 'echo',
    status: 'completed',
    exitReason: 'success',
    prompt: 'the prompt',
    workspace: '/tmp',
    createdAt: new Date(created).toISOString(),
    startedAt: new Date(created + 1000).toISOString(),
    completedAt: new Date(created + 30_000).toISOString(),
    summary: 'the final answer',
    ...fields,
  });
}

export const filesIn = (home: string, state: string): string[] => {
  try {
    return readdirSync(join(home, 'webhooks', state)).filter((n) => !n.startsWith('.'));
  } catch {
    return [];
  }
};
