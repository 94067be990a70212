// `jobs rm` and `jobs retry`, through the real CLI: finished jobs only, worktrees
// kept across a retry and removed with the job.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { Chalk } from 'chalk';
import type { JobEvent } from '../src/core/events.js';
import { renderEvent } from '../src/render/events.js';
import { claudeAgent, commandAgent, nodeAgent } from './support/agents.js';
import { fleet, waitStatus, waitTerminal } from './support/fleet.js';
import { git, makeUserRepo } from './support/git.js';
import { runnersGone } from './support/procs.js';
import { runCli, startCli } from './support/cli.js';
import { jobIdAt, writeJob } from './support/jobs.js';
import { tempDir } from './support/tmp.js';

describe('jobs rm', () => {
  it('removes finished jobs (dir, list, index); refuses a running one naming cancel, removing nothing; a worktree goes, its branch stays unless --delete-branch', async (t) => {
    let repo = '';
    const f = fleet(t, ({ dir, ws }) => {
      repo = makeUserRepo(join(dir, 'repo'));
      return `agents:\n${commandAgent('quick', ws, nodeAgent('console.log(1)'))}${commandAgent('long', ws, nodeAgent('setTimeout(() => {}, 60000)'))}${commandAgent('iso', repo, nodeAgent('console.log(2)'), '    isolation: worktree\n')}`;
    });
    const done = await f.submit('quick');
    const running = await f.submit('long');
    const a = await f.submit('iso');
    const b = await f.submit('iso');
    await waitTerminal(f, done);
    await waitStatus(f, running, ['running']);
    for (const id of [a, b]) assert.equal((await waitTerminal(f, id)).status, 'completed');

    const refused = await f.cli(['jobs', 'rm', done, running]);
    assert.equal(refused.code, 5);
    assert.match(refused.stderr, new RegExp(`${running} is running: only finished jobs can be removed \\(nothing was removed\\)`));
    assert.match(refused.stderr, new RegExp(`try: herdctl jobs cancel ${running}`));
    assert.ok(existsSync(join(f.home, 'jobs', done)), 'nothing removed');

    const rm = await f.cli(['jobs', 'rm', done, a, '--json']);
    assert.equal(rm.code, 0, rm.stderr);
    assert.deepEqual((JSON.parse(rm.stdout).jobs as { id: string }[]).map((j) => j.id).sort(), [done, a].sort());
    assert.ok(!existsSync(join(f.home, 'jobs', done)) && !existsSync(join(f.home, 'worktrees', a)));
    assert.match(git(repo, 'branch', '--list', `herdctl/${a}`), new RegExp(a), 'the branch stays');
    const list = await f.cli(['jobs', 'list', '--json']);
    const ids = (JSON.parse(list.stdout) as { id: string }[]).map((j) => j.id);
    assert.ok(!ids.includes(done) && !ids.includes(a) && ids.includes(b));

    await runnersGone(f.home, 30_000, 'iso'); // rm is like prune: never under a job's feet, but the iso runner may still be lingering (the long one runs on)
    const del = await f.cli(['jobs', 'rm', b, '--delete-branch']);
    assert.equal(del.code, 0, del.stderr);
    assert.match(del.stdout, new RegExp(`removed ${b}`));
    assert.equal(git(repo, 'branch', '--list', `herdctl/${b}`).trim(), '', '--delete-branch');
    assert.equal((await f.cli(['jobs', 'rm', 'job-20200101-000000-zzzzzzzz'])).code, 3, 'an unknown id: not found');
    assert.equal((await f.cli(['jobs', 'cancel', running])).code, 0);
  });
});

