import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ON_TIME_GRACE_MS, describeSchedule, dueTicks, nextFire, overlapDecision, tickKey, type PlannedSchedule } from '../src/core/scheduler/plan.js';

const SEC = 1000;
const MIN = 60 * SEC;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

const at = (iso: string) => Date.parse(iso);
const iso = (t: number) => new Date(t).toISOString();

function schedule(fields: Partial<PlannedSchedule>): PlannedSchedule {
  return {
    agent: 'coder',
    name: 'nightly',
    cron: null,
    everyMs: null,
    timezone: 'UTC',
    prompt: null,
    catchUp: 'once',
    overlap: 'skip',
    enabled: true,
    ...fields,
  };
}
const cron = (expr: string, timezone = 'UTC', more: Partial<PlannedSchedule> = {}) => schedule({ cron: expr, timezone, ...more });
const every = (everyMs: number, more: Partial<PlannedSchedule> = {}) => schedule({ everyMs, ...more });

/** Up to n ticks chained from `from`, as ISO strings. */
function ticks(s: PlannedSchedule, from: string, n: number): string[] {
  const out: string[] = [];
  for (let t = nextFire(s, at(from)); t !== null && out.length < n; t = nextFire(s, t)) out.push(iso(t));
  return out;
}

/** Every tick in (a, b], by chaining nextFire. */
function enumerate(s: PlannedSchedule, a: number, b: number): number[] {
  const out: number[] = [];
  for (let t = nextFire(s, a); t !== null && t <= b; t = nextFire(s, t)) out.push(t);
  return out;
}

const dueCount = (s: PlannedSchedule, a: number, b: number) => {
  const { fire, missed } = dueTicks(s, a, a, b);
  return fire.length + missed;
};

