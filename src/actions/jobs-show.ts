import type { Job } from '../core/job.js';
import { jobLinks } from '../core/job-links.js';
import { resolveHome } from '../core/paths.js';
import { recoverIfLost } from '../core/recovery.js';
import { JobStore } from '../core/store.js';
import { renderJobDetail } from '../render/jobs.js';
import { palette } from '../render/style.js';
import type { ActionResult, Ctx } from './types.js';

export function jobsShow(id: string, ctx: Ctx): ActionResult<Job> {
  const store = new JobStore(resolveHome(ctx.home));
  const job = recoverIfLost(store, store.read(store.resolve(id)));
  if (!ctx.json) ctx.log(renderJobDetail(job, palette(), Date.now(), jobLinks(store, job)));
  return { data: job };
}
