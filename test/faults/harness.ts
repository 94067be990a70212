import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { ROOT, childEnv, runCli, startCli as startCliIn, type CliResult, type Running } from '../support/cli.js';
import { reap } from '../support/procs.js';

/**
 * Shared plumbing of the fault suite. Iteration counts: the default (quick)
 * variant runs with `npm test`; `npm run test:faults` sets HERDCTL_FAULT_N=full.
 */
export const FULL = process.env.HERDCTL_FAULT_N === 'full';
export const iterations = (quick: number, full: number): number => (FULL ? full : quick);

/** A scenario's sandbox: `<dir>/home` is the state dir, `<dir>/outside` a sibling tree that must stay untouched. */
export interface Sandbox {
  dir: string;
  home: string;
  outside: string;
  config: string;
  ws: string;
}

export function sandbox(t: TestContext, yaml = ''): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'herdctl-fault-'));
  // the scenario's runners and agents first (found by this path), then the files they wrote
  t.after(async () => {
    await reap(dir);
    rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
  });
  const sb: Sandbox = { dir, home: join(dir, 'home'), outside: join(dir, 'outside'), config: join(dir, 'herdctl.yaml'), ws: join(dir, 'ws') };
  mkdirSync(join(sb.outside, 'nested'), { recursive: true });
  writeFileSync(join(sb.outside, 'keep.txt'), 'not herdctl’s\n');
  writeFileSync(join(sb.outside, 'nested', 'job.json'), '{"not":"a job"}\n');
  mkdirSync(sb.ws);
  if (yaml) writeFileSync(sb.config, yaml);
  return sb;
}

/** The CLI against a sandbox (its config, its home), as a user runs it. */
export function cli(sb: Sandbox, args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 30_000): Promise<CliResult> {
  return runCli(args, { home: sb.home, env: { HERDCTL_CONFIG: sb.config, FAKE_CLAUDE_STATE: join(sb.ws, '.fake-claude'), ...env }, timeoutMs });
}

/** Spawns a TypeScript child script of this directory (through tsx), env cleaned of the test runner's. */
export function spawnChild(script: string, args: string[], env: NodeJS.ProcessEnv = {}, stdio: 'ignore' | 'pipe' = 'pipe'): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'test', 'faults', script), ...args], { cwd: ROOT, env: childEnv(env), stdio: ['ignore', stdio, stdio] });
}

/**
 * Starts `node bin/run.js …` against a sandbox. With `preload`, test/faults/preload.ts is
 * loaded first (HERDCTL_FAULT_PLAN, HERDCTL_START_AT in `env`), in it and in the runners it starts.
 */
export function startCli(sb: Sandbox, args: string[], env: NodeJS.ProcessEnv = {}, preload = false): Running {
  const e: NodeJS.ProcessEnv = { HERDCTL_HOME: sb.home, HERDCTL_CONFIG: sb.config, ...env };
  if (preload) e.NODE_OPTIONS = `--import ${import.meta.resolve('tsx')} --import ${join(ROOT, 'test', 'faults', 'preload.ts')}`;
  return startCliIn(args, e);
}
