import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { clock, useClock, systemClock } from '../src/core/clock.js';
import { newJobId } from '../src/core/ids.js';
import { JobStore } from '../src/core/store.js';
import { ROOT } from './support/cli.js';
import { tempHome } from './support/tmp.js';

test('one clock: src/ reads the time nowhere but src/core/clock.ts', () => {
  const found: string[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.ts$/.test(e.name) && p !== join(ROOT, 'src', 'core', 'clock.ts')) {
        readFileSync(p, 'utf8')
          .split('\n')
          .forEach((l, i) => /Date\.now\b|new Date\(/.test(l) && found.push(`${relative(ROOT, p)}:${i + 1}: ${l.trim()}`));
      }
    }
  };
  walk(join(ROOT, 'src'));
  assert.deepEqual(found, []);
});

test('useClock: ids, timestamps and job.json times follow the injected clock; the undo restores the system clock', (t) => {
  const at = Date.parse('2031-02-03T04:05:06.789Z');
  const undo = useClock({ ...systemClock, now: () => at });
  try {
    assert.equal(clock.iso(), '2031-02-03T04:05:06.789Z');
    assert.match(newJobId(), /^job-20310203-040506-[0-9a-z]{8}$/);
    const job = new JobStore(tempHome(t)).create({ agent: 'a', prompt: 'p', workspace: '/tmp' });
    assert.equal(job.createdAt, '2031-02-03T04:05:06.789Z');
  } finally {
    undo();
  }
  assert.ok(Math.abs(clock.now() - Date.now()) < 5_000);
});
