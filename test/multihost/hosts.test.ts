// Two hosts of the bed, one state dir: a host killed, a host cut off, clocks minutes apart.
// The lease time is 6 s here ($HERDCTL_LEASE_MS), so "within T + 10 s" is 16 s.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../support/wait.js';
import type { Json } from '../support/jobs.js';
import { BIN } from '../support/cli.js';
import { bedUp, herdOn, killHost, onHost, pidsOn, readJson, scratch, setLink, submitOn, type Host } from './bed.js';

const T = 6000;
const env = { HERDCTL_LEASE_MS: String(T) };

function lines(path: string): Json[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l));
}

/** `herdctl start` on a host, its event lines collected. */
function scheduler(host: Host, home: string, config: string): { child: ChildProcess; events: Json[] } {
  const child = onHost(host, [process.execPath, BIN, 'start', '--json', '--config', config], home, { env });
  const events: Json[] = [];
  let buf = '';
  child.stdout!.on('data', (b: Buffer) => {
    buf += b;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const line = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        events.push(JSON.parse(line));
      } catch {
        /* not an event */
      }
    }
  });
  if (process.env.HERDCTL_BED_DEBUG) child.stdout!.on('data', (b: Buffer) => process.stderr.write(`[${host}] ${b}`));
  child.stderr!.on('data', (b: Buffer) => process.stderr.write(`[${host} stderr] ${b}`));
  return { child, events };
}

/**
 * Every tick the ledger holds has one job, and no job belongs to two ticks. A
 * host killed between creating a tick's job and writing its id leaves the
 * record unfinished: it names the job as the next scheduler would find it,
 * by agent, schedule and `createdAt === claimedAt`.
 */
function assertOncePerTick(dir: string): number {
  const ticks = join(dir, 'home', 'scheduler', 'ticks');
  const jobsDir = join(dir, 'home', 'jobs');
  const scheduled = readdirSync(jobsDir)
    .map((id) => readJson(join(jobsDir, id, 'job.json')))
    .filter((j): j is Json => j?.trigger === 'schedule');
  const named: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.name.endsWith('.json')) {
        const r = readJson(join(d, e.name));
        if (r?.job) named.push(r.job);
        else if (r?.claimedAt && (r.outcome === 'fire' || r.outcome === 'queued')) {
          const made = scheduled.filter((j) => j.agent === r.agent && j.schedule === r.schedule && j.createdAt === r.claimedAt);
          assert.ok(made.length <= 1, `one job for the unfinished tick ${r.key}`);
          named.push(...made.map((j) => j.id as string));
        }
      }
    }
  };
  if (existsSync(ticks)) walk(ticks);
  assert.equal(new Set(named).size, named.length, 'no job belongs to two ticks');
  assert.deepEqual(scheduled.map((j) => j.id as string).sort(), [...named].sort(), 'each scheduled job is its tick’s one job');
  return named.length;
}

