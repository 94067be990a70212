import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { HerdError } from '../src/core/errors.js';
import { Paths } from '../src/core/paths.js';
import { bucketStatus, ledgerPath, readUsage, resetBucket, withQuota, WINDOW_MS } from '../src/core/quota.js';
import { tempHome } from './support/tmp.js';

const T0 = Date.parse('2026-01-15T09:30:00Z');
const MIN = 60_000;

function ledger(home: string, lines: unknown[], raw = ''): Paths {
  const paths = new Paths(home);
  fs.mkdirSync(join(home, 'quotas'), { recursive: true });
  fs.writeFileSync(ledgerPath(paths, 'ci'), lines.map((l) => JSON.stringify(l) + '\n').join('') + raw);
  return paths;
}

let n = 0;
const fakeJob = () => ({ id: `job-20260115-093000-${String(n++).padStart(8, '0')}` });

test('usage: total since the last reset (carried lines included), the window is the rolling last 60 minutes', (t) => {
  const paths = ledger(
    tempHome(t),
    [
      { job: fakeJob().id, at: T0 - 5 * MIN }, // before the reset: never counts
      { reset: T0 - 4 * 60 * MIN },
      { carried: 7, at: T0 - 3 * 60 * MIN },
      { job: fakeJob().id, at: T0 - 61 * MIN }, // counts in total, not in the window
      { job: fakeJob().id, at: T0 - 59 * MIN },
      { job: fakeJob().id, at: T0 - MIN },
    ],
    '{"job":"job-2026011', // a torn last line (crash mid-append): skipped
  );
  const u = readUsage(paths, 'ci', T0);
  assert.equal(u.total, 10);
  assert.deepEqual(u.window, [T0 - 59 * MIN, T0 - MIN]);
  assert.equal(u.resetAtMs, T0 - 4 * 60 * MIN);
  const s = bucketStatus(paths, 'ci', { tasksPerHour: 5, tasksTotal: null }, T0);
  assert.deepEqual(s.tasksPerHour, { used: 2, limit: 5 });
  assert.deepEqual(s.tasksTotal, { used: 10, limit: null });
  assert.equal(s.freesAt, new Date(T0 - 59 * MIN + WINDOW_MS).toISOString());
  withQuota(paths, 'ci', { tasksPerHour: null, tasksTotal: null }, fakeJob, () => T0);
  assert.equal(readUsage(paths, 'ci', T0).total, 11, 'the line after a torn one is whole');
  assert.equal(readUsage(new Paths(tempHome(t)), 'ci', T0).total, 0, 'no ledger: nothing used');
});

