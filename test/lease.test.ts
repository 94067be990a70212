// Host leases (src/core/lease.ts) and the holder rule (src/core/holder.ts): another host's holder is
// judged dead only once its lease stayed unchanged for the lease time on this process's monotonic
// clock — never by comparing its clock or a file's mtime with ours.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { closeSync, constants, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { systemClock, useClock } from '../src/core/clock.js';
import { Lease, leaseFile, LeaseWatch, parseLease } from '../src/core/lease.js';
import { acquireNamed, deadIn, isHeld, STALE_MS, tryLockSync } from '../src/core/lock.js';
import { holderState } from '../src/core/holder.js';
import { tempHome } from './support/tmp.js';
import { waitFor } from './support/wait.js';

/** A monotonic clock the test moves; the wall clock stays real. */
function monoClock(t: { after: (fn: () => void) => void }) {
  let mono = 1_000_000;
  const undo = useClock({ ...systemClock, mono: () => mono });
  t.after(undo);
  return { advance: (ms: number) => (mono += ms) };
}

const OTHER = 'h-other-host-0001';
/** Another host's lease file, written as that host would (its counter; its own clock in `wall`). */
function otherLease(home: string, counter: number, nonce = '0a0b0c0d'): string {
  const id = `${OTHER}/4242-${nonce}`;
  mkdirSync(join(home, 'hosts', OTHER), { recursive: true });
  writeFileSync(leaseFile(home, id), JSON.stringify({ hostId: OTHER, host: 'other', pid: 4242, role: 'runner a', counter, wall: '2030-01-01T00:00:00.000Z', ttlMs: 30_000 }) + '\n');
  return id;
}
const otherHolder = (lease: string | null) => ({ pid: 4242, startTime: 1, host: 'other', hostId: OTHER, bootId: 'b', lease });

test('a lease is a private file under hosts/<host id>/, rewritten in place with a rising counter, removed at stop', async (t) => {
  const home = tempHome(t);
  mkdirSync(home, { recursive: true });
  const lease = Lease.take(home, 'runner a', { ttlMs: 3000 });
  t.after(() => lease.stop());
  const file = leaseFile(home, lease.id);
  assert.match(lease.id, /^h-test-suite\/\d+-[0-9a-f]{8}$/);
  assert.equal(statSync(file).mode & 0o777, 0o600);
  const ino = statSync(file).ino;
  await waitFor('renewals', () => (parseLease(readFileSync(file, 'utf8'))?.counter ?? 0) >= 3, 20_000, 20);
  assert.equal(statSync(file).ino, ino, 'rewritten in place, not replaced');
  assert.ok(lease.healthy());
  lease.stop();
  assert.equal(existsSync(file), false);
});

test('a watcher calls a lease expired only after watching it unchanged (or missing) for the lease time', (t) => {
  const home = tempHome(t);
  const clock = monoClock(t);
  const watch = new LeaseWatch(home, 30_000);
  const id = otherLease(home, 1);
  assert.equal(watch.expired(id), false, 'a first look never judges');
  clock.advance(29_999);
  assert.equal(watch.expired(id), false);
  otherLease(home, 2); // renewed
  assert.equal(watch.expired(id), false, 'a change seen restarts the wait');
  clock.advance(29_999);
  assert.equal(watch.expired(id), false);
  clock.advance(1);
  assert.equal(watch.expired(id), true, 'unchanged for 30 s of our clock');
  const gone = `${OTHER}/4243-0a0b0c0d`;
  assert.equal(watch.expired(gone), false, 'missing, first look');
  clock.advance(30_000);
  assert.equal(watch.expired(gone), true, 'missing for the lease time');
  assert.equal(new LeaseWatch(home, 30_000).expired(id), false, 'a new watcher (a command that looks once) does not judge');
});

test('fencing: a holder that could not renew for half the lease time is told once, and keeps its file for others to judge', (t) => {
  const home = tempHome(t);
  mkdirSync(home, { recursive: true });
  const clock = monoClock(t);
  const fences: string[] = [];
  const lease = Lease.take(home, 'scheduler', { ttlMs: 10_000, onFence: (why) => fences.push(why), inProcess: true });
  t.after(() => lease.stop());
  clock.advance(4_999);
  assert.ok(lease.healthy());
  clock.advance(2);
  assert.equal(lease.healthy(), false);
  assert.equal(lease.healthy(), false);
  assert.equal(fences.length, 1);
  assert.match(fences[0], /not renewed for 5 s/);
  lease.stop();
  assert.ok(existsSync(leaseFile(home, lease.id)), 'a fenced lease is left to expire');
});

