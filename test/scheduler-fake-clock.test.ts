import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { useClock } from '../src/core/clock.js';
import { isTerminal } from '../src/core/job.js';
import { Scheduler, type SchedulerEvent } from '../src/core/scheduler/scheduler.js';
import { JobStore } from '../src/core/store.js';
import { jobsOnDisk } from './support/jobs.js';
import { FakeClock } from './support/fake-clock.js';
import { schedulerDir, tickRecords } from './support/scheduler.js';
import { waitFor } from './support/wait.js';

/**
 * The scheduler in-process under a fake clock: each second of schedule time
 * is one `advance(1000)`, so nothing sleeps and a loaded box cannot make a
 * tick late. The agents are real (detached runners); each runs until the
 * test creates its release file, so which run is still going at a tick is
 * decided by the test, not by timing.
 */
test('overlap under a fake clock: skip records a skipped tick; queue holds one tick until the previous run ends, then creates it', async (t) => {
  const waitRelease = (name: string) => `["sh", "-c", "while [ ! -e ${name} ]; do sleep 0.05; done"]`;
  const { dir, home, config } = schedulerDir(t, '');
  const release = { skipper: join(dir, 'release-skipper'), queuer: join(dir, 'release-queuer') };
  writeFileSync(
    config,
    `agents:
  skipper:
    runtime: command
    command: ${waitRelease(release.skipper)}
    schedules:
      s: { every: 1s }
  queuer:
    runtime: command
    command: ${waitRelease(release.queuer)}
    max_concurrent: 3
    schedules:
      q: { every: 1s, overlap: queue }
`,
  );
  const clock = new FakeClock(Math.floor(Date.now() / 1000) * 1000 + 500);
  const undo = useClock(clock);
  const events: SchedulerEvent[] = [];
  const store = new JobStore(home);
  let firstDoneAtSecondFire: boolean | null = null;
  const scheduler = new Scheduler({
    home,
    configPath: config,
    onEvent: (e) => {
      events.push(e);
      // the queued tick's job must come only after the first run ended
      if (e.event === 'fire' && e.agent === 'queuer' && of('queuer').filter((x) => x === 'fire').length === 2) firstDoneAtSecondFire = isTerminal(store.read(jobs('queuer')[0]).status);
    },
  });
  const of = (agent: string) => events.filter((e) => 'agent' in e && e.agent === agent).map((e) => e.event);
  const jobs = (agent: string) => events.flatMap((e) => (e.event === 'fire' && e.agent === agent ? [e.job] : []));
  const status = (id: string) => store.read(id).status;
  try {
    await scheduler.start();
    clock.advance(1000); // tick 1: both fire
    assert.deepEqual([of('skipper'), of('queuer')], [['fire'], ['fire']]);
    await waitFor('both first runs running', () => status(jobs('skipper')[0]) === 'running' && status(jobs('queuer')[0]) === 'running', 30_000);
    clock.advance(1000); // tick 2: skipper's run is still going (skip), queuer's too (queue)
    clock.advance(1000); // tick 3: skip again; queuer has a tick queued already (skip: still queued)
    assert.deepEqual(of('skipper'), ['fire', 'skip', 'skip']);
    assert.deepEqual(of('queuer'), ['fire', 'queue', 'skip']);
    writeFileSync(release.queuer, '');
    await waitFor('the first queuer run ended', () => isTerminal(status(jobs('queuer')[0])), 30_000);
    clock.advance(1000); // the queued tick is looked at (and tick 4 comes): its job is created now
    assert.equal(of('queuer').filter((e) => e === 'fire').length >= 2, true, of('queuer').join(' '));
    assert.equal(firstDoneAtSecondFire, true, 'created only once the previous run ended');
  } finally {
    scheduler.stop('test over');
    await scheduler.done;
    undo();
    writeFileSync(release.skipper, '');
    writeFileSync(release.queuer, '');
  }
  assert.match(of('queuer').join(' '), /^fire queue skip fire/);
  const qRecords = tickRecords(home, 'queuer', 'q');
  const queued = qRecords.find((r) => r.outcome === 'queued')!;
  assert.ok(queued.job, 'the queued tick got its job');
  assert.match(qRecords.find((r) => r.outcome === 'skipped')!.reason as string, /still queued/);
  const skip = tickRecords(home, 'skipper', 's').find((r) => r.outcome === 'skipped')!;
  assert.match(skip.reason as string, /^previous run job-\S+ is still (pending|running)$/);
  assert.equal(skip.job, null);
  await waitFor('every run ended', () => [...jobs('skipper'), ...jobs('queuer')].every((id) => isTerminal(status(id))), 30_000);
});

test('catch_up under a fake clock: once fires one catch-up job for the ticks missed while down, none fires nothing; a restart fires nothing more', async (t) => {
  const clock = new FakeClock(Date.now());
  // a daily tick ten minutes ago, and a state dir that has known the schedules for two days: two ticks were missed
  const tick = new Date(clock.now() - 10 * 60_000);
  const cron = `${tick.getUTCMinutes()} ${tick.getUTCHours()} * * *`;
  const { home, config } = schedulerDir(
    t,
    `agents:\n  tick:\n    runtime: command\n    command: ["true"]\n    schedules:\n      once: { cron: "${cron}" }\n      none: { cron: "${cron}", catch_up: none }\n`,
  );
  for (const n of ['once', 'none']) {
    const dir = join(home, 'scheduler', 'ticks', 'tick', n);
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'first-seen'), new Date(clock.now() - 2 * 86_400_000).toISOString() + '\n');
  }
  const undo = useClock(clock);
  try {
    for (let run = 0; run < 2; run++) {
      const events: SchedulerEvent[] = [];
      const scheduler = new Scheduler({ home, configPath: config, onEvent: (e) => events.push(e) });
      await scheduler.start(); // due ticks are looked at as it starts
      clock.advance(5_000); // and once more, a loop later
      scheduler.stop('test');
      await scheduler.done;
      const fires = events.filter((e) => e.event === 'fire' || e.event === 'missed');
      if (run === 0) {
        assert.deepEqual(
          fires.map((e) => [e.event, 'schedule' in e ? e.schedule : '', 'missed' in e ? e.missed : 0]),
          [
            ['fire', 'once', 1],
            ['missed', 'none', 2],
          ],
        );
        assert.ok(fires[0].event === 'fire' && fires[0].lateMs >= 1000, 'a catch-up fire');
      } else assert.deepEqual(fires, [], 'the restart fires nothing more');
    }
  } finally {
    undo();
  }
  const jobs = jobsOnDisk(home);
  assert.deepEqual(
    jobs.map((j) => j.schedule),
    ['once'],
  );
  const once = tickRecords(home, 'tick', 'once');
  assert.equal(once.length, 1);
  assert.equal(Date.parse(once[0].tick as string), Math.floor(tick.getTime() / 60_000) * 60_000);
  assert.deepEqual(
    tickRecords(home, 'tick', 'none').map((r) => [r.outcome, r.missed]),
    [['missed', 2]],
  );
  assert.ok(existsSync(join(home, 'scheduler', 'ticks', 'tick', 'none', 'first-seen')));
  await waitFor('the catch-up job ran', () => isTerminal(new JobStore(home).read(jobs[0].id as string).status), 30_000);
});
