import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { Job } from '../src/core/job.js';
import { computeStats, percentile, webhookCounts } from '../src/core/stats.js';
import { JobStore } from '../src/core/store.js';
import { renderStats, sparkline } from '../src/render/stats.js';
import { Chalk } from 'chalk';
import { runCli } from './support/cli.js';
import { build, DAY, NOON, S, type Spec, usage } from './support/job-builder.js';
import { writeJob } from './support/jobs.js';
import { tempHome } from './support/tmp.js';

const NOW = NOON + 3600_000;

const SPECS: Spec[] = [
  { agent: 'a', daysAgo: 9, status: 'completed', runMs: 10 * S, usage: usage(100, 10, 0.01), events: 5 },
  { agent: 'a', daysAgo: 3, status: 'completed', runMs: 20 * S, usage: usage(200, 20, 0.02), events: 6 },
  { agent: 'a', daysAgo: 3, status: 'completed', runMs: 30 * S, usage: usage(300, 30, 0.03), events: 7 },
  { agent: 'a', daysAgo: 1, status: 'failed', runMs: 400 * S, events: 8 },
  { agent: 'b', daysAgo: 9, status: 'completed', runMs: 2 * 3600 * S, usage: usage(1000, 100, 1.5), events: 9 },
  { agent: 'b', daysAgo: 1, status: 'cancelled', runMs: 5 * S, events: 2 },
  { agent: 'b', daysAgo: 0, status: 'pending' },
  { agent: 'b', daysAgo: 0, status: 'running' },
];

const same = (j: Job) => j;

test('stats: counts, events, per-agent p50/p95, success rate, tokens/cost, per day and histogram', (t) => {
  const home = tempHome(t);
  build(home, SPECS);
  const s = computeStats(new JobStore(home), {}, same, NOW);
  assert.deepEqual(
    { created: s.created, completed: s.completed, failed: s.failed, cancelled: s.cancelled, queued: s.queued, running: s.running, unreadable: s.unreadable, events: s.eventsPublished },
    { created: 8, completed: 4, failed: 1, cancelled: 1, queued: 1, running: 1, unreadable: 0, events: 37 },
  );
  assert.deepEqual(s.agents, [
    {
      agent: 'a',
      jobs: 4,
      completed: 3,
      failed: 1,
      cancelled: 0,
      queued: 0,
      running: 0,
      successRate: 0.75,
      durationMs: { p50: 20 * S, p95: 400 * S },
      tokens: { input: 600, output: 60 },
      costUsd: 0.06,
    },
    {
      agent: 'b',
      jobs: 4,
      completed: 1,
      failed: 0,
      cancelled: 1,
      queued: 1,
      running: 1,
      successRate: 0.5,
      durationMs: { p50: 5 * S, p95: 7200 * S },
      tokens: { input: 1000, output: 100 },
      costUsd: 1.5,
    },
  ]);
  assert.equal(s.perDay.length, 10);
  assert.deepEqual(
    s.perDay.filter((d) => d.created).map((d) => [Math.round((NOON - Date.parse(d.day + 'T12:00:00Z')) / DAY), d.created]),
    [
      [9, 2],
      [3, 2],
      [1, 2],
      [0, 2],
    ],
  );
  assert.deepEqual(
    s.durationHistogram.map((b) => b.count),
    [1, 3, 0, 1, 0, 1, 0],
  ); // 5s | 10s 20s 30s | 400s | 2h
  assert.deepEqual(
    s.durationHistogram.map((b) => b.upToMs),
    [10_000, 60_000, 300_000, 900_000, 3_600_000, 14_400_000, null],
  );
});

