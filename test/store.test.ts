import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { createRequire, syncBuiltinESMExports } from 'node:module';
import { join } from 'node:path';
import { JobStore, type ListRow } from '../src/core/store.js';
import { HerdError } from '../src/core/errors.js';
import { EventWriter } from '../src/core/eventlog.js';
import { io } from '../src/core/fsx.js';
import { JOB_STATUSES, normalizeJob, type Job, type JobStatus } from '../src/core/job.js';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { ROOT, runCli } from './support/cli.js';
import { readJob, writeJob } from './support/jobs.js';
import { tempHome } from './support/tmp.js';
import { hostId } from '../src/core/host-id.js';

const ID_RE = /^job-\d{8}-\d{6}-[0-9a-z]{8}$/;
const T0 = Date.parse('2026-01-15T09:30:00Z');
const newJob = (agent = 'coder') => ({ agent, prompt: 'p', workspace: '/tmp/ws' });
const rowId = (r: ListRow) => ('job' in r ? r.job.id : r.id);
const ids = (rows: ListRow[]) => rows.map(rowId);

function clock(start = T0) {
  const c = { t: start, now: () => c.t };
  return c;
}

function herdError(code: string, check?: (e: HerdError) => void) {
  return (e: unknown) => {
    assert.ok(e instanceof HerdError, `expected a HerdError, got ${String(e)}`);
    assert.equal(e.code, code);
    check?.(e);
    return true;
  };
}

test('create() persists a pending job durably: job.json, queue marker, index line', (t) => {
  const home = tempHome(t);
  const store = new JobStore(home);
  const log: string[] = [];
  const saved = { ...io };
  io.fsyncSync = (fd: number) => (log.push(`fsync ${fs.readlinkSync(`/proc/self/fd/${fd}`)}`), saved.fsyncSync(fd));
  io.renameSync = (from: fs.PathLike, to: fs.PathLike) => (log.push(`rename ${String(from).split('/').pop()} ${to}`), saved.renameSync(from, to));
  let job: Job;
  try {
    job = store.create({ ...newJob(), priority: 5, tags: ['x'] });
  } finally {
    Object.assign(io, saved);
  }
  const dir = join(home, 'jobs', job.id);
  const at = (re: RegExp) => log.findIndex((l) => re.test(l));
  const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  // built whole under jobs/.tmp-<id>-<pid>-<rand>@<host>/, then renamed into place
  const tmpDir = `${esc(join(home, 'jobs'))}/\\.tmp-${job.id}-\\d+-[a-z0-9]+@[a-z0-9.-]+`;
  const tmpSync = at(new RegExp(`^fsync ${tmpDir}/\\.tmp-job\\.json`));
  const rename = at(new RegExp(`^rename \\.tmp-job\\.json\\S* ${tmpDir}/job\\.json$`));
  const dirSync = at(new RegExp(`^fsync ${tmpDir}$`));
  const dirRename = at(new RegExp(`^rename \\.tmp-${job.id}-\\d+-[a-z0-9]+@[a-z0-9.-]+ ${esc(dir)}$`));
  const parentSync = log.lastIndexOf(`fsync ${join(home, 'jobs')}`);
  assert.ok(tmpSync >= 0 && rename > tmpSync && dirSync > rename && dirRename > dirSync && parentSync > dirRename, log.join('\n'));
  assert.match(job.id, ID_RE);
  const onDisk = readJob(home, job.id);
  assert.equal(onDisk.id, job.id);
  assert.equal(onDisk.status, 'pending');
  assert.equal(onDisk.agent, 'coder');
  assert.equal(onDisk.createdAt.slice(0, 19).replace(/[-:T]/g, ''), job.id.slice(4, 19).replace('-', ''));
  assert.deepEqual(store.read(job.id), onDisk);
  const queued = fs.readdirSync(join(home, 'queue', 'coder'));
  assert.ok(
    queued.some((n) => n.endsWith(job.id) && !n.startsWith('.')),
    `no published queue marker in ${queued}`,
  );
  const seg = fs.readFileSync(join(home, 'index', `seg-${job.id.slice(4, 12)}${job.id.slice(13, 15)}@${hostId()}.tsv`), 'utf8');
  assert.ok(
    seg.split('\n').some((l) => l.startsWith(`${job.id}\tpending\tcoder`)),
    seg,
  );
  assert.ok(!fs.readdirSync(join(home, 'jobs', job.id)).some((n) => n.startsWith('.tmp-')), 'temp file left behind');
});

