import type { Job } from '../core/job.js';
import { resolveHome } from '../core/paths.js';
import { JobStore } from '../core/store.js';
import { resume } from '../core/submit.js';
import type { ActionResult, Ctx } from './types.js';

/** A new job continuing a finished one's agent session. */
export function jobsResume(idInput: string, flags: { prompt?: string; model?: string }, ctx: Ctx): ActionResult<Job> {
  const store = new JobStore(resolveHome(ctx.home));
  return { data: resume(store, store.read(store.resolve(idInput)), flags.prompt, flags.model) };
}