test('stats: --agent and --since narrow every figure, webhook counts included', (t) => {
  const home = tempHome(t);
  const jobs = build(home, SPECS);
  const hook = (dir: string, id: string) => {
    fs.mkdirSync(join(home, 'webhooks', dir), { recursive: true });
    fs.writeFileSync(join(home, 'webhooks', dir, `${id}.json`), '{}');
  };
  hook('delivered', jobs[0].id); // a, 9 days ago
  hook('delivered', jobs[1].id); // a, 3 days ago
  hook('dead', jobs[5].id); // b, 1 day ago
  fs.writeFileSync(join(home, 'webhooks', 'delivered', '.tmp-x'), ''); // not a delivery
  assert.deepEqual(webhookCounts(join(home, 'nowhere')), { delivered: 0, dead: 0 });

  const store = new JobStore(home);
  const all = computeStats(store, {}, same, NOW);
  assert.deepEqual([all.webhooksDelivered, all.webhooksDeadLettered], [2, 1]);
  const a = computeStats(store, { agent: 'a' }, same, NOW);
  assert.deepEqual([a.created, a.completed, a.failed, a.queued, a.eventsPublished, a.webhooksDelivered, a.webhooksDeadLettered], [4, 3, 1, 0, 26, 2, 0]);
  assert.deepEqual(
    a.agents.map((x) => x.agent),
    ['a'],
  );
  const recent = computeStats(store, { sinceMs: NOON - 5 * DAY }, same, NOW);
  assert.deepEqual([recent.created, recent.completed, recent.webhooksDelivered, recent.webhooksDeadLettered], [6, 2, 1, 1]);
  assert.equal(recent.perDay.length, 6);
  assert.equal(recent.since, new Date(NOON - 5 * DAY).toISOString());
  // the window's first day is cut at the instant: a job of that day created before it is out
  const cut = computeStats(store, { sinceMs: NOON - 3 * DAY + 2 * S }, same, NOW);
  assert.equal(cut.created, 5);
});

test('stats: non-terminal index entries are checked against job.json and through the check', (t) => {
  const home = tempHome(t);
  const [pending, running] = build(home, [
    { agent: 'a', daysAgo: 2, status: 'pending' },
    { agent: 'a', daysAgo: 2, status: 'running' },
  ]);
  const store = new JobStore(home);
  const checked: string[] = [];
  const s = computeStats(store, {}, (j) => (checked.push(j.id), j.id === running.id ? { ...j, status: 'failed' as const, completedAt: new Date(NOW).toISOString() } : j), NOW);
  assert.deepEqual(checked.sort(), [pending.id, running.id].sort());
  assert.deepEqual([s.queued, s.running, s.failed], [1, 0, 1]);
  // a job.json herdctl cannot read: counted as created and unreadable, never dropped
  fs.writeFileSync(join(home, 'jobs', pending.id, 'job.json'), '{ torn');
  const u = computeStats(store, {}, same, NOW);
  assert.deepEqual([u.created, u.unreadable, u.queued], [2, 1, 0]);
});

test('stats cache: settled days are reused, and any change to a day (a job ending, a job copied in) is seen', (t) => {
  const home = tempHome(t);
  const jobs = build(home, [...SPECS, { agent: 'a', daysAgo: 9, status: 'pending' }]);
  const store = new JobStore(home);
  const first = computeStats(store, {}, same, NOW);
  const cacheFile = join(home, 'index', 'stats-cache.json');
  const cachedDays = () => [...new Set(Object.keys(JSON.parse(fs.readFileSync(cacheFile, 'utf8')).buckets).map((hour) => hour.slice(0, 8)))].sort(); // cached per hour
  const cached = cachedDays();
  const day = (daysAgo: number) => new Date(NOON - daysAgo * DAY).toISOString().slice(0, 10).replace(/-/g, '');
  assert.deepEqual(cached, [day(3), day(1)].sort(), 'days with a pending or running job are not cached');
  assert.equal(fs.statSync(cacheFile).mode & 0o777, 0o600);
  assert.deepEqual(computeStats(store, {}, same, NOW), first);

  // the pending job of day -9 ends
  const late = jobs[jobs.length - 1];
  const done = store.commit(store.commit(late, { to: 'running', at: new Date(NOW).toISOString() }), { to: 'completed', at: new Date(NOW + 3 * S).toISOString() }, 4);
  assert.equal(done.status, 'completed');
  const after = computeStats(store, {}, same, NOW);
  assert.deepEqual([after.completed, after.queued, after.eventsPublished], [first.completed + 1, first.queued - 1, first.eventsPublished + 4]);
  assert.ok(cachedDays().includes(day(9)));

  // a finished job copied by hand into a cached day
  writeJob(home, { createdAt: new Date(NOON - 3 * DAY + 600 * S).toISOString(), agent: 'a', status: 'failed' });
  const copied = computeStats(store, {}, same, NOW);
  assert.equal(copied.failed, after.failed + 1);

  // a torn or deleted cache is only a miss
  fs.writeFileSync(cacheFile, '{"v":1,"days":{"2026');
  assert.deepEqual(computeStats(store, {}, same, NOW), copied);
  fs.rmSync(cacheFile);
  assert.deepEqual(computeStats(store, {}, same, NOW), copied);
});

