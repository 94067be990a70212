/**
 * The scheduler's pure planner: when a schedule fires, which ticks are due after a gap, what to do
 * about overlap. No clock, no fs; every instant is epoch ms.
 *
 * Cron is evaluated on local wall-clock time by running cron-parser in UTC over "wall time written
 * as if it were UTC", then mapping each wall-clock tick to real instants ourselves. cron-parser's own
 * `tz` mode handles DST with iterator state, so its answer depends on where the search starts: a
 * daily 01:30 America/New_York job asked from 01:00 EST on the fall-back day fires 01:30 EST, a
 * second time that day; a daily 02:30 Europe/Berlin job asked from 03:05 CEST on the spring-forward
 * day skips the day it would otherwise fire at 03:30. A scheduler that restarts must not depend on that.
 *
 * DST policy (Vixie cron's), for schedules that name specific hours (`30 2 * * *`):
 *   - a skipped local time (02:30 on the spring-forward day) fires once, at the first instant after
 *     the gap (03:00 local); several skipped times, or a 03:00 tick of its own, make one fire there;
 *   - a repeated local time (01:30 on the fall-back day) fires once, at its first occurrence.
 * Schedules whose hour field is `*` follow real time instead: nothing extra in the gap, and both
 * passes through the repeated hour fire (an hourly job still runs every hour).
 */
import { CronExpressionParser, type CronExpression } from 'cron-parser';
import { clock } from '../clock.js';

/** Identical in shape to config's ScheduleConfig, so the planner does not depend on that module. */
export interface PlannedSchedule {
  agent: string;
  name: string;
  cron: string | null;
  everyMs: number | null;
  timezone: string;
  prompt: string | null;
  catchUp: 'none' | 'once';
  overlap: 'skip' | 'queue' | 'allow';
  enabled: boolean;
}

/** Under catch_up none, a tick at most this late still counts as on time. */
export const ON_TIME_GRACE_MS = 60_000;

const DAY = 86_400_000;

// ─── Time zones ──────────────────────────────────────────────────────────────

const formatters = new Map<string, Intl.DateTimeFormat>();

/** Local wall clock minus UTC at instant t, in ms. */
function offsetAt(t: number, tz: string): number {
  let f = formatters.get(tz);
  if (!f) {
    const numeric = 'numeric' as const;
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: tz,
      hourCycle: 'h23',
      year: numeric,
      month: numeric,
      day: numeric,
      hour: numeric,
      minute: numeric,
      second: numeric,
    });
    formatters.set(tz, f);
  }
  // format() + a regex is about three times faster than formatToParts(), and this is the hot path.
  const [, mo, d, y, h, mi, s] = /(\d+)\/(\d+)\/(\d+), (\d+):(\d+):(\d+)/.exec(f.format(t))!.map(Number);
  return Date.UTC(y, mo - 1, d, h, mi, s) - Math.floor(t / 1000) * 1000;
}