test('200 creates give unique ids that sort by creation time', (t) => {
  const c = clock();
  const store = new JobStore(tempHome(t), c.now);
  const made: string[] = [];
  for (let i = 0; i < 200; i++) {
    made.push(store.create(newJob()).id);
    c.t += 250; // four creations per second: same-second ids differ only in their random tail
  }
  assert.equal(new Set(made).size, 200);
  for (const id of made) assert.match(id, ID_RE);
  const sorted = [...made].sort();
  for (let i = 1; i < 200; i++) assert.ok(sorted[i - 1].slice(0, 19) <= sorted[i].slice(0, 19));
  assert.deepEqual(
    sorted.map((id) => id.slice(0, 19)),
    made.map((id) => id.slice(0, 19)),
    'sorting ids must give creation order (to the second)',
  );
  const newestFirst = [...made].reverse(); // within a second too: creation order, not the random tail
  assert.deepEqual(ids(store.list({ limit: 500 })), newestFirst);
  assert.deepEqual(ids(store.list({ limit: 500, status: 'pending' })), newestFirst);
  assert.deepEqual(ids(store.list({ limit: 7, agent: 'coder' })), newestFirst.slice(0, 7));
});

test('transitions: legal moves stamp times; illegal ones throw conflict and change nothing', (t) => {
  const store = new JobStore(tempHome(t));
  const a = store.create(newJob());
  assert.throws(() => store.commit(a, { to: 'completed' }), herdError('conflict'));
  const running = store.commit(a, { to: 'running' });
  assert.ok(running.startedAt);
  const done = store.commit(running, { to: 'completed' });
  assert.equal(done.exitReason, 'success');
  assert.ok(done.completedAt);
  assert.deepEqual(store.read(a.id), done);

  const f = store.commit(store.create(newJob()), { to: 'failed', exitReason: 'timeout', error: 'too slow' });
  const x = store.commit(store.create(newJob()), { to: 'cancelled' });
  assert.equal(x.exitReason, 'manual_cancel');
  for (const terminal of [done, f, x]) {
    const before = fs.readFileSync(join(store.paths.job(terminal.id), 'job.json'), 'utf8');
    for (const to of JOB_STATUSES) {
      assert.throws(
        () => store.commit(terminal, { to: to as JobStatus }),
        herdError('conflict', (e) => assert.equal(e.exitCode, 5)),
        `${terminal.status} → ${to}`,
      );
    }
    assert.equal(fs.readFileSync(join(store.paths.job(terminal.id), 'job.json'), 'utf8'), before);
  }
});

test('resolve(): full id, unique prefix with and without "job-", ambiguous, unknown', async (t) => {
  const home = tempHome(t);
  const c = clock();
  const store = new JobStore(home, c.now);
  const a = store.create(newJob()).id; // 2026-01-15 09:30:00
  c.t += 60_000;
  const b = store.create(newJob()).id; // 09:31:00
  c.t += 86_400_000;
  const d = store.create(newJob()).id; // 2026-01-16
  assert.equal(store.resolve(a), a);
  assert.equal(store.resolve('job-20260115-0930'), a);
  assert.equal(store.resolve('20260115-0931'), b);
  assert.equal(store.resolve('20260116'), d);
  assert.equal(store.resolve(a.slice(4)), a);
  assert.throws(
    () => store.resolve('20260115'),
    herdError('ambiguous', (e) => {
      assert.equal(e.exitCode, 4);
      assert.ok(e.message.includes(a) && e.message.includes(b) && !e.message.includes(d), e.message);
    }),
  );
  assert.throws(
    () => store.resolve('job-2026011'),
    herdError('ambiguous', (e) => assert.ok([a, b, d].every((id) => e.message.includes(id)))),
  );
  assert.throws(
    () => store.resolve('20250101'),
    herdError('not_found', (e) => assert.equal(e.exitCode, 3)),
  );
  assert.throws(() => store.resolve('job-20260115-093000-zzzzzzzz'), herdError('not_found'));

  const amb = await runCli(['jobs', 'show', '20260115'], { home });
  assert.equal(amb.code, 4);
  assert.ok(amb.stderr.includes(a) && amb.stderr.includes(b), amb.stderr);
  assert.match(amb.stderr, /try: /);
  const unknown = await runCli(['jobs', 'show', '20250101'], { home });
  assert.equal(unknown.code, 3);
  assert.match(unknown.stderr, /try: /);
});

