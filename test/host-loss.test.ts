// Another host's lost jobs (src/core/host-loss.ts), claims that name their claimant (queue.ts), and the
// check a runner makes before writing a job's end (runner-support.ts ownEnd).
import assert from 'node:assert/strict';
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { systemClock, useClock } from '../src/core/clock.js';
import { Lease, leaseFile } from '../src/core/lease.js';
import { listHosts } from '../src/core/hosts.js';
import { recoverLostHosts } from '../src/core/host-loss.js';
import { EventWriter } from '../src/core/eventlog.js';
import { finishJob } from '../src/core/finish.js';
import { removeJobs } from '../src/core/prune.js';
import { RecapBuilder } from '../src/core/recap.js';
import { recoverIfLost } from '../src/core/recovery.js';
import { ownEnd } from '../src/core/runner-support.js';
import { JobStore } from '../src/core/store.js';
import { readJob, readLog, writeJob } from './support/jobs.js';
import { tempHome } from './support/tmp.js';

const OTHER = 'h-other-host-0002';

function fixture(t: TestContext) {
  const home = tempHome(t);
  const store = new JobStore(home);
  store.init();
  let mono = 5_000_000;
  t.after(useClock({ ...systemClock, mono: () => mono }));
  let counter = 0;
  const lease = `${OTHER}/777-00aa00aa`;
  const renew = () => {
    mkdirSync(join(home, 'hosts', OTHER), { recursive: true });
    writeFileSync(leaseFile(home, lease), JSON.stringify({ hostId: OTHER, host: 'hostb', pid: 777, role: 'runner coder', counter: ++counter, wall: '2020-01-01T00:00:00Z', ttlMs: 30_000 }));
  };
  renew();
  const runningThere = () => {
    const { id } = writeJob(home, {
      status: 'running',
      host: 'hostb',
      hostId: OTHER,
      runnerPid: 777,
      runnerStartTime: 1,
      pid: 778,
      pidStartTime: 1,
      bootId: 'other-boot',
      lease,
      events: [{ seq: 0, ts: '2026-01-01T00:00:00.000Z', type: 'start', argv: ['x'], cwd: '/tmp', pid: 778, runnerPid: 777, resumedSession: false }],
    });
    mkdirSync(join(home, 'active'), { recursive: true });
    writeFileSync(join(home, 'active', id), JSON.stringify({ pid: 777, startTime: 1, host: 'hostb', hostId: OTHER, bootId: 'other-boot', lease, by: 'runner' }));
    return id;
  };
  return { home, store, lease, renew, runningThere, advance: (ms: number) => (mono += ms) };
}

test("a job another host runs: left alone while that runner's lease renews, failed (host lost) once it stopped for the lease time, by one survivor", (t) => {
  const f = fixture(t);
  const id = f.runningThere();
  assert.deepEqual(recoverLostHosts(f.store), { recovered: 0, watching: 1 }, 'a first look judges nothing, and asks to be watched');
  for (let i = 0; i < 20; i++) {
    f.advance(2_000);
    f.renew();
    assert.deepEqual(recoverLostHosts(f.store), { recovered: 0, watching: 0 }, 'its lease renews: nothing to wait for');
  }
  // the cut-off runner still has the log open
  const stale = openSync(join(f.home, 'jobs', id, 'output.jsonl'), 'a');
  const before = statSync(join(f.home, 'jobs', id, 'output.jsonl')).ino;
  f.advance(30_000);
  assert.equal(recoverLostHosts(f.store).recovered, 1);
  assert.equal(recoverLostHosts(f.store).recovered, 0, 'once');
  const job = readJob(f.home, id);
  assert.equal(job.status, 'failed');
  assert.match(job.error, /host hostb lost/);
  assert.notEqual(statSync(join(f.home, 'jobs', id, 'output.jsonl')).ino, before, 'the log was replaced by a copy');
  writeSync(stale, '{"seq":1,"type":"late"}\n'); // a write the cut-off host sends after the link returns
  closeSync(stale);
  const log = readLog(f.home, id);
  assert.deepEqual(
    log.events.map((e) => e.type),
    ['start', 'error', 'complete'],
    'the late write went to the old file',
  );
  assert.equal(existsSync(join(f.home, 'active', id)), false);
  // the cut-off host's replace of job.json was still in flight: it lands after the end, saying `running` again, or its own end
  const failed = readFileSync(join(f.home, 'jobs', id, 'job.json'), 'utf8');
  assert.equal(readFileSync(join(f.home, 'ends', `${id}.json`), 'utf8'), failed, 'the end is kept');
  const late = {
    running: { ...JSON.parse(failed), status: 'running', completedAt: null, exitReason: null, error: null },
    completed: { ...JSON.parse(failed), status: 'completed', exitReason: 'success', error: null },
  };
  for (const [what, json] of Object.entries(late)) {
    writeFileSync(join(f.home, 'jobs', id, 'job.json'), JSON.stringify(json));
    assert.equal(new JobStore(f.home).read(id).status, 'failed', `a late ${what} job.json: any read sees the kept end`);
    assert.equal(readFileSync(join(f.home, 'jobs', id, 'job.json'), 'utf8'), failed, `a late ${what} job.json: put back`);
  }
  const rows = new JobStore(f.home).list({ limit: 10 });
  assert.deepEqual(
    rows.map((r) => 'job' in r && r.job.status),
    ['failed'],
  );
  // the survivor died before it kept the end: a late `running` is still ended again from the log by the next command that looks
  rmSync(join(f.home, 'ends', `${id}.json`));
  writeFileSync(join(f.home, 'jobs', id, 'job.json'), JSON.stringify(late.running));
  const healed = recoverIfLost(f.store, f.store.read(id));
  assert.equal(healed.status, 'failed', 'a command that looks once ends it again from its log');
  assert.match(healed.error!, /host hostb lost/, "the log's complete event decides");
  assert.equal(readLog(f.home, id).events.filter((e) => e.type === 'complete').length, 1, 'no second complete event');
});

