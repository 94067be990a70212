import { checkName, Paths, resolveHome } from '../core/paths.js';
import { bucketStatus, resetKnownBucket, type BucketStatus, type ResetResult } from '../core/quota.js';
import { loadConfigFor } from './config.js';
import type { ActionResult, Ctx } from './types.js';
import { clock } from '../core/clock.js';

export interface QuotaFlags {
  'no-headers'?: boolean;
  config?: string;
}

export function quotasList(flags: QuotaFlags, ctx: Ctx): ActionResult<BucketStatus[], { configFile: string | null; now: number; headers: boolean }> {
  const config = loadConfigFor({ config: flags.config, home: ctx.home });
  const paths = new Paths(resolveHome(ctx.home));
  const now = clock.now();
  const rows = Object.entries(config.quotas).map(([name, limits]) => bucketStatus(paths, name, limits, now));
  return { data: rows, view: { configFile: config.file, now, headers: !flags['no-headers'] } };
}

/** A bucket of the config, or one that has a ledger still (the config may have dropped it since). */
export function quotasReset(bucket: string, flags: QuotaFlags, ctx: Ctx): ActionResult<ResetResult> {
  checkName(bucket, 'quota bucket');
  const config = loadConfigFor({ config: flags.config, home: ctx.home });
  const r = resetKnownBucket(new Paths(resolveHome(ctx.home)), config.quotas, bucket);
  return { data: r };
}
