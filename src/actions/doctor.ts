import { runDoctor, type DoctorResult } from '../core/doctor.js';
import { Exit } from '../core/errors.js';
import { resolveHome } from '../core/paths.js';
import { JobStore } from '../core/store.js';
import { loadConfigFor } from './config.js';
import type { ActionResult, Ctx } from './types.js';

/** `herdctl doctor [--fix]`: exit 0 when healthy, 1 with the problems listed. */
export function doctor(flags: { config?: string; fix?: boolean }, ctx: Ctx): ActionResult<DoctorResult> {
  const home = resolveHome(ctx.home);
  let config;
  try {
    config = loadConfigFor({ config: flags.config, home: ctx.home });
  } catch (e) {
    config = e as Error; // an invalid config is one of the things doctor reports
  }
  const checks = runDoctor(new JobStore(home), config, flags.fix ?? false);
  const healthy = checks.every((c) => c.status !== 'problem' || c.fixed);
  return { data: { home, healthy, checks }, exit: healthy ? undefined : Exit.FAILURE };
}