for (const requeue of [false, true]) {
  test(`a job another host claimed but never started, once its lease expired: ${requeue ? 'back to the queue with requeue_on_host_loss' : 'failed (host lost) by default'}`, (t) => {
    const f = fixture(t);
    const { id } = writeJob(f.home, { status: 'pending', createdAt: new Date().toISOString(), settings: requeue ? { requeueOnHostLoss: true } : {} });
    mkdirSync(join(f.home, 'active'), { recursive: true });
    writeFileSync(join(f.home, 'active', id), JSON.stringify({ pid: 777, startTime: 1, host: 'hostb', hostId: OTHER, bootId: 'b', lease: f.lease, by: 'runner' }));
    assert.deepEqual(recoverLostHosts(f.store), { recovered: 0, watching: 1 }, 'a first look judges nothing, and asks to be watched');
    f.advance(30_000);
    assert.equal(recoverLostHosts(f.store).recovered, 1);
    assert.equal(recoverLostHosts(f.store).recovered, 0, 'once');
    assert.equal(existsSync(join(f.home, 'active', id)), false);
    const job = readJob(f.home, id);
    assert.deepEqual(
      f.store.queue.pending('coder').map((m) => m.id),
      requeue ? [id] : [],
    );
    if (requeue) assert.equal(job.status, 'pending');
    else {
      assert.equal(job.status, 'failed');
      assert.match(job.error, /^host hostb lost before the job started: .*requeue_on_host_loss: true/);
      assert.deepEqual(
        readLog(f.home, id).events.map((e) => e.type),
        ['error', 'complete'],
      );
      assert.ok(existsSync(join(f.home, 'ends', `${id}.json`)), 'its end is kept: the lost runner may still have had a write on its way');
      removeJobs(f.store, [f.store.read(id)], false);
      assert.equal(existsSync(join(f.home, 'ends', `${id}.json`)), false, 'the kept end goes with the job');
      writeFileSync(join(f.home, 'ends', `${id}.json`), '{}'); // a prune that crashed between the job and its copy
      removeJobs(f.store, [], false);
      assert.deepEqual(readdirSync(join(f.home, 'ends')), [], "the next prune removes a gone job's copy");
    }
  });
}

test('claims are exclusive and name the claimant; a claimed job cannot be withdrawn, nor a withdrawn one claimed', (t) => {
  const f = fixture(t);
  const a = writeJob(f.home, { status: 'pending', createdAt: new Date().toISOString() }).id;
  const b = writeJob(f.home, { status: 'pending', createdAt: new Date(Date.now() + 1000).toISOString() }).id;
  for (const id of [a, b]) f.store.queue.requeue(f.store.read(id));
  const [ma, mb] = f.store.queue.pending('coder');
  assert.equal(f.store.queue.claim('coder', ma), true);
  assert.equal(f.store.queue.claim('coder', ma), false, 'a second claim loses');
  const claim = JSON.parse(readFileSync(join(f.home, 'active', a), 'utf8'));
  assert.equal(claim.by, 'runner');
  assert.equal(claim.hostId, 'h-test-suite');
  assert.equal(claim.pid, process.pid);
  assert.equal(f.store.queue.withdraw('coder', a), null, 'claimed: not withdrawn');
  assert.ok(f.store.queue.withdraw('coder', b));
  assert.equal(f.store.queue.claim('coder', mb), false, 'withdrawn: not claimed');
  assert.deepEqual(readdirSync(join(f.home, 'active')).sort(), [a, b].sort());
});

