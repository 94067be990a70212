import { allSchedules, type Config } from '../config.js';
import { recoverIfLost } from '../recovery.js';
import type { JobStore } from '../store.js';
import { runningScheduler } from './instance.js';
import { TickLedger, type TickRecord } from './ledger.js';
import { describeSchedule, nextFire } from './plan.js';
import { clock } from '../clock.js';

export interface ScheduleRow {
  agent: string;
  schedule: string;
  expression: string;
  timezone: string | null; // null for intervals: they are anchored at the epoch, not on a wall clock
  enabled: boolean;
  catchUp: string;
  overlap: string;
  lastFire: string | null; // the newest tick that created a job
  lastJob: string | null;
  lastOutcome: string | null; // that job's status
  lastTick: { tick: string; outcome: string; job: string | null; reason: string | null } | null; // the newest tick of any outcome
  nextFire: string | null;
}

export interface SchedulesStatus {
  config: string | null;
  scheduler: { pid: number; host: string; startedAt: string } | null;
  schedules: ScheduleRow[];
}

/** Every schedule of the config with its last fire and outcome (from the tick ledger) and its next fire; and whether a scheduler runs. */
export function schedulesStatus(store: JobStore, config: Config, now: number): SchedulesStatus {
  const ledger = new TickLedger(store.paths.home);
  const schedules: ScheduleRow[] = allSchedules(config).map((s) => {
    const records = ledger.load(s.agent, s.name, now, false).records;
    const newest: TickRecord | undefined = records.at(-1);
    const fired = [...records].reverse().find((r) => r.job !== null);
    const got = fired ? store.tryRead(fired.job!) : null;
    const job = got && 'job' in got ? recoverIfLost(store, got.job) : null;
    const next = nextFire(s, now);
    return {
      agent: s.agent,
      schedule: s.name,
      expression: describeSchedule(s, false),
      timezone: s.cron !== null ? s.timezone : null,
      enabled: s.enabled,
      catchUp: s.catchUp,
      overlap: s.overlap,
      lastFire: fired?.tick ?? null,
      lastJob: fired?.job ?? null,
      lastOutcome: job ? job.status + (job.exitReason && job.exitReason !== 'success' ? ` (${job.exitReason})` : '') : fired ? 'deleted' : null,
      lastTick: newest ? { tick: newest.tick, outcome: newest.outcome, job: newest.job, reason: newest.reason } : null,
      nextFire: next === null ? null : clock.isoAt(next),
    };
  });
  const who = runningScheduler(store.paths.home);
  return { config: config.file, scheduler: who ? { pid: who.pid, host: who.host, startedAt: who.startedAt } : null, schedules };
}
