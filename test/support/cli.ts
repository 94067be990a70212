// The real CLI, as a user runs it: `node bin/run.js …` (never @oclif/test).
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { waitFor } from './wait.js';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const BIN = join(ROOT, 'bin', 'run.js');
/** The scripted fake Claude Code CLI (fixtures/README.md). */
export const FAKE_CLAUDE = join(ROOT, 'fixtures', 'bin', 'claude');

/**
 * The environment for a child herdctl (or child script): this process's,
 * without the test runner's `--import tsx` and test context, plus `extra`.
 */
export function childEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', ...extra };
  if (extra.NODE_OPTIONS === undefined) delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  return env;
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI to its end with HERDCTL_HOME set (when `home` is given); SIGKILLed after `timeoutMs`. */
export function runCli(args: string[], opts: { env?: NodeJS.ProcessEnv; home?: string; input?: string; timeoutMs?: number } = {}): Promise<CliResult> {
  const env = childEnv(opts.env);
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

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** performance.now() when the process exited. */
  at: number;
  stdout: string;
  stderr: string;
}

/** A CLI process left running (herdctl start, serve …), its output collected line by line. */
export interface Running {
  child: ChildProcess;
  out: string[];
  err: string[];
  /** Resolves once the process has exited and its output is read. */
  exited: Promise<Exit>;
  /** Waits for a stdout (or stderr) line matching `re`, counting from line `from`. */
  line(re: RegExp, opts?: { timeoutMs?: number; stderr?: boolean; from?: number }): Promise<string>;
}

/** Starts `node bin/run.js …` and leaves it running; the caller ends it. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): Running {
  const child = spawn(process.execPath, [BIN, ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  const { out, err } = collectLines(child);
  let exitAt = 0;
  child.on('exit', () => (exitAt = performance.now()));
  const exited = new Promise<Exit>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, at: exitAt || performance.now(), stdout: out.join('\n'), stderr: err.join('\n') })));
  const line = (re: RegExp, opts: { timeoutMs?: number; stderr?: boolean; from?: number } = {}) => {
    const lines = opts.stderr ? err : out;
    return waitFor(`a line matching ${re}`, () => lines.slice(opts.from ?? 0).find((l) => re.test(l)), opts.timeoutMs ?? 20_000, 20).catch((e: Error) => {
      throw new Error(`${e.message} in:\n${out.join('\n')}\nstderr:\n${err.join('\n')}`);
    });
  };
  return { child, out, err, exited, line };
}

/** Collects a child's output and waits for it to end. */
export function finished(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  child.stdout?.on('data', (b: Buffer) => out.push(b));
  child.stderr?.on('data', (b: Buffer) => err.push(b));
  return new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') })));
}
