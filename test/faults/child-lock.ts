// Scenario 8's contender: node --import tsx child-lock.ts <scheduler|plain> <home> <holder-log>
// Takes the lock over and over, holding it 10–100 ms each time, and appends
// "acq <pid> <ms>" / "rel <pid> <ms>" (and "lost <pid> <ms>" if the lock is
// taken from it) to the shared holder log: one O_APPEND write per line, so
// the file's order is the order things happened in.
// 8d's racer: child-lock.ts once <lock path> <epoch ms>: from that instant tries
// the lock for 100 ms, prints "got" or "no"; a winner holds the lock until killed.
import { appendFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { HerdError } from '../../src/core/errors.js';
import { tryLockSync } from '../../src/core/lock.js';
import { acquireScheduler } from '../../src/core/scheduler/instance.js';
import { prng } from '../support/seed.js';

const [mode, home, log] = process.argv.slice(2);
// the test passes a seed derived from its own (printed) one, so a run's choices replay
const random = process.env.HERDCTL_SEED ? prng(Number(process.env.HERDCTL_SEED)) : Math.random;
if (mode === 'once') {
  const startAt = Number(log);
  await sleep(Math.max(0, startAt - Date.now() - 2));
  while (Date.now() < startAt);
  let got = tryLockSync(dirname(home), home);
  while (!got && Date.now() < startAt + 100) got = tryLockSync(dirname(home), home);
  process.stdout.write(got ? 'got\n' : 'no\n');
  if (!got) process.exit(0);
  await sleep(600_000);
}
const note = (what: string) => appendFileSync(log, `${what} ${process.pid} ${(performance.timeOrigin + performance.now()).toFixed(3)}\n`);
const lost = () => note('lost');

async function take(): Promise<(() => void) | null> {
  if (mode === 'plain') return tryLockSync(home, join(home, 'locks', 'stress'), lost);
  try {
    return await acquireScheduler(home, lost);
  } catch (e) {
    if (e instanceof HerdError && e.code === 'conflict') return null;
    throw e;
  }
}

for (;;) {
  const release = await take();
  if (!release) {
    await sleep(random() * 5); // contenders retry fast: a dead holder's lock is wanted at once
    continue;
  }
  note('acq');
  await sleep(10 + random() * 90);
  note('rel');
  release();
  await sleep(random() * 10);
}
