import type { Job } from '../core/job.js';
import { resolveHome } from '../core/paths.js';
import { JobStore } from '../core/store.js';
import { recoverIfLost } from '../core/recovery.js';
import { resume, retry } from '../core/submit.js';
import type { ActionResult, Ctx } from './types.js';

/** A new job continuing a finished one's agent session. */
export function jobsResume(idInput: string, flags: { prompt?: string; model?: string }, ctx: Ctx): ActionResult<Job> {
  const store = new JobStore(resolveHome(ctx.home));
  return { data: resume(store, store.read(store.resolve(idInput)), flags.prompt, flags.model) };
}

/** `jobs retry <id>`: the job again, as a new one. */
export function jobsRetry(idInput: string, flags: { model?: string }, ctx: Ctx): ActionResult<Job> {
  const store = new JobStore(resolveHome(ctx.home));
  return { data: retry(store, recoverIfLost(store, store.read(store.resolve(idInput))), flags.model) };
}
