// The runner tests' fleet: a throwaway state dir with a config, the real CLI
// and the fake Claude CLI. Real processes and signals only; nothing here
// imports herdctl's own code.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';
import { FAKE_CLAUDE, runCli, type CliResult } from './cli.js';
import { ID_RE, TERMINAL, jobIds, readJob, readLog, type Json, type ParsedLog } from './jobs.js';
import { reap } from './procs.js';
import { waitFor } from './wait.js';

export interface Fleet {
  dir: string;
  home: string;
  ws: string;
  config: string;
  env: NodeJS.ProcessEnv;
  /** The real CLI with this fleet's home and config. */
  cli(args: string[], opts?: { timeoutMs?: number; env?: NodeJS.ProcessEnv; input?: string }): Promise<CliResult>;
  /** `herdctl run …` that must succeed; returns the job id it printed. */
  submit(agent: string, ...args: string[]): Promise<string>;
  job(id: string): Json;
  log(id: string): ParsedLog;
  jobIds(): string[];
}

/**
 * A fresh state dir, a workspace and a herdctl.yaml. `yaml` gets the paths
 * and returns the config text. On teardown every process this fleet started
 * (runners, agents and their tools, recognised through /proc as ours) is
 * killed by pid before the directory is removed.
 */
export function fleet(t: TestContext, yaml: (p: { dir: string; ws: string; claude: string }) => string): Fleet {
  const dir = mkdtempSync(join(tmpdir(), 'herdctl-runner-'));
  const home = join(dir, 'home');
  const ws = join(dir, 'ws');
  mkdirSync(ws);
  const config = join(dir, 'herdctl.yaml');
  writeFileSync(config, yaml({ dir, ws, claude: FAKE_CLAUDE }));
  const env: NodeJS.ProcessEnv = { HERDCTL_HOME: home, HERDCTL_CONFIG: config, FAKE_CLAUDE_STATE: join(dir, 'fake-claude') };
  t.after(async () => {
    await reap(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  const f: Fleet = {
    dir,
    home,
    ws,
    config,
    env,
    cli: (args, opts = {}) => runCli(args, { home, env: { ...env, ...opts.env }, timeoutMs: opts.timeoutMs ?? 60_000, input: opts.input }),
    async submit(agent, ...args) {
      const r = await f.cli(['run', agent, ...args]);
      assert.equal(r.code, 0, `run ${agent} ${args.join(' ')} failed: ${r.stderr}`);
      const id = r.stdout.trim();
      assert.match(id, ID_RE);
      return id;
    },
    job: (id) => readJob(home, id),
    log: (id) => readLog(home, id),
    jobIds: () => jobIds(home).filter((n) => ID_RE.test(n)),
  };
  return f;
}

export const waitStatus = (f: Fleet, id: string, statuses: string[], timeoutMs = 30_000): Promise<Json> =>
  waitFor(
    `${id} to be ${statuses.join('|')}`,
    () => {
      const j = f.job(id);
      return statuses.includes(j.status) ? j : null;
    },
    timeoutMs,
  );

export const waitTerminal = (f: Fleet, id: string, timeoutMs = 30_000): Promise<Json> => waitStatus(f, id, [...TERMINAL], timeoutMs);

/** Waits for an event in the job's output.jsonl matching `pred`. */
export const waitEvent = (f: Fleet, id: string, pred: (e: Json) => boolean, what: string, timeoutMs = 20_000): Promise<Json> =>
  waitFor(`${what} in ${id}'s output`, () => f.log(id).events.find(pred), timeoutMs);

/** Peak number of open intervals; at equal times an end is counted before a start (a freed slot may be reused at once). */
export function peakOverlap(intervals: { start: number | bigint; end: number | bigint }[]): number {
  const points: [bigint, number][] = [];
  for (const i of intervals) {
    points.push([BigInt(i.start), 1], [BigInt(i.end), -1]);
  }
  points.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : a[1] - b[1]));
  let cur = 0;
  let peak = 0;
  for (const [, d] of points) {
    cur += d;
    peak = Math.max(peak, cur);
  }
  return peak;
}
