// Folding old index hours into days (src/core/index-compact.ts): lists and counts read
// the same before and after, only this host's old hours are folded, a torn line stays
// one line, and no line an appender of this host writes meanwhile is lost.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { hostId } from '../src/core/host-id.js';
import { compactIndex, foldBefore } from '../src/core/index-compact.js';
import { countMatching } from '../src/core/list-count.js';
import { JobStore } from '../src/core/store.js';
import { ROOT } from './support/cli.js';
import { tempHome } from './support/tmp.js';

const HOUR = 3_600_000;
const NOW = Date.now();
const same = <T>(j: T) => j;

/** Jobs made by herdctl itself over the last 5 days: hour segments, as a runner leaves them. */
function history(home: string): string[] {
  const ids: string[] = [];
  for (let i = 0; i < 40; i++) {
    const at = NOW - i * 3 * HOUR;
    const s = new JobStore(home, () => at);
    const made = s.create({ agent: i % 2 ? 'a' : 'b', prompt: 'p', workspace: home, tags: i % 3 ? [] : ['x'] });
    if (i > 2) s.commit(s.commit(made, { to: 'running' }), i % 4 ? { to: 'completed' } : { to: 'failed', error: 'e' });
    ids.push(made.id);
  }
  return ids;
}

const rowIds = (s: JobStore, f = {}) => s.list({ limit: 1000, ...f }).map((r) => ('job' in r ? r.job.id : r.id));

test('folding: old hours of this host become one segment per day; lists and counts read the same; recent days and other hosts stay', (t) => {
  const home = tempHome(t);
  history(home);
  const store = new JobStore(home);
  const dir = store.paths.index;
  // another host's old hour
  const other = `seg-${foldBefore(NOW).slice(0, 6)}0100@other-host-1.tsv`;
  const before = { all: rowIds(store), failed: rowIds(store, { status: 'failed' }), x: rowIds(store, { tags: ['x'] }), count: countMatching(store, {}, same) };
  fs.writeFileSync(join(dir, other), '');
  const days = compactIndex(new JobStore(home).index, foldBefore(NOW));
  assert.ok(days >= 2, `folded ${days} days`);
  const names = fs.readdirSync(dir).filter((n) => n.startsWith('seg-'));
  const cut = foldBefore(NOW);
  const oldHours = names.filter((n) => /^seg-\d{10}@/.test(n) && n.slice(4, 12) < cut && n.endsWith(`@${hostId()}.tsv`));
  assert.deepEqual(oldHours, [], 'no old hour of this host left');
  assert.ok(names.includes(other), "another host's segment is its own to fold");
  assert.ok(
    names.some((n) => /^seg-\d{10}@/.test(n) && n.slice(4, 12) >= cut),
    'recent days stay by hour',
  );
  const after = new JobStore(home);
  assert.deepEqual(rowIds(after), before.all);
  assert.deepEqual(rowIds(after, { status: 'failed' }), before.failed);
  assert.deepEqual(rowIds(after, { tags: ['x'] }), before.x);
  assert.equal(countMatching(after, {}, same), before.count);
  assert.equal(compactIndex(after.index, foldBefore(NOW)), 0, 'nothing left to fold');
});

test('folding: a torn last line of an hour stays one line, and the next hour survives it', (t) => {
  const home = tempHome(t);
  const ids = history(home);
  const store = new JobStore(home);
  const oldest = ids.at(-1)!;
  const seg = join(store.paths.index, `seg-${oldest.slice(4, 12)}${oldest.slice(13, 15)}@${hostId()}.tsv`);
  fs.appendFileSync(seg, 'job-20200101-000000-torn');
  const listed = rowIds(new JobStore(home));
  compactIndex(new JobStore(home).index, foldBefore(NOW));
  assert.deepEqual(rowIds(new JobStore(home)), listed);
});

test('folding while another process of this host appends to the hours being folded: no line is lost', async (t) => {
  const home = tempHome(t);
  const ids = history(home);
  const old = ids.filter((id) => id.slice(4, 12) < foldBefore(NOW));
  // the child appends 5 rounds of a marked line for each old job while this process folds
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `const { JobStore } = await import('./src/core/store.ts');
       const s = new JobStore(${JSON.stringify(home)});
       const ids = ${JSON.stringify(old)};
       for (let r = 0; r < 5; r++) for (const id of ids) s.index.append(id, id + '\\tcompleted\\ta\\tsuccess\\tmanual\\tround-' + r + '\\n');`,
    ],
    { cwd: ROOT, stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const exited = once(child, 'exit');
  let done = false;
  void exited.then(() => (done = true));
  let folds = 0;
  while (!done) {
    folds += compactIndex(new JobStore(home).index, foldBefore(NOW));
    await new Promise((r) => setImmediate(r));
  }
  assert.equal((await exited)[0], 0);
  t.diagnostic(`${folds} days folded while the child appended`);
  compactIndex(new JobStore(home).index, foldBefore(NOW));
  const dir = new JobStore(home).paths.index;
  const text = fs
    .readdirSync(dir)
    .filter((n) => n.startsWith('seg-'))
    .map((n) => fs.readFileSync(join(dir, n), 'utf8'))
    .join('');
  const rounds = (id: string) => text.split('\n').filter((l) => l.startsWith(`${id}\t`) && l.includes('\tround-')).length;
  assert.deepEqual(
    old.filter((id) => rounds(id) !== 5),
    [],
    `every line kept, none twice (${folds} folds ran meanwhile)`,
  );
  assert.deepEqual(
    fs.readdirSync(dir).filter((n) => /^seg-\d{10}@/.test(n) && n.slice(4, 12) < foldBefore(NOW)),
    [],
  );
});
