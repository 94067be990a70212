// The ids' small index for `jobs show <run of its last 8>` (src/core/id-tails.ts):
// kept up to date by readers as segments grow, rebuilt when a segment is folded away
// or the files disagree, and never matching across two ids.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { compactIndex, foldBefore } from '../src/core/index-compact.js';
import { JobStore } from '../src/core/store.js';
import { tempHome } from './support/tmp.js';

const HOUR = 3_600_000;

test("a run of an id's last 8 finds it as jobs are added, after a fold, and after the files are cut; never across two ids", (t) => {
  const home = tempHome(t);
  const NOW = Date.now();
  const make = (at: number) => new JobStore(home, () => at).create({ agent: 'a', prompt: 'p', workspace: home }).id;
  const ids = Array.from({ length: 30 }, (_, i) => make(NOW - i * 5 * HOUR));
  const store = () => new JobStore(home);
  for (const id of ids) assert.equal(store().resolve(id.slice(-6)), id, `by its run ${id.slice(-6)}`);
  const dir = store().paths.index;
  assert.ok(fs.existsSync(join(dir, 'id-tails.bin')));

  // a job added later: the segment grew, its new line's id is indexed
  const later = make(NOW + 1000);
  assert.equal(store().resolve(later.slice(-7)), later);

  // old hours folded into days: segments gone, rebuilt
  compactIndex(store().index, foldBefore(NOW));
  for (const id of [ids[29], ids[10], later]) assert.equal(store().resolve(id.slice(-5)), id);

  // the files cut (a crash mid-append): lengths disagree, rebuilt
  fs.truncateSync(join(dir, 'id-tails.bin'), 13);
  assert.equal(store().resolve(ids[20].slice(-8)), ids[20]);

  // the end of one id and the start of the next are not a run
  const tails = fs.readFileSync(join(dir, 'id-tails.bin'), 'latin1');
  const across = tails.slice(4, 12);
  const s = store();
  assert.deepEqual(
    s.index.idsWithRun(across).filter((id) => !id.slice(20).includes(across)),
    [],
  );
});
