// The "N more" count of a cut `jobs list` (src/core/list-count.ts) agrees with the list
// itself for every filter, from the index and from its cache, and sees a change to a
// cached hour (a job copied in, a job removed).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { countMatching, type CountFilter } from '../src/core/list-count.js';
import { removeJobs } from '../src/core/prune.js';
import { JobStore } from '../src/core/store.js';
import { writeJob } from './support/jobs.js';
import { tempHome } from './support/tmp.js';

const same = <T>(j: T) => j;
const HOUR = 3_600_000;
const NOW = Date.parse('2026-11-20T12:30:00Z');

test('countMatching equals the length of the uncut list for every filter, cached or not', (t) => {
  const home = tempHome(t);
  const statuses = ['completed', 'failed', 'cancelled', 'completed', 'pending'] as const;
  for (let i = 0; i < 40; i++) {
    const tags = [['x'], ['x', 'y'], [], ['y']][i % 4];
    writeJob(home, { createdAt: new Date(NOW - (i % 9) * 5 * HOUR - i * 1000).toISOString(), agent: i % 3 ? 'a' : 'b', status: i < 3 ? 'pending' : statuses[i % 4], tags });
  }
  const broken = writeJob(home, { createdAt: new Date(NOW - 30 * HOUR).toISOString(), rawJobJson: '{ torn' }).id;
  const store = new JobStore(home);
  const filters: CountFilter[] = [
    {},
    { status: 'completed' },
    { status: 'failed', agent: 'a' },
    { status: 'pending' },
    { agent: 'b' },
    { sinceMs: NOW - 12 * HOUR },
    { sinceMs: NOW - 26 * HOUR, agent: 'a' },
    { tags: ['x'] },
    { tags: ['y', 'x'], status: 'failed' },
    { tags: ['y'], agent: 'b', sinceMs: NOW - 20 * HOUR },
  ];
  const listed = (f: CountFilter) => store.list({ ...f, status: f.status as never, limit: 1000 }).length;
  // a line of an older herdctl carries no tags: job.json is read for them (here: every other hour's)
  store.list({ limit: 1 });
  for (const name of fs.readdirSync(store.paths.index).filter((n, i) => n.startsWith('seg-') && i % 2 === 0)) {
    const path = join(store.paths.index, name);
    fs.writeFileSync(path, fs.readFileSync(path, 'utf8').replace(/\t\[[^\n]*\]\n/g, '\n'));
  }
  for (const round of ['from the index', 'from the cache']) {
    for (const f of filters) assert.equal(countMatching(store, f, same), listed(f), `${JSON.stringify(f)}, ${round}`);
  }
  assert.ok(fs.existsSync(join(store.paths.index, 'count-cache.json')));
  assert.equal(countMatching(store, {}, same), 41, 'the unreadable one counts when nothing filters');

  // a cached (settled) hour changes: a job copied in, another removed
  writeJob(home, { createdAt: new Date(NOW - 40 * HOUR + 5000).toISOString(), agent: 'b', status: 'failed' });
  fs.rmSync(store.paths.job(broken), { recursive: true });
  const after = new JobStore(home);
  for (const f of filters) assert.equal(countMatching(after, f, same), after.list({ ...f, status: f.status as never, limit: 1000 }).length, `${JSON.stringify(f)} after changes`);
});

