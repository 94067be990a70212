import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join, resolve } from 'node:path';
import { HerdError } from './errors.js';
import { isJobId } from './ids.js';
import { ensureDir, listDir, removeTree } from './fsx.js';
import { Paths } from './paths.js';

/**
 * A git worktree per job (`isolation: worktree`): the agent works in
 * `<home>/worktrees/<job-id>`, a checkout of its workspace's repository on
 * the branch `herdctl/<job-id>`, so agents never edit, switch or stash in the
 * user's checkout or in each other's. Everything goes through git's own
 * commands (worktree add/remove, a commit with the worktree's index): the
 * user's HEAD, index, stash and working files are never touched.
 */

/** How git is run; injectable for tests. Throws GitError with git's own message. */
export type Git = (args: string[], cwd: string) => string;

export class GitError extends Error {}

// a herdctl started from a git hook inherits these; they would point every call at the user's repository
const GIT_ENV_DROP = ['GIT_DIR', 'GIT_WORK_TREE', 'GIT_INDEX_FILE', 'GIT_OBJECT_DIRECTORY', 'GIT_ALTERNATE_OBJECT_DIRECTORIES', 'GIT_PREFIX', 'GIT_COMMON_DIR'];

export const runGit: Git = (args, cwd) => {
  const env: NodeJS.ProcessEnv = { ...process.env, GIT_TERMINAL_PROMPT: '0', LC_ALL: 'C' };
  for (const k of GIT_ENV_DROP) delete env[k];
  try {
    return execFileSync('git', args, { cwd, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000, maxBuffer: 256 * 1024 * 1024 });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stderr?: string; status?: number | null };
    if (err.code === 'ENOENT') throw new GitError('git is not installed (or not on PATH)');
    const said = (err.stderr ?? '').trim().split('\n').filter(Boolean).slice(-3).join('; ');
    throw new GitError(said || `git ${args[0]} failed${err.status !== undefined ? ` with exit ${err.status}` : ''}`);
  }
};

export const branchFor = (jobId: string): string => `herdctl/${jobId}`;
export const worktreesDir = (home: string): string => new Paths(home).worktrees;
export function worktreePathFor(home: string, jobId: string): string {
  if (!isJobId(jobId)) throw new HerdError('invalid_id', `invalid job id ${JSON.stringify(jobId.slice(0, 60))}`, 'herdctl jobs list');
  return join(worktreesDir(home), jobId);
}

/** What a job records about its worktree (job.json: worktree, branch, baseCommit). */
export interface JobWorktree {
  worktree: string;
  branch: string;
  baseCommit: string;
  /** Where the agent runs: the worktree, or the same subdirectory of it that the workspace is of its repository. */
  cwd: string;
}

/**
 * A new worktree at `path` on a new branch from `base` (a ref, resolved now).
 * Fails with git's message: not a repository, an unknown base, a branch that
 * exists already. A worktree already at `path` on `branch` was made by a
 * claimant that died before its agent started (the job was re-queued): it is
 * used as it is, its HEAD the base (no agent has committed on it).
 */
export function createWorktree(workspace: string, path: string, branch: string, base: string | null, git: Git = runGit): JobWorktree {
  const top = repoTop(workspace, git);
  const prefix = git(['rev-parse', '--show-prefix'], workspace).trim();
  const cwd = prefix ? join(path, prefix) : path;
  if (isWorktreeOf(path, top, git) && git(['symbolic-ref', '--quiet', '--short', 'HEAD'], path).trim() === branch) {
    return { worktree: path, branch, baseCommit: git(['rev-parse', 'HEAD'], path).trim(), cwd };
  }
  let baseCommit: string;
  try {
    baseCommit = git(['rev-parse', '--verify', '--quiet', `${base ?? 'HEAD'}^{commit}`], top).trim();
  } catch {
    throw new GitError(base ? `unknown base "${base}": not a commit, branch or tag of ${top}` : `${top} has no commit yet (HEAD is unborn); commit once, or pass --base`);
  }
  ensureDir(join(path, '..'));
  git(['worktree', 'add', '--quiet', '-b', branch, path, baseCommit], top);
  return { worktree: path, branch, baseCommit, cwd };
}

/**
 * The worktree of an earlier job, for its resume or retry: used as it is, or
 * checked out again from its branch if it was removed since.
 */
export function reopenWorktree(workspace: string, w: Omit<JobWorktree, 'cwd'>, git: Git = runGit): JobWorktree {
  const top = repoTop(workspace, git);
  const prefix = git(['rev-parse', '--show-prefix'], workspace).trim();
  if (!isWorktreeOf(w.worktree, top, git)) {
    git(['worktree', 'prune'], top); // a worktree deleted by hand is still registered: let git forget it first
    ensureDir(join(w.worktree, '..'));
    git(['worktree', 'add', '--quiet', w.worktree, w.branch], top);
  }
  return { ...w, cwd: prefix ? join(w.worktree, prefix) : w.worktree };
}

function repoTop(workspace: string, git: Git): string {
  if (!fs.existsSync(workspace)) throw new GitError(`workspace ${workspace} does not exist`);
  try {
    return git(['rev-parse', '--show-toplevel'], workspace).trim();
  } catch (e) {
    throw new GitError(`workspace ${workspace} is not in a git repository (isolation: worktree needs one): ${(e as Error).message}`);
  }
}

