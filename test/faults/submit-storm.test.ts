import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../../src/core/config.js';
import { HerdError } from '../../src/core/errors.js';
import { isTerminal } from '../../src/core/job.js';
import { JobStore } from '../../src/core/store.js';
import { submit } from '../../src/core/submit.js';
import { assertState, assertUntouched, snapshotTree } from './checker.js';
import { commandAgent } from '../support/agents.js';
import { finished } from '../support/cli.js';
import { jobIds, tryReadJob } from '../support/jobs.js';
import { waitFor } from '../support/wait.js';
import { iterations, sandbox, spawnChild } from './harness.js';

/**
 * Scenario 7: P processes × S submissions at once (in-process submit(), the
 * code `herdctl run` uses) while runners start and finish the jobs. Four
 * agents with per-agent max_concurrent 1, 2, 3 and 2, jobs.max_concurrent 3,
 * and agent a3 in a quota bucket capped at exactly its share. Expected:
 * every submission is one job with a unique id that ends completed (1,000
 * in test:faults); the bucket ends exactly at its cap (the next submission
 * is denied); at no instant (job.json startedAt…completedAt) do more jobs
 * run than a limit allows.
 */
const PROCS = iterations(10, 20);
const EACH = iterations(20, 50);
const AGENTS = { a0: 1, a1: 2, a2: 3, a3: 2 } as const;
const GLOBAL = 3;

/** The most intervals open at once; an end and a start at the same ms do not overlap (one slot handed on). */
function peak(intervals: [number, number][]): number {
  const edges = intervals
    .flatMap(
      ([s, e]) =>
        [
          [s, 1],
          [e, -1],
        ] as [number, number][],
    )
    .sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  let open = 0;
  let max = 0;
  for (const [, d] of edges) max = Math.max(max, (open += d));
  return max;
}

test(`7. ${PROCS} processes × ${EACH} submissions while runners finish them: ${PROCS * EACH} jobs, unique ids, all completed, quota exact, limits never exceeded`, { timeout: 600_000 }, async (t) => {
  const sb = sandbox(t);
  const total = PROCS * EACH;
  const toA3 = total / 4; // round-robin over four agents, each process starting one further: exact as EACH (quick) or PROCS (full) is a multiple of 4
  const cap = toA3;
  const agents = Object.entries(AGENTS)
    .map(([a, max]) => commandAgent(a, sb.ws, ['sleep', '0.02'], `    max_concurrent: ${max}\n${a === 'a3' ? '    quota_bucket: q\n' : ''}`))
    .join('');
  writeFileSync(sb.config, `agents:\n${agents}jobs:\n  max_concurrent: ${GLOBAL}\nquotas:\n  q: { tasks_total: ${cap} }\n`);
  const outside = snapshotTree(sb.dir, [sb.home, sb.ws]);
  const t0 = Date.now();
  const results = await Promise.all(Array.from({ length: PROCS }, (_, n) => finished(spawnChild('child-submit.ts', [sb.home, sb.config, String(EACH), Object.keys(AGENTS).join(','), String(n)]))));
  const submitted = Date.now() - t0;
  const lines = results.flatMap((r) => {
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.trim().split('\n');
  });
  assert.equal(lines.length, total);
  assert.deepEqual(
    lines.filter((l) => l.startsWith('error')),
    [],
    'no submission failed otherwise',
  );
  const ok = lines.filter((l) => l.startsWith('ok ')).map((l) => l.split(' ') as [string, string, string]);
  const ids = ok.map(([, , id]) => id);
  assert.equal(new Set(ids).size, ids.length, 'unique ids');
  assert.equal(ok.length, total, 'every submission made a job');
  assert.throws(
    () => submit(new JobStore(sb.home), loadConfig(sb.config), { agent: 'a3' }),
    (e) => e instanceof HerdError && e.code === 'quota_denied',
    'the bucket is exactly at its cap',
  );
  assert.deepEqual(jobIds(sb.home).sort(), [...ids].sort(), 'one job directory per accepted submission, no other');

  const store = new JobStore(sb.home);
  await waitFor(
    'every job ended',
    () =>
      ids.every((id) => {
        const r = store.tryRead(id);
        return r && 'job' in r && isTerminal(r.job.status);
      }),
    total * 200,
    250,
  );
  const ran = Date.now() - t0;
  const spans = new Map<string, [number, number][]>();
  for (const [, agent, id] of ok) {
    const j = tryReadJob(sb.home, id)!;
    assert.equal(j.status, 'completed', `${id}: ${String(j.error)}`);
    const span: [number, number] = [Date.parse(j.startedAt as string), Date.parse(j.completedAt as string)];
    spans.set(agent, [...(spans.get(agent) ?? []), span]);
  }
  const peaks = Object.fromEntries([...spans].map(([a, s]) => [a, peak(s)]));
  for (const [a, max] of Object.entries(AGENTS)) assert.ok(peaks[a] <= max, `${a}: ${peaks[a]} at once, limit ${max}`);
  const global = peak([...spans.values()].flat());
  assert.ok(global <= GLOBAL, `${global} jobs at once, jobs.max_concurrent ${GLOBAL}`);
  t.diagnostic(`${ids.length} jobs submitted in ${submitted} ms, all ended after ${ran} ms; peak running per agent ${JSON.stringify(peaks)}, overall ${global}`);
  assertState(sb.home);
  assertUntouched(outside, snapshotTree(sb.dir, [sb.home, sb.ws]));
});

test('7b. a job submitted through the sources (bin/dev.js, or submit() imported from src/) gets a runner that runs it', { timeout: 30_000 }, async (t) => {
  const sb = sandbox(t);
  writeFileSync(sb.config, `agents:\n${commandAgent('r', sb.ws, ['true'])}`);
  const store = new JobStore(sb.home);
  const id = submit(store, loadConfig(sb.config), { agent: 'r' }).id;
  // ensureRunner spawns `node --import tsx src/runner-main.ts` with the state dir as cwd, where tsx cannot be resolved
  await waitFor('the job ran', () => tryReadJob(sb.home, id)?.status === 'completed', 10_000, 100);
});
