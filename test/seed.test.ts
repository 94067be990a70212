// The seeded random source of the randomised (fault) tests: a printed seed must replay the same choices.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { childSeed, prng, seedFromEnv } from './support/seed.js';

test('one seed, one sequence; another seed, another; values in [0, 1)', () => {
  const a = prng(42);
  const b = prng(42);
  const first = Array.from({ length: 1000 }, () => a());
  assert.deepEqual(
    Array.from({ length: 1000 }, () => b()),
    first,
  );
  assert.notDeepEqual(Array.from({ length: 1000 }, prng(43)), first);
  assert.ok(first.every((x) => x >= 0 && x < 1));
  assert.ok(new Set(first).size > 990, 'no short cycle');
  const c = prng(7);
  const d = prng(7);
  assert.equal(childSeed(c), childSeed(d), 'children get the same seeds on a replay');
});

test('HERDCTL_SEED is taken as given, a fresh seed otherwise, and garbage is refused', (t) => {
  const saved = process.env.HERDCTL_SEED;
  t.after(() => (saved === undefined ? delete process.env.HERDCTL_SEED : (process.env.HERDCTL_SEED = saved)));
  process.env.HERDCTL_SEED = '123456';
  assert.equal(seedFromEnv(), 123456);
  delete process.env.HERDCTL_SEED;
  const fresh = seedFromEnv();
  assert.ok(Number.isInteger(fresh) && fresh >= 0 && fresh < 2 ** 31);
  process.env.HERDCTL_SEED = 'abc';
  assert.throws(() => seedFromEnv(), /HERDCTL_SEED must be a non-negative integer/);
});
