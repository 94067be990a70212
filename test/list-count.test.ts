// The "N more" count of a cut `jobs list` (src/core/list-count.ts) agrees with the list
// itself for every filter, from the index and from its cache, and sees a change to a
// cached hour (a job copied in, a job removed).
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { countMatching, type CountFilter } from '../src/core/list-count.js';
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
