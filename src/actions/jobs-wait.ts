import { Exit, HerdError } from '../core/errors.js';
import { isTerminal, type Job } from '../core/job.js';
import { parseDuration } from '../core/duration.js';
import { resolveHome } from '../core/paths.js';
import { JobStore } from '../core/store.js';
import { waitForEnd } from '../core/wait.js';
import { exitCodeFor } from './jobs-logs.js';
import type { ActionResult, Ctx } from './types.js';

/** Worst first: how `jobs wait` of several jobs picks its exit code (a failure outranks a timeout, a cancel; all completed is 0). */
const RANK = [Exit.FAILURE, Exit.TIMEOUT, Exit.CANCELLED, Exit.OK];

/**
 * `jobs wait <id>… [--any] [--timeout D]`: until every job (with --any: the
 * first) has ended; exits with the worst outcome (the first's with --any),
 * 124 if --timeout passes first (the jobs go on).
 */
export async function jobsWait(ids: string[], flags: { any?: boolean; timeout?: string }, ctx: Ctx): Promise<ActionResult<Job[], { timedOut: boolean }>> {
  const store = new JobStore(resolveHome(ctx.home));
  const resolved = [...new Set(ids.map((i) => store.resolve(i)))];
  const limitMs = flags.timeout === undefined ? undefined : parseDuration(flags.timeout);
  if (limitMs === null || limitMs === 0) throw new HerdError('usage', `--timeout ${JSON.stringify(flags.timeout)} is not a duration above 0`, 'herdctl jobs wait <id> --timeout 10m');
  if (!resolved.every((id) => isTerminal(store.read(id).status))) ctx.waiting?.(resolved, !!flags.any, limitMs);
  const stop = new AbortController();
  const timer = limitMs === undefined ? null : setTimeout(() => stop.abort(), limitMs);
  ctx.interrupt?.addEventListener('abort', () => stop.abort());
  try {
    const waits = resolved.map((id) => waitForEnd(store, id, stop.signal));
    const jobs = flags.any ? [await Promise.race(waits)] : await Promise.all(waits);
    stop.abort(); // --any: the others stop waiting
    const ended = jobs.filter((j) => isTerminal(j.status));
    if (ended.length < jobs.length || (flags.any && ended.length === 0)) {
      const now = resolved.map((id) => store.read(id));
      return { data: now, exit: ctx.interrupt?.aborted ? Exit.DETACHED : Exit.TIMEOUT, view: { timedOut: true } };
    }
    const codes = jobs.map(exitCodeFor);
    return { data: jobs, exit: RANK.find((c) => codes.includes(c)) ?? Exit.OK, view: { timedOut: false } };
  } finally {
    if (timer) clearTimeout(timer);
  }
}
