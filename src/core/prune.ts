import { dropJobEnv } from './job-env.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { diag } from './diag.js';
import { dayEntries, dayOf } from './entries.js';
import { compactIndex, foldBefore } from './index-compact.js';
import { ensureDir, listDir, removeTree, renameIfThere, tryUnlink } from './fsx.js';
import { idDay, idTime } from './ids.js';
import { markerLine } from './index-log.js';
import { TERMINAL, type Job, type JobStatus } from './job.js';
import type { JobStore } from './store.js';
import { releaseWorktree } from './worktree-jobs.js';
import { clock } from './clock.js';

/**
 * `jobs prune`: deletes whole job directories of finished jobs, safely while
 * other commands run. A job leaves jobs/ by one rename into trash/ (readers
 * see it whole or not at all; two pruners cannot both take it), then its
 * index line is marked `gone` and the trash copy and its human log deleted.
 * Pending and running jobs are never touched; nor is an unreadable job.json.
 */
export interface PruneOptions {
  olderThanMs: number;
  status?: JobStatus;
  /** the newest N matching jobs are kept whatever their age */
  keepLast?: number;
  dryRun?: boolean;
  /** also delete the branches of pruned jobs that ran in a worktree (their worktrees always go) */
  deleteBranch?: boolean;
}

export interface PrunedJob {
  id: string;
  agent: string;
  status: string;
  endedAt: string;
}

/** renames per index sync: the index is marked in sync once per batch, not once per job */
const BATCH = 200;
/** a segment this recent may still get lines (new jobs, clock skew between hosts): never deleted */
const SEGMENT_KEEP_MS = 2 * 86_400_000;

export function pruneJobs(store: JobStore, opts: PruneOptions, check: (job: Job) => Job, now = clock.now()): PrunedJob[] {
  store.refreshIndex();
  sweepTrash(store);
  const cutoff = now - opts.olderThanMs;
  const keepLast = opts.keepLast ?? 0;
  const picked: PrunedJob[] = [];
  let kept = 0;
  for (const day of store.index.days()) {
    if (keepLast === 0 && day.slice(0, 8) > dayOf(cutoff)) continue; // created after the cutoff: cannot have ended before it
    for (const e of dayEntries(store, day, undefined, check)) {
      if (!TERMINAL.has(e.status as JobStatus) || (opts.status && e.status !== opts.status)) continue;
      if (kept < keepLast) {
        kept++;
        continue;
      }
      const endedMs = e.completedMs || idTime(e.id);
      if (endedMs < cutoff) picked.push({ id: e.id, agent: e.agent, status: e.status, endedAt: clock.isoAt(endedMs) });
    }
  }
  const done = opts.dryRun ? picked : remove(store, picked, now, !!opts.deleteBranch);
  diag().log('info', 'prune done', { deleted: opts.dryRun ? 0 : done.length, matched: picked.length, dryRun: !!opts.dryRun });
  return done;
}

const trashDir = (store: JobStore) => store.paths.trash;

function remove(store: JobStore, jobs: PrunedJob[], now: number, deleteBranch: boolean): PrunedJob[] {
  const trash = trashDir(store);
  ensureDir(trash);
  const removed: PrunedJob[] = [];
  for (let i = 0; i < jobs.length; i += BATCH) {
    const moved: [PrunedJob, string][] = [];
    const inSync = store.index.beforeOwnChange();
    for (const j of jobs.slice(i, i + BATCH)) {
      const to = join(trash, `${j.id}-${Math.random().toString(36).slice(2, 10)}`);
      if (!renameIfThere(store.paths.job(j.id), to)) continue; // deleted meanwhile (another prune)
      moved.push([j, to]);
    }
    // one append per hour of the batch; a crash before it leaves jobs/ changed behind the index's back: reconciled
    store.index.appendAll(moved.map(([j]) => [j.id, markerLine(j.id, 'gone', j.agent)] as const));
    store.index.afterOwnChange(inSync);
    for (const [j, to] of moved) {
      releaseJobFiles(store, to, deleteBranch);
      deleteTree(to);
      store.ends.drop(j.id);
      try {
        tryUnlink(store.paths.agentLog(j.agent, j.id));
      } catch {
        /* an agent name no log path can be made of: there is no log */
      }
      diag().log('debug', 'job pruned', { job: j.id, agent: j.agent, status: j.status });
      removed.push(j);
    }
  }
  dropEmptySegments(store, removed, now);
  compactIndex(store.index, foldBefore(now)); // what is left of old days, one segment each
  return removed;
}

/** `jobs rm`: these finished jobs go the way prune's do (worktree, env values and index line included). */
export function removeJobs(store: JobStore, jobs: Job[], deleteBranch: boolean, now = clock.now()): PrunedJob[] {
  sweepTrash(store);
  const picked = jobs.map((j) => ({ id: j.id, agent: j.agent, status: j.status, endedAt: j.completedAt ?? clock.isoAt(idTime(j.id)) }));
  const done = remove(store, picked, now, deleteBranch);
  diag().log('info', 'jobs removed', { deleted: done.length });
  return done;
}

/** Index segments left holding only `gone` lines are deleted, so the index shrinks with the jobs. */
function dropEmptySegments(store: JobStore, removed: PrunedJob[], now: number): void {
  const old = dayOf(now - SEGMENT_KEEP_MS);
  for (const day of new Set(removed.map((j) => idDay(j.id)))) {
    if (day < old && store.index.readDay(day).length === 0) store.index.dropDay(day);
  }
}

/** What a crashed prune left in trash/ (already out of jobs/, so safe to delete whenever), and kept ends of jobs gone. */
function sweepTrash(store: JobStore): void {
  for (const name of listDir(trashDir(store))) deleteTree(join(trashDir(store), name));
  store.ends.sweep();
}

/** What a pruned job had outside its dir goes with it: its worktree, its --env values (read from its job.json, already in trash/). */
function releaseJobFiles(store: JobStore, dir: string, deleteBranch: boolean): void {
  try {
    const job = JSON.parse(readFileSync(join(dir, 'job.json'), 'utf8')) as Job;
    dropJobEnv(store.paths, (job.settings as { envToken?: string } | null)?.envToken);
    if (job.worktree) releaseWorktree(store, job, deleteBranch);
  } catch {
    /* no readable job.json: nothing known to release (doctor --fix finds an orphan worktree) */
  }
}

function deleteTree(path: string): void {
  try {
    removeTree(path);
  } catch {
    /* left for the next prune's sweep */
  }
}
