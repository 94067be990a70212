import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { runCli } from './support/cli.js';
import { jobsOnDisk } from './support/jobs.js';
import { seededRandom } from './support/seed.js';
import { schedulerDir, startScheduler, tickRecords, writeConfig } from './support/scheduler.js';

/** A temp dir with a state dir and a config of `command` agents running `true`. */
function setup(t: import('node:test').TestContext, schedules: string, agent = 'tick'): { home: string; config: string; dir: string } {
  return schedulerDir(t, agentYaml(agent, schedules));
}

const agentYaml = (agent: string, schedules: string) => `agents:\n  ${agent}:\n    runtime: command\n    command: ["true"]\n    schedules:\n${schedules}`;

test('kill -9 mid-run, restart, again and again: every tick has at most one job, and every job its tick', async (t) => {
  const random = seededRandom(t);
  const names = ['a', 'b', 'c', 'd'];
  // four per-second schedules, so a kill often lands between a claim and its job
  const { home, config } = setup(t, names.map((n) => `      ${n}: { every: 1s, overlap: allow }\n`).join(''));
  for (let round = 0; round < 6; round++) {
    const s = startScheduler(home, config);
    await s.line(/ start /);
    await s.line(/ fire /);
    await sleep(300 + random() * 900);
    s.child.kill('SIGKILL');
    await s.exited;
  }
  const last = startScheduler(home, config);
  await last.line(/ start /);
  await sleep(1200);
  last.child.kill('SIGTERM');
  assert.equal((await last.exited).code, 0);

  const jobs = jobsOnDisk(home);
  let keyed = 0;
  for (const n of names) {
    const records = tickRecords(home, 'tick', n);
    const withJob = records.filter((r) => r.job !== null);
    assert.ok(withJob.length >= 5, `${n}: only ${withJob.length} fires`);
    assert.deepEqual(
      records.filter((r) => r.job === null && ['fire', 'queued'].includes(r.outcome as string)),
      [],
      `${n}: a claimed tick was left without its job`,
    );
    const ids = withJob.map((r) => r.job);
    assert.equal(new Set(ids).size, ids.length, `${n}: one job recorded for two ticks`);
    const mine = jobs.filter((j) => j.schedule === n);
    assert.deepEqual(mine.map((j) => j.id).sort(), [...ids].sort(), `${n}: jobs on disk vs jobs of ticks (a second job for a tick would be in the first list only)`);
    assert.ok(mine.every((j) => j.trigger === 'schedule' && j.agent === 'tick'));
    keyed += ids.length;
  }
  assert.equal(jobs.length, keyed);
});

test('two schedulers at once: one refuses naming the other; SIGTERM stops it within a second', async (t) => {
  const { home, config } = setup(t, '      sec: { every: 1s }\n');
  const [a, b] = [startScheduler(home, config), startScheduler(home, config)];
  const first = await Promise.race([a.exited.then(() => [a, b] as const), b.exited.then(() => [b, a] as const)]);
  const [loser, winner] = first;
  assert.equal((await loser.exited).code, 5);
  const msg = loser.err.join('\n');
  assert.match(msg, new RegExp(`already running for .*: pid ${winner.child.pid} on ${hostname()}`));
  assert.match(msg, /try: /);
  await winner.line(/ fire /);

  const t0 = performance.now();
  winner.child.kill('SIGTERM');
  const end = await winner.exited;
  assert.equal(end.code, 0);
  assert.ok(end.at - t0 < 1000, `stopped in ${Math.round(end.at - t0)} ms`);
  assert.match(winner.out.at(-1)!, / stop +\(SIGTERM\)/);
  // nothing half-written, and the state dir is free again
  const sched = join(home, 'scheduler');
  assert.deepEqual(
    readdirSync(sched).filter((n) => n.startsWith('.tmp-') || n.startsWith('scheduler')),
    [],
  );
  const again = startScheduler(home, config);
  await again.line(/ start /);
  again.child.kill('SIGINT');
  assert.equal((await again.exited).code, 0);
});

