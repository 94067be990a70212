import { spawn, type ChildProcess } from 'node:child_process';
import * as http from 'node:http';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { BIN, FAKE_CLAUDE, ROOT, childEnv } from './cli.js';
import { reap } from './procs.js';
import { waitFor } from './wait.js';

export interface Served {
  url: string;
  token: string;
  home: string;
  dir: string;
  proc: ChildProcess;
  /** What the server wrote to stderr so far (its request log). */
  stderr: () => string;
  stdout: string;
  /** SIGTERM, resolves with the exit code. */
  stop: () => Promise<number | null>;
  /** stop, cancel what still runs, remove the directory (done by t.after when a test context was given). */
  cleanup: () => Promise<void>;
}

export interface ServeSetup {
  /** Extra YAML appended to the config (a `quotas:` section …). */
  extraConfig?: string;
  /** More agents, as YAML indented under `agents:` (two spaces). */
  extraAgents?: string;
  env?: NodeJS.ProcessEnv;
  args?: string[];
}

/**
 * `herdctl serve --port 0 --json` on a fresh state dir with three agents:
 * `coder` and `solo` (the fake Claude CLI; solo runs one job at a time) and
 * `shell` (a command). When the test ends: the
 * server is stopped, the runners and agents still running are killed, then
 * the directory is removed.
 */
export async function serve(t: TestContext | null, setup: ServeSetup = {}): Promise<Served> {
  const dir = mkdtempSync(join(tmpdir(), 'herdctl-serve-'));
  const home = join(dir, 'home');
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  const config = join(dir, 'herdctl.yaml');
  writeFileSync(
    config,
    `agents:
  coder:
    runtime: claude
    workspace: ${ws}
    claude_bin: ${FAKE_CLAUDE}
    max_concurrent: 4
    prompt: look around
  solo:
    runtime: claude
    workspace: ${ws}
    claude_bin: ${FAKE_CLAUDE}
    max_concurrent: 1
  shell:
    runtime: command
    command: ["sh", "-c", "echo one; echo two"]
    workspace: ${ws}
${(setup.extraAgents ?? '').replaceAll('$WS', ws)}
jobs:
  max_concurrent: 8
  cancel_grace: 2s
${setup.extraConfig ?? ''}`,
  );
  const env = childEnv({ HERDCTL_HOME: home, HERDCTL_CONFIG: config, FAKE_CLAUDE_STATE: join(dir, 'fake-claude'), ...setup.env });
  if (!setup.env?.HERDCTL_TOKEN) delete env.HERDCTL_TOKEN;
  const proc = spawn(process.execPath, [BIN, 'serve', '--port', '0', '--json', ...(setup.args ?? [])], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  proc.stderr!.on('data', (b: Buffer) => (err += b.toString('utf8')));
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const stdout = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`serve did not start: ${err}`)), 15_000);
    proc.stdout!.on('data', (b: Buffer) => {
      out += b.toString('utf8');
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out);
      }
    });
    proc.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`serve exited ${code}: ${err}`));
    });
  });
  const info = JSON.parse(stdout.split('\n')[0]) as { url: string; token?: string };
  const token = setup.env?.HERDCTL_TOKEN ?? info.token ?? readFileSync(join(home, 'serve.token'), 'utf8').trim();
  const stop = () => {
    if (proc.exitCode === null && proc.signalCode === null) proc.kill('SIGTERM');
    return exited;
  };
  const cleanup = async () => {
    await stop();
    await reap(dir); // runners and agents are detached: whatever still runs under this directory, by pid
    rmSync(dir, { recursive: true, force: true });
  };
  t?.after(cleanup);
  return { url: info.url, token, home, dir, proc, stderr: () => err, stdout, stop, cleanup };
}

export interface ApiResponse {
  status: number;
  headers: Headers;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON of any shape: tests index into it freely
  body: any;
  text: string;
}

/** One request with the server's token (unless `token: null`); the body is sent as JSON unless it is a string. */
export async function call(s: Served, method: string, path: string, opts: { body?: unknown; token?: string | null; headers?: Record<string, string> } = {}): Promise<ApiResponse> {
  const headers: Record<string, string> = { ...opts.headers };
  const token = opts.token === undefined ? s.token : opts.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const res = await fetch(s.url + path, { method, headers, body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body) });
  const text = await res.text();
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, headers: res.headers, body, text };
}

export interface SseEvent {
  id: number;
  event: string;
  data: string;
}

/**
 * Reads an SSE stream over a plain socket until the server ends it, or until
 * `stopAfter` events (then disconnects). `slowMs` pauses reading after the
 * first chunk (a slow client). Resolves with the events in arrival order.
 */
export function readSse(
  url: string,
  token: string,
  opts: { lastEventId?: number; stopAfter?: number; slowMs?: number; onEvent?: (e: SseEvent) => void } = {},
): Promise<{ status: number; events: SseEvent[]; ended: boolean }> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${token}` };
    if (opts.lastEventId !== undefined) headers['last-event-id'] = String(opts.lastEventId);
    const req = http.get(url, { headers, agent: false }, (res) => {
      const events: SseEvent[] = [];
      let buf = '';
      let slowed = false;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        for (let i; (i = buf.indexOf('\n\n')) >= 0;) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const e: Partial<SseEvent> = {};
          for (const line of block.split('\n')) {
            if (line.startsWith('id: ')) e.id = Number(line.slice(4));
            else if (line.startsWith('event: ')) e.event = line.slice(7);
            else if (line.startsWith('data: ')) e.data = line.slice(6);
          }
          if (e.data === undefined) continue; // a comment (keepalive)
          events.push(e as SseEvent);
          opts.onEvent?.(e as SseEvent);
          if (opts.stopAfter !== undefined && events.length >= opts.stopAfter) {
            req.destroy();
            return resolve({ status: res.statusCode!, events, ended: false });
          }
        }
        if (opts.slowMs && !slowed) {
          slowed = true;
          res.pause();
          setTimeout(() => res.resume(), opts.slowMs);
        }
      });
      res.on('end', () => resolve({ status: res.statusCode!, events, ended: true }));
      res.on('error', reject);
    });
    req.on('error', reject);
  });
}

/** Polls GET /jobs/<id> until `pred` holds. */
export async function waitJob(s: Served, id: string, pred: (job: Record<string, unknown>) => boolean, timeoutMs = 15_000): Promise<Record<string, unknown>> {
  let last = '';
  const probe = async () => {
    const r = await call(s, 'GET', `/jobs/${id}`);
    last = r.text.slice(0, 300);
    return r.status === 200 && pred(r.body) ? (r.body as Record<string, unknown>) : null;
  };
  return waitFor(`job ${id} to get there`, probe, timeoutMs, 50).catch((e: Error) => {
    throw new Error(`${e.message}; last: ${last}`);
  });
}
