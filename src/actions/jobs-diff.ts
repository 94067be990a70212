import { HerdError } from '../core/errors.js';
import { isTerminal } from '../core/job.js';
import { resolveHome } from '../core/paths.js';
import { JobStore } from '../core/store.js';
import { diffStat, diffText, GitError, type DiffStat } from '../core/worktree.js';
import { existsSync } from 'node:fs';
import type { ActionResult, Ctx } from './types.js';

export interface JobDiff extends DiffStat {
  id: string;
  branch: string;
  baseCommit: string;
  worktree: string;
  patch?: string;
}

/** `jobs diff <id>`: what an isolated job changed, against the commit its branch started from. */
export function jobsDiff(id: string, flags: { stat?: boolean }, ctx: Ctx): ActionResult<JobDiff, { statText: string | null }> {
  const store = new JobStore(resolveHome(ctx.home));
  const job = store.read(store.resolve(id));
  if (!job.worktree || !job.branch || !job.baseCommit) {
    const why = job.status === 'pending' ? 'has not started yet' : 'did not run in a worktree of its own';
    throw new HerdError('conflict', `job ${job.id} ${why}: there is no diff to show`, job.status === 'pending' ? `herdctl jobs show ${job.id}` : `herdctl run ${job.agent} --worktree`);
  }
  // a job still running has uncommitted work: compare its worktree's files; a finished one, its branch
  const live = !isTerminal(job.status) && existsSync(job.worktree);
  const dir = live ? job.worktree : job.workspace;
  const to = live ? null : job.branch;
  try {
    const stat = diffStat(dir, job.baseCommit, to);
    const data: JobDiff = { id: job.id, branch: job.branch, baseCommit: job.baseCommit, worktree: job.worktree, ...stat };
    if (!flags.stat) data.patch = diffText(dir, job.baseCommit, to, false);
    // git's own --stat text is what the text view shows for --stat
    return { data, view: { statText: flags.stat ? diffText(dir, job.baseCommit, to, true) : null } };
  } catch (e) {
    if (e instanceof GitError) throw new HerdError('conflict', `cannot diff job ${job.id}: ${e.message}`, `git -C ${job.workspace} log ${job.branch}`);
    throw e;
  }
}