test('nextFire: the first ticks strictly after a given instant', async (t) => {
  const cases: [name: string, s: PlannedSchedule, from: string, want: string[]][] = [
    ['cron every minute', cron('* * * * *'), '2024-05-06T10:00:30Z', ['2024-05-06T10:01:00.000Z', '2024-05-06T10:02:00.000Z', '2024-05-06T10:03:00.000Z']],
    ['from exactly a tick, the next one', cron('* * * * *'), '2024-05-06T10:01:00.000Z', ['2024-05-06T10:02:00.000Z']],
    ['weekday 09:00 Europe/Berlin in summer (CEST) skips the weekend', cron('0 9 * * 1-5', 'Europe/Berlin'), '2024-05-10T08:00:00Z', ['2024-05-13T07:00:00.000Z', '2024-05-14T07:00:00.000Z']],
    ['weekday 09:00 Europe/Berlin in winter (CET)', cron('0 9 * * 1-5', 'Europe/Berlin'), '2024-01-05T07:59:59Z', ['2024-01-05T08:00:00.000Z', '2024-01-08T08:00:00.000Z']],
    ['per-second 6-field cron', cron('* * * * * *'), '2024-05-06T10:00:00.250Z', ['2024-05-06T10:00:01.000Z', '2024-05-06T10:00:02.000Z', '2024-05-06T10:00:03.000Z']],
    ['6-field cron every 10 seconds', cron('*/10 * * * * *'), '2024-05-06T10:00:05Z', ['2024-05-06T10:00:10.000Z', '2024-05-06T10:00:20.000Z']],
    ['@hourly', cron('@hourly'), '2024-05-06T10:59:59.999Z', ['2024-05-06T11:00:00.000Z', '2024-05-06T12:00:00.000Z']],
    ['@daily in a half-hour zone (Asia/Kolkata)', cron('@daily', 'Asia/Kolkata'), '2024-05-06T12:00:00Z', ['2024-05-06T18:30:00.000Z', '2024-05-07T18:30:00.000Z']],
    ['every 15m, anchored at the epoch', every(15 * MIN), '2024-05-06T10:07:00Z', ['2024-05-06T10:15:00.000Z', '2024-05-06T10:30:00.000Z', '2024-05-06T10:45:00.000Z']],
    ['every 7m, on multiples of 7m since the epoch whenever it is asked', every(7 * MIN), '2024-05-06T10:00:00Z', [iso(Math.ceil(at('2024-05-06T10:00:00Z') / (7 * MIN)) * 7 * MIN)]],
    [
      'DST Europe/Berlin spring-forward: daily 02:30 (skipped) fires once, at 03:00 CEST',
      cron('30 2 * * *', 'Europe/Berlin'),
      '2024-03-30T12:00:00Z',
      ['2024-03-31T01:00:00.000Z', '2024-04-01T00:30:00.000Z'],
    ],
    [
      'DST Europe/Berlin spring-forward: 02:00, 02:30 and 03:00 fold into one fire at 03:00 CEST',
      cron('0,30 2,3 * * *', 'Europe/Berlin'),
      '2024-03-30T23:00:00Z',
      ['2024-03-31T01:00:00.000Z', '2024-03-31T01:30:00.000Z', '2024-04-01T00:00:00.000Z'],
    ],
    [
      'DST Europe/Berlin spring-forward: every 30m has no ticks in the missing hour and no extra fire',
      cron('*/30 * * * *', 'Europe/Berlin'),
      '2024-03-31T00:15:00Z',
      ['2024-03-31T00:30:00.000Z', '2024-03-31T01:00:00.000Z', '2024-03-31T01:30:00.000Z'],
    ],
    [
      'DST Europe/Berlin fall-back: daily 02:30 (repeated) fires once, at the first 02:30 (CEST)',
      cron('30 2 * * *', 'Europe/Berlin'),
      '2024-10-26T12:00:00Z',
      ['2024-10-27T00:30:00.000Z', '2024-10-28T01:30:00.000Z'],
    ],
    [
      'DST Europe/Berlin fall-back: hourly fires in both passes of the repeated hour',
      cron('0 * * * *', 'Europe/Berlin'),
      '2024-10-26T23:30:00Z',
      ['2024-10-27T00:00:00.000Z', '2024-10-27T01:00:00.000Z', '2024-10-27T02:00:00.000Z'],
    ],
    [
      'DST America/New_York spring-forward: daily 02:30 (skipped) fires once, at 03:00 EDT',
      cron('30 2 * * *', 'America/New_York'),
      '2024-03-09T12:00:00Z',
      ['2024-03-10T07:00:00.000Z', '2024-03-11T06:30:00.000Z'],
    ],
    [
      'DST America/New_York fall-back: daily 01:30 fires once (01:30 EDT), not again at 01:30 EST',
      cron('30 1 * * *', 'America/New_York'),
      '2024-11-02T12:00:00Z',
      ['2024-11-03T05:30:00.000Z', '2024-11-04T06:30:00.000Z'],
    ],
    [
      'DST America/New_York fall-back: every 30m keeps running through the repeated hour',
      cron('*/30 * * * *', 'America/New_York'),
      '2024-11-03T04:45:00Z',
      ['2024-11-03T05:00:00.000Z', '2024-11-03T05:30:00.000Z', '2024-11-03T06:00:00.000Z', '2024-11-03T06:30:00.000Z', '2024-11-03T07:00:00.000Z'],
    ],
    ['disabled schedule never fires', cron('* * * * *', 'UTC', { enabled: false }), '2024-05-06T10:00:00Z', []],
  ];
  for (const [name, s, from, want] of cases) {
    await t.test(name, () => assert.deepEqual(ticks(s, from, want.length || 1), want));
  }
});