test('withQuota: creates and records below the caps; at a cap nothing is created and the error is exact', (t) => {
  const home = tempHome(t);
  const paths = new Paths(home);
  const limits = { tasksPerHour: null, tasksTotal: 3 };
  const made: string[] = [];
  const create = () => {
    const j = fakeJob();
    made.push(j.id);
    return j;
  };
  for (let i = 0; i < 3; i++) withQuota(paths, 'ci', limits, create, () => T0 + i);
  assert.equal(made.length, 3);
  assert.equal(fs.statSync(ledgerPath(paths, 'ci')).mode & 0o777, 0o600);
  assert.deepEqual(
    fs
      .readFileSync(ledgerPath(paths, 'ci'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l)),
    made.map((id, i) => ({ job: id, at: T0 + i })),
  );
  assert.throws(
    () => withQuota(paths, 'ci', limits, create, () => T0 + 10),
    (e: unknown) => {
      assert.ok(e instanceof HerdError);
      assert.equal(e.code, 'quota_denied');
      assert.equal(e.exitCode, 7);
      assert.equal(JSON.stringify(e.toJSON()), '{"error":"quota_denied","resource":"Tasks","used":3,"hard_limit":3}');
      assert.match(e.message, /quota bucket "ci" is full: 3 of 3 tasks \(tasks_total/);
      assert.match(e.suggestion!, /herdctl quotas reset ci/);
      return true;
    },
  );
  assert.equal(made.length, 3, 'a denied submission creates nothing');
  assert.equal(fs.readdirSync(paths.locks).filter((f) => f.endsWith('.lock')).length, 0, 'the bucket lock is released, denied or not');
});

test('withQuota: a create that throws records nothing', (t) => {
  const paths = new Paths(tempHome(t));
  assert.throws(
    () =>
      withQuota(paths, 'ci', { tasksPerHour: null, tasksTotal: 5 }, () => {
        throw new Error('disk full');
      }),
    /disk full/,
  );
  assert.equal(readUsage(paths, 'ci', T0).total, 0);
});

test('tasks_per_hour is rolling: the slot frees when the oldest submission leaves the window, not at the clock hour', (t) => {
  const paths = new Paths(tempHome(t));
  const limits = { tasksPerHour: 2, tasksTotal: null };
  withQuota(paths, 'ci', limits, fakeJob, () => T0 - 50 * MIN); // 08:40
  withQuota(paths, 'ci', limits, fakeJob, () => T0 - 10 * MIN); // 09:20
  let err: HerdError | undefined;
  try {
    withQuota(paths, 'ci', limits, fakeJob, () => T0);
  } catch (e) {
    err = e as HerdError;
  }
  assert.deepEqual(err?.data, { error: 'quota_denied', resource: 'Tasks', used: 2, hard_limit: 2 });
  assert.match(err!.message, /2 of 2 tasks in the last 60 minutes \(tasks_per_hour\).*frees at 09:40:00 UTC \(in 10m\)/);
  // 09:40 + 1 ms: the 08:40 submission has left the window (a clock hour would still be full until 10:00)
  withQuota(paths, 'ci', limits, fakeJob, () => T0 + 10 * MIN + 1);
  assert.equal(readUsage(paths, 'ci', T0 + 10 * MIN + 1).window.length, 2);
  assert.equal(readUsage(paths, 'ci', T0 + 10 * MIN + 1).total, 3);
});

test('a long ledger is compacted: old lines fold into one carried line, totals unchanged', (t) => {
  const old = Array.from({ length: 2500 }, (_, i) => ({ job: `job-20260110-000000-${String(i).padStart(8, '0')}`, at: T0 - 5 * 86_400_000 + i }));
  const recent = [{ job: fakeJob().id, at: T0 - 5 * MIN }];
  const paths = ledger(tempHome(t), [{ reset: T0 - 6 * 86_400_000 }, ...old, ...recent]);
  withQuota(paths, 'ci', { tasksPerHour: 10, tasksTotal: 5000 }, fakeJob, () => T0);
  const lines = fs
    .readFileSync(ledgerPath(paths, 'ci'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l));
  assert.equal(lines.length, 4);
  assert.deepEqual(lines.slice(0, 3), [{ reset: T0 - 6 * 86_400_000 }, { carried: 2500, at: T0 }, recent[0]]);
  const u = readUsage(paths, 'ci', T0);
  assert.equal(u.total, 2502);
  assert.equal(u.window.length, 2);
});

test('resetBucket starts the total and the window over, and reports what it had', (t) => {
  const paths = new Paths(tempHome(t));
  const limits = { tasksPerHour: 2, tasksTotal: 2 };
  withQuota(paths, 'ci', limits, fakeJob, () => T0);
  withQuota(paths, 'ci', limits, fakeJob, () => T0);
  assert.throws(() => withQuota(paths, 'ci', limits, fakeJob, () => T0), HerdError);
  const before = resetBucket(paths, 'ci', () => T0 + 1);
  assert.equal(before.total, 2);
  const s = bucketStatus(paths, 'ci', limits, T0 + 2);
  assert.equal(s.tasksTotal.used, 0);
  assert.equal(s.tasksPerHour.used, 0);
  assert.equal(s.resetAt, new Date(T0 + 1).toISOString());
  withQuota(paths, 'ci', limits, fakeJob, () => T0 + 2);
});

test('a bucket name that is not a safe path part is refused before any path is built', (t) => {
  const paths = new Paths(tempHome(t));
  assert.throws(
    () => withQuota(paths, '../x', { tasksPerHour: null, tasksTotal: null }, fakeJob),
    (e: unknown) => e instanceof HerdError && e.code === 'usage',
  );
});