test('old settled hours are summed per day and recounted only when an edits journal names them; a young hour is checked by its stamp', (t) => {
  const home = tempHome(t);
  // made by herdctl itself (not copied in, which a rebuild indexes by day): hour segments
  const jobs = [];
  for (let i = 0; i < 30; i++) {
    const at = NOW - i * 7 * HOUR;
    const s = new JobStore(home, () => at);
    const made = s.create({ agent: i % 2 ? 'a' : 'b', prompt: 'p', workspace: home });
    const running = s.commit(made, { to: 'running' });
    jobs.push(s.commit(running, i % 3 ? { to: 'completed' } : { to: 'failed', error: 'x' }));
  }
  const listed = (s: JobStore, f: CountFilter) => s.list({ ...f, status: f.status as never, limit: 1000 }).length;
  const store = new JobStore(home);
  const cacheFile = join(store.paths.index, 'count-cache.json');
  const cache = () => JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { days: Record<string, { buckets: string[] }>; buckets: Record<string, unknown> };
  assert.equal(countMatching(store, {}, same), 30);
  assert.ok(Object.keys(cache().days).length >= 8, 'old hours rolled up into days');
  assert.deepEqual(Object.keys(cache().buckets), [], 'no old hour left to stat');

  // a --since cut inside a rolled-up day reads that day's per-hour detail; a lost detail is rebuilt
  // (before the removal below, which folds the old hours into per-day segments: a day's one bucket needs no detail)
  const cut = { sinceMs: NOW - 50 * HOUR - 1800_000 };
  const details = () => fs.readdirSync(store.paths.index).filter((n) => n.startsWith('count-day-'));
  assert.ok(details().length >= 8, 'a detail per rolled-up day');
  assert.equal(countMatching(new JobStore(home), cut, same), listed(new JobStore(home), cut));
  for (const n of details()) fs.rmSync(join(store.paths.index, n));
  assert.equal(countMatching(new JobStore(home), cut, same), listed(new JobStore(home), cut), 'detail lost');
  assert.equal(countMatching(new JobStore(home), cut, same), listed(new JobStore(home), cut), 'detail rebuilt');
  assert.ok(details().length >= 1);

  // days older than two days keep their counts in count-days.json, their sum in the cache; a lost archive is recounted
  const archive = join(store.paths.index, 'count-days.json');
  assert.ok(fs.existsSync(archive), 'old days archived');
  assert.ok(Object.keys((JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as { archived: object }).archived).length > 0);
  const filters: CountFilter[] = [{}, { status: 'failed' }, { agent: 'a' }, { sinceMs: NOW - 60 * HOUR }, { agent: 'b', sinceMs: NOW - 100 * HOUR }];
  for (const f of filters) assert.equal(countMatching(new JobStore(home), f, same), listed(new JobStore(home), f), `archived: ${JSON.stringify(f)}`);
  fs.rmSync(archive);
  for (const f of [...filters].reverse()) assert.equal(countMatching(new JobStore(home), f, same), listed(new JobStore(home), f), `archive lost: ${JSON.stringify(f)}`);

  // a job of an old hour removed (a `gone` line, named in the journal): its day is recounted
  const stale = new JobStore(home);
  removeJobs(stale, [stale.read(jobs[20].id)], false);
  assert.match(
    fs.readFileSync(
      join(
        store.paths.index,
        fs.readdirSync(store.paths.index).find((n) => n.startsWith('edits@'))!,
      ),
      'utf8',
    ),
    new RegExp(`^${jobs[20].id.slice(4, 12)}`, 'm'),
  );
  for (const f of [{}, { status: 'failed' }, { agent: 'a', sinceMs: NOW - 100 * HOUR }]) assert.equal(countMatching(new JobStore(home), f, same), listed(new JobStore(home), f), JSON.stringify(f));

  // a journal deleted by hand: every total is recounted, still right
  for (const n of fs.readdirSync(store.paths.index).filter((n) => n.startsWith('edits@'))) fs.rmSync(join(store.paths.index, n));
  assert.equal(countMatching(new JobStore(home), {}, same), 29);
  assert.ok(Object.keys(cache().days).length >= 8);

  // a young hour (this hour, by the real clock) is kept by its stamp and never rolled up: a change to it is seen at once
  const young = writeJob(home, { createdAt: new Date().toISOString(), status: 'completed' });
  assert.equal(countMatching(new JobStore(home), {}, same), 30);
  assert.ok(Object.keys(cache().buckets).length === 1, 'the young hour is stamped');
  const s2 = new JobStore(home);
  removeJobs(s2, [s2.read(young.id)], false);
  assert.equal(countMatching(new JobStore(home), {}, same), 29);
});
