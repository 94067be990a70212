// Between a cancel request and the end: the runner's `stopping` notes, job.json's cancelRequestedAt, `stopping` in list/show.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stopSchedule } from '../src/core/agent-process.js';
import { stoppingEvent } from '../src/core/stopping.js';
import { claudeAgent } from './support/agents.js';
import { fleet, waitEvent, waitTerminal } from './support/fleet.js';
import { assertFinishedLog } from './support/jobs.js';

test('stopSchedule and the stopping note: SIGINT at once, SIGTERM at half the grace (at most 5 s), SIGKILL at the grace', () => {
  const table: [number, number[]][] = [
    [30_000, [0, 5000, 30_000]],
    [6000, [0, 3000, 6000]],
    [0, [0, 0, 0]],
  ];
  for (const [grace, after] of table)
    assert.deepEqual(
      stopSchedule(grace).map((s) => s.afterMs),
      after,
      `grace ${grace}`,
    );
  const began = Date.parse('2026-12-04T10:00:00.000Z');
  const first = stoppingEvent({ why: 'cancel', step: stopSchedule(30_000)[0], reason: 'wrong branch', graceMs: 30_000, began });
  assert.deepEqual(first, {
    type: 'output',
    kind: 'stopping',
    text: 'stopping: cancel requested (wrong branch); sent SIGINT to the agent; SIGTERM in 5s, then SIGKILL in 30s if it has not exited',
    why: 'cancel',
    step: 'requested',
    signal: 'SIGINT',
    reason: 'wrong branch',
    graceMs: 30_000,
    escalations: [
      { signal: 'SIGTERM', at: '2026-12-04T10:00:05.000Z' },
      { signal: 'SIGKILL', at: '2026-12-04T10:00:30.000Z' },
    ],
  });
  const last = stoppingEvent({ why: 'timeout', step: stopSchedule(30_000)[2], reason: null, graceMs: 30_000, began });
  assert.equal(last.step, 'SIGKILL');
  assert.deepEqual(last.escalations, []);
  assert.equal(last.text, 'still running after 30s; sent SIGKILL to the agent');
});

test('cancel of an agent that ignores SIGINT and SIGTERM: one note per step, `stopping` in list and show meanwhile, then cancelled', async (t) => {
  const f = fleet(t, ({ ws }) => `agents:\n${claudeAgent('coder', ws)}jobs: { cancel_grace: 8s }\n`);
  const id = await f.submit('coder', '--prompt', 'ignore-term sleep:60000');
  await waitEvent(f, id, (e) => e.kind === 'task_started', 'the tool start');
  const cancelling = f.cli(['jobs', 'cancel', id, '--reason', 'stuck']);
  const requested = await waitEvent(f, id, (e) => e.kind === 'stopping', 'the first stopping note');
  assert.equal(requested.type, 'output');
  assert.equal(requested.step, 'requested');
  assert.equal(requested.signal, 'SIGINT');
  assert.equal(requested.reason, 'stuck');
  assert.equal(requested.graceMs, 8000);
  assert.deepEqual(
    requested.escalations.map((e: { signal: string }) => e.signal),
    ['SIGTERM', 'SIGKILL'],
  );
  // the agent ignores SIGINT and SIGTERM, so it runs on until SIGKILL 8 s from now: every reader says stopping meanwhile
  const job = f.job(id);
  assert.equal(job.status, 'running', 'job.json keeps running (docs/formats.md)');
  assert.ok(job.cancelRequestedAt, 'job.json records when the cancel was requested');
  const [list, show] = await Promise.all([f.cli(['jobs', 'list']), f.cli(['jobs', 'show', id])]);
  assert.match(list.stdout, new RegExp(`${id}\\s+coder\\s+stopping`));
  assert.match(show.stdout, /Status\s+stopping/);
  const done = await waitTerminal(f, id);
  assert.equal(done.status, 'cancelled');
  assert.equal(done.exitReason, 'manual_cancel');
  const c = await cancelling;
  assert.equal(c.code, 0, c.stderr);
  // `jobs cancel` printed each step as the runner took it, then the outcome
  const lines = c.stdout.trim().split('\n');
  assert.match(lines[0], new RegExp(`^\\d\\d:\\d\\d:\\d\\d ${id} stopping: cancel requested \\(stuck\\); sent SIGINT to the agent; SIGTERM in 4s, then SIGKILL in 8s if it has not exited$`));
  assert.match(lines[1], new RegExp(`^\\d\\d:\\d\\d:\\d\\d ${id} still running after 4s; sent SIGTERM to the agent; SIGKILL in 4s if it has not exited$`));
  assert.match(lines[2], new RegExp(`^\\d\\d:\\d\\d:\\d\\d ${id} still running after 8s; sent SIGKILL to the agent$`));
  assert.match(lines[3], new RegExp(`^${id} cancelled`));
  assert.equal(lines.length, 4, c.stdout);
  const log = f.log(id);
  const notes = log.events.filter((e) => e.kind === 'stopping');
  assert.deepEqual(
    notes.map((e) => e.step),
    ['requested', 'SIGTERM', 'SIGKILL'],
  );
  assert.deepEqual(
    notes.map((e) => e.signal),
    ['SIGINT', 'SIGTERM', 'SIGKILL'],
  );
  const complete = assertFinishedLog(log);
  assert.equal(complete.signal, 'SIGKILL');
  assert.ok(notes.every((n) => n.seq < complete.seq));
});

test('displayStatus: stopping only for a running job with cancelRequestedAt', async () => {
  const { displayStatus } = await import('../src/core/job.js');
  const at = '2026-12-04T10:00:00.000Z';
  const table: [string, string | null, string][] = [
    ['running', at, 'stopping'],
    ['running', null, 'running'],
    ['cancelled', at, 'cancelled'],
    ['pending', null, 'pending'],
  ];
  for (const [status, cancelRequestedAt, shown] of table) assert.equal(displayStatus({ status: status as 'running', cancelRequestedAt }), shown);
});
