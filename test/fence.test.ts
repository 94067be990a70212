// Fencing (src/core/lease.ts, runner.ts): a runner that could not renew its lease for half the lease
// time kills its agents and writes nothing more, because from the full lease time on another host may
// end its jobs. Here the runner is stopped (SIGSTOP) past that point and let go again.
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fleet, waitStatus } from './support/fleet.js';
import { alive, waitGone } from './support/procs.js';
import { waitFor } from './support/wait.js';

test('a runner stopped past half its lease fences itself when it wakes: its agent killed, nothing more written; the next look fails the job', async (t) => {
  const f = fleet(t, ({ ws }) => `agents:\n  s:\n    runtime: command\n    command: ["sh", "-c", "sleep 60"]\n    workspace: ${ws}\n`);
  const env = { HERDCTL_LEASE_MS: '2000' };
  const run = await f.cli(['run', 's'], { env });
  assert.equal(run.code, 0, run.stderr);
  const id = run.stdout.trim();
  await waitStatus(f, id, ['running']);
  // job.json gets the agent's pid just before its start event is appended: wait for both
  await waitFor('the agent started', () => (f.job(id).pid && readFileSync(join(f.home, 'jobs', id, 'output.jsonl'), 'utf8').includes('"type":"start"') ? true : null));
  const { runnerPid, pid: agentPid } = f.job(id);
  const leases = join(f.home, 'hosts', 'h-test-suite');
  const lease = readdirSync(leases).find((n) => n.startsWith(`${runnerPid}-`));
  assert.ok(lease, 'the runner holds a lease');
  const human = join(f.home, 'logs', 's', `${id}.log`);
  await waitFor('the human log has the start', () => (existsSync(human) && readFileSync(human, 'utf8').length > 0 ? true : null));
  const humanBefore = readFileSync(human, 'utf8');
  const logBefore = readFileSync(join(f.home, 'jobs', id, 'output.jsonl'), 'utf8');
  const jobBefore = readFileSync(join(f.home, 'jobs', id, 'job.json'), 'utf8');

  process.kill(runnerPid, 'SIGSTOP');
  try {
    // stopped until its lease has gone unrenewed for more than half of 2 s
    await waitFor('the lease to go unrenewed past T/2', () => Date.now() - statSync(join(leases, lease)).mtimeMs > 1500, 30_000, 50);
  } finally {
    process.kill(runnerPid, 'SIGCONT');
  }
  await waitGone([runnerPid], 'the fenced runner');
  assert.equal(alive(agentPid), false, 'its agent was killed');
  assert.equal(readFileSync(join(f.home, 'jobs', id, 'output.jsonl'), 'utf8'), logBefore, 'no event written after the fence');
  assert.equal(readFileSync(human, 'utf8'), humanBefore, 'nor a line of its human log');
  assert.equal(readFileSync(join(f.home, 'jobs', id, 'job.json'), 'utf8'), jobBefore, 'job.json untouched: its end is for whoever judges the runner lost');
  assert.match(readFileSync(join(f.home, 'logs', 'runner-s@h-test-suite.log'), 'utf8'), /runner fenced/);

  const shown = await f.cli(['jobs', 'show', id, '--json'], { env });
  assert.equal(shown.code, 0, shown.stderr);
  const job = JSON.parse(shown.stdout);
  assert.equal(job.status, 'failed');
  assert.match(job.error, /runner pid \d+ .* was lost/);
});