/** Records every path-taking fs call made while `fn` runs (ESM bindings included). */
function fsCalls(fn: () => void): string[] {
  const cjsFs = createRequire(import.meta.url)('node:fs') as Record<string, unknown>;
  const names = ['existsSync', 'statSync', 'lstatSync', 'readdirSync', 'openSync', 'readFileSync', 'mkdirSync', 'writeFileSync', 'accessSync', 'realpathSync'];
  const saved = names.map((n) => cjsFs[n]);
  const calls: string[] = [];
  names.forEach((n, i) => {
    cjsFs[n] = (...args: unknown[]) => {
      calls.push(`${n}(${String(args[0])})`);
      return (saved[i] as (...a: unknown[]) => unknown)(...args);
    };
  });
  syncBuiltinESMExports();
  try {
    fn();
  } finally {
    names.forEach((n, i) => (cjsFs[n] = saved[i]));
    syncBuiltinESMExports();
  }
  return calls;
}

test('bad ids are rejected before any path is built (no fs access, even with no home)', (t) => {
  const home = tempHome(t); // never created
  const store = new JobStore(home);
  const bad = ['../etc', 'job-20260115-093000-../x', 'a/b', '..', 'job-2026\0', 'x'.repeat(300), 'job-' + '1'.repeat(296), '', 'JOB-2026', 'job-20260115-093000-k3x9a2bq/../../x'];
  for (const input of bad) {
    const calls = fsCalls(() => {
      assert.throws(
        () => store.resolve(input),
        herdError('invalid_id', (e) => assert.equal(e.exitCode, 2)),
        JSON.stringify(input),
      );
      assert.throws(() => store.read(input), herdError('invalid_id'));
      assert.throws(() => store.paths.job(input), herdError('invalid_id'));
    });
    assert.deepEqual(calls, [], `fs touched for ${JSON.stringify(input.slice(0, 40))}`);
  }
  const control = fsCalls(() => assert.throws(() => store.resolve('job-20260115-093000-k3x9a2bq'), herdError('not_found')));
  assert.ok(control.length > 0, 'the fs spy sees a valid id being looked up');
  assert.equal(fs.existsSync(home), false);
});

test('hand-made changes to jobs/: a copied-in job is listed, a deleted one disappears, a deleted index is rebuilt', (t) => {
  const home = tempHome(t);
  const store = new JobStore(home);
  const made = [store.create(newJob()).id, store.create(newJob()).id];
  assert.equal(store.list({ limit: 50 }).length, 2); // the index is in sync now

  const old = writeJob(home, { createdAt: '2025-12-01T08:00:00Z', status: 'completed' });
  const fresh = writeJob(home, { createdAt: new Date(Date.now() - 10_000).toISOString(), status: 'failed', agent: 'other' });
  assert.deepEqual(new Set(ids(store.list({ limit: 50 }))), new Set([...made, old.id, fresh.id]));
  assert.deepEqual(ids(store.list({ limit: 50, status: 'completed' })), [old.id]);
  assert.deepEqual(ids(store.list({ limit: 50, agent: 'other' })), [fresh.id]);
  assert.equal(store.resolve(old.id.slice(4, 20)), old.id);

  fs.rmSync(old.dir, { recursive: true });
  fs.rmSync(store.paths.job(made[0]), { recursive: true });
  assert.deepEqual(new Set(ids(store.list({ limit: 50 }))), new Set([made[1], fresh.id]));
  assert.deepEqual(ids(store.list({ limit: 50, status: 'completed' })), []);
  assert.throws(() => store.resolve(old.id.slice(4, 20)), herdError('not_found'));

  fs.rmSync(join(home, 'index'), { recursive: true });
  const rebuilt = new JobStore(home);
  assert.deepEqual(new Set(ids(rebuilt.list({ limit: 50 }))), new Set([made[1], fresh.id]));
  assert.deepEqual(ids(rebuilt.list({ limit: 50, status: 'failed' })), [fresh.id]);
  assert.ok(fs.readdirSync(join(home, 'index')).some((n) => /^seg-\d{10}@[a-z0-9-]+\.tsv$/.test(n)));
});

