import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdirSync, renameSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from '../src/core/config.js';
import { identify } from '../src/core/liveness.js';
import { TickLedger, type TickRecord } from '../src/core/scheduler/ledger.js';
import { lastFire, tickKey } from '../src/core/scheduler/plan.js';
import { snapshotSettings } from '../src/core/settings.js';
import { JobStore } from '../src/core/store.js';
import { jobsOnDisk } from './support/jobs.js';
import { deadIdentity } from './support/procs.js';
import { schedulerDir, startScheduler, tickRecords } from './support/scheduler.js';
import { sleep, waitFor } from './support/wait.js';

const iso = (t: number) => new Date(t).toISOString();

function record(agent: string, schedule: string, tick: number, fields: Partial<TickRecord> = {}): TickRecord {
  return { key: tickKey(agent, schedule, tick), agent, schedule, tick: iso(tick), outcome: 'fire', job: null, claimedAt: iso(Date.now()), by: null, missed: 0, reason: null, ...fields };
}

function setup(t: import('node:test').TestContext, yaml: string) {
  const { home, config } = schedulerDir(t, yaml);
  return { home, configPath: config };
}

const events = (lines: string[]) => lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);

test('restart after a crash: a claimed tick without its job gets exactly one (found or created), never two', async (t) => {
  const names = ['before', 'after', 'torn', 'live'];
  const yaml = `agents:\n  tick:\n    runtime: command\n    command: ["true"]\n    schedules:\n${names.map((n) => `      ${n}: { cron: "0 0 1 1 *" }\n`).join('')}`;
  const { home, configPath } = setup(t, yaml);
  const config = loadConfig(configPath);
  const tick = lastFire(config.agents.tick.schedules[0], Date.now())!; // the newest tick: nothing else is due
  const ledger = new TickLedger(home);
  for (const n of names) ledger.load('tick', n, tick - 1000);
  const dead = deadIdentity();

  // crashed after the claim, before the job
  ledger.claim(record('tick', 'before', tick, { claimedAt: iso(Date.now() - 5000), by: dead }));
  // crashed after the job was made, before its id was recorded, and before its queue marker was published
  const claimedAt = Date.now() - 4000;
  const agent = config.agents.tick;
  const made = new JobStore(home, () => claimedAt).create({
    agent: 'tick',
    prompt: '',
    workspace: agent.workspace,
    schedule: 'after',
    trigger: 'schedule',
    config: configPath,
    settings: snapshotSettings(config, agent) as unknown as Record<string, unknown>,
  });
  const queue = join(home, 'queue', 'tick');
  const marker = readdirSync(queue).find((n) => n.endsWith(made.id))!;
  renameSync(join(queue, marker), join(queue, `.new-${marker}`));
  ledger.claim(record('tick', 'after', tick, { claimedAt: iso(claimedAt), by: dead }));
  // crashed inside the claim's first write
  writeFileSync(ledger.file('tick', 'torn', tick), '');
  utimesSync(ledger.file('tick', 'torn', tick), new Date(Date.now() - 10_000), new Date(Date.now() - 10_000));
  // claimed by a live scheduler (two of them raced over the lock): left to it while it lives
  const other = spawn('sleep', ['30'], { stdio: 'ignore' });
  t.after(() => other.kill('SIGKILL'));
  await waitFor('the sleeper', () => identify(other.pid!).startTime !== null);
  ledger.claim(record('tick', 'live', tick, { by: identify(other.pid!) }));

  const sched = startScheduler(home, configPath, ['--json']);
  const jobOf = (n: string) => tickRecords(home, 'tick', n)[0].job as string | null;
  await waitFor('the three crashed keys finished', () => ['before', 'after', 'torn'].every((n) => jobOf(n) !== null));
  assert.equal(jobOf('after'), made.id, 'the job the crashed scheduler made is adopted, not made again');
  const recovered = events(sched.out).find((e) => e.event === 'fire' && e.schedule === 'after');
  assert.equal(recovered?.recovered, true);
  await waitFor('the adopted job ran', () => new JobStore(home).read(made.id).status === 'completed');

  await sleep(1200);
  assert.equal(jobOf('live'), null, 'a live claimer finishes its own key');
  other.kill('SIGKILL');
  await waitFor('the dead claimer’s key finished', () => jobOf('live') !== null);
  sched.child.kill('SIGTERM');
  await sched.exited;

  const bySchedule = new Map<string, number>();
  for (const j of jobsOnDisk(home)) bySchedule.set(j.schedule as string, (bySchedule.get(j.schedule as string) ?? 0) + 1);
  assert.deepEqual(Object.fromEntries(bySchedule), { before: 1, after: 1, torn: 1, live: 1 });
  const before = tickRecords(home, 'tick', 'before')[0];
  const job = jobsOnDisk(home).find((j) => j.id === before.job)!;
  assert.equal(job.createdAt, before.claimedAt, "a job's createdAt is its key's claim instant: how a crash is told apart from no job");
  assert.equal(job.trigger, 'schedule');
});