describe('jobs retry', () => {
  it('a new job: same agent, prompt and settings, trigger retry, parentJobId; an isolated job again in its worktree and branch; a running one is refused', async (t) => {
    let repo = '';
    const f = fleet(t, ({ dir }) => {
      repo = makeUserRepo(join(dir, 'repo'));
      return `agents:\n${commandAgent('iso', repo, nodeAgent('require("fs").appendFileSync("log.txt", "run\\\\n"); process.exit(process.env.FAIL_ONCE && !require("fs").existsSync("twice") ? (require("fs").writeFileSync("twice", ""), 1) : 0)'), '    isolation: worktree\n    env: { FAIL_ONCE: "1" }\n')}`;
    });
    const first = await f.submit('iso', '--prompt', 'do the thing', '--tag', 'x', '--priority', '3');
    const j1 = await waitTerminal(f, first);
    assert.equal(j1.status, 'failed');
    const r = await f.cli(['jobs', 'retry', first.slice(-8)]);
    assert.equal(r.code, 0, r.stderr);
    const second = r.stdout.trim();
    const j2 = await waitTerminal(f, second);
    assert.equal(j2.status, 'completed', j2.error);
    assert.equal(j2.trigger, 'retry');
    assert.equal(j2.parentJobId, first);
    assert.equal(j2.prompt, 'do the thing');
    assert.deepEqual([j2.agent, j2.priority, j2.tags], ['iso', 3, ['x']]);
    assert.equal(j2.sessionId === j1.sessionId && j1.sessionId !== null, false, 'a fresh session');
    assert.equal(j2.worktree, j1.worktree, 'the same worktree');
    assert.equal(j2.branch, `herdctl/${first}`, 'the same branch');
    assert.match(git(j1.worktree, 'log', '--format=%s', '-3'), /herdctl/);

    const pending = await f.submit('iso', '--prompt', 'later', '--after', second, '--after', await f.submit('iso', '--prompt', 'x'));
    const busy = await f.cli(['jobs', 'retry', pending]);
    if (busy.code === 0) assert.equal(f.job(pending).status !== 'pending', true, 'a pending job is refused');
    else {
      assert.equal(busy.code, 5, busy.stderr);
      assert.match(busy.stderr, /only a finished job can be retried/);
    }
  });
});

describe('ids as people paste them', () => {
  it('any run of the random part, a prefix with or without job-, a trailing /; ambiguous exits 4 listing the candidates', async (t) => {
    const home = join(tempDir(t), 'home');
    const at = Date.parse('2026-12-03T09:15:00Z');
    const a = writeJob(home, { id: jobIdAt(at, 'k3x9a2bq'), createdAt: new Date(at).toISOString() }).id;
    const b = writeJob(home, { id: jobIdAt(at + 1000, 'mmk3x9zz'), createdAt: new Date(at + 1000).toISOString() }).id;
    const show = async (ref: string) => runCli(['jobs', 'show', ref, '--json'], { home });
    for (const [ref, want] of [
      ['a2bq', a],
      ['k3x9a2bq', a],
      ['x9zz', b],
      ['3x9a', a],
      [`${a}/`, a],
      ['20261203-091501', b],
      ['job-20261203-091500', a],
    ] as const) {
      const r = await show(ref);
      assert.equal(r.code, 0, `${ref}: ${r.stderr}`);
      assert.equal(JSON.parse(r.stdout).id, want, ref);
    }
    const amb = await runCli(['jobs', 'show', 'k3x9'], { home });
    assert.equal(amb.code, 4);
    assert.match(amb.stderr, new RegExp(`"k3x9" matches 2 jobs:\\n  (${a}|${b})\\n  (${a}|${b})`));
    assert.equal((await runCli(['jobs', 'show', 'qqqq'], { home })).code, 3);
    assert.equal((await runCli(['jobs', 'logs', 'a2bq', '--json'], { home })).code, 0, 'every command takes the same forms');
  });
});

describe('run --wait / --follow: the id at once, Ctrl-C detaches', () => {
  for (const mode of ['--wait', '--follow']) {
    it(`${mode}: the id on stderr before the job ends; SIGINT says the job keeps running and how to follow or cancel it, exit 10; the job runs on`, async (t) => {
      const f = fleet(t, ({ ws }) => `agents:\n${commandAgent('long', ws, nodeAgent('console.log("started"); setInterval(() => {}, 1000)'))}`);
      const run = startCli(['run', 'long', mode], f.env);
      t.after(() => run.child.kill('SIGKILL'));
      const first = await run.line(/submitted to long/, { stderr: true, timeoutMs: 30_000 });
      const id = first.split(' ')[0];
      assert.match(id, /^job-/);
      await waitStatus(f, id, ['running']);
      run.child.kill('SIGINT');
      const end = await run.exited;
      assert.equal(end.code, 10, end.stderr);
      assert.match(end.stderr, new RegExp(`stopped waiting: ${id} is running and keeps running`));
      assert.match(end.stderr, new RegExp(`herdctl jobs logs ${id} --follow`));
      assert.match(end.stderr, new RegExp(`herdctl jobs cancel ${id}`));
      assert.equal(f.job(id).status, 'running', 'the job was not touched');
      assert.equal((await f.cli(['jobs', 'cancel', id])).code, 0);
    });
  }
});