function isWorktreeOf(path: string, top: string, git: Git): boolean {
  if (!fs.existsSync(path)) return false;
  try {
    const common = (d: string) => fs.realpathSync(resolve(d, git(['rev-parse', '--git-common-dir'], d).trim()));
    const inside = git(['rev-parse', '--show-toplevel'], path).trim();
    return fs.realpathSync(inside) === fs.realpathSync(path) && common(path) === common(top);
  } catch {
    return false;
  }
}

/**
 * Commits what the agent left uncommitted on the job's branch, so nothing is
 * lost when the worktree goes: `git add -A` and a commit in the worktree
 * (its own index), authored "herdctl", hooks and signing off. Returns the
 * new commit, or null when there was nothing to commit.
 */
export function commitLeftovers(w: Pick<JobWorktree, 'worktree'>, jobId: string, agent: string, git: Git = runGit): string | null {
  git(['add', '-A'], w.worktree);
  try {
    git(['diff', '--cached', '--quiet'], w.worktree);
    return null; // exit 0: nothing staged
  } catch {
    /* exit 1: changes to commit */
  }
  const who = ['-c', 'user.name=herdctl', '-c', 'user.email=herdctl@localhost', '-c', 'commit.gpgsign=false'];
  git([...who, 'commit', '--quiet', '--no-verify', '--author', 'herdctl <herdctl@localhost>', '-m', `herdctl: uncommitted changes of job ${jobId} (agent ${agent})`], w.worktree);
  return git(['rev-parse', 'HEAD'], w.worktree).trim();
}

export interface DiffStat {
  files: { path: string; added: number | null; deleted: number | null }[]; // null: a binary file
  insertions: number;
  deletions: number;
}

/**
 * What a job changed: its branch against its base, read from the repository
 * (works after the worktree is gone); `to: null` compares the working files
 * of `dir` instead (a job still running: what it has not committed yet too).
 */
export function diffStat(dir: string, baseCommit: string, to: string | null, git: Git = runGit): DiffStat {
  const out = git(['diff', '--numstat', '-z', '--no-renames', baseCommit, ...(to ? [to] : []), '--'], repoTop(dir, git));
  const stat: DiffStat = { files: [], insertions: 0, deletions: 0 };
  for (const rec of out.split('\0')) {
    const m = /^(\d+|-)\t(\d+|-)\t([\s\S]+)$/.exec(rec);
    if (!m) continue;
    const added = m[1] === '-' ? null : Number(m[1]);
    const deleted = m[2] === '-' ? null : Number(m[2]);
    stat.files.push({ path: m[3], added, deleted });
    stat.insertions += added ?? 0;
    stat.deletions += deleted ?? 0;
  }
  return stat;
}

/** The patch (`git diff base to`), or git's --stat of it; `to: null` as in diffStat. */
export function diffText(dir: string, baseCommit: string, to: string | null, stat: boolean, git: Git = runGit): string {
  return git(['diff', '--no-color', ...(stat ? ['--stat'] : []), baseCommit, ...(to ? [to] : []), '--'], repoTop(dir, git));
}

/**
 * Removes a job's worktree (git's record of it too). The branch stays unless
 * `deleteBranch`: the work is on it. A repository that is gone leaves only
 * the directory to delete.
 */
export function removeWorktree(workspace: string, w: { worktree: string; branch: string }, deleteBranch: boolean, git: Git = runGit): void {
  let top: string | null = null;
  try {
    top = repoTop(workspace, git);
  } catch {
    /* the repository is gone: only our directory is left */
  }
  if (top) {
    try {
      git(['worktree', 'remove', '--force', w.worktree], top);
    } catch {
      removeTree(w.worktree);
      git(['worktree', 'prune'], top);
    }
    if (deleteBranch) {
      try {
        git(['branch', '-D', w.branch], top);
      } catch {
        /* deleted already */
      }
    }
  } else removeTree(w.worktree);
}

/** Directories under worktrees/ whose job is gone (`doctor --fix` removes them). */
export function orphanWorktrees(home: string, jobExists: (id: string) => boolean): string[] {
  const dir = worktreesDir(home);
  return listDir(dir)
    .filter((name) => isJobId(name) && !jobExists(name))
    .map((name) => join(dir, name));
}

/**
 * Removes an orphan worktree: git's own record is found through the `.git`
 * file the worktree holds (gitdir: <repo>/.git/worktrees/<name>), so the
 * repository forgets it too; then the directory goes.
 */
export function removeOrphan(path: string, git: Git = runGit): void {
  let repo: string | null = null;
  try {
    const gitFile = fs.readFileSync(join(path, '.git'), 'utf8');
    const m = /^gitdir: (.+)$/m.exec(gitFile);
    if (m) repo = join(m[1].trim(), '..', '..'); // <repo>/.git/worktrees/<name> → <repo>/.git, where git runs too
  } catch {
    /* no .git file: a plain directory */
  }
  removeTree(path);
  if (repo && fs.existsSync(repo)) {
    try {
      git(['worktree', 'prune'], repo);
    } catch {
      /* not a repository any more */
    }
  }
}