test("a runner writes a job's end only while the job is its own: not ended, and not running under another lease", (t) => {
  const f = fixture(t);
  const id = f.runningThere();
  assert.equal(ownEnd(f.store, id, 'h-test-suite/1-00000000'), 'lost', 'runs under another lease');
  const release = ownEnd(f.store, id, f.lease);
  assert.equal(typeof release, 'function');
  assert.equal(ownEnd(f.store, id, f.lease), 'busy', 'the lock is held');
  (release as () => void)();
  const done = writeJob(f.home, { status: 'failed' }).id;
  assert.equal(ownEnd(f.store, done, f.lease), 'lost', 'ended already');
});

test('hosts: every host with its leases (aged by the file clock), state and running jobs; this host first', (t) => {
  const f = fixture(t);
  const id = f.runningThere();
  const old = new Date(Date.now() - 120_000);
  utimesSync(leaseFile(f.home, f.lease), old, old);
  const mine = Lease.take(f.home, 'runner coder', { ttlMs: 30_000 });
  t.after(() => mine.stop());
  const r = listHosts(f.store);
  assert.equal(r.ttlMs, 30_000);
  assert.deepEqual(
    r.hosts.map((h) => [h.hostId, h.you, h.state, h.leases.map((l) => l.role), h.running]),
    [
      ['h-test-suite', true, 'live', ['runner coder'], []],
      [OTHER, false, 'silent', ['runner coder'], [id]],
    ],
  );
  assert.equal(r.hosts[1].host, 'hostb');
  assert.ok(r.hosts[1].leases[0].ageMs! >= 119_000, `aged ${r.hosts[1].leases[0].ageMs}`);
});

// finishJob asks `own` (the runner's lease) before the end's job.json (1), just before its rename (2), before the
// index line and the claim's removal (3), and before waking others (4): a fence at any of them stops every write after it
for (const [yes, status, indexed] of [
  [0, 'running', false],
  [1, 'running', false],
  [2, 'completed', false],
  [Infinity, 'completed', true],
] as const) {
  test(`a runner fenced while writing its end (own() says no after ${yes} yes): job.json ${status}, ${indexed ? 'indexed, claim removed' : 'no index line, claim left to the survivor'}`, (t) => {
    const f = fixture(t);
    const id = f.runningThere();
    const w = EventWriter.open(f.store.paths.outputFile(id));
    t.after(() => w.close());
    let calls = 0;
    finishJob(f.store, f.store.read(id), w, new RecapBuilder(), { status: 'completed', exitReason: 'success', error: null }, () => calls++ < yes);
    assert.equal(readJob(f.home, id).status, status);
    assert.deepEqual(
      readdirSync(join(f.home, 'jobs', id)).filter((n) => n.startsWith('.tmp-')),
      [],
      'no temp file left',
    );
    assert.equal(existsSync(join(f.home, 'active', id)), !indexed, 'the claim');
    const index = join(f.home, 'index');
    const lines = (existsSync(index) ? readdirSync(index) : [])
      .filter((n) => n.startsWith('seg-'))
      .flatMap((n) => readFileSync(join(index, n), 'utf8').split('\n'))
      .filter((l) => l.startsWith(id));
    assert.equal(lines.length, indexed ? 1 : 0, `index lines: ${lines.join(' | ')}`);
  });
}

test('a runner fenced while writing `running` (own() says no at the rename): job.json stays pending and the job comes back as it was, so no agent is started', (t) => {
  const f = fixture(t);
  const { id } = writeJob(f.home, { status: 'pending', createdAt: new Date().toISOString() });
  const job = f.store.read(id);
  const back = f.store.commit(job, { to: 'running', patch: { lease: f.lease } }, 0, () => false);
  assert.equal(back, job);
  assert.equal(readJob(f.home, id).status, 'pending');
  assert.deepEqual(
    readdirSync(join(f.home, 'jobs', id)).filter((n) => n.startsWith('.tmp-')),
    [],
  );
});
