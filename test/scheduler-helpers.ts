import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { TestContext } from 'node:test';
import { BIN, ROOT, collectLines } from './helpers.js';
import { killOurs } from './runner-helpers.js';

const running = new Set<ChildProcess>();

/**
 * A temp dir with a state dir (`<dir>/home`) and a config path; when the test
 * ends, schedulers still running are killed and the detached runners they
 * started are waited for before the dir goes (t.after hooks run in order, so
 * helpers.ts's tempDir would remove it under them).
 */
export function schedulerDir(t: TestContext, yaml: string): { dir: string; home: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'herdctl-sched-'));
  const home = join(dir, 'home');
  const config = join(dir, 'herdctl.yaml');
  writeFileSync(config, yaml);
  t.after(async () => {
    for (const c of running) c.kill('SIGKILL');
    await runnersGone(home);
    killOurs(dir); // a runner or webhook worker that started after the look above
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });
  return { dir, home, config };
}

/** A running `herdctl start`: its output lines as they come, and ways to wait for them. */
export interface Started {
  child: ChildProcess;
  out: string[];
  err: string[];
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** Waits for a stdout (or stderr) line matching `re`, counting from line `from`. */
  line(re: RegExp, opts?: { timeoutMs?: number; stderr?: boolean; from?: number }): Promise<string>;
}

export function startScheduler(home: string, config: string, args: string[] = []): Started {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', HERDCTL_HOME: home };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const child = spawn(process.execPath, [BIN, 'start', '--config', config, ...args], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const { out, err } = collectLines(child);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    child.on('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal, at: performance.now() });
    }),
  );
  const line = async (re: RegExp, opts: { timeoutMs?: number; stderr?: boolean; from?: number } = {}) => {
    const deadline = Date.now() + (opts.timeoutMs ?? 8000);
    const lines = opts.stderr ? err : out;
    for (;;) {
      const hit = lines.slice(opts.from ?? 0).find((l) => re.test(l));
      if (hit) return hit;
      if (Date.now() > deadline) throw new Error(`no line matching ${re} in:\n${out.join('\n')}\nstderr:\n${err.join('\n')}`);
      await sleep(20);
    }
  };
  return { child, out, err, exited, line };
}

/** Replaces the config the way editors save: a new file renamed over the old one. */
export function writeConfig(path: string, text: string): void {
  writeFileSync(`${path}.new`, text);
  renameSync(`${path}.new`, path);
}

/** Every tick file of one schedule, parsed. */
export function tickRecords(home: string, agent: string, schedule: string): Record<string, unknown>[] {
  const dir = join(home, 'scheduler', 'ticks', agent, schedule);
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.endsWith('.json') && !n.startsWith('.'))
    .sort()
    .map((n) => {
      try {
        return JSON.parse(readFileSync(join(dir, n), 'utf8'));
      } catch {
        return { file: n, torn: true, job: null };
      }
    });
}

/** The jobs on disk (job.json of every job dir). */
export function jobsOnDisk(home: string): Record<string, unknown>[] {
  const dir = join(home, 'jobs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.startsWith('job-') && existsSync(join(dir, n, 'job.json')))
    .map((n) => JSON.parse(readFileSync(join(dir, n, 'job.json'), 'utf8')));
}

/** Waits until no runner holds its lock, so the temp dir can go. */
export async function runnersGone(home: string, timeoutMs = 8000): Promise<void> {
  const locks = join(home, 'locks');
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (!existsSync(locks) || !readdirSync(locks).some((n) => n.startsWith('runner-') && n.endsWith('.lock'))) return;
    await sleep(100);
  }
}
