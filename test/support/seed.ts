// Randomised tests draw from a seeded generator, print the seed, and take one
// from HERDCTL_SEED to replay a run's choices (the kernel's timing still varies).
import { randomInt } from 'node:crypto';
import type { TestContext } from 'node:test';

/** mulberry32: small, fast, good enough to pick kill moments and offsets. Values in [0, 1). */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** HERDCTL_SEED if set (a non-negative integer), else a fresh one. */
export function seedFromEnv(): number {
  const given = process.env.HERDCTL_SEED;
  if (given === undefined || given === '') return randomInt(2 ** 31);
  if (!/^\d+$/.test(given)) throw new Error(`HERDCTL_SEED must be a non-negative integer, not ${JSON.stringify(given)}`);
  return Number(given);
}

/**
 * The random source of one randomised test: prints its seed as a test
 * diagnostic, with the line that replays it.
 */
export function seededRandom(t: TestContext): () => number {
  const seed = seedFromEnv();
  t.diagnostic(`seed ${seed} (replay: HERDCTL_SEED=${seed} node --import tsx --test --test-name-pattern=<name> <file>)`);
  return prng(seed);
}

/** A seed for a child process derived from a parent's generator, passed to it as HERDCTL_SEED. */
export const childSeed = (random: () => number): string => String(Math.floor(random() * 2 ** 31));