test('nextFire: DST answers do not depend on where the search starts (restart inside the gap or the repeated hour)', async (t) => {
  const cases: [s: PlannedSchedule, transition: string][] = [
    [cron('30 2 * * *', 'Europe/Berlin'), '2024-03-31T01:00:00Z'],
    [cron('*/20 1-3 * * *', 'Europe/Berlin'), '2024-10-27T01:00:00Z'],
    [cron('30 1 * * *', 'America/New_York'), '2024-11-03T06:00:00Z'],
    [cron('*/15 * * * *', 'America/New_York'), '2024-11-03T06:00:00Z'],
    [cron('30 2 * * *', 'America/New_York'), '2024-03-10T07:00:00Z'],
  ];
  for (const [s, transition] of cases) {
    await t.test(`${describeSchedule(s)} around ${transition}`, () => {
      const from = at(transition) - 3 * HOUR;
      const end = from + 6 * HOUR;
      const chain = enumerate(s, from, end);
      chain.push(nextFire(s, chain.at(-1) ?? end)!);
      for (let after = from; after < end; after += 10 * MIN + 13 * SEC) {
        assert.equal(
          nextFire(s, after),
          chain.find((c) => c > after),
          `after ${iso(after)}`,
        );
      }
    });
  }
});

test('dueTicks: which ticks fire and how many are missed, on a fake clock', async (t) => {
  const minute = cron('* * * * *');
  const quarter = every(15 * MIN);
  const quarterNone = every(15 * MIN, { catchUp: 'none' });
  const hourly = cron('@hourly');
  const hourlyNone = cron('@hourly', 'UTC', { catchUp: 'none' });
  type Case = [name: string, s: PlannedSchedule, lastFired: string | null, firstSeen: string, now: string, fire: string[], missed: number];
  const T0 = '2024-05-06T09:00:00Z';
  const cases: Case[] = [
    ['never fired: nothing before the first tick after firstSeen', minute, null, '2024-05-06T10:00:30Z', '2024-05-06T10:00:59Z', [], 0],
    ['never fired: a tick at the moment the schedule was first seen does not count', minute, null, '2024-05-06T10:00:00Z', '2024-05-06T10:00:40Z', [], 0],
    ['never fired: the first tick after firstSeen fires', minute, null, '2024-05-06T10:00:30Z', '2024-05-06T10:01:00.200Z', ['2024-05-06T10:01:00.000Z'], 0],
    ['never fired: ticks before the scheduler first saw it are not missed', quarter, null, '2024-05-06T10:50:00Z', '2024-05-06T11:00:01Z', ['2024-05-06T11:00:00.000Z'], 0],
    ['fired: the next tick fires on time', minute, '2024-05-06T10:00:00Z', T0, '2024-05-06T10:01:00.500Z', ['2024-05-06T10:01:00.000Z'], 0],
    ['fired: the tick already fired is not due again', minute, '2024-05-06T10:01:00Z', T0, '2024-05-06T10:01:30Z', [], 0],
    ['down 3 hours, catch_up once: the latest tick fires, the other 11 are missed', quarter, '2024-05-06T09:00:00Z', T0, '2024-05-06T12:05:00Z', ['2024-05-06T12:00:00.000Z'], 11],
    ['down 3 hours, catch_up none: all 12 ticks are late, none fires', quarterNone, '2024-05-06T09:00:00Z', T0, '2024-05-06T12:05:00Z', [], 12],
    [
      'down 3 hours, catch_up none: the latest tick still fires within the grace',
      quarterNone,
      '2024-05-06T09:00:00Z',
      T0,
      iso(at('2024-05-06T12:00:00Z') + ON_TIME_GRACE_MS),
      ['2024-05-06T12:00:00.000Z'],
      11,
    ],
    ['catch_up none: a single tick just past the grace is missed', quarterNone, '2024-05-06T11:45:00Z', T0, iso(at('2024-05-06T12:00:00Z') + ON_TIME_GRACE_MS + 1), [], 1],
    ['clock jumped back an hour: nothing fires', hourly, '2024-05-06T12:00:00Z', T0, '2024-05-06T11:00:30Z', [], 0],
    ['clock jumped back inside the same interval: nothing fires', hourly, '2024-05-06T12:00:00Z', T0, '2024-05-06T12:00:00Z', [], 0],
    ['clock jumped forward a day, catch_up once: one fire, 23 missed', hourly, '2024-05-06T10:00:00Z', T0, '2024-05-07T10:00:10Z', ['2024-05-07T10:00:00.000Z'], 23],
    ['clock jumped forward a day, catch_up none: the on-time tick fires, 23 missed', hourlyNone, '2024-05-06T10:00:00Z', T0, '2024-05-07T10:00:10Z', ['2024-05-07T10:00:00.000Z'], 23],
    [
      'weekday 09:00 Europe/Berlin across a weekend: Monday fires, nothing missed',
      cron('0 9 * * 1-5', 'Europe/Berlin'),
      '2024-05-10T07:00:00Z',
      T0,
      '2024-05-13T07:00:30Z',
      ['2024-05-13T07:00:00.000Z'],
      0,
    ],
    [
      'DST Europe/Berlin spring-forward: daily 02:30 is due once, at 03:00 CEST',
      cron('30 2 * * *', 'Europe/Berlin'),
      '2024-03-30T01:30:00Z',
      T0,
      '2024-03-31T01:00:05Z',
      ['2024-03-31T01:00:00.000Z'],
      0,
    ],
    ['DST America/New_York fall-back: daily 01:30 is not due again at 01:30 EST', cron('30 1 * * *', 'America/New_York'), '2024-11-03T05:30:00Z', T0, '2024-11-03T06:30:05Z', [], 0],
    ['disabled schedule: nothing fires, nothing is missed', cron('* * * * *', 'UTC', { enabled: false }), '2024-05-06T09:00:00Z', T0, '2024-05-06T12:00:00Z', [], 0],
  ];
  for (const [name, s, lastFired, firstSeen, now, fire, missed] of cases) {
    await t.test(name, () => {
      const got = dueTicks(s, lastFired === null ? null : at(lastFired), at(firstSeen), at(now));
      assert.deepEqual({ fire: got.fire.map(iso), missed: got.missed }, { fire, missed });
    });
  }
});