test(
  'SIGKILL every process of one host mid-run: the other fails its running jobs (host lost) within T + 10 s, its scheduler takes over, nothing is written afterwards',
  { timeout: 300_000 },
  async (t) => {
    bedUp();
    const { dir, home, config } = scratch(
      t,
      'kill',
      `agents:
  slowa: { runtime: command, command: ["sh", "-c", "sleep 60"], workspace: /tmp, max_concurrent: 2 }
  slowb: { runtime: command, command: ["sh", "-c", "sleep 20"], workspace: /tmp, max_concurrent: 2 }
  tick:
    runtime: command
    command: ["true"]
    workspace: /tmp
    schedules:
      beat: { every: 2s, overlap: allow }
`,
    );
    const job = (id: string) => readJson(join(dir, 'home', 'jobs', id, 'job.json'));
    const a = scheduler('A', home, config);
    t.after(() => a.child.kill('SIGKILL'));
    await waitFor('the scheduler on A', () => a.events.some((e) => e.event === 'start'), 30_000);
    const b = scheduler('B', home, config);
    t.after(() => b.child.kill('SIGKILL'));
    await waitFor('B stands by', () => b.events.some((e) => e.event === 'standby'), 30_000);
    const submitted = [...(await submitOn('A', 'slowa', 2, home, config, env)), ...(await submitOn('B', 'slowb', 2, home, config, env))];
    // any host serves any agent: where each job runs is the runners' choice
    await waitFor('all four running', () => submitted.every((id) => job(id)?.status === 'running'), 60_000);
    const onA = submitted.filter((id) => job(id)!.host === 'hostA');
    const onB = submitted.filter((id) => job(id)!.host === 'hostB');
    t.diagnostic(`${onA.length} running on A, ${onB.length} on B`);
    assert.ok(onA.length > 0, 'host A runs some');

    const killedAt = Date.now();
    killHost('A');
    await waitFor("A's running jobs failed, as seen from B", () => onA.every((id) => job(id)?.status === 'failed'), T + 10_000, 100);
    t.diagnostic(`A's jobs failed ${Date.now() - killedAt} ms after the kill`);
    for (const id of onA) {
      assert.match(job(id)!.error, /host hostA lost/);
      const events = lines(join(dir, 'home', 'jobs', id, 'output.jsonl'));
      assert.deepEqual(
        events.slice(-2).map((e) => e.type),
        ['error', 'complete'],
      );
    }
    await waitFor("B's scheduler took over", () => b.events.some((e) => e.event === 'start'), T + 10_000, 100);
    t.diagnostic(`B's scheduler started ${Date.now() - killedAt} ms after the kill`);
    const firedBefore = b.events.filter((e) => e.event === 'fire').length;
    await waitFor('B fires', () => b.events.filter((e) => e.event === 'fire').length > firedBefore, 10_000, 100);
    const logs = onA.map((id) => readFileSync(join(dir, 'home', 'jobs', id, 'output.jsonl'), 'utf8'));
    await waitFor("B's jobs completed", () => onB.every((id) => job(id)?.status === 'completed'), 60_000);
    assert.deepEqual(
      onA.map((id) => readFileSync(join(dir, 'home', 'jobs', id, 'output.jsonl'), 'utf8')),
      logs,
      'no write to the lost jobs afterwards',
    );
    assert.deepEqual(pidsOn('A', ''), [], 'nothing of host A is left');
    killHost('B'); // its scheduler's ledger is whole after any kill
    await new Promise((r) => (b.child.exitCode !== null ? r(null) : b.child.once('close', r)));
    t.diagnostic(`${assertOncePerTick(dir)} ticks, each once`);
  },
);

