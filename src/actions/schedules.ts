import { findConfigPath, loadConfig } from '../core/config.js';
import { HerdError } from '../core/errors.js';
import { formatRelative } from '../core/duration.js';
import { resolveHome } from '../core/paths.js';
import { schedulesStatus, type ScheduleRow, type SchedulesStatus } from '../core/scheduler/status.js';
import { Scheduler, type SchedulerEvent } from '../core/scheduler/scheduler.js';
import { JobStore } from '../core/store.js';
import { palette } from '../render/style.js';
import type { ActionResult, Ctx } from './types.js';

interface ConfigFlags {
  config?: string;
}

/** The config file `herdctl start` runs on: it must exist, since it is watched for edits. */
function configPathFor(flags: ConfigFlags, home: string): string {
  const path = findConfigPath({ flag: flags.config, env: process.env, cwd: process.cwd(), home });
  if (path === null) {
    throw new HerdError('config', 'no config file found (looked for --config, HERDCTL_CONFIG, ./herdctl.yaml in this directory and its parents, and herdctl.yaml in the herdctl home)', 'create herdctl.yaml with agents that have schedules: (see README.md)');
  }
  return path;
}

/** `herdctl start`: runs the scheduler in the foreground until SIGINT/SIGTERM. */
export async function startScheduler(flags: ConfigFlags, ctx: Ctx): Promise<ActionResult> {
  const home = resolveHome(ctx.home);
  const print = (e: SchedulerEvent) => {
    const [stream, text] = ctx.json ? ['out', JSON.stringify(e)] : eventLine(e);
    (stream === 'err' ? process.stderr : process.stdout).write(text + '\n');
  };
  const scheduler = new Scheduler({ home, configPath: configPathFor(flags, home), onEvent: print });
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

/** One line per event: `<time> <event> <agent>/<schedule> …`, ids and names only. */
function eventLine(e: SchedulerEvent): ['out' | 'err', string] {
  const at = e.ts;
  const who = 'agent' in e && e.agent ? `${e.agent}/${e.schedule}` : '';
  switch (e.event) {
    case 'start':
      return ['out', `${at} start  scheduler pid ${e.pid} on ${e.host}: ${e.schedules} schedule${e.schedules === 1 ? '' : 's'} from ${e.config}`];
    case 'fire': {
      const late = e.lateMs >= 1000 ? ` (${e.recovered ? 'finished after a crash' : 'catch-up'}, tick ${e.tick}${e.missed ? `, ${e.missed} missed` : ''})` : e.recovered ? ' (finished after a crash)' : '';
      return ['out', `${at} fire   ${who} ${e.job}${late}`];
    }
    case 'skip':
      return ['out', `${at} skip   ${who} tick ${e.tick}: ${e.reason}`];
    case 'queue':
      return ['out', `${at} queue  ${who} tick ${e.tick}: ${e.reason}`];
    case 'missed':
      return ['out', `${at} missed ${who} ${e.missed} tick${e.missed === 1 ? '' : 's'} up to ${e.tick} (catch_up: none)`];
    case 'error':
      return ['err', `${at} error  ${who ? `${who} ` : ''}${e.tick ? `tick ${e.tick}: ` : ''}${e.reason}`];
    case 'config': {
      const parts = [['added', e.added], ['removed', e.removed], ['changed', e.changed]].filter(([, l]) => l.length).map(([k, l]) => `${k} ${(l as string[]).join(', ')}`);
      return ['out', `${at} config reloaded: ${e.schedules} schedule${e.schedules === 1 ? '' : 's'}${parts.length ? `; ${parts.join('; ')}` : ''}`];
    }
    case 'config_invalid':
      return ['err', `${at} config invalid, keeping the previous one:\n${e.reason.replace(/^/gm, '  ')}`];
    case 'stop':
      return ['out', `${at} stop   (${e.reason})`];
  }
}

// ─── schedules list ──────────────────────────────────────────────────────────

export function listSchedules(flags: ConfigFlags, ctx: Ctx): ActionResult<SchedulesStatus> {
  const home = resolveHome(ctx.home);
  const config = loadConfig(findConfigPath({ flag: flags.config, env: process.env, cwd: process.cwd(), home }));
  const now = Date.now();
  const status = schedulesStatus(new JobStore(home), config, now);
  const rows = status.schedules;
  const scheduler = status.scheduler;
  if (!ctx.json) {
    if (!config.file) ctx.log('No herdctl.yaml found (looked at --config, $HERDCTL_CONFIG, ./herdctl.yaml and up, and the state dir).');
    else if (rows.length === 0) ctx.log(`No schedules in ${config.file}.`);
    else ctx.log(renderTable(rows, now));
    if (rows.length) ctx.log(scheduler ? `\nscheduler: pid ${scheduler.pid} on ${scheduler.host}, since ${scheduler.startedAt}` : '\nscheduler: not running (start it with: herdctl start)');
  }
  return { data: status };
}

function renderTable(rows: ScheduleRow[], now: number): string {
  const c = palette();
  const when = (t: string | null) => (t ? formatRelative(Date.parse(t), now) : '-');
  const head = ['AGENT', 'SCHEDULE', 'EXPRESSION', 'TIMEZONE', 'LAST FIRE', 'NEXT FIRE', 'LAST OUTCOME'];
  const cells = rows.map((r) => {
    const skipped = r.lastTick && r.lastTick.outcome !== 'fire' && r.lastTick.job === null ? `, then ${r.lastTick.outcome}` : '';
    return [r.agent, r.schedule, r.expression, r.timezone ?? '-', when(r.lastFire), r.enabled ? when(r.nextFire) : 'disabled', (r.lastOutcome ?? '-') + skipped];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const line = (row: string[]) => row.map((s, i) => s.padEnd(widths[i])).join('  ').trimEnd();
  return [c.bold(line(head)), ...cells.map(line)].join('\n');
}