test('dueTicks: the clock jumps back an hour and returns; no tick fires twice', () => {
  const s = cron('* * * * *');
  const clock = ['10:00:00.5', '10:01:00.5', '09:01:00.5', '09:30:00', '10:00:59', '10:01:59', '10:02:00.5'].map((hms) => at(`2024-05-06T${hms}Z`));
  let lastFired: number | null = null;
  const fired: string[] = [];
  for (const now of clock) {
    for (const tick of dueTicks(s, lastFired, at('2024-05-06T09:59:30Z'), now).fire) {
      fired.push(iso(tick));
      lastFired = tick;
    }
  }
  assert.deepEqual(fired, ['2024-05-06T10:00:00.000Z', '2024-05-06T10:01:00.000Z', '2024-05-06T10:02:00.000Z']);
});

test('dueTicks: a per-second schedule down for 30 days finishes fast and reports the missed count', () => {
  const started = performance.now();
  const lastFired = at('2024-05-01T00:00:00Z');
  const now = lastFired + 30 * DAY + 500;
  const once = dueTicks(cron('* * * * * *'), lastFired, lastFired, now);
  const none = dueTicks(cron('* * * * * *', 'Europe/Berlin', { catchUp: 'none' }), lastFired, lastFired, now);
  assert.deepEqual(once, { fire: [lastFired + 30 * DAY], missed: 30 * 86_400 - 1 });
  assert.deepEqual(none, { fire: [lastFired + 30 * DAY], missed: 30 * 86_400 - 1 });
  // stepping through 2.6 million seconds would take seconds; a loaded box may still be slow
  assert.ok(performance.now() - started < 1000, `took ${performance.now() - started} ms`);
});

test('dueTicks: missed counts over a whole year are exact, across both DST changes', async (t) => {
  const from = at('2024-01-01T00:00:00Z');
  const to = at('2025-01-01T00:00:00Z');
  const cases: [name: string, s: PlannedSchedule, want: number][] = [
    ['per-second, Europe/Berlin: every real second', cron('* * * * * *', 'Europe/Berlin'), 366 * 86_400],
    ['hourly, America/New_York: every real hour (both passes of the repeated one)', cron('0 * * * *', 'America/New_York'), 366 * 24],
    ['daily 02:30 Europe/Berlin: once a day, DST days included', cron('30 2 * * *', 'Europe/Berlin'), 366],
    ['daily 01:30 America/New_York: once a day, DST days included', cron('30 1 * * *', 'America/New_York'), 366],
    ['weekdays 09:00 Europe/Berlin: 262 weekdays in 2024', cron('0 9 * * 1-5', 'Europe/Berlin'), 262],
    ['every 15m: 96 a day', every(15 * MIN), 366 * 96],
  ];
  for (const [name, s, want] of cases) await t.test(name, () => assert.equal(dueCount(s, from, to), want));
});

