import type { Job } from './job.js';
import type { JobStore } from './store.js';
import { orphanWorktrees, removeOrphan, removeWorktree, runGit, type Git } from './worktree.js';

// Worktrees and the jobs that own them: a resume or retry runs in its
// parent's worktree, so a worktree goes only when no pending or running job
// still needs it (its branch stays unless asked).

/** A pending or running job runs (or will run) in this worktree. */
export function worktreeInUse(store: JobStore, path: string, except?: string): boolean {
  const ids = new Set(store.activeIds());
  for (const agent of store.queue.agents()) for (const m of store.queue.pending(agent)) ids.add(m.id);
  for (const id of ids) {
    if (id === except) continue;
    const r = store.tryRead(id);
    if (r && 'job' in r && r.job.worktree === path && (r.job.status === 'pending' || r.job.status === 'running')) return true;
  }
  return false;
}

/** When a job is deleted (prune, rm): its worktree goes unless another job still needs it; its branch with `deleteBranch`. */
export function releaseWorktree(store: JobStore, job: Pick<Job, 'id' | 'workspace' | 'worktree' | 'branch'>, deleteBranch: boolean, git: Git = runGit): boolean {
  if (!job.worktree || !job.branch || worktreeInUse(store, job.worktree, job.id)) return false;
  try {
    removeWorktree(job.workspace, { worktree: job.worktree, branch: job.branch }, deleteBranch, git);
    return true;
  } catch {
    return false; // left for `doctor --fix`
  }
}

/** Worktrees under <home>/worktrees whose job is gone and that no pending or running job uses: listed, and removed with `fix`. */
export function orphanJobWorktrees(store: JobStore, fix: boolean, git: Git = runGit): string[] {
  const orphans = orphanWorktrees(store.paths.home, (id) => store.tryRead(id) !== null).filter((p) => !worktreeInUse(store, p));
  if (fix) for (const p of orphans) removeOrphan(p, git);
  return orphans;
}
