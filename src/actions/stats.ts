import { sinceFlag } from '../core/duration.js';
import { checkName, resolveHome } from '../core/paths.js';
import { recoverIfLost } from '../core/recovery.js';
import { computeStats, type Stats } from '../core/stats.js';
import { JobStore } from '../core/store.js';
import type { ActionResult, Ctx } from './types.js';
import { clock } from '../core/clock.js';

export interface StatsFlags {
  agent?: string;
  since?: string;
  'no-headers'?: boolean;
}

export function jobsStats(flags: StatsFlags, ctx: Ctx): ActionResult<Stats, { filtered: boolean; headers: boolean }> {
  const now = clock.now();
  const sinceMs = sinceFlag(flags.since, now, '--since', 'herdctl jobs stats --since 7d');
  if (flags.agent) checkName(flags.agent, 'agent');
  const store = new JobStore(resolveHome(ctx.home));
  const stats = computeStats(store, { agent: flags.agent, sinceMs }, (job) => recoverIfLost(store, job), now);
  return { data: stats, view: { filtered: !!(flags.since || flags.agent), headers: !flags['no-headers'] } };
}
