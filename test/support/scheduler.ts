import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { startCli, type Running } from './cli.js';
import { reap, runnersGone } from './procs.js';

const running = new Set<ChildProcess>();

/**
 * A temp dir with a state dir (`<dir>/home`) and a config path; when the test
 * ends, schedulers still running are killed and the detached runners they
 * started are waited for before the dir goes (t.after hooks run in order, so
 * support/tmp.ts's tempDir would remove it under them).
 */
export function schedulerDir(t: TestContext, yaml: string): { dir: string; home: string; config: string } {
  const dir = mkdtempSync(join(tmpdir(), 'herdctl-sched-'));
  const home = join(dir, 'home');
  const config = join(dir, 'herdctl.yaml');
  writeFileSync(config, yaml);
  t.after(async () => {
    for (const c of running) c.kill('SIGKILL');
    await runnersGone(home, 8000);
    await reap(dir); // a runner or webhook worker that started after the look above
    rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 100 });
  });
  return { dir, home, config };
}

/** Starts `herdctl start --config <config>` on `home`; killed when the test ends (see schedulerDir). */
export function startScheduler(home: string, config: string, args: string[] = []): Running {
  const r = startCli(['start', '--config', config, ...args], { HERDCTL_HOME: home });
  running.add(r.child);
  r.child.on('exit', () => running.delete(r.child));
  return r;
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
