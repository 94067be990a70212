// The first `jobs list` on a state dir copied in with no index: herdctl rebuilds
// index/ from jobs/ before it answers. Its floor is a plain script that reads and
// parses every job.json once (scripts/bench-raw-parse.js); the target is 1.5× that.
//
// The state is a hard-linked copy of the bench's N-job state (cp -al: seconds, no
// extra disk; herdctl replaces files by rename, so the original never changes),
// and its index/ is deleted before every run. Runs interleave with the floor's.

import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';

const TARGET = 1.5;

/**
 * @param {{ state: string, root: string, bin: string, env: NodeJS.ProcessEnv, runs: number, m: { jobs: number, home: string },
 *   timeOnce: (args: string[], env: NodeJS.ProcessEnv) => { ms: number, status: number, stderr: string },
 *   median: (xs: number[]) => number, startStandIn: (home: string) => Promise<() => Promise<void>>, say: (s: string) => void }} ctx
 */
export async function coldIndexFigure(ctx) {
  const copy = join(ctx.state, `cold-${ctx.m.jobs}`);
  const home = join(copy, 'home');
  fs.rmSync(copy, { recursive: true, force: true });
  fs.mkdirSync(copy, { recursive: true });
  const cp = spawnSync('cp', ['-al', ctx.m.home, home], { stdio: 'inherit' });
  if (cp.status !== 0) return { label: coldLabel(ctx.m.jobs), target: `≤ ${TARGET}× raw parse`, figure: 'skipped: cp -al failed (no hard links here)', pass: null };
  const stop = await ctx.startStandIn(home); // its pending jobs stay queued: no runner starts
  const herd = [];
  const raw = [];
  try {
    const raws = [join(ctx.root, 'scripts', 'bench-raw-parse.js'), home];
    ctx.timeOnce(raws, ctx.env); // warm the page cache: every run below reads from memory
    for (let i = 0; i < ctx.runs; i++) {
      fs.rmSync(join(home, 'index'), { recursive: true, force: true });
      const h = ctx.timeOnce([ctx.bin, 'jobs', 'list', '--home', home], ctx.env);
      if (h.status !== 0) throw new Error(`jobs list exited ${h.status}: ${h.stderr.trim().split('\n')[0]}`);
      herd.push(h.ms);
      raw.push(ctx.timeOnce(raws, ctx.env).ms);
    }
  } finally {
    await stop();
    fs.rmSync(copy, { recursive: true, force: true });
  }
  const ratio = ctx.median(herd) / ctx.median(raw);
  return {
    label: coldLabel(ctx.m.jobs),
    target: `≤ ${TARGET}× raw parse`,
    figure: `${(ctx.median(herd) / 1000).toFixed(2)} s vs ${(ctx.median(raw) / 1000).toFixed(2)} s: ${ratio.toFixed(2)}×`,
    pass: ratio <= TARGET,
  };
}

const coldLabel = (n) => `first jobs list, no index (${n / 1000}k jobs)`;
