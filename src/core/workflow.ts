import { budgetError, overBudget } from './budget.js';
import { diag } from './diag.js';
import type { Usage } from './events.js';
import type { Ending } from './finish.js';
import type { Job } from './job.js';
import type { RecapBuilder } from './recap.js';
import { backoffMs, shouldRetry } from './retry.js';
import type { Runtime } from './runtimes/types.js';
import type { Settings } from './settings.js';
import type { JobStore } from './store.js';
import { jobFrom } from './submit.js';
import { branchFor, commitLeftovers, createWorktree, diffStat, reopenWorktree, runGit, worktreePathFor, type Git } from './worktree.js';
import { formatDuration } from './duration.js';
import { clock } from './clock.js';

// The runner's hooks for herdctl's own workflow features, so the runner
// stays about running processes: a worktree made before the agent starts and
// wrapped up when it ends, the retry of a transient failure, and the budget.

/** The job's worktree, made (or reopened for a resume/retry); throws with git's message. Null: the job is not isolated. */
export function prepareWorktree(home: string, job: Job, settings: Settings, git: Git = runGit): { cwd: string; patch: Partial<Job> } | null {
  if (settings.isolation !== 'worktree' && !job.worktree) return null;
  const w =
    job.worktree && job.branch && job.baseCommit
      ? reopenWorktree(job.workspace, { worktree: job.worktree, branch: job.branch, baseCommit: job.baseCommit }, git)
      : createWorktree(job.workspace, worktreePathFor(home, job.id), branchFor(job.id), settings.base, git);
  return { cwd: w.cwd, patch: { worktree: w.worktree, branch: w.branch, baseCommit: w.baseCommit } };
}

/** herdctl stops a job over its budget unless the agent enforces it itself. The error to end it with, or null. */
export function budgetStop(runtime: Runtime, settings: Settings, usage: Usage | null): string | null {
  if (runtime.nativeBudget || settings.maxBudgetUsd === null || !overBudget(usage, settings.maxBudgetUsd)) return null;
  return budgetError(settings.maxBudgetUsd, usage?.costUsd);
}

/**
 * What happens as a job ends, before its terminal job.json is written: the
 * worktree's leftovers are committed on its branch and its changes counted
 * (recap and `changes`); a transient failure with attempts left gets its
 * retry created now, pending until its backoff has passed — so a crash
 * after this point still leaves the retry. Never throws: a problem here is
 * noted on the job, it does not keep the job from ending.
 */
export function wrapUp(store: JobStore, job: Job, settings: Settings, ending: Ending, recap: RecapBuilder, git: Git = runGit): Ending {
  const extra: Partial<Job> = { ...ending.extra };
  let error = ending.error;
  if (job.worktree && job.branch && job.baseCommit) {
    try {
      commitLeftovers({ worktree: job.worktree }, job.id, job.agent, git);
      const stat = diffStat(job.workspace, job.baseCommit, job.branch, git);
      const files = stat.files.map((f) => f.path);
      extra.changes = { files, insertions: stat.insertions, deletions: stat.deletions };
      const list = files.length ? `: ${files.slice(0, 5).join(', ')}${files.length > 5 ? ` (+${files.length - 5} more)` : ''}` : '';
      recap.note(`Changes on ${job.branch}: ${files.length} file${files.length === 1 ? '' : 's'} (+${stat.insertions} −${stat.deletions})${list}`);
    } catch (e) {
      recap.note(`Worktree: could not record the changes (${(e as Error).message})`);
    }
  }
  if (shouldRetry(ending, job.attempt, settings.retries)) {
    const delay = backoffMs(settings.retryBackoffMs, job.attempt);
    try {
      const progressed = recap.madeProgress() && job.sessionId !== null;
      const resumed = (job.trigger === 'resume' || job.trigger === 'retry') && job.sessionId !== null;
      const next = jobFrom(store, job, {
        trigger: 'retry',
        // an attempt that got somewhere is resumed; one that failed at once is run again as it was
        prompt: progressed ? `The previous attempt (${job.id}) failed with a transient error: ${ending.error ?? 'unknown'}. Continue from where you left off.` : job.prompt,
        sessionId: progressed || resumed ? job.sessionId : null,
        retryOf: job.id,
        attempt: job.attempt + 1,
        notBefore: clock.isoAt(store.now() + delay),
      });
      extra.retriedBy = next.id;
      error = `${ending.error ?? 'failed'} (transient: retried as ${next.id}, attempt ${job.attempt + 1} of ${settings.retries + 1}, in ${formatDuration(delay)})`;
      recap.note(`Retried as ${next.id} (attempt ${job.attempt + 1} of ${settings.retries + 1})`);
    } catch (e) {
      diag().log('error', 'could not create the retry', { job: job.id, error: (e as Error).message.slice(0, 200) });
      error = `${ending.error ?? 'failed'} (transient, but the retry could not be created: ${(e as Error).message})`;
    }
  }
  return { ...ending, error, extra };
}
