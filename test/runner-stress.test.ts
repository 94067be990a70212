// Stress: cancel racing natural completion (200 rounds) and the concurrency
// storm (20 processes submitting 1,000 jobs at once). Real runners, real
// processes; the figures are printed as test diagnostics.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, it } from 'node:test';
import { commandAgent } from './support/agents.js';
import { ROOT } from './support/cli.js';
import { type Fleet, fleet, peakOverlap } from './support/fleet.js';
import { assertFinishedLog, ID_RE, TERMINAL } from './support/jobs.js';
import { groupMembers } from './support/procs.js';
import { sleep, waitFor } from './support/wait.js';

/** The lifecycle seen by a poller must be a path of pending → running → terminal, never leaving a terminal status. */
function assertLifecycle(seen: string[], id: string): void {
  const rank: Record<string, number> = { pending: 0, running: 1, completed: 2, failed: 2, cancelled: 2 };
  for (let i = 1; i < seen.length; i++) {
    assert.ok(rank[seen[i]] > rank[seen[i - 1]], `${id}: status went ${seen.join(' → ')}`);
  }
}

describe('runner stress', () => {
  it('cancel racing natural completion, 200 times: one terminal status, one complete event, completed stays completed', { timeout: 150_000 }, async (t) => {
    const LANES = 4;
    const ROUNDS = 200;
    const f = fleet(
      t,
      ({ ws }) => `agents:\n${commandAgent('fast', ws, ['sh', '-c', 'echo hi; sleep 0.1; echo bye'], `    max_concurrent: ${LANES}\n`)}jobs: { max_concurrent: ${LANES}, cancel_grace: 2s }\n`,
    );
    // Submit and cancel are the very functions `herdctl run` and `herdctl jobs cancel` run (dist/), called
    // from this process so the cancel's moment can be chosen to the millisecond after the job is on disk;
    // the runner is the real detached one. Every 4th round cancels through the CLI instead.
    const dist = (p: string) => import(pathToFileURL(join(ROOT, 'dist', p)).href);
    const { runAgent } = await dist('actions/run.js');
    const { cancelJob } = await dist('core/control.js');
    const { JobStore } = await dist('core/store.js');
    const store = new JobStore(f.home);
    // the runner this process starts inherits its environment: not the test runner's hooks
    delete process.env.NODE_OPTIONS;
    delete process.env.NODE_TEST_CONTEXT;
    const submit = async (): Promise<string> => (await runAgent('fast', { config: f.config }, { json: true, home: f.home, log() {} })).data.id;
    // the job runs ~110 ms, starting ~10-30 ms after it is created: cancels land before, during and after
    const delays = Array.from({ length: 23 }, (_, k) => k * 8);

    interface Round {
      id: string;
      delay: number;
      via: 'cli' | 'lib';
      result: string;
      seen: string[];
      ms: number;
    }
    const rounds: Round[] = [];

    const lane = async (l: number) => {
      for (let i = l; i < ROUNDS; i += LANES) {
        const began = Date.now();
        const id = await submit();
        assert.match(id, ID_RE);
        const seen: string[] = [];
        let watching = true;
        const watcher = (async () => {
          while (watching) {
            try {
              const s = f.job(id).status as string;
              if (seen.at(-1) !== s) seen.push(s);
            } catch {
              /* between renames: never, job.json is replaced atomically */
            }
            await sleep(2);
          }
        })();
        const delay = delays[(i * 7) % delays.length];
        await sleep(delay);
        let result: string;
        const via = i % 4 === 0 ? 'cli' : 'lib';
        if (via === 'cli') {
          const r = await f.cli(['jobs', 'cancel', id, '--reason', 'race', '--json']);
          assert.equal(r.code, 0, r.stderr);
          result = JSON.parse(r.stdout)[0].result;
        } else {
          result = (await cancelJob(store, id, 'race', 30_000)).result;
        }
        await waitFor(`${id} terminal`, () => TERMINAL.has(f.job(id).status), 30_000);
        await sleep(20);
        watching = false;
        await watcher;
        rounds.push({ id, delay, via, result, seen, ms: Date.now() - began });
      }
    };
    const t0 = Date.now();
    await Promise.all(Array.from({ length: LANES }, (_, l) => lane(l)));
    const elapsed = Date.now() - t0;
    await sleep(1000); // anything that would change a finished job late has had time to

    assert.equal(rounds.length, ROUNDS);
    assert.equal(new Set(rounds.map((r) => r.id)).size, ROUNDS);
    const tally: Record<string, number> = {};
    const problems: string[] = [];
    for (const r of rounds) {
      const job = f.job(r.id);
      const log = f.log(r.id);
      const complete = assertFinishedLog(log, r.id);
      const started = log.events.some((e) => e.type === 'start');
      const at = `${r.id} (cancel via ${r.via} after ${r.delay} ms → ${r.result}; ${started ? 'the agent had started' : 'never started'}; seen ${r.seen.join(' → ')})`;
      const check = (ok: boolean, what: string) => ok || problems.push(`${at}: ${what}`);
      check(complete.status === job.status, `complete event says ${complete.status}, job.json ${job.status}`);
      check(job.status === 'completed' || job.status === 'cancelled', `ended ${job.status}: ${job.error}`);
      check(r.seen.at(-1) === job.status, `the status first seen terminal is not the final one (${job.status})`);
      try {
        assertLifecycle(r.seen, r.id);
      } catch (e) {
        problems.push(`${at}: ${(e as Error).message}`);
      }
      if (r.result === 'cancelled') check(job.status === 'cancelled', `cancel said cancelled, the job is ${job.status}`);
      if (r.result === 'already-finished') check(job.status === 'completed', `cancel said already finished, the job is ${job.status}`);
      check(r.result !== 'requested', 'the cancel did not wait for the end');
      if (job.status === 'cancelled') {
        check(job.exitReason === 'manual_cancel', `exitReason ${job.exitReason}`);
        const request = readFileSync(join(f.home, 'jobs', r.id, 'cancel.json'), 'utf8');
        check(job.cancelReason === 'race', `cancelReason ${JSON.stringify(job.cancelReason)}, not the "race" of its request (cancel.json now: ${request.trim()})`);
      } else check(job.exitReason === 'success', `exitReason ${job.exitReason}`);
      if (started) check(groupMembers(job.pid).length === 0, 'agent group still alive');
      const kind = job.status === 'completed' ? 'completed' : started ? 'cancelled while running' : 'cancelled before it started';
      tally[kind] = (tally[kind] ?? 0) + 1;
    }
    const avg = (via: string) => Math.round(rounds.filter((r) => r.via === via).reduce((n, r) => n + r.ms, 0) / rounds.filter((r) => r.via === via).length);
    t.diagnostic(`${ROUNDS} rounds in ${(elapsed / 1000).toFixed(1)} s (a round: ${avg('lib')} ms, ${avg('cli')} ms with the CLI cancel): ${JSON.stringify(tally)}`);
    assert.deepEqual(problems, []);
    assert.ok(tally.completed > 0, 'some jobs won the race');
    assert.ok((tally['cancelled while running'] ?? 0) + (tally['cancelled before it started'] ?? 0) > 0, 'some cancels won the race');
    assert.deepEqual(readdirSync(join(f.home, 'queue', 'fast')), [], 'nothing left queued');
    assert.deepEqual(existsSync(join(f.home, 'active')) ? readdirSync(join(f.home, 'active')) : [], [], 'nothing left active');
  });

  it('concurrency storm: 20 processes submit 1,000 jobs at once; all persisted once, all run, limits never exceeded', { timeout: 240_000 }, async (t) => {
    const WORKERS = 20;
    const PER_WORKER = 50;
    const TOTAL = WORKERS * PER_WORKER;
    const traced = (dir: string, agent: string) => {
      const file = join(dir, `trace-${agent}`);
      return ['sh', '-c', `echo "S $(date +%s%N) $HERDCTL_PROMPT" >> '${file}'; sleep 0.01; echo "E $(date +%s%N) $HERDCTL_PROMPT" >> '${file}'`];
    };
    const f: Fleet = fleet(
      t,
      ({ ws, dir }) =>
        `agents:\n${commandAgent('a', ws, traced(dir, 'a'), '    max_concurrent: 2\n')}${commandAgent('b', ws, traced(dir, 'b'), '    max_concurrent: 2\n')}jobs: { max_concurrent: 3, cancel_grace: 2s }\n`,
    );
    // Each worker is its own node process running what `herdctl run` runs (dist/actions/run.js), 50 times.
    const worker = `
      const [w, startAt] = process.argv.slice(1).map(Number);
      const { runAgent } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'dist', 'actions', 'run.js')).href)});
      while (Date.now() < startAt) await new Promise((r) => setTimeout(r, 1));
      const ids = [];
      for (let i = 0; i < ${PER_WORKER}; i++) {
        const r = await runAgent(i % 2 ? 'b' : 'a', { prompt: 'w' + w + '-' + i }, { json: true, home: undefined, log() {} });
        ids.push(r.data.id);
      }
      process.stdout.write(ids.join('\\n') + '\\n');
    `;
    const env = { ...process.env, ...f.env };
    delete env.NODE_OPTIONS;
    delete env.NODE_TEST_CONTEXT;
    const startAt = Date.now() + 1500; // every worker loaded and waiting
    let peakActive = 0;
    const activeDir = join(f.home, 'active');
    const sampler = setInterval(() => {
      try {
        peakActive = Math.max(peakActive, readdirSync(activeDir).filter((n) => ID_RE.test(n)).length);
      } catch {
        /* not made yet */
      }
    }, 5);
    t.after(() => clearInterval(sampler));
    const results = await Promise.all(
      Array.from(
        { length: WORKERS },
        (_, w) =>
          new Promise<{ code: number | null; out: string; err: string }>((resolve, reject) => {
            const c = spawn(process.execPath, ['--input-type=module', '-e', worker, String(w), String(startAt)], { env, cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
            let out = '';
            let err = '';
            c.stdout.on('data', (b) => (out += b));
            c.stderr.on('data', (b) => (err += b));
            c.on('error', reject);
            c.on('close', (code) => resolve({ code, out, err }));
          }),
      ),
    );
    const submittedMs = Date.now() - startAt;
    for (const r of results) assert.equal(r.code, 0, r.err);
    const ids = results.flatMap((r) => r.out.trim().split('\n'));
    assert.equal(ids.length, TOTAL);
    for (const id of ids) assert.match(id, ID_RE);
    assert.equal(new Set(ids).size, TOTAL, 'ids unique');

    const ended = (agent: string) => {
      try {
        return readFileSync(join(f.dir, `trace-${agent}`), 'utf8')
          .split('\n')
          .filter((l) => l.startsWith('E ')).length;
      } catch {
        return 0;
      }
    };
    await waitFor('all 1,000 agents to have run', () => ended('a') + ended('b') >= TOTAL, 200_000, 100);
    const jobs = await waitFor(
      'all 1,000 jobs terminal',
      () => {
        const all = ids.map((id) => f.job(id));
        return all.every((j) => TERMINAL.has(j.status)) ? all : null;
      },
      30_000,
      200,
    );
    clearInterval(sampler);
    const wallMs = Math.max(...jobs.map((j) => Date.parse(j.completedAt))) - startAt;

    // persisted once: exactly these directories, one per submission
    assert.deepEqual(f.jobIds().sort(), [...ids].sort());
    const prompts = jobs.map((j) => j.prompt);
    const expected = Array.from({ length: WORKERS }, (_, w) => Array.from({ length: PER_WORKER }, (_, i) => `w${w}-${i}`)).flat();
    assert.deepEqual([...prompts].sort(), [...expected].sort(), 'one job per submission');
    for (const j of jobs) {
      assert.equal(j.status, 'completed', `${j.id}: ${j.error}`);
      assert.equal(j.agent, Number(j.prompt.split('-')[1]) % 2 ? 'b' : 'a');
      assertFinishedLog(f.log(j.id), j.id);
    }

    // the agents' own timestamps (ns): each ran exactly once, and how many ran at the same time
    const intervals: Record<string, { start: bigint; end: bigint }[]> = { a: [], b: [] };
    for (const agent of ['a', 'b']) {
      const open = new Map<string, bigint>();
      const runs = new Map<string, number>();
      for (const line of readFileSync(join(f.dir, `trace-${agent}`), 'utf8')
        .trim()
        .split('\n')) {
        const [kind, ns, prompt] = line.split(' ');
        if (kind === 'S') {
          open.set(prompt, BigInt(ns));
          runs.set(prompt, (runs.get(prompt) ?? 0) + 1);
        } else intervals[agent].push({ start: open.get(prompt)!, end: BigInt(ns) });
      }
      assert.equal(runs.size, TOTAL / 2, `agent ${agent} ran every one of its jobs`);
      assert.ok(
        [...runs.values()].every((n) => n === 1),
        `agent ${agent}: no job ran twice`,
      );
    }
    const peakA = peakOverlap(intervals.a);
    const peakB = peakOverlap(intervals.b);
    const peakAll = peakOverlap([...intervals.a, ...intervals.b]);
    // job.json's running span (ms) holds the agent's life and lies inside the runner's slot
    const spans = (agent?: string) => jobs.filter((j) => !agent || j.agent === agent).map((j) => ({ start: Date.parse(j.startedAt), end: Date.parse(j.completedAt) }));
    const jsonPeak = { a: peakOverlap(spans('a')), b: peakOverlap(spans('b')), all: peakOverlap(spans()) };
    t.diagnostic(
      `storm: ${TOTAL} jobs from ${WORKERS} processes; submitted in ${(submittedMs / 1000).toFixed(1)} s, all completed ${(wallMs / 1000).toFixed(1)} s after the start; ` +
        `peak concurrency (agents' timestamps) ${peakAll} overall (limit 3), a ${peakA}, b ${peakB} (limit 2); ` +
        `(job.json startedAt–completedAt) ${jsonPeak.all}, a ${jsonPeak.a}, b ${jsonPeak.b}; active/ sampled every 5 ms: ${peakActive}`,
    );
    assert.ok(peakA <= 2 && peakB <= 2, `per-agent max_concurrent 2 exceeded: a ${peakA}, b ${peakB}`);
    assert.ok(peakAll <= 3, `global max_concurrent 3 exceeded: ${peakAll}`);
    assert.ok(jsonPeak.a <= 2 && jsonPeak.b <= 2 && jsonPeak.all <= 3, `limits exceeded by job.json spans: ${JSON.stringify(jsonPeak)}`);
    assert.ok(peakActive <= 3, `active/ held ${peakActive} jobs at once`);
    assert.ok(peakAll >= 2, `jobs did run side by side (peak ${peakAll})`);
    for (const agent of ['a', 'b']) assert.deepEqual(readdirSync(join(f.home, 'queue', agent)), [], `queue/${agent} empty`);
    assert.deepEqual(readdirSync(activeDir), [], 'active/ empty');
  });
});
