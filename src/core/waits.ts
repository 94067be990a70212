import { join } from 'node:path';
import { createExclusive, ensureDir, listDir, removeTree, tryUnlink } from './fsx.js';
import { isJobId } from './ids.js';
import { isTerminal } from './job.js';
import type { Paths } from './paths.js';
import { ensureRunner } from './runner-launch.js';
import type { JobStore } from './store.js';

/**
 * Who waits for whom: `waits/<job-id>/<dependant-id>`, one empty file per
 * dependant of a job (`run --after`), made before the dependant can be
 * claimed. Whoever ends the job reads it to wake the dependants' runners,
 * wherever their agents are, then removes it. Derived: a lost entry costs a
 * wake-up, which the next look at the dependant (or its runner's start) makes
 * up for.
 */
const root = (paths: Paths): string => paths.waits;
const dirOf = (paths: Paths, job: string): string => join(root(paths), paths.job(job).slice(paths.jobs.length + 1));

export function recordWaits(paths: Paths, dependant: string, after: readonly string[]): void {
  for (const dep of after) {
    const dir = dirOf(paths, dep);
    ensureDir(root(paths));
    ensureDir(dir);
    createExclusive(join(dir, paths.job(dependant).slice(paths.jobs.length + 1)));
  }
}

export function dependantsOf(paths: Paths, job: string): string[] {
  return listDir(dirOf(paths, job)).filter(isJobId);
}

/**
 * After a dependant is created: an entry for a dependency that had already
 * ended is taken back (no end will ever read it). The dependant's runner
 * judges it when it looks, so nothing is missed either way.
 */
export function settleWaits(store: JobStore, dependant: string, after: readonly string[]): void {
  for (const dep of after) {
    const r = store.tryRead(dep);
    if (r && 'job' in r && !isTerminal(r.job.status)) continue;
    tryUnlink(join(dirOf(store.paths, dep), dependant));
    if (listDir(dirOf(store.paths, dep)).length === 0) removeTree(dirOf(store.paths, dep));
  }
}

export function dropWaits(paths: Paths, job: string): void {
  removeTree(dirOf(paths, job));
}

/**
 * A job ended: wake the runners of the jobs waiting for it, whatever their
 * agent — started if none runs, poked through their queue directory if one
 * does. Best effort: a missed wake-up is made up by the next look at the job.
 */
export function wakeDependants(store: JobStore, id: string): void {
  const agents = new Set<string>();
  for (const dep of dependantsOf(store.paths, id)) {
    const r = store.tryRead(dep);
    if (r && 'job' in r && !isTerminal(r.job.status)) agents.add(r.job.agent);
  }
  for (const agent of agents) {
    const dir = store.paths.agentQueue(agent);
    ensureDir(dir);
    const poke = join(dir, '.wake');
    tryUnlink(poke); // a crashed waker's
    createExclusive(poke); // an fs event the agent's runner watches for
    tryUnlink(poke);
    ensureRunner(store.paths, agent);
  }
  dropWaits(store.paths, id);
}
