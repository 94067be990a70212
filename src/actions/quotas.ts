import { existsSync } from 'node:fs';
import { HerdError } from '../core/errors.js';
import { checkName, Paths, resolveHome } from '../core/paths.js';
import { bucketStatus, ledgerPath, resetBucket, type BucketStatus } from '../core/quota.js';
import { renderQuotas } from '../render/quotas.js';
import { palette } from '../render/style.js';
import { loadConfigFor } from './config.js';
import type { ActionResult, Ctx } from './types.js';

export interface QuotaFlags {
  config?: string;
}

export function quotasList(flags: QuotaFlags, ctx: Ctx): ActionResult<BucketStatus[]> {
  const config = loadConfigFor({ config: flags.config, home: ctx.home });
  const paths = new Paths(resolveHome(ctx.home));
  const now = Date.now();
  const rows = Object.entries(config.quotas).map(([name, limits]) => bucketStatus(paths, name, limits, now));
  if (!ctx.json) ctx.log(rows.length ? renderQuotas(rows, palette(), now) : `No quota buckets${config.file ? ` in ${config.file}` : ' (no herdctl.yaml found)'}. Add a quotas: section, e.g. quotas: { ci: { tasks_per_hour: 10, tasks_total: 500 } }`);
  return { data: rows };
}

export interface ResetResult {
  bucket: string;
  before: { tasksTotal: number; tasksPerHour: number };
}

/** A bucket of the config, or one that has a ledger still (the config may have dropped it since). */
export function quotasReset(bucket: string, flags: QuotaFlags, ctx: Ctx): ActionResult<ResetResult> {
  checkName(bucket, 'quota bucket');
  const config = loadConfigFor({ config: flags.config, home: ctx.home });
  const paths = new Paths(resolveHome(ctx.home));
  if (!Object.hasOwn(config.quotas, bucket) && !existsSync(ledgerPath(paths, bucket))) {
    const known = Object.keys(config.quotas);
    throw new HerdError('not_found', `no quota bucket "${bucket}" (${known.length ? `known buckets: ${known.join(', ')}` : 'the config defines none'})`, 'herdctl quotas list');
  }
  const before = resetBucket(paths, bucket);
  if (!ctx.json) ctx.log(`Reset quota bucket ${bucket} (it had ${before.total} tasks in total, ${before.window.length} in the last 60 minutes).`);
  return { data: { bucket, before: { tasksTotal: before.total, tasksPerHour: before.window.length } } };
}
