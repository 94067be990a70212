import { HerdError } from '../core/errors.js';
import { isTerminal, type Job } from '../core/job.js';
import { resolveHome } from '../core/paths.js';
import { removeJobs, type PrunedJob } from '../core/prune.js';
import { recoverIfLost } from '../core/recovery.js';
import { JobStore } from '../core/store.js';
import type { ActionResult, Ctx } from './types.js';

/** `jobs rm <id>…`: finished jobs only; nothing is removed if one named is pending or running. */
export function jobsRm(ids: string[], flags: { 'delete-branch'?: boolean }, ctx: Ctx): ActionResult<{ deleted: number; jobs: PrunedJob[] }> {
  const store = new JobStore(resolveHome(ctx.home));
  const jobs: Job[] = [...new Set(ids.map((i) => store.resolve(i)))].map((id) => recoverIfLost(store, store.read(id)));
  const live = jobs.filter((j) => !isTerminal(j.status));
  if (live.length) {
    throw new HerdError('conflict', `${live.map((j) => `${j.id} is ${j.status}`).join(', ')}: only finished jobs can be removed (nothing was removed)`, `herdctl jobs cancel ${live[0].id}`);
  }
  const removed = removeJobs(store, jobs, !!flags['delete-branch']);
  return { data: { deleted: removed.length, jobs: removed } };
}