test('dueTicks: counted ticks equal enumerated ticks around DST changes', async (t) => {
  const cases: [s: PlannedSchedule, transition: string][] = [
    [cron('*/20 1-3 * * *', 'Europe/Berlin'), '2024-03-31T01:00:00Z'],
    [cron('*/20 1-3 * * *', 'Europe/Berlin'), '2024-10-27T01:00:00Z'],
    [cron('* 2 * * *', 'America/New_York'), '2024-03-10T07:00:00Z'],
    [cron('*/5 1 * * *', 'America/New_York'), '2024-11-03T06:00:00Z'],
    [cron('*/10 * * * *', 'America/New_York'), '2024-11-03T06:00:00Z'],
    [cron('0,30 2,3 * * *', 'Europe/Berlin'), '2024-03-31T01:00:00Z'],
  ];
  for (const [s, transition] of cases) {
    await t.test(`${describeSchedule(s)} around ${transition}`, () => {
      const T = at(transition);
      const all = enumerate(s, T - 4 * HOUR, T + 6 * HOUR);
      // Ranges that start and end before, inside and after the gap or repeated hour.
      for (const a of [T - 3 * HOUR, T - 20 * MIN, T + 10 * MIN, T + 50 * MIN]) {
        for (const b of [a + 15 * MIN, a + 90 * MIN, a + 5 * HOUR]) {
          const want = all.filter((c) => c > a && c <= b).length;
          assert.equal(dueCount(s, a, b), want, `(${iso(a)}, ${iso(b)}]`);
        }
      }
    });
  }
});

test('overlapDecision: what a tick does while the previous run is active', async (t) => {
  const cases: [overlap: PlannedSchedule['overlap'], active: boolean, want: string][] = [
    ['skip', false, 'fire'],
    ['skip', true, 'skip'],
    ['queue', false, 'fire'],
    ['queue', true, 'queue'],
    ['allow', false, 'fire'],
    ['allow', true, 'fire'],
  ];
  for (const [overlap, active, want] of cases) {
    await t.test(`${overlap}, previous run ${active ? 'active' : 'done'} → ${want}`, () => assert.equal(overlapDecision(every(MIN, { overlap }), active), want));
  }
});

test('tickKey: one durable key per agent, schedule and tick', () => {
  const tick = at('2024-05-06T07:00:00Z');
  assert.equal(tickKey('bragdoc-coder', 'daily-standup', tick), 'bragdoc-coder/daily-standup/2024-05-06T07:00:00.000Z');
  assert.equal(tickKey('a', 's', tick), tickKey('a', 's', tick));
  assert.notEqual(tickKey('a', 's', tick), tickKey('a', 's', tick + SEC));
});

test('describeSchedule: one line for listings', async (t) => {
  const cases: [s: PlannedSchedule, want: string][] = [
    [cron('0 9 * * 1-5', 'Europe/Berlin'), 'cron "0 9 * * 1-5" Europe/Berlin'],
    [cron('@hourly'), 'cron "@hourly" UTC'],
    [every(15 * MIN), 'every 15m'],
    [every(90 * MIN), 'every 1h30m'],
    [every(90 * SEC), 'every 1m30s'],
    [every(DAY), 'every 1d'],
  ];
  for (const [s, want] of cases) await t.test(want, () => assert.equal(describeSchedule(s), want));
});

test('describeSchedule: without the zone, for a table that has its own column', () => {
  assert.equal(describeSchedule(cron('0 9 * * 1-5', 'Europe/Berlin'), false), 'cron "0 9 * * 1-5"');
  assert.equal(describeSchedule(every(15 * MIN), false), 'every 15m');
});