test("a hung lease write with the main thread stuck too: the lease's own thread fences at half the lease time and SIGKILLs the guarded agents", async (t) => {
  const home = tempHome(t);
  mkdirSync(home, { recursive: true });
  const lease = Lease.take(home, 'runner a', { ttlMs: 2000 });
  const agent = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) => agent.once('exit', (_code, signal) => resolve(signal)));
  lease.guard(agent.pid!);
  // the lease file becomes a FIFO nobody reads: the next renewal's open() hangs, as on a mount whose link is cut
  const file = leaseFile(home, lease.id);
  rmSync(file);
  execFileSync('mkfifo', ['-m', '600', file]);
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1800); // this thread stuck in a synchronous call for most of the lease time
    assert.equal(await exited, 'SIGKILL', 'killed by the renewal thread (this one was stuck)');
    assert.equal(lease.healthy(), false);
  } finally {
    lease.stop();
    agent.kill('SIGKILL');
    closeSync(openSync(file, constants.O_RDONLY | constants.O_NONBLOCK)); // lets the hung open() return (the test's files go after this)
  }
});

test("another host's named lock: never taken while its lease renews, whatever its clock or the lock's mtime says; taken once the lease stopped for the lease time", (t) => {
  const home = tempHome(t);
  const clock = monoClock(t);
  const lock = join(home, 'locks', 'runner-a@h-other-host-0001');
  const name = `${lock}.json`;
  mkdirSync(`${lock}.lock`, { recursive: true });
  const lease = otherLease(home, 1);
  writeFileSync(name, JSON.stringify(otherHolder(lease)));
  // the measured failure: a contender whose clock ran ahead took a live lock in 307 ms
  const old = new Date(Date.now() - 10 * 60_000);
  utimesSync(`${lock}.lock`, old, old);
  const me = { pid: process.pid, host: 'me', hostId: 'h-test-suite', bootId: null, startTime: null };
  const judge = deadIn(home, lock);
  for (let i = 2; i < 40; i++) {
    assert.equal(acquireNamed(lock, name, me, judge), null, `try ${i}: the holder renews`);
    clock.advance(2_000);
    otherLease(home, i);
  }
  assert.ok(isHeld(lock, judge, name));
  clock.advance(29_000);
  assert.equal(acquireNamed(lock, name, me, judge), null, 'not yet the lease time since its last renewal');
  clock.advance(1_000);
  const release = acquireNamed(lock, name, me, judge);
  assert.ok(release, 'its lease stopped for 30 s: taken over');
  assert.equal(JSON.parse(readFileSync(name, 'utf8')).pid, process.pid);
  release();
});

test("another host's plain lock without a lease: judged by its heartbeat watched unchanged for STALE_MS, not by the mtime's age", (t) => {
  const home = tempHome(t);
  const clock = monoClock(t);
  const lock = join(home, 'locks', 'index');
  mkdirSync(`${lock}.lock`, { recursive: true });
  writeFileSync(`${lock}.owner`, JSON.stringify(otherHolder(null)));
  const old = new Date(Date.now() - 3_600_000);
  utimesSync(`${lock}.lock`, old, old);
  assert.equal(tryLockSync(home, lock), null, 'an hour-old mtime on a first look says nothing');
  clock.advance(STALE_MS - 1);
  assert.equal(tryLockSync(home, lock), null);
  clock.advance(1);
  const release = tryLockSync(home, lock);
  assert.ok(release, 'unchanged for STALE_MS as we watched it');
  release();
  assert.equal(existsSync(`${lock}.owner`), false, 'released: unnamed');
});

test('the holder rule: this host by its pid at once; another host by its lease; never "dead" on a first look', (t) => {
  const home = tempHome(t);
  const clock = monoClock(t);
  assert.equal(holderState(home, { pid: 999_999_999, startTime: 1, host: 'x', hostId: 'h-test-suite', bootId: null }), 'dead', 'our host: the pid is gone');
  assert.equal(holderState(home, { pid: process.pid, startTime: null, host: 'x', hostId: 'h-test-suite', bootId: null }), 'alive');
  const lease = otherLease(home, 1);
  assert.equal(holderState(home, otherHolder(lease)), 'unknown');
  clock.advance(30_000);
  assert.equal(holderState(home, otherHolder(lease)), 'dead');
  assert.equal(holderState(home, otherHolder(null)), 'unknown', 'no lease and no heartbeat to watch: never judged');
});