/** The instant in (lo, hi] where the offset changes; the offsets at lo and hi must differ. */
function transitionIn(lo: number, hi: number, tz: string): number {
  const before = offsetAt(lo, tz);
  while (hi - lo > 1) {
    const mid = Math.floor((lo + hi) / 2);
    if (offsetAt(mid, tz) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Offset changes in (a, b], probing a day apart (no zone changes twice within a day). */
function transitionsIn(a: number, b: number, tz: string): number[] {
  const found: number[] = [];
  let before = offsetAt(a, tz);
  for (let lo = a; lo < b; lo += DAY) {
    const hi = Math.min(lo + DAY, b);
    const after = offsetAt(hi, tz);
    if (after !== before) found.push(transitionIn(lo, hi, tz));
    before = after;
  }
  return found;
}

// ─── Cron on wall-clock time ─────────────────────────────────────────────────

const wallCrons = new Map<string, CronExpression>();

/** The expression over wall time written as UTC (parsed once; the iterator is reset per use). */
function wallCron(expr: string, at: number): CronExpression {
  const cached = wallCrons.get(expr);
  if (cached) {
    cached.reset(clock.dateAt(at));
    return cached;
  }
  const cron = CronExpressionParser.parse(expr, { currentDate: at, tz: 'UTC' });
  wallCrons.set(expr, cron);
  return cron;
}

const runsEveryHour = (cron: CronExpression) => cron.fields.hour.values.length === 24;

/** The instants at which wall-clock tick `wall` fires under the DST policy above, ascending. */
function wallFires(wall: number, tz: string, everyHour: boolean): number[] {
  const early = offsetAt(wall - DAY, tz);
  const late = offsetAt(wall + DAY, tz);
  if (early === late) return [wall - early];
  const real = [...new Set([wall - early, wall - late])].filter((t) => t + offsetAt(t, tz) === wall).sort((x, y) => x - y);
  if (everyHour) return real;
  if (real.length > 0) return real.slice(0, 1);
  return [transitionIn(wall - late, wall - early, tz)];
}

/** The fire nearest t: strictly after it (dir 1) or at or before it (dir -1). */
function cronNeighbour(expr: string, tz: string, t: number, dir: 1 | -1): number {
  const near = [offsetAt(t, tz), offsetAt(t + dir * DAY, tz)];
  // The furthest wall time on the near side of t whose fire could still land beyond t.
  const from = dir === 1 ? t + Math.min(...near) : t + Math.max(...near) + 1;
  const cron = wallCron(expr, from);
  const everyHour = runsEveryHour(cron);
  const beyond = (x: number, y: number) => (x - y) * dir > 0;
  let best: number | null = null;
  for (;;) {
    const wall = (dir === 1 ? cron.next() : cron.prev()).getTime();
    const fires = wallFires(wall, tz, everyHour);
    for (const f of fires) {
      if ((dir === 1 ? f > t : f <= t) && (best === null || beyond(best, f))) best = f;
    }
    // Fires only move in the walk's direction: once this wall time's nearest fire is best or past it,
    // no later wall time can do better.
    const nearest = dir === 1 ? fires[0] : fires[fires.length - 1];
    if (best !== null && nearest !== undefined && !beyond(best, nearest)) return best;
  }
}

/** Wall times matching the time-of-day fields that lie before `ms` into a day. */
function timesBefore(cron: CronExpression, ms: number): number {
  const { hour, minute, second } = cron.fields;
  const sec = Math.ceil(ms / 1000);
  const [h, m, s] = [Math.floor(sec / 3600), Math.floor(sec / 60) % 60, sec % 60];
  const below = (values: readonly number[], v: number) => values.filter((x) => x < v).length;
  let n = below(hour.values, h) * minute.values.length * second.values.length;
  if ((hour.values as number[]).includes(h)) {
    n += below(minute.values, m) * second.values.length;
    if ((minute.values as number[]).includes(m)) n += below(second.values, s);
  }
  return n;
}

/** Whether the day/month fields accept the wall day starting at `day`. */
function dayMatches(cron: CronExpression, day: number): boolean {
  const { hour, minute, second } = cron.fields;
  const first = ((hour.values[0] * 60 + minute.values[0]) * 60 + second.values[0]) * 1000;
  return cron.includesDate(clock.dateAt(day + first));
}

/** Wall-clock ticks in [x, y): arithmetic per day, never one by one. */
function countWall(cron: CronExpression, x: number, y: number): number {
  let n = 0;
  for (let day = Math.floor(x / DAY) * DAY; day < y; day += DAY) {
    if (!dayMatches(cron, day)) continue;
    n += timesBefore(cron, Math.min(y - day, DAY)) - timesBefore(cron, Math.max(x - day, 0));
  }
  return n;
}

/** What the fixed-hour DST policy changes, within (a, b], about the transition at T. */
function dstCorrection(cron: CronExpression, tz: string, T: number, a: number, b: number): number {
  const early = offsetAt(T - 1, tz);
  const late = offsetAt(T, tz);
  if (late < early) {
    // Fall back: the second pass over the repeated wall times fires nothing.
    const from = Math.max(T, a + 1);
    const to = Math.min(T + early - late, b + 1);
    return from < to ? -countWall(cron, from + late, to + late) : 0;
  }
  // Spring forward: the skipped wall times fire once, at T, unless T is a tick of its own.
  if (T <= a || T > b || countWall(cron, T + early, T + late) === 0) return 0;
  return countWall(cron, T + late, T + late + 1) === 0 ? 1 : 0;
}

/** Cron fires in (a, b], counted per day rather than enumerated. */
function countCronFires(expr: string, tz: string, a: number, b: number): number {
  const cron = wallCron(expr, a);
  const cuts = [a + 1, ...transitionsIn(a, b, tz), b + 1];
  let n = 0;
  // Within a stretch of constant offset, fires are exactly the wall ticks of its wall range.
  for (let i = 0; i + 1 < cuts.length; i++) {
    const offset = offsetAt(cuts[i], tz);
    n += countWall(cron, cuts[i] + offset, cuts[i + 1] + offset);
  }
  if (runsEveryHour(cron)) return n;
  // A day back too: a fall-back before a can still repeat wall times after it.
  for (const T of transitionsIn(a - DAY, b, tz)) n += dstCorrection(cron, tz, T, a, b);
  return n;
}

// ─── Schedules ───────────────────────────────────────────────────────────────

/** The first tick strictly after `after`; null when the schedule never fires. */
export function nextFire(s: PlannedSchedule, after: number): number | null {
  if (!s.enabled) return null;
  if (s.cron !== null) return cronNeighbour(s.cron, s.timezone, after, 1);
  // Anchored at the epoch, so restarts keep the same ticks.
  if (s.everyMs !== null) return (Math.floor(after / s.everyMs) + 1) * s.everyMs;
  return null;
}

/** The last tick at or before t (a disabled schedule's too: the scheduler asks only for enabled ones). */
export function lastFire(s: PlannedSchedule, t: number): number | null {
  if (s.cron !== null) return cronNeighbour(s.cron, s.timezone, t, -1);
  if (s.everyMs !== null) return Math.floor(t / s.everyMs) * s.everyMs;
  return null;
}

/** Ticks in (a, b], without enumerating them. */
function countFires(s: PlannedSchedule, a: number, b: number): number {
  if (s.cron !== null) return countCronFires(s.cron, s.timezone, a, b);
  if (s.everyMs !== null) return Math.floor(b / s.everyMs) - Math.floor(a / s.everyMs);
  return 0;
}

/**
 * Ticks due at `now`: those in (lastFired, now], or (firstSeen, now] if the schedule never fired.
 * At most the latest one fires, so a backlog never becomes a burst of jobs: catch_up once fires it
 * however late (systemd Persistent=), catch_up none only if it is at most ON_TIME_GRACE_MS late.
 * Every other due tick is `missed`. A clock that went back (now < lastFired) fires nothing, so no
 * tick ever fires twice.
 */
export function dueTicks(s: PlannedSchedule, lastFired: number | null, firstSeen: number, now: number): { fire: number[]; missed: number } {
  const since = lastFired ?? firstSeen;
  const latest = s.enabled && now > since ? lastFire(s, now) : null;
  if (latest === null || latest <= since) return { fire: [], missed: 0 };
  const due = countFires(s, since, now);
  const fire = s.catchUp === 'once' || now - latest <= ON_TIME_GRACE_MS ? [latest] : [];
  return { fire, missed: due - fire.length };
}

/** What to do with a tick while the previous run of the same schedule may still be going. */
export function overlapDecision(s: PlannedSchedule, previousRunActive: boolean): 'fire' | 'skip' | 'queue' {
  if (!previousRunActive || s.overlap === 'allow') return 'fire';
  return s.overlap;
}

/** The durable exactly-once key of one tick: `<agent>/<schedule>/<ISO instant>`. */
export function tickKey(agent: string, schedule: string, tick: number): string {
  return `${agent}/${schedule}/${clock.isoAt(tick)}`;
}

const UNITS: [string, number][] = [
  ['d', DAY],
  ['h', 3_600_000],
  ['m', 60_000],
  ['s', 1000],
  ['ms', 1],
];

/** 5400000 → "1h30m", in the units config durations are written in. */
function compactDuration(ms: number): string {
  let rest = ms;
  let text = '';
  for (const [unit, size] of UNITS) {
    if (rest >= size) text += `${Math.floor(rest / size)}${unit}`;
    rest %= size;
  }
  return text || '0s';
}

/** One line for listings: `cron "0 9 * * 1-5" Europe/Berlin`, `every 15m`; without the zone for a table with its own column. */
export function describeSchedule(s: PlannedSchedule, withZone = true): string {
  if (s.cron !== null) return withZone ? `cron "${s.cron}" ${s.timezone}` : `cron "${s.cron}"`;
  if (s.everyMs !== null) return `every ${compactDuration(s.everyMs)}`;
  return 'never';
}