describe('why a job is pending', () => {
  it('show names its place in the queue and the limit in its way; logs of a pending job says so on stderr', async (t) => {
    const LONG = nodeAgent('setInterval(() => {}, 1000)');
    const f = fleet(t, ({ ws }) => `agents:\n${commandAgent('q', ws, LONG)}${commandAgent('other', ws, LONG)}jobs: { max_concurrent: 2 }\n`);
    const running = await f.submit('q');
    await waitStatus(f, running, ['running']);
    const second = await f.submit('q');
    const third = await f.submit('q');
    const show = async (id: string) => (await f.cli(['jobs', 'show', id])).stdout;
    assert.match(await show(second), /Pending +next in q's queue; waiting for q to finish a job \(1\/1 running\)/);
    assert.match(await show(third), /Pending +1 ahead in q's queue; waiting for q to finish a job \(1\/1 running\)/);
    const other = await f.submit('other');
    await waitStatus(f, other, ['running']);
    const more = await f.submit('other');
    assert.match(await show(more), /waiting for a global slot \(2\/2 busy\)/);
    const logs = await f.cli(['jobs', 'logs', third]);
    assert.equal(logs.code, 0);
    assert.equal(logs.stdout, '');
    assert.match(logs.stderr, new RegExp(`${third} is pending \\(1 ahead in q's queue; .*\\): no events yet; follow it with: herdctl jobs logs ${third} --follow`));
    assert.equal((await f.cli(['jobs', 'cancel', '--agent', 'q'])).code, 0);
    assert.equal((await f.cli(['jobs', 'cancel', '--agent', 'other'])).code, 0);
  });
});

describe('terminal safety', () => {
  it('escape sequences and \\r from an agent are shown, not obeyed; multi-line output stays in its column; --json is byte-exact; claude text appears once', async (t) => {
    const f = fleet(
      t,
      ({ ws }) =>
        `agents:\n${commandAgent('tty', ws, nodeAgent('console.log("\\x1b[2J\\x1b]0;pwned\\x07red \\x1b[31mtext\\x1b[0m\\rover"); console.error("line one\\nline two")'))}${claudeAgent('cl', ws)}`,
    );
    const id = await f.submit('tty', '--prompt', 'x\x1b[31my');
    assert.equal((await waitTerminal(f, id)).status, 'completed');
    const human = await f.cli(['jobs', 'logs', id]);
    // eslint-disable-next-line no-control-regex -- the raw bytes are what must not get through
    assert.ok(!/[\u001b\r\u0007]/u.test(human.stdout), 'no raw control characters reach the terminal');
    assert.match(human.stdout, /␛\[2J␛\]0;pwned␇red ␛\[31mtext␛\[0m␍over/);
    const multi = renderEvent({ seq: 1, ts: '2026-12-05T06:00:00.000Z', type: 'tool_result', content: 'line one\nline two\x1b[0m' } as JobEvent, new Chalk({ level: 0 }));
    assert.equal(multi, '06:00:00 result  line one\n                 line two␛[0m', 'a continuation line is indented to the text column');
    const json = await f.cli(['jobs', 'logs', id, '--json']);
    assert.equal(json.stdout, readFileSync(join(f.home, 'jobs', id, 'output.jsonl'), 'utf8'), '--json is the stored bytes');
    assert.ok(!(await f.cli(['jobs', 'show', id])).stdout.includes('\u001b'), 'the prompt is made safe in show too');

    const cl = await f.submit('cl', '--prompt', 'notool');
    const done = await waitTerminal(f, cl);
    assert.equal(done.status, 'completed', done.error);
    const answer = String(done.summary).split('\n')[0];
    const text = (await f.cli(['jobs', 'logs', cl])).stdout;
    assert.equal(text.split(answer).length - 1, 1, `the final answer appears once in:\n${text}`);
  });
});

describe('the verbs people reach for', () => {
  it('jobs wait (worst outcome, --any, --timeout), logs --tail, list --tag / -o wide / --no-headers, config check', async (t) => {
    const f = fleet(
      t,
      ({ ws }) =>
        `agents:\n${commandAgent('ok', ws, nodeAgent('for (let i = 1; i <= 6; i++) console.log("line " + i)'))}${commandAgent('bad', ws, nodeAgent('process.exit(3)'))}${commandAgent('long', ws, nodeAgent('setInterval(() => {}, 1000)'), '    env: { TOKEN: "s3cret-value" }\n')}jobs: { max_concurrent: 4 }\n`,
    );
    const ok = await f.submit('ok', '--tag', 'nightly', '--tag', 'fast', '--prompt', 'print\nsix lines');
    const bad = await f.submit('bad', '--tag', 'nightly');
    const long = await f.submit('long');
    await waitStatus(f, long, ['running']);

    const both = await f.cli(['jobs', 'wait', ok, bad]);
    assert.equal(both.code, 1, 'a failure is the worst outcome');
    assert.match(both.stdout, new RegExp(`${ok} completed \\(success\\)\\n${bad} failed`));
    assert.equal((await f.cli(['jobs', 'wait', ok])).code, 0);
    const any = await f.cli(['jobs', 'wait', long, ok, '--any', '--json']);
    assert.equal(any.code, 0, any.stderr);
    assert.equal(JSON.parse(any.stdout)[0].id, ok, '--any: the first to end');
    const timeout = await f.cli(['jobs', 'wait', long, '--timeout', '1s']);
    assert.equal(timeout.code, 124);
    assert.match(timeout.stderr, new RegExp(`^waiting for ${long} to end \\(Ctrl-C stops waiting, not the jobs\\)\n$`), 'one line before a wait');
    assert.match(timeout.stdout, /stopped waiting; the jobs go on/);
    assert.equal(f.job(long).status, 'running');

    const tail = await f.cli(['jobs', 'logs', ok, '--tail', '2', '--json']);
    assert.deepEqual(
      tail.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l).type),
      ['output', 'complete'],
    );
    assert.match((await f.cli(['jobs', 'logs', ok, '-n', '3'])).stdout, /line 5\n.*line 6\n.*done/);

    const tagged = await f.cli(['jobs', 'list', '--tag', 'nightly', '--json']);
    assert.deepEqual((JSON.parse(tagged.stdout) as { id: string }[]).map((j) => j.id).sort(), [ok, bad].sort());
    const all = await f.cli(['jobs', 'list', '--tag', 'nightly', '--tag', 'fast', '--json']);
    assert.deepEqual(
      (JSON.parse(all.stdout) as { id: string }[]).map((j) => j.id),
      [ok],
      'repeated: every tag',
    );
    const wide = await f.cli(['jobs', 'list', '--tag', 'nightly', '-o', 'wide']);
    assert.match(wide.stdout, /^ID +AGENT +STATUS +REASON +SCHEDULE +STARTED +DURATION +TAGS +PROMPT +ERROR$/m);
    assert.match(wide.stdout, /nightly,fast +print six lines/, 'a prompt on one line in its column');
    const bare = await f.cli(['jobs', 'list', '--no-headers']);
    assert.equal(bare.stdout.trim().split('\n').length, 3);
    assert.doesNotMatch(bare.stdout, /^ID /m);
    const cut = await f.cli(['jobs', 'list', '--limit', '1']);
    assert.match(cut.stdout, /… 2 more jobs match: the newest 1 are shown \(--limit 5 shows more\)/, 'a cut list says how many more');
    assert.match((await f.cli(['jobs', 'list', '--limit', '2'])).stdout, /… 1 more job matches: the newest 2/);
    assert.match((await f.cli(['jobs', 'list', '--limit', '1', '--tag', 'nightly'])).stdout, /… 1 more job matches: the newest 1/);
    assert.doesNotMatch((await f.cli(['jobs', 'list', '--limit', '3'])).stdout, /more/, 'not when all are shown');
    assert.doesNotMatch((await f.cli(['jobs', 'list', '--limit', '1', '--json'])).stdout, /more/, '--json: rows alone');
    assert.match((await f.cli(['jobs', 'show', ok])).stdout, /Tags +nightly, fast/);

    const check = await f.cli(['config', 'check']);
    assert.equal(check.code, 0, check.stderr);
    assert.match(check.stdout, /valid/);
    assert.match(check.stdout, /TOKEN: "\*\*\*"/);
    assert.doesNotMatch(check.stdout, /s3cret-value/);
    assert.equal(JSON.parse((await f.cli(['config', 'check', '--json'])).stdout).agents.long.env.TOKEN, '***');
    assert.equal((await f.cli(['jobs', 'cancel', long])).code, 0);
  });
});

describe('jobs list --watch', () => {
  it('in a pipe: each new or changed row once, as it changes; Ctrl-C ends it with exit 0', async (t) => {
    const f = fleet(t, ({ ws }) => `agents:\n${commandAgent('w', ws, nodeAgent('setTimeout(() => console.log("done"), 1500)'))}`);
    const watch = startCli(['jobs', 'list', '--watch'], f.env);
    t.after(() => watch.child.kill('SIGKILL'));
    const id = await f.submit('w');
    await watch.line(new RegExp(`^${id} +w +(pending|running) `), { timeoutMs: 30_000 });
    await watch.line(new RegExp(`^${id} +w +completed +success`), { timeoutMs: 30_000 });
    watch.child.kill('SIGINT');
    const end = await watch.exited;
    assert.equal(end.code, 0, end.stderr);
    assert.doesNotMatch(end.stdout, /^ID /m, 'no header in a pipe');
    assert.equal(end.stdout.split('\n').filter((l) => l.includes('completed')).length, 1, 'an unchanged row is not printed again');
  });
});
