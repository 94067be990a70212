import { checkName, Paths, resolveHome } from '../core/paths.js';
import { bucketStatus, resetKnownBucket, type BucketStatus, type ResetResult } from '../core/quota.js';
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

/** A bucket of the config, or one that has a ledger still (the config may have dropped it since). */
export function quotasReset(bucket: string, flags: QuotaFlags, ctx: Ctx): ActionResult<ResetResult> {
  checkName(bucket, 'quota bucket');
  const config = loadConfigFor({ config: flags.config, home: ctx.home });
  const r = resetKnownBucket(new Paths(resolveHome(ctx.home)), config.quotas, bucket);
  if (!ctx.json) ctx.log(`Reset quota bucket ${bucket} (it had ${r.before.tasksTotal} tasks in total, ${r.before.tasksPerHour} in the last 60 minutes).`);
  return { data: r };
}
