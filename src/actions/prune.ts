import { parseDuration } from '../core/duration.js';
import { HerdError } from '../core/errors.js';
import type { JobStatus } from '../core/job.js';
import { resolveHome } from '../core/paths.js';
import { pruneJobs, type PrunedJob } from '../core/prune.js';
import { recoverIfLost } from '../core/recovery.js';
import { JobStore } from '../core/store.js';
import type { ActionResult, Ctx } from './types.js';

export interface PruneFlags {
  'older-than': string;
  status?: string;
  'keep-last'?: number;
  'dry-run'?: boolean;
  'delete-branch'?: boolean;
}

export interface PruneResult {
  dryRun: boolean;
  olderThan: string;
  deleted: number;
  jobs: PrunedJob[];
}

export function jobsPrune(flags: PruneFlags, ctx: Ctx): ActionResult<PruneResult, { status?: string; keepLast?: number }> {
  const olderThanMs = parseDuration(flags['older-than']);
  if (olderThanMs === null) throw new HerdError('usage', `--older-than ${JSON.stringify(flags['older-than'])} is not a duration (30d, 12h, 2w)`, 'herdctl jobs prune --older-than 30d --dry-run');
  const store = new JobStore(resolveHome(ctx.home));
  const dryRun = !!flags['dry-run'];
  const jobs = pruneJobs(store, { olderThanMs, status: flags.status as JobStatus | undefined, keepLast: flags['keep-last'], dryRun, deleteBranch: flags['delete-branch'] }, (job) =>
    recoverIfLost(store, job),
  );
  return { data: { dryRun, olderThan: flags['older-than'], deleted: dryRun ? 0 : jobs.length, jobs }, view: { status: flags.status, keepLast: flags['keep-last'] } };
}
