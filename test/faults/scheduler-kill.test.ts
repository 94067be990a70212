import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertState, assertUntouched, snapshotTree } from './checker.js';
import { commandAgent } from '../support/agents.js';
import { hasStackTrace, type Running } from '../support/cli.js';
import { jobIds, tryReadJob } from '../support/jobs.js';
import { waitFor } from '../support/wait.js';
import { iterations, sandbox, type Sandbox, startCli } from './harness.js';
import { seededRandom } from '../support/seed.js';

/**
 * Scenario 6: `herdctl start` (src/core/scheduler/*) SIGKILLed around its
 * ticks and restarted, again and again, then once stopped cleanly; and two
 * schedulers started in the same millisecond. Schedule: every 1 s,
 * catch_up once (the default), overlap allow (so every due tick fires or is
 * counted missed, nothing is skipped). Each lifetime is killed at a tick
 * ±150 ms, after 0–2 ticks, and the scheduler stays down 0–2.5 s, so ticks
 * are missed. Expected:
 *   - no tick fired twice: each tick has at most one job, each job one tick
 *     (ledger ↔ jobs/), and no tick appears in two `fire` events;
 *   - missed ticks per policy: after a gap only the latest due tick fires and
 *     its record counts the ones before it as missed — the fired ticks plus
 *     their missed counts cover every tick from the first to the last,
 *     none twice, none lost;
 *   - no claimed tick left without its job after the clean stop.
 */
const RESTARTS = iterations(10, 100);
const PAIRS = iterations(6, 30);
const EVERY = 1000;

const yaml = (sb: Sandbox) => `agents:\n${commandAgent('tick', sb.ws, ['true'], `    max_concurrent: 5\n    schedules:\n      s: { every: 1s, overlap: allow }\n`)}`;

interface TickRec {
  tick: string;
  outcome: string;
  job: string | null;
  missed: number;
}

/** The ledger's records of schedule s, merged into `into` (pruning deletes old files, so it is read after every lifetime). */
function readLedger(home: string, into: Map<string, TickRec>): void {
  const dir = join(home, 'scheduler', 'ticks', 'tick', 's');
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => /^\d{8}T\d{6}\.\d{3}Z\.json$/.test(n));
  } catch {
    return;
  }
  for (const n of names) {
    try {
      const r = JSON.parse(readFileSync(join(dir, n), 'utf8')) as TickRec;
      into.set(r.tick, r);
    } catch {
      /* torn: a claim in flight when it was killed; the next lifetime finishes it */
    }
  }
}

/** The runner's own log (ids and statuses only), for a timeout's message. */
const runnerLogTail = (home: string) =>
  existsSync(join(home, 'logs', 'runner-tick.log'))
    ? readFileSync(join(home, 'logs', 'runner-tick.log'), 'utf8')
        .split('\n')
        .slice(-15)
        .join('\n')
    : 'none';

const fires = (r: Running) =>
  r.out
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((e) => e.event === 'fire');

