// The slot policy of a runner, by tables: which queued jobs start, which markers
// are dropped, and when another agent's better-ranked job goes first.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planFill, type FillPlan, type QueuedEntry, type RivalHead } from '../src/core/runner-policy.js';

const q = (id: string, rank: string, maxConcurrent: number | null = 2): QueuedEntry => ({ id, rank, maxConcurrent });
const r = (agent: string, rank: string, running = 0, maxConcurrent = 1): RivalHead => ({ agent, rank, running, maxConcurrent });

const cases: { name: string; queued: QueuedEntry[]; running: number; rivals: RivalHead[]; want: FillPlan }[] = [
  { name: 'empty queue', queued: [], running: 0, rivals: [], want: { drop: [], start: [], yieldTo: null } },
  { name: 'starts up to the agent limit', queued: [q('a', '1'), q('b', '2'), q('c', '3')], running: 0, rivals: [], want: { drop: [], start: ['a', 'b'], yieldTo: null } },
  { name: 'counts the running ones', queued: [q('a', '1'), q('b', '2')], running: 1, rivals: [], want: { drop: [], start: ['a'], yieldTo: null } },
  { name: 'full: nothing starts', queued: [q('a', '1')], running: 2, rivals: [], want: { drop: [], start: [], yieldTo: null } },
  { name: 'a job no longer pending is dropped, the next one starts', queued: [q('a', '1', null), q('b', '2')], running: 0, rivals: [], want: { drop: ['a'], start: ['b'], yieldTo: null } },
  { name: "each job's own limit (submitted with limit 1)", queued: [q('a', '1', 1), q('b', '2', 1)], running: 0, rivals: [], want: { drop: [], start: ['a'], yieldTo: null } },
  { name: 'a better-ranked rival within its limit goes first', queued: [q('a', '5')], running: 0, rivals: [r('other', '3')], want: { drop: [], start: [], yieldTo: 'other' } },
  { name: 'a rival at its own limit does not', queued: [q('a', '5')], running: 0, rivals: [r('other', '3', 1, 1)], want: { drop: [], start: ['a'], yieldTo: null } },
  { name: 'a worse-ranked rival does not', queued: [q('a', '2')], running: 0, rivals: [r('other', '3')], want: { drop: [], start: ['a'], yieldTo: null } },
  { name: 'ours start until a rival ranks before the next', queued: [q('a', '1'), q('b', '4')], running: 0, rivals: [r('other', '3')], want: { drop: [], start: ['a'], yieldTo: 'other' } },
  { name: 'max_concurrent 0 is unlimited', queued: [q('a', '1', 0), q('b', '2', 0), q('c', '3', 0)], running: 7, rivals: [], want: { drop: [], start: ['a', 'b', 'c'], yieldTo: null } },
  { name: 'a rival with max_concurrent 0 is never at its limit', queued: [q('a', '5')], running: 0, rivals: [r('other', '3', 50, 0)], want: { drop: [], start: [], yieldTo: 'other' } },
  { name: 'the best-ranked rival is named', queued: [q('a', '9')], running: 0, rivals: [r('x', '5'), r('y', '2'), r('z', '7')], want: { drop: [], start: [], yieldTo: 'y' } },
];

for (const c of cases) {
  test(`planFill: ${c.name}`, () => {
    assert.deepEqual(planFill({ queued: c.queued, running: c.running, rivals: () => c.rivals }), c.want);
  });
}

test('planFill reads the queue lazily and asks for rivals at most once, only when a job could start', () => {
  let read = 0;
  let asked = 0;
  function* queued(): Generator<QueuedEntry> {
    for (let i = 0; i < 1000; i++) {
      read++;
      yield q(`j${i}`, String(i).padStart(4, '0'), 2);
    }
  }
  const plan = planFill({ queued: queued(), running: 0, rivals: () => (asked++, []) });
  assert.deepEqual(plan.start, ['j0', 'j1']);
  assert.equal(read, 3);
  assert.equal(asked, 1);
  planFill({ queued: [q('a', '1')], running: 2, rivals: () => (asked++, []) });
  assert.equal(asked, 1);
});