test('schedules list: expression, timezone, last fire, next fire, last outcome; config edits live, invalid ones ignored', async (t) => {
  const { home, config } = setup(t, '      sec: { every: 1s }\n      daily: { cron: "30 2 * * *", timezone: Europe/Berlin }\n');
  const s = startScheduler(home, config);
  await s.line(/ fire +tick\/sec /);

  const asked = Date.now();
  const list = await runCli(['schedules', 'list', '--json', '--config', config], { home });
  assert.equal(list.code, 0, list.stderr);
  const data = JSON.parse(list.stdout);
  assert.equal(data.scheduler.pid, s.child.pid);
  const [sec, daily] = data.schedules;
  assert.equal(sec.expression, 'every 1s');
  assert.equal(sec.timezone, null);
  assert.ok(Date.parse(sec.nextFire) > asked - 1000 && Date.parse(sec.nextFire) <= Date.now() + 1000, sec.nextFire);
  assert.ok(sec.lastFire && sec.lastJob);
  assert.ok(['pending', 'running', 'completed'].includes(sec.lastOutcome), sec.lastOutcome);
  assert.equal(daily.expression, 'cron "30 2 * * *"');
  assert.equal(daily.timezone, 'Europe/Berlin');
  assert.equal(daily.lastFire, null);
  assert.match(new Date(daily.nextFire).toLocaleString('en-GB', { timeZone: 'Europe/Berlin' }), /02:30:00/);
  const text = await runCli(['schedules', 'list', '--config', config], { home });
  assert.match(text.stdout, /^AGENT +SCHEDULE +EXPRESSION +TIMEZONE +LAST FIRE +NEXT FIRE +LAST OUTCOME$/m);
  assert.match(text.stdout, /^tick +daily +cron "30 2 \* \* \*" +Europe\/Berlin +- +in \d+/m);
  assert.match(text.stdout, new RegExp(`scheduler: pid ${s.child.pid} on `));

  // an edit adds a schedule: it fires without a restart
  writeConfig(config, agentYaml('tick', '      sec: { every: 1s }\n      daily: { cron: "30 2 * * *", timezone: Europe/Berlin }\n      extra: { cron: "* * * * * *" }\n'));
  await s.line(/ config reloaded: 3 schedules; added tick\/extra/);
  await s.line(/ fire +tick\/extra job-/);

  // an invalid edit: logged with file, line and key; the running config goes on
  writeConfig(config, agentYaml('tick', '      sec: { every: 1s }\n      extra: { cron: "* * * * * * * *" }\n'));
  const why = await s.line(/config invalid, keeping the previous one/, { stderr: true });
  assert.ok(why);
  assert.match(s.err.join('\n'), /herdctl\.yaml:\d+:\d+: agents\.tick\.schedules\.extra\.cron: invalid cron/);
  const mark = s.out.length;
  await s.line(/ fire +tick\/extra job-/, { from: mark });
  await s.line(/ fire +tick\/sec job-/, { from: mark });
  s.child.kill('SIGTERM');
  await s.exited;

  const jobs = await runCli(['jobs', 'list', '--agent', 'tick', '--json', '--limit', '100'], { home });
  assert.equal(jobs.code, 0, jobs.stderr);
  const rows = JSON.parse(jobs.stdout) as { schedule: string; trigger: string }[];
  assert.ok(rows.some((j) => j.schedule === 'extra') && rows.every((j) => j.trigger === 'schedule'));
  const invalid = await runCli(['schedules', 'list', '--config', config], { home });
  assert.equal(invalid.code, 6, 'the config is still the invalid edit');
  writeConfig(config, agentYaml('tick', '      sec: { every: 1s }\n'));
  const after = JSON.parse((await runCli(['schedules', 'list', '--json', '--config', config], { home })).stdout);
  assert.equal(after.scheduler, null);
  assert.ok(['pending', 'running', 'completed'].includes(after.schedules[0].lastOutcome), after.schedules[0].lastOutcome);
});