test('copied-in pending and running jobs are found by --status pending/running', (t) => {
  const home = tempHome(t);
  const store = new JobStore(home);
  store.list({ limit: 10 });
  const running = writeJob(home, { createdAt: '2025-12-01T08:00:00Z', status: 'running', agent: 'mover' });
  const pending = writeJob(home, { createdAt: '2025-12-01T09:00:00Z', status: 'pending', agent: 'mover' });
  assert.deepEqual(ids(store.list({ limit: 10 })), [pending.id, running.id]);
  assert.deepEqual(ids(store.list({ limit: 10, status: 'pending' })), [pending.id]);
  assert.deepEqual(ids(store.list({ limit: 10, status: 'running' })), [running.id]);
  assert.deepEqual(ids(store.list({ limit: 10, status: 'running', agent: 'mover' })), [running.id]);
});

test('a job.json repaired by hand is found by filtered lists', (t) => {
  const home = tempHome(t);
  const store = new JobStore(home);
  const broken = (status: string, agent: string) => writeJob(home, { createdAt: '2025-12-01T08:00:00Z', status, agent, rawJobJson: '{"id": "trunc' });
  const pending = broken('pending', 'fixer');
  const done = broken('completed', 'closer');
  const rows = store.list({ limit: 10 });
  assert.equal(rows.length, 2);
  assert.ok(rows.every((r) => 'problem' in r));
  for (const b of [pending, done]) fs.writeFileSync(join(b.dir, 'job.json'), JSON.stringify(b.job)); // fixed in place: jobs/ itself does not change
  assert.deepEqual(ids(store.list({ limit: 10, status: 'completed' })), [done.id]);
  assert.deepEqual(ids(store.list({ limit: 10, agent: 'closer' })), [done.id]);
  assert.deepEqual(ids(store.list({ limit: 10, status: 'pending' })), [pending.id]);
  assert.deepEqual(ids(store.list({ limit: 10, agent: 'fixer' })), [pending.id]);
});

test('a pending job moved out of jobs/ and back is listed again', (t) => {
  const home = tempHome(t);
  const store = new JobStore(home);
  const { id, dir } = writeJob(home, { createdAt: '2025-12-01T08:00:00Z', status: 'pending' });
  assert.deepEqual(ids(store.list({ limit: 10 })), [id]);
  const away = join(home, '..', 'away');
  fs.renameSync(dir, away);
  assert.deepEqual(ids(store.list({ limit: 10 })), []);
  fs.renameSync(away, dir);
  assert.deepEqual(ids(store.list({ limit: 10 })), [id]);
  assert.equal(store.resolve(id.slice(0, 20)), id);
});

test('on a 1-second-mtime filesystem, a job copied in the same second as the last index sync is listed', (t) => {
  const home = tempHome(t);
  const store = new JobStore(home);
  store.create(newJob());
  const sec = Math.floor(Date.now() / 1000);
  fs.utimesSync(store.paths.jobs, sec, sec); // as a coarse-timestamp fs (NFS, HFS+, ext3) would record it
  store.list({ limit: 10 }); // index synced at that mtime
  const { id } = writeJob(home, { createdAt: '2025-12-01T08:00:00Z' });
  fs.utimesSync(store.paths.jobs, sec, sec); // the copy lands in the same second
  assert.ok(ids(store.list({ limit: 10 })).includes(id), 'copied-in job missing from list');
});

