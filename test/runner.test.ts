// The runner end to end: the real CLI (`node bin/run.js`, built dist/), the
// detached per-agent runner it starts, the fake Claude CLI in
// fixtures/bin/claude, real process groups and real signals.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { claudeAgent, commandAgent } from './support/agents.js';
import { fleet, type Fleet, waitEvent, waitStatus, waitTerminal } from './support/fleet.js';
import { assertFinishedLog, ID_RE, type Json, parseLog, seqEvents, TERMINAL, writeJob } from './support/jobs.js';
import { alive, groupMembers, startTime, waitGone, waitGroupGone } from './support/procs.js';
import { sleep, waitFor } from './support/wait.js';
import { STALE_MS } from '../src/core/lock.js';
import { bootId } from '../src/core/liveness.js';

const BOOT_ID = bootId(); // null on a platform that names no boot (HERDCTL_PLATFORM=portable on Linux): no reboot check then, as in herdctl
interface Ident {
  pid: number;
  startTime: number | null;
  host: string;
  bootId: string;
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const JOBS = (max = 4, grace = '2s') => `jobs: { max_concurrent: ${max}, cancel_grace: ${grace} }\n`;

/** One claude agent `coder` (and any extra agent blocks). */
const coderFleet = (t: Parameters<typeof fleet>[0], extra: (ws: string, dir: string) => string = () => '', coderExtra = '    max_concurrent: 2\n') =>
  fleet(t, ({ ws, dir }) => `agents:\n${claudeAgent('coder', ws, coderExtra)}${extra(ws, dir)}${JOBS()}`);

/** The running agent's pid and the members of its process group, once a tool child has joined it. */
async function agentWithTool(f: Fleet, id: string): Promise<{ pid: number; members: number[] }> {
  await waitEvent(f, id, (e) => e.kind === 'task_started', 'the tool start (task_started)');
  const pid = f.job(id).pid as number;
  assert.ok(Number.isInteger(pid) && pid > 0, 'job.json records the agent pid');
  const members = await waitFor('the agent and its tool in one process group', () => {
    const m = groupMembers(pid);
    return m.length >= 2 ? m : null;
  });
  assert.ok(members.includes(pid));
  return { pid, members };
}

describe('runner: running jobs', { concurrency: 3 }, () => {
  it('run --wait runs the fake claude to completion and records everything', async (t) => {
    const f = coderFleet(t);
    const r = await f.cli(['run', 'coder', '--prompt', 'tools:2', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    const [id, rest] = r.stdout.trim().split(' ');
    assert.match(id, ID_RE);
    assert.match(rest, /^completed/);

    const job = f.job(id);
    assert.equal(job.status, 'completed');
    assert.equal(job.exitReason, 'success');
    assert.equal(job.error, null);
    assert.equal(job.agent, 'coder');
    assert.equal(job.trigger, 'manual');
    assert.equal(job.workspace, f.ws);
    assert.match(job.sessionId, UUID_RE);
    for (const k of ['createdAt', 'startedAt', 'completedAt']) assert.ok(!Number.isNaN(Date.parse(job[k])), `${k} is a date`);
    assert.ok(job.createdAt <= job.startedAt && job.startedAt <= job.completedAt);
    // the fake's result line: 3 API calls (2 tool turns + the answer), 12 in / 42 out tokens and $0.000888 each
    assert.equal(job.usage.turns, 3);
    assert.equal(job.usage.inputTokens, 36);
    assert.equal(job.usage.outputTokens, 126);
    assert.ok(Math.abs(job.usage.costUsd - 3 * 0.000888) < 1e-9, `costUsd ${job.usage.costUsd}`);
    assert.equal(job.summary, 'The directory contains `README.md` and `src/`.');
    assert.equal(job.recap.headline, job.summary);
    assert.ok(
      job.recap.bullets.some((b: string) => /Bash/.test(b)),
      'the recap names the tool used',
    );

    const log = f.log(id);
    const complete = assertFinishedLog(log);
    assert.equal(complete.status, 'completed');
    assert.equal(complete.exitReason, 'success');
    assert.equal(complete.exitCode, 0);
    assert.deepEqual(complete.usage, job.usage);
    const start = log.events[0];
    assert.equal(start.type, 'start');
    assert.equal(start.cwd, f.ws);
    assert.equal(start.pid, job.pid);
    assert.deepEqual(start.argv.slice(start.argv.indexOf('--session-id'), start.argv.indexOf('--session-id') + 2), ['--session-id', job.sessionId]);
    assert.equal(log.events.filter((e) => e.type === 'tool_use').length, 2);
    assert.equal(log.events.filter((e) => e.type === 'tool_result').length, 2);
    assert.equal(log.events.find((e) => e.kind === 'init')?.sessionId, job.sessionId);

    const human = readFileSync(join(f.home, 'logs', 'coder', `${id}.log`), 'utf8');
    assert.match(human, /Bash/);
    assert.match(human, /completed/);

    const show = await f.cli(['jobs', 'show', id.slice(0, 20)]);
    assert.equal(show.code, 0, show.stderr);
    assert.ok(show.stdout.includes(job.recap.headline), 'jobs show displays the recap');
  });

  it('run returns the id at once; the job is already on disk, pending or running', async (t) => {
    const f = coderFleet(t);
    const r = await f.cli(['run', 'coder', '--prompt', 'slow:40:100']);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim();
    assert.match(id, ID_RE);
    const seen = f.job(id); // read the moment run has returned
    assert.ok(['pending', 'running'].includes(seen.status), `status right after run: ${seen.status}`);
    assert.equal(seen.prompt, 'slow:40:100');
    assert.equal(f.log(id).events.filter((e) => e.type === 'complete').length, 0, 'nothing has ended yet');
    // it does run, detached from the CLI that submitted it
    await waitStatus(f, id, ['running']);
    await waitEvent(f, id, (e) => e.text === 'Step 1 of 40.', 'the first step');
    const c = await f.cli(['jobs', 'cancel', id]);
    assert.equal(c.code, 0, c.stderr);
    assert.equal((await waitTerminal(f, id)).status, 'cancelled');
  });

  it('command runtime: stdout and stderr lines become events, a non-zero exit fails the job', async (t) => {
    const f = fleet(
      t,
      ({ ws }) =>
        `agents:\n${commandAgent('bad', ws, ['sh', '-c', 'echo out1; echo err1 >&2; echo out2; exit 3'])}${commandAgent('good', ws, ['sh', '-c', 'echo "hello $HERDCTL_PROMPT"; pwd'])}${JOBS()}`,
    );
    const [bad, good] = await Promise.all([f.cli(['run', 'bad', '--wait']), f.cli(['run', 'good', '--prompt', 'world', '--wait'])]);

    assert.equal(bad.code, 1, bad.stderr);
    const badId = bad.stdout.split(' ')[0];
    const bj = f.job(badId);
    assert.equal(bj.status, 'failed');
    assert.equal(bj.exitReason, 'error');
    assert.match(bj.error, /exited with code 3/);
    assert.match(bj.error, /err1/, 'the error quotes the last stderr line');
    const bl = f.log(badId);
    const bc = assertFinishedLog(bl);
    assert.equal(bc.exitCode, 3);
    const outputs = bl.events.filter((e) => e.type === 'output').map((e) => [e.stream ?? 'stdout', e.text]);
    assert.deepEqual(
      outputs.filter(([s]) => s === 'stdout'),
      [
        ['stdout', 'out1'],
        ['stdout', 'out2'],
      ],
    );
    assert.deepEqual(
      outputs.filter(([s]) => s === 'stderr'),
      [['stderr', 'err1']],
    );

    assert.equal(good.code, 0, good.stderr);
    const goodId = good.stdout.split(' ')[0];
    const gj = f.job(goodId);
    assert.equal(gj.status, 'completed');
    assert.equal(gj.exitReason, 'success');
    const gl = f.log(goodId);
    assertFinishedLog(gl);
    assert.deepEqual(
      gl.events.filter((e) => e.type === 'output').map((e) => e.text),
      ['hello world', f.ws],
      'the command ran in its workspace with the prompt in HERDCTL_PROMPT',
    );
    assert.equal(gj.sessionId, null);
  });

  it('failures: API error, max turns, a missing claude_bin and a missing workspace', async (t) => {
    const f = fleet(
      t,
      ({ ws, dir }) =>
        `agents:\n${claudeAgent('coder', ws, '    max_concurrent: 2\n')}` +
        `  nobin:\n    claude_bin: ${JSON.stringify(join(dir, 'no', 'such', 'claude'))}\n    workspace: ${JSON.stringify(ws)}\n` +
        claudeAgent('nows', join(dir, 'no-such-workspace')) +
        JOBS(),
    );
    const runs = await Promise.all([
      f.cli(['run', 'coder', '--prompt', 'err500', '--wait']),
      f.cli(['run', 'coder', '--prompt', 'tools:3 maxturns', '--wait']),
      f.cli(['run', 'nobin', '--prompt', 'hello', '--wait']),
      f.cli(['run', 'nows', '--prompt', 'hello', '--wait']),
    ]);
    const expect: [string, RegExp][] = [
      ['err500', /500/],
      ['maxturns', /max(imum)?[ _]turns/i],
      ['missing claude_bin', /program not found/],
      ['missing workspace', /workspace .*no-such-workspace.* does not exist/],
    ];
    for (const [i, r] of runs.entries()) {
      const [what, re] = expect[i];
      assert.equal(r.code, 1, `${what}: run --wait exits 1 for a failed job (stderr: ${r.stderr})`);
      const id = r.stdout.split(' ')[0];
      assert.match(id, ID_RE);
      const job = f.job(id);
      assert.equal(job.status, 'failed', what);
      assert.equal(job.exitReason, 'error', what);
      assert.match(job.error ?? '', re, `${what}: error ${JSON.stringify(job.error)}`);
      assert.ok(r.stdout.includes(job.error), `${what}: run --wait prints the error`);
      const log = f.log(id);
      const complete = assertFinishedLog(log, what);
      assert.equal(complete.status, 'failed');
      assert.equal(complete.error, job.error);
      assert.ok(job.recap?.headline || job.recap?.bullets?.length, `${what}: a recap`);
    }
    // the agents that never started have an error event and no start event
    for (const r of runs.slice(2)) {
      const log = f.log(r.stdout.split(' ')[0]);
      assert.equal(log.events.filter((e) => e.type === 'start').length, 0);
      assert.equal(log.events.filter((e) => e.type === 'error').length, 1);
    }
  });

  it('run --follow streams the events as they come and exits with the outcome', async (t) => {
    const f = coderFleet(t);
    const [ok, bad, plain] = await Promise.all([
      f.cli(['run', 'coder', '--prompt', 'slow:5:100 tool', '--follow', '--json']),
      f.cli(['run', 'coder', '--prompt', 'err500', '--follow', '--json']),
      f.cli(['run', 'coder', '--prompt', 'tool', '--follow']),
    ]);
    assert.equal(ok.code, 0, ok.stderr);
    assert.equal(bad.code, 1, bad.stderr);
    assert.equal(plain.code, 0, plain.stderr);
    for (const r of [ok, bad]) {
      const printed = r.stdout.split('\n').filter(Boolean);
      const id = f.jobIds().find((i) => f.log(i).raw.split('\n').filter(Boolean).join('\n') === printed.join('\n'));
      assert.ok(id, "run --follow --json printed exactly one job's output.jsonl, line for line: none missed, none doubled");
      assertFinishedLog(parseLog(r.stdout));
    }
    assert.equal(parseLog(ok.stdout).events.filter((e) => e.kind === undefined && /^Step \d of 5\.$/.test(e.text ?? '')).length, 5);
    assert.match(plain.stdout, /start/);
    assert.match(plain.stdout, /Bash/);
    assert.match(plain.stdout, /completed/);
  });

  it('timeout: a slow job is stopped and fails with exitReason timeout (exit 124)', async (t) => {
    const f = coderFleet(t, () => '', '    max_concurrent: 2\n    timeout: 1s\n');
    const t0 = Date.now();
    const [wait, follow] = await Promise.all([f.cli(['run', 'coder', '--prompt', 'slow:100:100', '--wait']), f.cli(['run', 'coder', '--prompt', 'sleep:60000', '--follow'])]);
    assert.equal(wait.code, 124, wait.stdout + wait.stderr);
    assert.equal(follow.code, 124, follow.stderr);
    assert.ok(Date.now() - t0 < 30_000, 'stopped long before the job would have ended');
    for (const id of f.jobIds()) {
      const job = f.job(id);
      assert.equal(job.status, 'failed');
      assert.equal(job.exitReason, 'timeout');
      assert.match(job.error, /timed out/);
      assert.ok(Date.parse(job.completedAt) - Date.parse(job.startedAt) >= 1000, 'ran at least the timeout');
      const complete = assertFinishedLog(f.log(id));
      assert.equal(complete.exitReason, 'timeout');
      await waitGroupGone(job.pid, 'the timed-out agent');
    }
  });

  it('heartbeat_timeout: a job silent for longer is stopped and failed', async (t) => {
    const f = coderFleet(t, () => '', '    max_concurrent: 2\n    heartbeat_timeout: 1s\n');
    const r = await f.cli(['run', 'coder', '--prompt', 'sleep:60000', '--wait']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const id = r.stdout.split(' ')[0];
    const job = f.job(id);
    assert.equal(job.status, 'failed');
    assert.equal(job.exitReason, 'error');
    assert.match(job.error, /heartbeat/);
    assertFinishedLog(f.log(id));
    await waitGroupGone(job.pid, 'the silent agent');
  });

  it('jobs run highest priority first, then oldest, with max_concurrent 1', async (t) => {
    const f = fleet(t, ({ ws, dir }) => {
      const release = join(dir, 'release');
      const order = join(dir, 'order');
      const script = `if [ "$HERDCTL_PROMPT" = block ]; then while [ ! -e '${release}' ]; do sleep 0.02; done; fi; echo "$HERDCTL_PROMPT" >> '${order}'`;
      return `agents:\n${commandAgent('q', ws, ['sh', '-c', script], '    max_concurrent: 1\n')}${JOBS(4)}`;
    });
    const block = await f.submit('q', '--prompt', 'block');
    await waitStatus(f, block, ['running']);
    const queued: [string, number][] = [
      ['p0-first', 0],
      ['p5-first', 5],
      ['p0-second', 0],
      ['p10', 10],
      ['p5-second', 5],
      ['pminus1', -1],
      ['p5-third', 5],
    ];
    const ids: string[] = [];
    for (const [prompt, prio] of queued) ids.push(await f.submit('q', '--prompt', prompt, '--priority', String(prio)));
    for (const id of ids) assert.equal(f.job(id).status, 'pending', 'queued behind the running job');
    writeFileSync(join(f.dir, 'release'), '');
    for (const id of ids) assert.equal((await waitTerminal(f, id)).status, 'completed');
    const order = readFileSync(join(f.dir, 'order'), 'utf8').trim().split('\n');
    assert.deepEqual(order, ['block', 'p10', 'p5-first', 'p5-second', 'p5-third', 'p0-first', 'p0-second', 'pminus1']);
    const started = [block, ...ids].map((id) => f.job(id)).sort((a, b) => Date.parse(a.startedAt) - Date.parse(b.startedAt));
    assert.deepEqual(
      started.map((j) => j.prompt),
      order,
      'startedAt agrees with the order the agents ran in',
    );
  });

  it('a freed global slot goes to the best pending job of any agent (priority, then age)', async (t) => {
    // global max_concurrent 1: qa's low-priority job is older, qb's high-priority one must still go first.
    // Which runner takes a freed slot is a race, so the hand-over is tried several times.
    const f = fleet(t, ({ ws, dir }) => {
      const script = `r=$(echo "$HERDCTL_PROMPT" | cut -d' ' -f2); case "$HERDCTL_PROMPT" in block*) while [ ! -e '${dir}'/release-$r ]; do sleep 0.02; done;; esac; echo "$HERDCTL_PROMPT" >> '${dir}'/order`;
      return `agents:\n${commandAgent('qa', ws, ['sh', '-c', script])}${commandAgent('qb', ws, ['sh', '-c', script])}${JOBS(1)}`;
    });
    const wrong: string[] = [];
    for (let round = 1; round <= 5; round++) {
      const block = await f.submit('qa', '--prompt', `block ${round}`);
      await waitStatus(f, block, ['running']);
      const low = await f.submit('qa', '--prompt', `a-low ${round}`, '--priority', '0');
      const high = await f.submit('qb', '--prompt', `b-high ${round}`, '--priority', '10');
      await sleep(300); // qb's runner is up and waiting for the global slot
      assert.equal(f.job(low).status, 'pending');
      assert.equal(f.job(high).status, 'pending');
      writeFileSync(join(f.dir, `release-${round}`), '');
      await waitTerminal(f, low);
      await waitTerminal(f, high);
      const order = readFileSync(join(f.dir, 'order'), 'utf8').trim().split('\n').slice(-3);
      if (order.join(',') !== `block ${round},b-high ${round},a-low ${round}`) wrong.push(order.join(' → '));
    }
    assert.deepEqual(wrong, [], 'the priority-10 job of qb should take the freed global slot before the older priority-0 job of qa');
  });
});

describe('runner: cancel', { concurrency: 3 }, () => {
  it('cancel of a running job (during a tool run): SIGINT, cancelled / manual_cancel with the reason, the group is gone', async (t) => {
    const f = coderFleet(t);
    const waiting = f.cli(['run', 'coder', '--prompt', 'sleep:60000', '--wait']);
    const id = await waitFor('the job on disk', () => f.jobIds()[0]);
    const { pid, members } = await agentWithTool(f, id);
    const c = await f.cli(['jobs', 'cancel', id, '--reason', 'wrong branch']);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, new RegExp(`${id} cancelled`));
    const job = f.job(id);
    assert.equal(job.status, 'cancelled', 'cancel waits for the end');
    assert.equal(job.exitReason, 'manual_cancel');
    assert.equal(job.cancelReason, 'wrong branch');
    assert.equal(job.error, null);
    const log = f.log(id);
    const complete = assertFinishedLog(log);
    assert.equal(complete.status, 'cancelled');
    // SIGINT was enough: the fake answered with its "interrupted" result line and exited 0 by itself
    assert.equal(complete.signal, null);
    assert.equal(complete.exitCode, 0);
    assert.ok(log.events.some((e) => e.kind === 'result' && e.terminalReason === 'aborted_tools'));
    assert.ok(
      job.recap?.bullets?.some((b: string) => /cancel/i.test(b)),
      'the recap says how it ended',
    );
    const w = await waiting;
    assert.equal(w.code, 130, `run --wait of a cancelled job exits 130: ${w.stdout}${w.stderr}`);
    assert.match(w.stdout, /cancelled/);
    assert.equal(alive(pid), false, 'agent gone');
    await waitGone(members, 'the agent and its tool');
    assert.deepEqual(groupMembers(pid), []);
  });

  it('cancel of an agent that ignores SIGINT: SIGTERM after part of the grace', async (t) => {
    const f = coderFleet(t);
    const following = f.cli(['run', 'coder', '--prompt', 'ignore-sigint slow:200:100', '--follow']);
    const id = await waitFor('the job on disk', () => f.jobIds()[0]);
    await waitEvent(f, id, (e) => e.text === 'Step 2 of 200.', 'the second step');
    const pid = f.job(id).pid as number;
    const t0 = Date.now();
    const c = await f.cli(['jobs', 'cancel', id]);
    const took = Date.now() - t0;
    assert.equal(c.code, 0, c.stderr);
    const job = await waitTerminal(f, id);
    assert.equal(job.status, 'cancelled');
    assert.equal(job.exitReason, 'manual_cancel');
    assert.equal(job.cancelReason, null);
    const complete = assertFinishedLog(f.log(id));
    assert.equal(complete.exitCode, 143, 'the fake ended on SIGTERM (exit 143), not SIGINT and not SIGKILL');
    assert.equal(complete.signal, null);
    assert.ok(took >= 900, `the agent outlived SIGINT for ~1 s (grace 2 s / 2): cancel took ${took} ms`);
    const fl = await following;
    assert.equal(fl.code, 130, `run --follow of a cancelled job exits 130: ${fl.stderr}`);
    assert.match(fl.stdout, /Step 2 of 200\./);
    await waitGroupGone(pid, 'the agent');
  });

  it('cancel of an agent that ignores SIGINT and SIGTERM: SIGKILL after cancel_grace', async (t) => {
    const f = coderFleet(t);
    const id = await f.submit('coder', '--prompt', 'ignore-term sleep:60000');
    const { pid, members } = await agentWithTool(f, id);
    const t0 = Date.now();
    const c = await f.cli(['jobs', 'cancel', id, '--reason', 'stuck']);
    const took = Date.now() - t0;
    assert.equal(c.code, 0, c.stderr);
    const job = await waitTerminal(f, id);
    assert.equal(job.status, 'cancelled');
    assert.equal(job.cancelReason, 'stuck');
    const complete = assertFinishedLog(f.log(id));
    assert.equal(complete.signal, 'SIGKILL');
    assert.ok(took >= 1900, `SIGKILL only after the 2 s grace: cancel took ${took} ms`);
    await waitGone(members, 'the agent and its tool (both ignoring SIGINT and SIGTERM)');
    assert.deepEqual(groupMembers(pid), []);
  });

  it('cancel of a pending job: it never runs', async (t) => {
    const f = coderFleet(t, () => '', '    max_concurrent: 1\n');
    const first = await f.submit('coder', '--prompt', 'slow:300:100');
    await waitStatus(f, first, ['running']);
    const second = await f.submit('coder', '--prompt', 'tool');
    assert.equal(f.job(second).status, 'pending');
    const c = await f.cli(['jobs', 'cancel', second, '--reason', 'not needed']);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /cancelled/);
    const job = f.job(second);
    assert.equal(job.status, 'cancelled');
    assert.equal(job.exitReason, 'manual_cancel');
    assert.equal(job.cancelReason, 'not needed');
    assert.equal(job.startedAt, null);
    assert.equal(job.pid, null);
    assert.ok(
      job.recap?.bullets?.some((b: string) => /cancelled/.test(b)),
      'a recap for the pending cancel too',
    );
    // let the slot free: the cancelled job must still not start
    assert.equal((await f.cli(['jobs', 'cancel', first])).code, 0);
    await waitTerminal(f, first);
    await sleep(800);
    const log = f.log(second);
    assertFinishedLog(log);
    assert.deepEqual(
      log.events.map((e) => e.type),
      ['complete'],
    );
    assert.equal(f.job(second).status, 'cancelled');
    const human = join(f.home, 'logs', 'coder', `${second}.log`);
    assert.doesNotMatch(existsSync(human) ? readFileSync(human, 'utf8') : '', /\bstart\b/, 'no start in its human log either');
  });

  it('cancel of a finished job is a no-op that exits 0', async (t) => {
    const f = coderFleet(t);
    const r = await f.cli(['run', 'coder', '--prompt', 'notool', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.split(' ')[0];
    const jobBefore = readFileSync(join(f.home, 'jobs', id, 'job.json'), 'utf8');
    const logBefore = f.log(id).raw;
    const c = await f.cli(['jobs', 'cancel', id, '--reason', 'too late']);
    assert.equal(c.code, 0, c.stderr);
    assert.match(c.stdout, /already completed/);
    await sleep(400); // a runner that wrongly obeyed the request would have done so by now
    assert.equal(readFileSync(join(f.home, 'jobs', id, 'job.json'), 'utf8'), jobBefore, 'job.json untouched');
    assert.equal(f.log(id).raw, logBefore, 'output.jsonl untouched');
    const j = await f.cli(['jobs', 'cancel', id, '--json']);
    assert.equal(j.code, 0, j.stderr);
    assert.equal(JSON.parse(j.stdout)[0].result, 'already-finished');
  });

  it('cancel --agent cancels every pending and running job of that agent, and only those', async (t) => {
    const f = fleet(t, ({ ws }) => `agents:\n${claudeAgent('coder', ws, '    max_concurrent: 1\n')}${claudeAgent('other', ws)}${JOBS()}`);
    const running = await f.submit('coder', '--prompt', 'sleep:60000');
    await waitStatus(f, running, ['running']);
    const pending = [await f.submit('coder', '--prompt', 'tool'), await f.submit('coder', '--prompt', 'tool')];
    const other = await f.submit('other', '--prompt', 'sleep:60000');
    await waitStatus(f, other, ['running']);
    const runningPid = f.job(running).pid as number;
    const c = await f.cli(['jobs', 'cancel', '--agent', 'coder', '--reason', 'bulk']);
    assert.equal(c.code, 0, c.stderr);
    for (const id of [running, ...pending]) {
      assert.match(c.stdout, new RegExp(id));
      const job = await waitTerminal(f, id);
      assert.equal(job.status, 'cancelled', id);
      assert.equal(job.cancelReason, 'bulk');
      assertFinishedLog(f.log(id));
    }
    for (const id of pending) assert.equal(f.log(id).events.filter((e) => e.type === 'start').length, 0, 'a pending job never started');
    await waitGroupGone(runningPid, 'the cancelled agent');
    assert.equal(f.job(other).status, 'running', "another agent's job is not touched");
    assert.ok(!c.stdout.includes(other));
    assert.equal((await f.cli(['jobs', 'cancel', other])).code, 0);
    assert.equal(f.job(other).status, 'cancelled');
  });
});

describe('runner: resume', { concurrency: 2 }, () => {
  it('resume starts a new job in the same workspace, resuming the session; a resumed job resumes again', async (t) => {
    const f = coderFleet(t);
    const first = await f.cli(['run', 'coder', '--prompt', 'tool', '--wait']);
    assert.equal(first.code, 0, first.stderr);
    const parentId = first.stdout.split(' ')[0];
    const parent = f.job(parentId);
    const session = parent.sessionId;
    assert.match(session, UUID_RE);

    let prev = parent;
    for (const prompt of [undefined, 'Now add tests']) {
      const r = await f.cli(['jobs', 'resume', prev.id.slice(0, 24), ...(prompt ? ['--prompt', prompt] : [])]);
      assert.equal(r.code, 0, r.stderr);
      const id = r.stdout.trim();
      assert.match(id, ID_RE);
      assert.notEqual(id, prev.id);
      const job = await waitTerminal(f, id);
      assert.equal(job.status, 'completed', `resumed job: ${job.error}`);
      assert.equal(job.parentJobId, prev.id);
      assert.equal(job.trigger, 'resume');
      assert.equal(job.agent, 'coder');
      assert.equal(job.workspace, parent.workspace);
      assert.equal(job.prompt, prompt ?? 'Continue from where you left off');
      assert.equal(job.sessionId, session, 'the session id is kept');
      const log = f.log(id);
      assertFinishedLog(log);
      const argv: string[] = log.events[0].argv;
      assert.deepEqual(argv.slice(argv.indexOf('--resume'), argv.indexOf('--resume') + 2), ['--resume', session]);
      assert.ok(!argv.includes('--session-id'));
      assert.equal(log.events[0].resumedSession, session);
      assert.equal(log.events.find((e) => e.kind === 'init')?.sessionId, session);
      // the fake carries the session's cost forward: it really found the session from the same workspace
      assert.ok(job.usage.costUsd > prev.usage.costUsd, `cost ${job.usage.costUsd} > ${prev.usage.costUsd}`);
      assert.equal(f.job(prev.id).status, 'completed', 'the parent is not changed');
      prev = job;
    }
  });

  it("resume of a job without a session carries the parent's recap in the prompt", async (t) => {
    const f = fleet(t, ({ ws }) => `agents:\n${commandAgent('sh', ws, ['sh', '-c', 'printf "%s\\n" "$HERDCTL_PROMPT" > last-prompt; echo "built 3 widgets"'])}${JOBS()}`);
    const r = await f.cli(['run', 'sh', '--prompt', 'build widgets', '--wait']);
    assert.equal(r.code, 0, r.stderr);
    const parentId = r.stdout.split(' ')[0];
    assert.equal(f.job(parentId).sessionId, null);
    const res = await f.cli(['jobs', 'resume', parentId]);
    assert.equal(res.code, 0, res.stderr);
    const job = await waitTerminal(f, res.stdout.trim());
    assert.equal(job.status, 'completed');
    assert.equal(job.parentJobId, parentId);
    assert.equal(job.workspace, f.ws);
    for (const part of [parentId, 'build widgets', 'built 3 widgets', 'Continue from where you left off']) {
      assert.ok(job.prompt.includes(part), `the resumed prompt mentions ${JSON.stringify(part)}: ${JSON.stringify(job.prompt)}`);
    }
    assert.equal(readFileSync(join(f.ws, 'last-prompt'), 'utf8'), job.prompt + '\n', 'the agent got that prompt');
  });

  it('resume of a running (or pending) job is a conflict (exit 5)', async (t) => {
    const f = coderFleet(t, () => '', '    max_concurrent: 1\n');
    const running = await f.submit('coder', '--prompt', 'slow:300:100');
    await waitStatus(f, running, ['running']);
    const pending = await f.submit('coder', '--prompt', 'tool');
    for (const id of [running, pending]) {
      const r = await f.cli(['jobs', 'resume', id]);
      assert.equal(r.code, 5, `resume of a ${f.job(id).status} job: ${r.stdout}${r.stderr}`);
      assert.match(r.stderr, /still (running|pending)/);
    }
    assert.equal(f.jobIds().length, 2, 'no job was created');
    assert.equal((await f.cli(['jobs', 'cancel', '--agent', 'coder'])).code, 0);
  });
});

describe('runner: crash recovery', { concurrency: 2 }, () => {
  it('kill -9 of the runner during heavy output: the next command fails the job, the log stays sound, pending jobs still run', async (t) => {
    const f = coderFleet(t, () => '', '    max_concurrent: 1\n');
    const id = await f.submit('coder', '--prompt', 'flood:2000000');
    await waitStatus(f, id, ['running']);
    const queued = await f.submit('coder', '--prompt', 'tool');
    await waitFor('heavy output under way', () => statSync(join(f.home, 'jobs', id, 'output.jsonl')).size > 500_000, 30_000, 5);
    const job = f.job(id);
    const runnerPid = job.runnerPid as number;
    const agentPid = job.pid as number;
    assert.ok(alive(runnerPid) && alive(agentPid), 'runner and agent alive mid-output');
    process.kill(runnerPid, 'SIGKILL');
    await waitGone([runnerPid], 'the killed runner');

    // what the dead writer left: whole events, at most a torn last line, no complete event
    const natural = f.log(id);
    const tornByCrash = natural.torn !== null;
    // a crash mid-append leaves half a line; make sure there is one, to see recovery cut it off
    if (!tornByCrash) appendFileSync(join(f.home, 'jobs', id, 'output.jsonl'), `{"seq":${natural.events.length},"ts":"${new Date().toISOString()}","type":"output","text":"Line 99`);
    const left = f.log(id);
    assert.notEqual(left.torn, null);
    assert.deepEqual(left.bad, []);
    assert.deepEqual(
      left.events.map((e) => e.seq),
      left.events.map((_, i) => i),
    );
    assert.equal(left.events.filter((e) => e.type === 'complete').length, 0);
    assert.equal(f.job(id).status, 'running', 'nobody has noticed yet');
    assert.equal(f.job(queued).status, 'pending');
    const logs = await f.cli(['jobs', 'logs', id, '--json']);
    assert.equal(logs.code, 0, 'a torn last line is no reason to fail');
    assert.equal(logs.stdout, left.raw.slice(0, left.raw.length - left.torn!.length), 'every whole line, unchanged');
    assert.match(logs.stderr, /torn/);

    const list = await f.cli(['jobs', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const row = (JSON.parse(list.stdout) as Json[]).find((j) => j.id === id)!;
    assert.equal(row.status, 'failed');
    const failed = f.job(id);
    assert.equal(failed.status, 'failed');
    assert.equal(failed.exitReason, 'error');
    assert.match(failed.error, new RegExp(`runner pid ${runnerPid}\\b.*lost`));
    const after = f.log(id);
    const complete = assertFinishedLog(after);
    assert.equal(complete.status, 'failed');
    assert.ok(after.raw.startsWith(left.raw.slice(0, left.raw.length - left.torn!.length)), 'the events written before the crash are kept');
    // the torn fragment is gone: had it stayed, the error event would have been glued to it (a bad line, caught above)
    assert.equal(after.events.length, left.events.length + 2, 'then an error and the complete event');
    assert.equal(after.events.at(-2)!.type, 'error');
    t.diagnostic(`runner killed after ${left.events.length} events (${tornByCrash ? 'the crash itself tore the last line' : 'torn line simulated'})`);
    assert.ok(failed.recap, 'a recap on the crash transition too');
    await waitGroupGone(agentPid, 'the orphaned agent');

    const show = await f.cli(['jobs', 'show', id, '--json']);
    assert.equal(JSON.parse(show.stdout).status, 'failed');
    // the pending job of that agent runs without anyone submitting again
    const next = await waitTerminal(f, queued, 30_000);
    assert.equal(next.status, 'completed', `the queued job after the crash: ${next.error}`);
    assertFinishedLog(f.log(queued));
    assert.equal(f.job(id).status, 'failed', 'the failed job stays failed');
    assertFinishedLog(f.log(id));
  });

  it("kill -9 of a runner holding the only global slot: another agent's job takes the slot at once, not when the lock goes stale", async (t) => {
    const f = fleet(t, ({ ws }) => `agents:\n${commandAgent('long', ws, ['sleep', '60'])}${commandAgent('quick', ws, ['true'])}${JOBS(1)}`);
    const id = await f.submit('long');
    await waitStatus(f, id, ['running']);
    const { runnerPid, pid } = f.job(id) as { runnerPid: number; pid: number };
    const slot = JSON.parse(readFileSync(join(f.home, 'locks', 'slot-0.json'), 'utf8'));
    assert.deepEqual([slot.pid, slot.job], [runnerPid, id], 'the slot names its holder and its job');
    process.kill(runnerPid, 'SIGKILL');
    await waitGone([runnerPid], 'the killed runner');
    const t0 = Date.now();
    const next = await f.submit('quick');
    const done = await waitTerminal(f, next, 30_000);
    const took = Date.now() - t0;
    assert.equal(done.status, 'completed');
    // a takeover when the lock goes stale would come 20 s after the kill at the earliest: sooner is "at once",
    // however loaded the box (a loaded CI run took 8 s)
    assert.ok(took < STALE_MS, `the next job ran ${took} ms after the kill: the slot was taken only when its lock went stale (${STALE_MS} ms)`);
    // the slot's taker failed the dead holder's job and killed its agent first: never two agents in one slot
    const failed = f.job(id);
    assert.equal(failed.status, 'failed');
    assert.match(failed.error, new RegExp(`runner pid ${runnerPid}\\b.*lost`));
    assert.ok(Date.parse(failed.completedAt) <= Date.parse(done.startedAt), 'failed before the next job started');
    await waitGroupGone(pid, 'the orphaned agent');
    t.diagnostic(`next job completed ${took} ms after its submission`);
  });

  it('kill -9 of the runner while the agent runs a long tool: recovery kills the orphaned agent group', async (t) => {
    const f = coderFleet(t);
    const id = await f.submit('coder', '--prompt', 'sleep:60000');
    const { pid, members } = await agentWithTool(f, id);
    const runnerPid = f.job(id).runnerPid as number;
    process.kill(runnerPid, 'SIGKILL');
    await waitGone([runnerPid], 'the killed runner');
    await sleep(300);
    assert.deepEqual(members.filter((p) => alive(p)).sort(), [...members].sort(), 'the agent and its tool outlive their runner (orphans)');
    const show = await f.cli(['jobs', 'show', id.slice(0, 22), '--json']);
    assert.equal(show.code, 0, show.stderr);
    const shown = JSON.parse(show.stdout);
    assert.equal(shown.status, 'failed');
    assert.match(shown.error, new RegExp(`runner pid ${runnerPid}\\b.*lost`));
    await waitGone(members, 'the orphaned agent and its tool', 10_000);
    assert.deepEqual(groupMembers(pid), []);
    const complete = assertFinishedLog(f.log(id));
    assert.equal(complete.error, shown.error);
    assert.ok(TERMINAL.has(f.job(id).status));
  });

  it('a `jobs logs --follow` running when the runner dies notices it, fails the job and exits 1 with every line printed once', async (t) => {
    const f = coderFleet(t);
    const id = await f.submit('coder', '--prompt', 'slow:3:50 sleep:60000');
    const { members } = await agentWithTool(f, id);
    const follower = f.cli(['jobs', 'logs', id, '--follow', '--json']);
    await sleep(500);
    const runnerPid = f.job(id).runnerPid as number;
    process.kill(runnerPid, 'SIGKILL');
    const r = await follower;
    assert.equal(r.code, 1, r.stderr);
    assert.equal(r.stdout, f.log(id).raw, 'the follower printed output.jsonl exactly: none missed, none doubled');
    const job = f.job(id);
    assert.equal(job.status, 'failed');
    assert.match(job.error, new RegExp(`runner pid ${runnerPid}\\b.*lost`));
    assertFinishedLog(f.log(id));
    await waitGone(members, 'the orphaned agent and its tool', 10_000);
  });

  it('after kill -9 of a runner, the next `run` starts a new runner that fails the lost job, kills its orphan and runs the new one', async (t) => {
    const f = coderFleet(t);
    const lost = await f.submit('coder', '--prompt', 'sleep:60000');
    const { members } = await agentWithTool(f, lost);
    const runnerPid = f.job(lost).runnerPid as number;
    process.kill(runnerPid, 'SIGKILL');
    await waitGone([runnerPid], 'the killed runner');
    const next = await f.cli(['run', 'coder', '--prompt', 'tool', '--wait']);
    assert.equal(next.code, 0, next.stdout + next.stderr);
    const job = await waitTerminal(f, lost, 10_000);
    assert.equal(job.status, 'failed');
    assert.match(job.error, new RegExp(`runner pid ${runnerPid}\\b.*lost`));
    assertFinishedLog(f.log(lost));
    await waitGone(members, 'the orphaned agent and its tool', 10_000);
  });

  it('a job claimed by a runner that died before starting it goes back to the queue and runs', async (t) => {
    const f = coderFleet(t, () => '', '    max_concurrent: 1\n');
    const blocker = await f.submit('coder', '--prompt', 'sleep:60000');
    const { members } = await agentWithTool(f, blocker);
    const claimed = await f.submit('coder', '--prompt', 'tool');
    const runnerPid = f.job(blocker).runnerPid as number;
    process.kill(runnerPid, 'SIGKILL');
    await waitGone([runnerPid], 'the killed runner');
    // what the runner's claim does (queue/<agent>/<marker> → active/<id>), as if it died right after it
    const queueDir = join(f.home, 'queue', 'coder');
    const marker = readdirSync(queueDir).find((n) => n.endsWith(claimed));
    assert.ok(marker, 'the pending job has its queue marker');
    renameSync(join(queueDir, marker), join(f.home, 'active', claimed));
    const list = await f.cli(['jobs', 'list', '--json']);
    assert.equal(list.code, 0, list.stderr);
    const rows = JSON.parse(list.stdout) as Json[];
    assert.equal(rows.find((j) => j.id === blocker)?.status, 'failed');
    assert.equal(rows.find((j) => j.id === claimed)?.status, 'pending', 'listed (from active/) as what it is: pending');
    const job = await waitTerminal(f, claimed, 20_000);
    assert.equal(job.status, 'completed', `the claimed-but-unstarted job: ${job.error}`);
    assertFinishedLog(f.log(claimed));
    await waitGone(members, 'the orphaned blocker', 10_000);
  });
});

describe('runner: liveness judged by pid + start time + host + boot, never a pid alone', { concurrency: 3 }, () => {
  /** A running job as a runner on `runner` would have left it, with an agent `agent`. */
  function runningJob(f: Fleet, runner: Partial<Ident>, agent?: Partial<Ident>): string {
    const { id } = writeJob(f.home, {
      agent: 'coder',
      status: 'running',
      createdAt: new Date(Date.now() - 5000).toISOString(),
      workspace: f.ws,
      runnerPid: runner.pid,
      runnerStartTime: runner.startTime,
      host: runner.host ?? hostname(),
      bootId: runner.bootId ?? BOOT_ID,
      pid: agent?.pid ?? null,
      pidStartTime: agent?.startTime ?? null,
      events: seqEvents([{ type: 'start', argv: ['x'], cwd: f.ws, pid: agent?.pid ?? null }]),
    });
    return id;
  }

  /** A detached `sleep` in its own process group: a stand-in agent (or an unrelated process holding a pid). */
  function sleeper(t: Parameters<typeof fleet>[0]): number {
    const c = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    c.unref();
    t.after(() => {
      try {
        process.kill(c.pid!, 'SIGKILL');
      } catch {
        /* gone */
      }
    });
    return c.pid!;
  }

  const show = async (f: Fleet, id: string): Promise<Json> => {
    const r = await f.cli(['jobs', 'show', id, '--json']);
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout);
  };

  it('a live runner (right pid and start time) keeps its job running', async (t) => {
    const f = coderFleet(t);
    const id = runningJob(f, { pid: process.pid, startTime: startTime(process.pid) });
    assert.equal((await show(f, id)).status, 'running');
    assert.equal(f.job(id).status, 'running');
    assert.equal(f.log(id).events.length, 1);
  });

  it('a recycled runner pid (alive, other start time) is a lost runner; a recycled agent pid is not killed', async (t) => {
    const f = coderFleet(t);
    const unrelated = sleeper(t);
    const id = runningJob(f, { pid: process.pid, startTime: startTime(process.pid)! - 1000 }, { pid: unrelated, startTime: startTime(unrelated)! - 1000 });
    const job = await show(f, id);
    assert.equal(job.status, 'failed');
    assert.match(job.error, new RegExp(`runner pid ${process.pid}\\b.*lost`));
    assertFinishedLog(f.log(id));
    await sleep(200);
    assert.ok(alive(unrelated), 'a process that merely reuses the agent pid is left alone');
  });

  it('an orphaned agent (right pid and start time) is killed with its group when its runner is gone', async (t) => {
    const f = coderFleet(t);
    const orphan = sleeper(t);
    const id = runningJob(f, { pid: 999_999_999, startTime: 1 }, { pid: orphan, startTime: startTime(orphan)! });
    const r = await f.cli(['jobs', 'list', '--json']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal((JSON.parse(r.stdout) as Json[]).find((j) => j.id === id)?.status, 'failed');
    await waitGroupGone(orphan, 'the orphaned agent');
  });

  it('a job from before a reboot (other boot id) fails even though its pid is alive again', async (t) => {
    const f = coderFleet(t);
    const id = runningJob(f, { pid: process.pid, startTime: startTime(process.pid), bootId: '00000000-0000-0000-0000-000000000000' });
    const job = await show(f, id);
    if (BOOT_ID === null) {
      // this system names no boot: an unknown boot is no evidence, pid + start time decide
      assert.equal(job.status, 'running');
      return;
    }
    assert.equal(job.status, 'failed');
    assert.match(job.error, /lost/);
  });

  it("another host's runner is judged by its lock heartbeat, not by a local pid", async (t) => {
    const f = coderFleet(t);
    // pid 1 is alive here: a local pid check would wrongly keep this job running
    const stale = runningJob(f, { pid: 1, startTime: startTime(1), host: 'elsewhere.example' });
    const job = await show(f, stale);
    assert.equal(job.status, 'failed', 'no runner lock: that runner is gone');
    assert.match(job.error, /elsewhere\.example/);

    const f2 = coderFleet(t);
    mkdirSync(join(f2.home, 'locks', 'runner-coder.lock'), { recursive: true }); // a fresh lock: its holder heartbeats
    const held = runningJob(f2, { pid: 999_999_999, startTime: 1, host: 'elsewhere.example' });
    assert.equal((await show(f2, held)).status, 'running', "a dead-looking local pid says nothing about another host's process");
  });
});