test(
  'cut one host off for 2T: it fences itself (agents killed, nothing more written); the other fails its jobs once; after the link returns no end is overwritten',
  { timeout: 300_000 },
  async (t) => {
    bedUp();
    t.after(() => setLink('A', true));
    const { dir, home, config } = scratch(
      t,
      'cut',
      `agents:
  slowa: { runtime: command, command: ["sh", "-c", "sleep 90"], workspace: /tmp, max_concurrent: 2 }
  slowb: { runtime: command, command: ["sh", "-c", "sleep 30"], workspace: /tmp, max_concurrent: 2 }
`,
    );
    const job = (id: string) => readJson(join(dir, 'home', 'jobs', id, 'job.json'));
    const onA = await submitOn('A', 'slowa', 2, home, config, env);
    const onB = await submitOn('B', 'slowb', 2, home, config, env);
    await waitFor('both hosts run their jobs', () => [...onA, ...onB].every((id) => job(id)?.status === 'running'), 60_000);
    const agents = onA.map((id) => job(id)!.pid as number);
    assert.equal(pidsOn('A', 'runner-main').length, 1);

    const cutAt = Date.now();
    setLink('A', false);
    // A's main thread may be stuck in a call on the cut mount: its lease's own thread kills the agents at T/2
    await waitFor("A's agents killed while A is cut off", () => agents.every((pid) => !pidsOn('A', 'sleep 90').includes(pid)), T, 100);
    t.diagnostic(`agents killed within ${Date.now() - cutAt} ms of the cut`);
    await waitFor("A's jobs failed by B", () => onA.every((id) => job(id)?.status === 'failed'), T + 10_000, 100);
    t.diagnostic(`failed ${Date.now() - cutAt} ms after the cut`);
    const ended = onA.map((id) => ({ json: readFileSync(join(dir, 'home', 'jobs', id, 'job.json'), 'utf8'), log: readFileSync(join(dir, 'home', 'jobs', id, 'output.jsonl'), 'utf8') }));
    await new Promise((r) => setTimeout(r, Math.max(0, 2 * T - (Date.now() - cutAt)))); // the link stays down for 2T
    setLink('A', true);

    await waitFor("A's runner fenced itself and exited", () => pidsOn('A', 'runner-main').length === 0, 30_000, 100);
    const alive = agents.filter((pid) => pidsOn('A', 'sleep 90').includes(pid));
    assert.deepEqual(alive, [], "A's agents were killed");
    await waitFor("B's jobs completed", () => onB.every((id) => job(id)?.status === 'completed'), 60_000);
    onA.forEach((id, i) => {
      assert.equal(readFileSync(join(dir, 'home', 'jobs', id, 'job.json'), 'utf8'), ended[i].json, `${id}: its end was not overwritten`);
      assert.equal(readFileSync(join(dir, 'home', 'jobs', id, 'output.jsonl'), 'utf8'), ended[i].log, `${id}: no second writer on its log`);
    });
    const runnerLog = readFileSync(join(dir, 'home', 'logs', 'runner-slowa@h-bed-host-a.log'), 'utf8');
    assert.match(runnerLog, /runner fenced/);
  },
);