test('a list while another process rebuilds the index still shows copied-in jobs', async (t) => {
  const home = tempHome(t);
  const made = [1, 2, 3].map((d) => writeJob(home, { createdAt: new Date(Date.now() - d * 86_400_000).toISOString() }).id);
  fs.mkdirSync(join(home, 'locks'), { recursive: true });
  // another herdctl process in the middle of refreshIndex(): it holds the index lock for a moment
  const holder = spawn(
    process.execPath,
    [
      '-e',
      `
    const lf = require(${JSON.stringify(join(ROOT, 'node_modules', 'proper-lockfile'))});
    const release = lf.lockSync(process.argv[1], { realpath: false, stale: 20000 });
    process.stdout.write('locked\\n');
    setTimeout(() => release(), 1500);`,
      join(home, 'locks', 'index'),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await once(holder.stdout!, 'data');
  try {
    assert.deepEqual(ids(new JobStore(home).list({ limit: 10 })), made);
  } finally {
    await once(holder, 'exit');
  }
});

test('list filters (status, agent, since, limit) return newest first', (t) => {
  const c = clock(Date.parse('2026-03-10T12:00:00Z'));
  const store = new JobStore(tempHome(t), c.now);
  const plan: [string, JobStatus, number][] = [
    ['a', 'completed', -5 * 86_400_000],
    ['b', 'failed', -3 * 86_400_000],
    ['a', 'failed', -2 * 86_400_000],
    ['b', 'completed', -36 * 3_600_000],
    ['a', 'running', -3 * 3_600_000],
    ['a', 'failed', -2 * 3_600_000],
    ['b', 'pending', -3_600_000],
    ['a', 'cancelled', -60_000],
  ];
  const now = c.t;
  const made: { id: string; agent: string; status: JobStatus; at: number }[] = [];
  for (const [agent, status, dt] of plan) {
    c.t = now + dt;
    let job = store.create(newJob(agent));
    if (status !== 'pending' && status !== 'cancelled') job = store.commit(job, { to: 'running' });
    if (status !== 'pending' && status !== 'running') job = store.commit(job, { to: status });
    made.push({ id: job.id, agent, status, at: c.t });
  }
  c.t = now;
  const newest = [...made].reverse();
  const want = (f: (m: (typeof made)[number]) => boolean) => newest.filter(f).map((m) => m.id);
  assert.deepEqual(
    ids(store.list({ limit: 20 })),
    want(() => true),
  );
  assert.deepEqual(ids(store.list({ limit: 3 })), want(() => true).slice(0, 3));
  assert.deepEqual(
    ids(store.list({ limit: 20, status: 'failed' })),
    want((m) => m.status === 'failed'),
  );
  assert.deepEqual(ids(store.list({ limit: 1, status: 'failed' })), want((m) => m.status === 'failed').slice(0, 1));
  assert.deepEqual(
    ids(store.list({ limit: 20, status: 'running' })),
    want((m) => m.status === 'running'),
  );
  assert.deepEqual(
    ids(store.list({ limit: 20, agent: 'b' })),
    want((m) => m.agent === 'b'),
  );
  const since = now - 86_400_000;
  assert.deepEqual(
    ids(store.list({ limit: 20, sinceMs: since })),
    want((m) => m.at >= since),
  );
  assert.deepEqual(
    ids(store.list({ limit: 20, sinceMs: since, agent: 'a', status: 'failed' })),
    want((m) => m.at >= since && m.agent === 'a' && m.status === 'failed'),
  );
  assert.deepEqual(
    ids(store.list({ limit: 20, sinceMs: now - 4 * 86_400_000, status: 'completed' })),
    want((m) => m.at >= now - 4 * 86_400_000 && m.status === 'completed'),
  );
  assert.deepEqual(ids(store.list({ limit: 20, agent: 'nobody' })), []);
});

test('permissions: under umask 000 every directory is 0700 and every file 0600 (store and CLI)', (t) => {
  const home = tempHome(t);
  const old = process.umask(0);
  try {
    const store = new JobStore(home);
    const a = store.create(newJob());
    const b = store.create({ ...newJob('other'), priority: 3 });
    store.markActive(a.id);
    const w = EventWriter.open(store.paths.outputFile(a.id));
    w.append({ type: 'start' });
    w.append({ type: 'complete', status: 'completed' });
    w.close();
    store.commit(store.commit(a, { to: 'running' }), { to: 'completed' }, 2);
    store.commit(b, { to: 'cancelled' });
    store.list({ limit: 10 });
    fs.rmSync(store.paths.index, { recursive: true });
    store.list({ limit: 10, status: 'completed' });
    store.resolve(a.id.slice(0, 24));
  } finally {
    process.umask(old);
  }
  fs.rmSync(join(home, 'index'), { recursive: true }); // and the CLI rebuilds it, under umask 000 too
  const cli = spawnSync('sh', ['-c', `umask 000 && exec "${process.execPath}" bin/run.js jobs list --home "${home}"`], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(cli.status, 0, cli.stderr);
  assert.ok(fs.existsSync(join(home, 'index')));
  const bad: string[] = [];
  const walk = (p: string) => {
    const st = fs.lstatSync(p);
    const mode = st.mode & 0o777;
    if (st.isDirectory()) {
      if (mode !== 0o700) bad.push(`${p} dir ${mode.toString(8)}`);
      for (const n of fs.readdirSync(p)) walk(join(p, n));
    } else if (mode !== 0o600) bad.push(`${p} file ${mode.toString(8)}`);
  };
  walk(home);
  assert.deepEqual(bad, []);
  assert.ok(fs.readdirSync(join(home, 'jobs')).length === 2);
});

test('a rebuild from jobs/ alone indexes every job in one pass, and reports a job.json too large to be one (or a linked job dir) without reading it as a job', (t) => {
  const home = tempHome(t);
  const store = new JobStore(home);
  const made = Array.from({ length: 30 }, () => store.create(newJob()).id);
  const { id: huge } = writeJob(home, { createdAt: '2025-12-01T08:00:00Z' });
  fs.writeFileSync(join(store.paths.job(huge), 'job.json'), `{"pad":"${'x'.repeat(17 * 1024 * 1024)}"}`);
  const elsewhere = join(home, '..', `${huge.slice(0, -8)}zzzzzzzz-target`);
  fs.mkdirSync(elsewhere);
  t.after(() => fs.rmSync(elsewhere, { recursive: true, force: true }));
  const linked = `${huge.slice(0, -8)}zzzzzzzz`;
  fs.symlinkSync(elsewhere, join(store.paths.jobs, linked));
  fs.rmSync(store.paths.index, { recursive: true });
  const rows = new JobStore(home).list({ limit: 100 });
  assert.deepEqual(
    ids(rows)
      .filter((id) => made.includes(id))
      .sort(),
    [...made].sort(),
    'every job indexed',
  );
  const problems = Object.fromEntries(rows.flatMap((r) => ('problem' in r ? [[r.id, r.problem]] : [])));
  assert.match(problems[huge] ?? '', /job\.json is \d+ bytes; a job.json is never that large/);
  assert.match(problems[linked] ?? '', /symbolic link/);
  const segs = fs.readdirSync(store.paths.index).filter((n) => n.startsWith('seg-'));
  assert.ok(segs.length <= 3, `one segment per creation hour: ${segs.join(', ')}`);
});

test("older per-day index segments are read with their day's hour segments, newest first, and a job that ends there is seen", (t) => {
  const home = tempHome(t);
  const day = (h: number, m = 0) => `2026-11-20T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00Z`;
  const old = [writeJob(home, { createdAt: day(3) }).id, writeJob(home, { createdAt: day(9) }).id, writeJob(home, { createdAt: day(15), status: 'pending' }).id];
  const store = new JobStore(home);
  store.list({ limit: 10 }); // a rebuild: an old day goes to one per-day segment, as an older herdctl left every day
  assert.deepEqual(
    fs.readdirSync(store.paths.index).filter((n) => n.startsWith('seg-20261120')),
    [`seg-20261120@${hostId()}.tsv`],
  );
  const later = writeJob(home, { createdAt: '2026-11-21T01:00:00Z' }).id;
  const fresh = new JobStore(home);
  assert.deepEqual(ids(fresh.list({ limit: 10 })), [later, old[2], old[1], old[0]]);
  // the day's pending job ends: its line goes to its hour's segment, and wins over the day segment's
  const running = fresh.commit(fresh.read(old[2]), { to: 'running' });
  fresh.commit(running, { to: 'failed', exitReason: 'error', error: 'boom' });
  assert.ok(fs.existsSync(join(store.paths.index, `seg-2026112015@${hostId()}.tsv`)));
  const again = new JobStore(home);
  assert.deepEqual(again.index.days('20261120'), ['20261121', '20261120'], 'the day read whole, after the later day');
  assert.deepEqual(again.list({ status: 'failed', limit: 10 }).map(rowId), [old[2]]);
  assert.equal(again.resolve(old[1].slice(0, 17)), old[1], 'a prefix naming the hour finds it in the day segment');
});

test('a rebuild writes the days before yesterday as per-day segments (few files) and keeps recent hours; every job is listed in order, and a late end there is seen', (t) => {
  const home = tempHome(t);
  const DAY = 86_400_000;
  const at = (ms: number) => new Date(ms).toISOString();
  // the old jobs' hours start at 01:00 UTC of their day, so that a run late in the day cannot spill them into the next
  const dayStart = (daysAgo: number) => Math.floor((Date.now() - daysAgo * DAY) / DAY) * DAY + 3_600_000;
  const old = [0, 1, 2, 3].flatMap((h) => [writeJob(home, { createdAt: at(dayStart(5) + h * 3_600_000) }).id, writeJob(home, { createdAt: at(dayStart(9) + h * 3_600_000), status: 'running' }).id]);
  const recent = [1, 2, 3].map((h) => writeJob(home, { createdAt: at(Date.now() - h * 3_600_000) }).id);
  const rows = new JobStore(home).list({ limit: 100 });
  assert.deepEqual(ids(rows), [...recent, ...old].sort().reverse(), 'every job, newest first');
  const segs = fs.readdirSync(new JobStore(home).paths.index).filter((n) => n.startsWith('seg-'));
  const days = segs.filter((n) => /^seg-\d{8}@/.test(n));
  assert.equal(days.length, 2, `one segment per old day: ${segs.join(', ')}`);
  assert.ok(segs.length - days.length >= 1 && segs.length - days.length <= 3, `recent jobs by hour: ${segs.join(', ')}`);
  // a job of an old day ends later: its line goes to its hour segment, read with the day's
  const store = new JobStore(home);
  const running = store.read(old[1]);
  store.commit(running, { to: 'failed', error: 'lost' });
  assert.equal(
    new JobStore(home).list({ status: 'failed', limit: 10 }).some((r) => 'job' in r && r.job.id === old[1]),
    true,
  );
});

test("normalizeJob: herdctl's own job.json is taken as it is; a partial or reordered one is filled in the documented order", () => {
  const full = normalizeJob({ id: 'job-20260101-000000-aaaaaaaa', agent: 'a', prompt: 'p', createdAt: '2026-01-01T00:00:00Z', status: 'pending' });
  const parsed = JSON.parse(JSON.stringify(full)) as Record<string, unknown>;
  assert.equal(normalizeJob(parsed), parsed, 'canonical: no copy');
  const { agent, ...rest } = parsed;
  const reordered = normalizeJob({ agent, ...rest });
  assert.notEqual(reordered, parsed);
  assert.deepEqual(Object.keys(reordered), Object.keys(full), 'documented order');
});
