import { findConfigPath, loadConfig } from '../core/config.js';
import { HerdError } from '../core/errors.js';
import { resolveHome } from '../core/paths.js';
import { schedulesStatus, type SchedulesStatus } from '../core/scheduler/status.js';
import { Scheduler } from '../core/scheduler/scheduler.js';
import { JobStore } from '../core/store.js';
import type { ActionResult, Ctx } from './types.js';
import { clock } from '../core/clock.js';

interface ConfigFlags {
  'no-headers'?: boolean;
  config?: string;
}

/** The config file `herdctl start` runs on: it must exist, since it is watched for edits. */
function configPathFor(flags: ConfigFlags, home: string): string {
  const path = findConfigPath({ flag: flags.config, env: process.env, cwd: process.cwd(), home });
  if (path === null) {
    throw new HerdError(
      'config',
      'no config file found (looked for --config, HERDCTL_CONFIG, ./herdctl.yaml in this directory and its parents, and herdctl.yaml in the herdctl home)',
      'create herdctl.yaml with agents that have schedules: (see README.md)',
    );
  }
  return path;
}

/** `herdctl start`: runs the scheduler in the foreground until SIGINT/SIGTERM. */
export async function startScheduler(flags: ConfigFlags, ctx: Ctx): Promise<ActionResult> {
  const home = resolveHome(ctx.home);
  const scheduler = new Scheduler({ home, configPath: configPathFor(flags, home), onEvent: (e) => ctx.schedulerEvents?.(e) });
  const onSignal = (sig: NodeJS.Signals) => scheduler.stop(sig);
  process.on('SIGINT', onSignal).on('SIGTERM', onSignal);
  try {
    await scheduler.start();
    await scheduler.done;
  } finally {
    process.off('SIGINT', onSignal).off('SIGTERM', onSignal);
  }
  return {};
}

// ─── schedules list ──────────────────────────────────────────────────────────

export function listSchedules(flags: ConfigFlags, ctx: Ctx): ActionResult<SchedulesStatus, { configFile: string | null; now: number; headers: boolean }> {
  const home = resolveHome(ctx.home);
  const config = loadConfig(findConfigPath({ flag: flags.config, env: process.env, cwd: process.cwd(), home }));
  const now = clock.now();
  return { data: schedulesStatus(new JobStore(home), config, now), view: { configFile: config.file, now, headers: !flags['no-headers'] } };
}