test(
  'clocks 5 minutes ahead on one host and 5 minutes behind on the other: one scheduler, no tick twice, one runner per host and agent, max_concurrent held across hosts',
  { timeout: 300_000 },
  async (t) => {
    bedUp();
    const { dir, home, config } = scratch(
      t,
      'skew',
      `agents:
  w:
    runtime: command
    command: ["sh", "-c", "mkdir /herd/skew-${process.pid}/inuse 2>/dev/null || echo overlap >> /herd/skew-${process.pid}/overlaps; sleep 0.3; rmdir /herd/skew-${process.pid}/inuse"]
    workspace: /tmp
    max_concurrent: 1
    schedules:
      s: { every: 1s, overlap: allow }
`,
    );
    const skews: Record<Host, string> = { A: '+5m', B: '-5m' };
    const start = (host: Host) => {
      const child = onHost(host, [process.execPath, BIN, 'start', '--json', '--config', config], home, { env, skew: skews[host] });
      let out = '';
      child.stdout!.on('data', (b: Buffer) => (out += b));
      child.stderr!.on('data', (b: Buffer) => process.stderr.write(`[${host} stderr] ${b}`));
      t.after(() => child.kill('SIGKILL'));
      return { child, out: () => out };
    };
    const a = start('A');
    await waitFor('A schedules', () => a.out().includes('"event":"start"'), 30_000);
    const b = start('B');
    await waitFor('B stands by', () => b.out().includes('"event":"standby"'), 30_000);
    const submitted = await Promise.all((['A', 'B'] as const).map((h) => Promise.all(Array.from({ length: 6 }, () => herdOn(h, ['run', 'w', '--config', config], home, { env, skew: skews[h] })))));
    for (const r of submitted.flat()) assert.equal(r.code, 0, r.stderr);
    const ids = submitted.flat().map((r) => r.stdout.trim());
    await new Promise((r) => setTimeout(r, 2 * T)); // longer than a lease: a skewed clock would have judged the other's locks by now
    assert.ok(!b.out().includes('"event":"start"'), `B never schedules while A lives: ${b.out()}`);
    assert.ok(
      !a.out().includes('"event":"error"'),
      `A's scheduler had no error: ${a
        .out()
        .split('\n')
        .filter((l) => !l.includes('"fire"'))
        .join('\n')}`,
    );
    for (const h of ['A', 'B'] as const) for (const p of pidsOn(h, '\0start\0')) process.kill(p, 'SIGTERM'); // the schedulers stop; runners finish their jobs
    await Promise.all([a.child, b.child].map((c) => new Promise((r) => (c.exitCode !== null ? r(null) : c.once('close', r)))));
    const job = (id: string) => readJson(join(dir, 'home', 'jobs', id, 'job.json'));
    await waitFor('the submitted jobs completed', () => ids.every((id) => job(id)?.status === 'completed'), 120_000);
    const scheduled = readdirSync(join(dir, 'home', 'jobs')).filter((id) => job(id)?.trigger === 'schedule');
    await waitFor('the scheduled jobs ended', () => scheduled.every((id) => ['completed', 'failed', 'cancelled'].includes(job(id)?.status)), 120_000);
    assert.equal(existsSync(join(dir, 'overlaps')), false, 'never two runs of w at once, across hosts');
    t.diagnostic(`${assertOncePerTick(dir)} ticks, each once; ${ids.length} submitted jobs`);
    const hosts = new Set(ids.map((id) => job(id)!.host));
    t.diagnostic(`ran on ${[...hosts].join(', ')}`);
    for (const h of ['a', 'b']) {
      const log = join(dir, 'home', 'logs', `runner-w@h-bed-host-${h}.log`);
      if (!existsSync(log)) continue;
      // one runner at a time per host and agent: every start follows the previous one's exit
      let live = 0;
      for (const e of lines(log)) {
        if (e.msg === 'runner started') assert.equal(++live, 1, `two runners of w at once on host ${h}`);
        if (e.msg === 'runner idle, exiting') live--;
      }
    }
  },
);

test("a follower on one host sees another host's events by its timers, within the poll plus the client's attribute cache (3 s on the bed)", { timeout: 120_000 }, async (t) => {
  bedUp();
  const { home, config } = scratch(t, 'follow', `agents:\n  talk: { runtime: command, command: ["sh", "-c", "for i in 1 2 3 4 5 6 7 8; do echo line $i; sleep 0.5; done"], workspace: /tmp }\n`);
  const [id] = await submitOn('A', 'talk', 1, home, config, env);
  const follower = onHost('B', [process.execPath, BIN, 'jobs', 'logs', id, '-f', '--json'], home, { env });
  const seen: { seq: number; ts: string; at: number }[] = [];
  let buf = '';
  follower.stdout!.on('data', (b: Buffer) => {
    buf += b;
    for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
      const e = JSON.parse(buf.slice(0, nl));
      buf = buf.slice(nl + 1);
      seen.push({ seq: e.seq, ts: e.ts, at: Date.now() });
    }
  });
  const code = await new Promise<number | null>((r) => follower.once('close', r));
  assert.equal(code, 0);
  assert.deepEqual(
    seen.map((e) => e.seq),
    seen.map((_, i) => i),
    'every event once, in order',
  );
  assert.ok(seen.length >= 10, `start, 8 lines, complete: ${seen.length}`);
  const lags = seen.map((e) => e.at - Date.parse(e.ts)); // one machine's clock on both hosts here
  t.diagnostic(`lag behind the writer's stamp: max ${Math.max(...lags)} ms, median ${lags.sort((a, b) => a - b)[lags.length >> 1]} ms`);
  assert.ok(Math.max(...lags) < 3_000 + 1_000, `within the attribute cache plus the poll: ${lags.join(', ')}`);
});
