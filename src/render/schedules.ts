import { table } from './table.js';
import type { ChalkInstance } from 'chalk';
import { formatRelative } from '../core/duration.js';
import type { SchedulerEvent } from '../core/scheduler/scheduler.js';
import type { ScheduleRow, SchedulesStatus } from '../core/scheduler/status.js';

/** `schedules list`: one row per schedule, then whether a scheduler runs. */
export function schedulesListView(
  { schedules: rows, scheduler }: SchedulesStatus,
  { configFile, now, headers }: { configFile: string | null; now: number; headers?: boolean },
  c: ChalkInstance,
): string {
  const out: string[] = [];
  if (!configFile) out.push('No herdctl.yaml found (looked at --config, $HERDCTL_CONFIG, ./herdctl.yaml and up, and the state dir).');
  else if (rows.length === 0) out.push(`No schedules in ${configFile}.`);
  else out.push(renderTable(rows, c, now, headers));
  if (rows.length && headers !== false)
    out.push(scheduler ? `\nscheduler: pid ${scheduler.pid} on ${scheduler.host}, since ${scheduler.startedAt}` : '\nscheduler: not running (start it with: herdctl start)');
  return out.join('\n');
}

/** One line per event: `<time> <event> <agent>/<schedule> …`, ids and names only. */
export function schedulerEventLine(e: SchedulerEvent): ['out' | 'err', string] {
  const at = e.ts;
  const who = 'agent' in e && e.agent ? `${e.agent}/${e.schedule}` : '';
  switch (e.event) {
    case 'start':
      return ['out', `${at} start  scheduler pid ${e.pid} on ${e.host}: ${e.schedules} schedule${e.schedules === 1 ? '' : 's'} from ${e.config}`];
    case 'fire': {
      const late =
        e.lateMs >= 1000 ? ` (${e.recovered ? 'finished after a crash' : 'catch-up'}, tick ${e.tick}${e.missed ? `, ${e.missed} missed` : ''})` : e.recovered ? ' (finished after a crash)' : '';
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
      const parts = [
        ['added', e.added],
        ['removed', e.removed],
        ['changed', e.changed],
      ]
        .filter(([, l]) => l.length)
        .map(([k, l]) => `${k} ${(l as string[]).join(', ')}`);
      return ['out', `${at} config reloaded: ${e.schedules} schedule${e.schedules === 1 ? '' : 's'}${parts.length ? `; ${parts.join('; ')}` : ''}`];
    }
    case 'config_invalid':
      return ['err', `${at} config invalid, keeping the previous one:\n${e.reason.replace(/^/gm, '  ')}`];
    case 'stop':
      return ['out', `${at} stop   (${e.reason})`];
    case 'standby':
      return ['out', `${at} standby: the scheduler of pid ${e.pid} on ${e.host} serves this state dir; taking over if its host stops renewing its lease`];
  }
}

function renderTable(rows: ScheduleRow[], c: ChalkInstance, now: number, headers = true): string {
  const when = (t: string | null) => (t ? formatRelative(Date.parse(t), now) : '-');
  const head = ['AGENT', 'SCHEDULE', 'EXPRESSION', 'TIMEZONE', 'LAST FIRE', 'NEXT FIRE', 'LAST OUTCOME'];
  const cells = rows.map((r) => {
    const skipped = r.lastTick && r.lastTick.outcome !== 'fire' && r.lastTick.job === null ? `, then ${r.lastTick.outcome}` : '';
    return [r.agent, r.schedule, r.expression, r.timezone ?? '-', when(r.lastFire), r.enabled ? when(r.nextFire) : 'disabled', (r.lastOutcome ?? '-') + skipped];
  });
  return table(head, cells, c, { headers });
}

/** `herdctl start`'s output: one line per scheduler event (JSON with --json); errors and invalid configs to stderr. */
export function schedulerPrinter(json: boolean): (e: SchedulerEvent) => void {
  return (e) => {
    const [stream, text] = json ? ['out', JSON.stringify(e)] : schedulerEventLine(e);
    (stream === 'err' ? process.stderr : process.stdout).write(text + '\n');
  };
}