test(
  `6. the scheduler SIGKILLed around its ticks and restarted (N=${RESTARTS}): no tick fired twice, missed ticks per catch_up once, none left unfinished`,
  { timeout: RESTARTS * 15_000 + 60_000 },
  async (t) => {
    const random = seededRandom(t);
    const sb = sandbox(t);
    writeFileSync(sb.config, yaml(sb));
    const outside = snapshotTree(sb.dir, [sb.home, sb.ws]);
    const ledger = new Map<string, TickRec>();
    const fired: Record<string, unknown>[] = [];
    for (let i = 0; i < RESTARTS; i++) {
      const s = startCli(sb, ['start', '--json']);
      await s.line(/"event":"start"/);
      const nextTick = (Math.floor(Date.now() / EVERY) + 1 + Math.floor(random() * 2)) * EVERY;
      await sleep(Math.max(0, nextTick + (random() * 300 - 150) - Date.now()));
      s.child.kill('SIGKILL');
      await s.exited;
      fired.push(...fires(s));
      readLedger(sb.home, ledger);
      await sleep(random() * 2500);
    }
    const last = startCli(sb, ['start', '--json']);
    await last.line(/"event":"start"/);
    await sleep(2500);
    last.child.kill('SIGTERM');
    assert.equal((await last.exited).code, 0);
    fired.push(...fires(last));
    readLedger(sb.home, ledger);

    // no tick fired twice
    const firedTicks = fired.map((e) => e.tick as string);
    assert.equal(new Set(firedTicks).size, firedTicks.length, 'a tick in two fire events');
    const records = [...ledger.values()].sort((a, b) => Date.parse(a.tick) - Date.parse(b.tick));
    for (const e of fired) assert.equal(ledger.get(e.tick as string)?.job, e.job, `fire event ${e.tick} vs its ledger record`);
    const recorded = records.filter((r) => r.job).map((r) => r.job!);
    assert.equal(new Set(recorded).size, recorded.length, 'one job recorded for two ticks');
    const onDisk = jobIds(sb.home).filter((id) => tryReadJob(sb.home, id)?.schedule === 's');
    assert.deepEqual(onDisk.sort(), [...recorded].sort(), 'jobs on disk = jobs of ticks (a second job for a tick would show here)');
    assert.deepEqual(
      records.filter((r) => r.job === null && ['fire', 'queued'].includes(r.outcome)),
      [],
      'a claimed tick left without its job',
    );

    // missed ticks per policy: fired ticks and their missed counts tile the whole span
    const gaps: string[] = [];
    for (let k = 1; k < records.length; k++) {
      const between = (Date.parse(records[k].tick) - Date.parse(records[k - 1].tick)) / EVERY - 1;
      if (records[k].missed !== between) gaps.push(`${records[k].tick}: ${records[k].missed} missed recorded, ${between} ticks since ${records[k - 1].tick}`);
    }
    assert.deepEqual(gaps, [], 'missed counts');
    const span = (Date.parse(records.at(-1)!.tick) - Date.parse(records[0].tick)) / EVERY + 1;
    const accounted = records.reduce((n, r, k) => n + 1 + (k ? r.missed : 0), 0);
    t.diagnostic(`${RESTARTS} kills; ${records.length} ticks fired, ${accounted - records.length} missed (catch_up once), span ${span} ticks; ${fired.length} fire events`);
    assert.equal(accounted, span);
    // a loaded box: each runner start is a node start-up. On a timeout the probe's last error names the jobs not completed.
    await waitFor(
      'the last jobs ran',
      () => {
        const left = recorded.map((id) => [id, tryReadJob(sb.home, id)?.status ?? 'unreadable'] as const).filter(([, st]) => st !== 'completed');
        if (left.length === 0) return true;
        const ended = left.filter(([, st]) => st === 'failed' || st === 'cancelled');
        if (ended.length) assert.fail(`jobs ended but not completed: ${ended.map(([id, st]) => `${id} ${st}: ${tryReadJob(sb.home, id)?.error}`).join('; ')}`);
        throw new Error(
          `not completed: ${left.map(([id, st]) => `${id} ${st}`).join(', ')}; locks: ${existsSync(join(sb.home, 'locks')) ? readdirSync(join(sb.home, 'locks')).join(' ') : 'none'}; runner log tail: ${runnerLogTail(sb.home)}`,
        );
      },
      60_000,
    );
    assertState(sb.home);
    assertUntouched(outside, snapshotTree(sb.dir, [sb.home, sb.ws]));
  },
);

test(
  `6b. two schedulers started in the same millisecond, on a fresh state dir and after a SIGKILLed one (N=${PAIRS}): one runs, the other refuses (exit 5, no stack trace)`,
  { timeout: PAIRS * 35_000 + 30_000 },
  async (t) => {
    const sb = sandbox(t);
    writeFileSync(sb.config, yaml(sb));
    const problems: string[] = [];
    const refusedAfter: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      const crashed = i % 2 === 1;
      if (crashed) {
        // a scheduler that died without cleaning up: its lock and identity file stay behind
        const dead = startCli(sb, ['start', '--json']);
        await dead.line(/"event":"start"/);
        dead.child.kill('SIGKILL');
        await dead.exited;
      }
      const at = String(Date.now() + 1200);
      const pair = [0, 1].map(() => startCli(sb, ['start', '--json'], { HERDCTL_START_AT: at }, true));
      // generous: what is checked is one winner and a clean refusal, not latency (a loaded CI box
      // can take seconds to start two tsx-preloaded CLIs, and a loser that cannot judge waits 8 s)
      const refused = await Promise.race([Promise.race(pair.map((p) => p.exited)), sleep(20_000).then(() => null)]);
      if (refused) refusedAfter.push(Date.now() - Number(at));
      await Promise.any(pair.map((p) => p.line(/"event":"start"/))).catch(() => {}); // the winner's start, however loaded the box
      const running = pair.filter((p) => p.out.some((l) => l.includes('"event":"start"')) && p.child.exitCode === null && p.child.signalCode === null);
      const label = `pair ${i + 1} (${crashed ? 'after a SIGKILLed scheduler' : 'fresh'})`;
      if (running.length !== 1) problems.push(`${label}: ${running.length} schedulers running`);
      if (!refused) problems.push(`${label}: neither refused within 20 s`);
      else {
        if (refused.code !== 5) problems.push(`${label}: the loser exited ${refused.code}: ${refused.stderr}`);
        if (hasStackTrace(refused.stderr)) problems.push(`${label}: stack trace: ${refused.stderr}`);
      }
      for (const p of pair) p.child.kill('SIGTERM');
      await Promise.all(pair.map((p) => p.exited));
    }
    t.diagnostic(`refusals ${refusedAfter.map((ms) => `${ms} ms`).join(', ')} after the common start`);
    assert.deepEqual(problems, [], 'one scheduler per state dir');
    // the files are checked at rest: a runner may still be ending a job the winners scheduled (its complete event is
    // written before its terminal job.json)
    await waitFor('the scheduled jobs ended', () => jobIds(sb.home).every((id) => ['completed', 'failed', 'cancelled'].includes(String(tryReadJob(sb.home, id)?.status))), 60_000);
    assertState(sb.home);
  },
);
