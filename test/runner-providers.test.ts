// The codex and gemini runtimes end to end: the real CLI (`bin/run.js`, built dist/), the
// detached runner, the fakes in fixtures/bin (codex, gemini), real process groups and signals —
// the matrix the claude runtime passes in runner.test.ts.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { fakeAgent } from './support/agents.js';
import { fleet, type Fleet, waitEvent, waitTerminal } from './support/fleet.js';
import { assertFinishedLog, type Json } from './support/jobs.js';
import { alive, waitGone, waitGroupGone } from './support/procs.js';
import { waitFor } from './support/wait.js';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

for (const runtime of ['codex', 'gemini'] as const) {
  const extra = runtime === 'gemini' ? '    approval_mode: yolo\n' : '';
  /** Agents: `a` (plain), `short` (timeout 1s), `limited` (max_turns: 1). */
  const providerFleet = (t: Parameters<typeof fleet>[0]) =>
    fleet(
      t,
      ({ ws }) =>
        `agents:\n${fakeAgent(runtime, 'a', ws, extra)}${fakeAgent(runtime, 'short', ws, `${extra}    timeout: 1s\n`)}${fakeAgent(runtime, 'limited', ws, `${extra}    max_turns: 1\n`)}` +
        `jobs: { max_concurrent: 4, cancel_grace: 4s }\npricing:\n  gemini-3.5-flash-lite: { input: 1, output: 1 }\n`,
    );
  const toolPid = async (f: Fleet, id: string): Promise<number> => {
    const e = await waitEvent(f, id, (x) => /^fake \w+: tool pid \d+$/.test(x.text ?? ''), 'the tool start');
    return Number(/(\d+)$/.exec(e.text)![1]);
  };

  describe(`runner with the ${runtime} runtime`, { concurrency: 3 }, () => {
    it('success with tool events, usage with an estimated cost, the model recorded', async (t) => {
      const f = providerFleet(t);
      const r = await f.cli(['run', 'a', '--prompt', 'tools:2', '--model', runtime === 'codex' ? 'gpt-5.5' : 'gemini-3.8-flash', '--wait']);
      assert.equal(r.code, 0, r.stderr + r.stdout);
      const id = r.stdout.split(' ')[0];
      const job = f.job(id);
      assert.equal(job.status, 'completed', job.error);
      assert.equal(job.model, runtime === 'codex' ? 'gpt-5.5' : 'gemini-3.8-flash');
      assert.match(job.sessionId, UUID_RE);
      assert.equal(job.summary, 'The directory contains the files listed above.');
      const log = f.log(id);
      const complete = assertFinishedLog(log);
      assert.equal(complete.status, 'completed');
      assert.equal(log.events.filter((e) => e.type === 'tool_use').length, 2);
      assert.equal(log.events.filter((e) => e.type === 'tool_result').length, 2);
      assert.ok(log.events[0].argv.includes('--model'));
      assert.equal(log.events.find((e) => e.kind === 'init')?.sessionId, job.sessionId);
      assert.ok(job.usage.inputTokens > 0 && job.usage.outputTokens > 0);
      assert.equal(job.usage.costEstimated, true);
      assert.ok(job.usage.costUsd > 0);
      const show = await f.cli(['jobs', 'show', id]);
      assert.match(show.stdout, /estimated/);
      assert.match(show.stdout, /Model\s+gpt-5\.5|Model\s+gemini-3\.8-flash/);
    });

    it("resume keeps the session (and the model); usage is the resumed job's own share", async (t) => {
      const f = providerFleet(t);
      const first = await f.cli(['run', 'a', '--prompt', 'tool', '--model', 'm-1', '--wait']);
      assert.equal(first.code, 0, first.stderr);
      const parent = f.job(first.stdout.split(' ')[0]);
      const r = await f.cli(['jobs', 'resume', parent.id, '--prompt', 'again']);
      assert.equal(r.code, 0, r.stderr);
      const job = await waitTerminal(f, r.stdout.trim());
      assert.equal(job.status, 'completed', job.error);
      assert.equal(job.sessionId, parent.sessionId);
      assert.equal(job.model, 'm-1');
      const argv: string[] = f.log(job.id).events[0].argv;
      assert.ok(argv.includes(parent.sessionId) && (argv.includes('resume') || argv.includes('--resume')), argv.join(' '));
      assert.deepEqual(
        [job.usage.inputTokens, job.usage.outputTokens, job.usage.cacheReadTokens],
        [parent.usage.inputTokens, parent.usage.outputTokens, parent.usage.cacheReadTokens],
        'each run of the fake costs the same: the resumed job records its share, not the session total',
      );
      const other = await f.cli(['jobs', 'resume', parent.id, '--model', 'm-2']);
      assert.equal((await waitTerminal(f, other.stdout.trim())).model, 'm-2');
    });

    it('resume of a session the CLI does not know fails clearly', async (t) => {
      const f = providerFleet(t);
      const first = await f.cli(['run', 'a', '--prompt', 'notool', '--wait']);
      assert.equal(first.code, 0, first.stderr);
      rmSync(join(f.dir, `fake-${runtime}`), { recursive: true, force: true }); // the CLI's session store is gone
      const r = await f.cli(['jobs', 'resume', first.stdout.split(' ')[0]]);
      const job = await waitTerminal(f, r.stdout.trim());
      assert.equal(job.status, 'failed');
      assert.match(job.error, runtime === 'codex' ? /could not resume the session.*no rollout found/ : /code 42: bad input.*Invalid session identifier/);
    });

    it('an API error fails with its message', async (t) => {
      const f = providerFleet(t);
      const r = await f.cli(['run', 'a', '--prompt', 'err400', '--wait']);
      assert.equal(r.code, 1, r.stdout);
      const job = f.job(r.stdout.split(' ')[0]);
      assert.equal(job.status, 'failed');
      assert.match(job.error, /invalid/i);
      assertFinishedLog(f.log(job.id));
    });

    it('cancel while answering: cancelled, the agent gone', async (t) => {
      const f = providerFleet(t);
      const id = await f.submit('a', '--prompt', 'slow:200:100');
      await waitEvent(f, id, (e) => e.kind === 'init', 'the init line');
      const pid = f.job(id).pid as number;
      const c = await f.cli(['jobs', 'cancel', id, '--reason', 'enough']);
      assert.equal(c.code, 0, c.stderr);
      const job = await waitTerminal(f, id);
      assert.equal(job.status, 'cancelled');
      assert.equal(job.cancelReason, 'enough');
      const complete = assertFinishedLog(f.log(id));
      // SIGINT to the group was enough: codex exits 1, gemini 0 — neither needed SIGKILL
      assert.equal(complete.signal, null);
      await waitGroupGone(pid, 'the agent');
    });

    it('cancel while a tool runs: cancelled, the tool process gone too', async (t) => {
      const f = providerFleet(t);
      const id = await f.submit('a', '--prompt', 'sleep:60000');
      const tool = await toolPid(f, id);
      assert.ok(alive(tool));
      const c = await f.cli(['jobs', 'cancel', id]);
      assert.equal(c.code, 0, c.stderr);
      const job = await waitTerminal(f, id);
      assert.equal(job.status, 'cancelled', `${job.error}\n${f.log(id).raw}`);
      assertFinishedLog(f.log(id));
      await waitGone([tool], runtime === 'gemini' ? 'the shell tool in its own process group' : 'the tool');
    });

    it('kill -9 of the runner during a tool: the next command fails the job and kills the agent and the tool', async (t) => {
      const f = providerFleet(t);
      const id = await f.submit('a', '--prompt', 'sleep:60000');
      const tool = await toolPid(f, id);
      const { runnerPid, pid } = f.job(id);
      process.kill(runnerPid, 'SIGKILL');
      await waitGone([runnerPid], 'the killed runner');
      const show = await f.cli(['jobs', 'show', id, '--json']);
      assert.equal(show.code, 0, show.stderr);
      assert.equal(JSON.parse(show.stdout).status, 'failed');
      await waitGone([pid, tool], 'the orphaned agent and its tool (gemini: in a process group of its own)');
    });

    it('timeout: failed / timeout', async (t) => {
      const f = providerFleet(t);
      const id = await f.submit('short', '--prompt', 'slow:200:100');
      const job = await waitTerminal(f, id);
      assert.equal(job.status, 'failed');
      assert.equal(job.exitReason, 'timeout');
      assertFinishedLog(f.log(id));
    });

    it('max_turns: failed, saying the turn limit was reached', async (t) => {
      const f = providerFleet(t);
      const id = await f.submit('limited', '--prompt', 'tools:3');
      const job: Json = await waitTerminal(f, id);
      assert.equal(job.status, 'failed');
      assert.match(job.error, /max.turns reached/);
      assertFinishedLog(f.log(id));
      await waitFor('no process of the job left', () => !alive(job.pid));
    });
  });
}