test('percentile is nearest-rank; the sparkline scales to the peak and folds long ranges', () => {
  assert.equal(percentile([1, 2, 3, 4], 0.5), 2);
  assert.equal(percentile([1, 2, 3, 4], 0.95), 4);
  assert.equal(percentile([7], 0.95), 7);
  assert.deepEqual(sparkline([0, 1, 4, 8]), { text: ' ▁▄█', perColumn: 1, peak: 8 });
  const long = sparkline(Array.from({ length: 90 }, (_, i) => (i < 2 ? 5 : 0)));
  assert.deepEqual([long.text.length, long.perColumn, long.peak, long.text[0]], [45, 2, 10, '█']);
});

test('jobs stats (CLI): the human view and --json, bad flags are usage errors', async (t) => {
  const home = tempHome(t);
  build(
    home,
    SPECS.filter((s) => s.status !== 'pending' && s.status !== 'running'),
  );
  const human = await runCli(['jobs', 'stats'], { home });
  assert.equal(human.code, 0, human.stderr);
  const plain = renderStats(computeStats(new JobStore(home), {}, same), new Chalk({ level: 0 }));
  assert.equal(human.stdout, plain + '\n');
  assert.match(human.stdout, /^Jobs created, all time\n  created 6 · completed 4 · failed 1 · cancelled 1 · queued 0 · running 0\n  events published 37 · webhooks delivered 0 · dead-lettered 0\n/);
  assert.match(human.stdout, /\nCreated per day  [ ▁-█]{10}  \d{4}-\d\d-\d\d … \d{4}-\d\d-\d\d, peak 2\n/);
  assert.match(human.stdout, /\nAGENT +JOBS +SUCCESS +P50 +P95 +TOKENS IN +TOKENS OUT +COST\na +4 +75\.0% +20s +6m40s +600 +60 +\$0\.06\nb +2 +50\.0% +5s +2h00m +1000 +100 +\$1\.50\n/);
  assert.match(human.stdout, /\nRun time of finished jobs\n  < 10s +█+ +1\n  < 1m +█+ +3\n/);

  const json = await runCli(['jobs', 'stats', '--agent', 'b', '--since', '30d', '--json'], { home });
  assert.equal(json.code, 0, json.stderr);
  const s = JSON.parse(json.stdout);
  assert.deepEqual([s.agent, s.created, s.completed, s.cancelled, s.webhooksDelivered], ['b', 2, 1, 1, 0]);

  for (const bad of [
    ['--since', 'yesterday'],
    ['--agent', '../x'],
  ]) {
    const r = await runCli(['jobs', 'stats', ...bad], { home });
    assert.equal(r.code, 2, `${bad.join(' ')}: ${r.stderr}`);
  }
  const rows = await runCli(['jobs', 'stats', '--no-headers'], { home });
  assert.equal(rows.code, 0, rows.stderr);
  assert.match(rows.stdout, /^a +4 +75\.0% +20s +6m40s +600 +60 +\$0\.06\nb +2 +50\.0% +5s +2h00m +1000 +100 +\$1\.50\n$/, 'the per-agent rows alone, for scripts');
  const empty = await runCli(['jobs', 'stats'], { home: tempHome(t) });
  assert.equal(empty.stdout, 'No jobs yet. Start one with: herdctl run <agent>\n');
  assert.equal((await runCli(['jobs', 'stats', '--no-headers'], { home: tempHome(t) })).stdout, '', 'no rows, no text');
});
