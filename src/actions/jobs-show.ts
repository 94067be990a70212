import type { Job } from '../core/job.js';
import { jobLinks, type JobLinks } from '../core/job-links.js';
import { resolveHome } from '../core/paths.js';
import { recoverIfLost } from '../core/recovery.js';
import { JobStore } from '../core/store.js';
import type { ActionResult, Ctx } from './types.js';
import { clock } from '../core/clock.js';

export function jobsShow(id: string, ctx: Ctx): ActionResult<Job, { now: number; links: JobLinks }> {
  const store = new JobStore(resolveHome(ctx.home));
  const job = recoverIfLost(store, store.read(store.resolve(id)));
  return { data: job, view: { now: clock.now(), links: jobLinks(store, job) } };
}
