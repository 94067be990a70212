import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestContext } from 'node:test';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'run.js');

/** A fresh directory under the OS temp dir, removed when the test ends. The state dir is `<dir>/home` (not created). */
export function tempDir(t: TestContext, prefix = 'herdctl-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function tempHome(t: TestContext): string {
  return join(tempDir(t), 'home');
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the real CLI (`node bin/run.js …`) with HERDCTL_HOME set; never @oclif/test. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; home?: string; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...opts.env };
  delete env.NODE_OPTIONS; // the test runner's --import tsx is not for the CLI
  delete env.NODE_TEST_CONTEXT;
  if (opts.home !== undefined) env.HERDCTL_HOME = opts.home;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 20_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
    child.stdin.end(opts.input ?? '');
  });
}

/** A job id in the SPEC format for a given instant and 8-char tail. */
export function jobIdAt(ms: number, tail: string): string {
  const iso = new Date(ms).toISOString();
  return `job-${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${tail}`;
}

export type HandJob = Record<string, unknown> & {
  /** Events for output.jsonl (one JSON line each), or its raw text. Omitted: no output.jsonl at all. */
  events?: Record<string, unknown>[] | string;
  /** Raw job.json text instead of the serialized job. */
  rawJobJson?: string;
};

let tailCounter = 0;

/**
 * Writes a job directory by hand in the documented format (SPEC §2–3), as a
 * user copying a job in would: plain mkdir + writeFile, no herdctl code.
 */
export function writeJob(home: string, partial: HandJob = {}): { id: string; dir: string; job: Record<string, unknown> } {
  const { events, rawJobJson, ...fields } = partial;
  const createdMs = typeof fields.createdAt === 'string' ? Date.parse(fields.createdAt) : Date.now() - 3_600_000;
  const id = (fields.id as string | undefined) ?? jobIdAt(createdMs, `h${String(tailCounter++).padStart(7, '0')}`);
  const dir = join(home, 'jobs', id);
  const status = (fields.status as string | undefined) ?? 'completed';
  const terminal = ['completed', 'failed', 'cancelled'].includes(status);
  const job: Record<string, unknown> = {
    id,
    agent: 'coder',
    schedule: null,
    trigger: 'manual',
    status,
    exitReason: terminal ? ({ completed: 'success', failed: 'error', cancelled: 'manual_cancel' } as Record<string, string>)[status] : null,
    sessionId: null,
    parentJobId: null,
    prompt: 'Do the thing',
    workspace: '/tmp/ws',
    createdAt: new Date(createdMs).toISOString(),
    startedAt: status === 'pending' ? null : new Date(createdMs + 1000).toISOString(),
    completedAt: terminal ? new Date(createdMs + 61_000).toISOString() : null,
    output: join(dir, 'output.jsonl'),
    error: null,
    cancelReason: null,
    pid: null,
    host: null,
    usage: null,
    summary: null,
    recap: null,
    priority: 0,
    tags: [],
    quotaBucket: null,
    webhookUrl: null,
    ...fields,
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'job.json'), rawJobJson ?? JSON.stringify(job, null, 2) + '\n');
  if (events !== undefined) {
    writeFileSync(join(dir, 'output.jsonl'), typeof events === 'string' ? events : events.map((e) => JSON.stringify(e) + '\n').join(''));
  }
  return { id, dir, job };
}

/** Events with seq/ts filled in, in order. */
export function seqEvents(drafts: Record<string, unknown>[], startMs = Date.parse('2026-01-15T09:30:00Z')): Record<string, unknown>[] {
  return drafts.map((d, i) => ({ seq: i, ts: new Date(startMs + i * 1000).toISOString(), ...d }));
}

/** Asserts no stack trace: no "    at …" frames. */
export const hasStackTrace = (s: string): boolean => /^\s+at .+[(:]/m.test(s);

/** A child's stdout and stderr as complete lines, collected while it runs. */
export function collectLines(child: ChildProcess): { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  const split = (into: string[]) => {
    let rest = '';
    return (b: Buffer) => {
      const parts = (rest + b.toString('utf8')).split('\n');
      rest = parts.pop()!;
      into.push(...parts);
    };
  };
  child.stdout!.on('data', split(out));
  child.stderr!.on('data', split(err));
  return { out, err };
}
