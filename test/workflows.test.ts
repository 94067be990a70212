// Worktree per job, retries, dependencies and budgets, end to end: the real
// CLI (built dist/), detached runners, the fake Claude CLI and command agents,
// real git repositories in temp dirs.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { claudeAgent, commandAgent, fakeAgent } from './support/agents.js';
import { fleet, waitStatus, waitTerminal, type Fleet } from './support/fleet.js';
import { checkoutDigest, git, makeUserRepo } from './support/git.js';
import type { Json } from './support/jobs.js';
import { waitFor } from './support/wait.js';

const JOBS = 'jobs: { max_concurrent: 4, cancel_grace: 2s }\n';

/** Every attempt of a retry chain, first to last, from the job.json links. */
function chain(f: Fleet, first: string): Json[] {
  const out = [f.job(first)];
  while (out.at(-1)!.retriedBy) out.push(f.job(out.at(-1)!.retriedBy));
  return out;
}

/** The one job of the fleet that is a first attempt (ids made in the same second do not sort by time). */
function firstAttempt(f: Fleet): string {
  const firsts = f.jobIds().filter((id) => f.job(id).attempt === 1);
  assert.equal(firsts.length, 1);
  return firsts[0];
}

describe('isolation: worktree', () => {
  it('two jobs writing the same file at once both succeed on their own branches; the checkout stays byte-identical; diff, resume, prune', async (t) => {
    // each job waits until both have started, so the two really write at the same time
    const script =
      'touch "$BARRIER/$HERDCTL_PROMPT"; i=0; while [ $(ls "$BARRIER" | wc -l) -lt 2 ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; printf "%s\\n" "$HERDCTL_PROMPT" > shared.txt; echo wrote';
    let repo = '';
    const f = fleet(t, ({ dir }) => {
      repo = makeUserRepo(join(dir, 'repo'));
      mkdirSync(join(dir, 'barrier'));
      return `agents:\n${commandAgent('w', repo, ['sh', '-c', script], `    isolation: worktree\n    max_concurrent: 2\n    env: { BARRIER: ${JSON.stringify(join(dir, 'barrier'))} }\n`)}${JOBS}`;
    });
    const before = checkoutDigest(repo);
    const a = await f.submit('w', '--prompt', 'from-a');
    const b = await f.submit('w', '--prompt', 'from-b');
    const [ja, jb] = [await waitTerminal(f, a), await waitTerminal(f, b)];
    for (const [j, word] of [
      [ja, 'from-a'],
      [jb, 'from-b'],
    ] as const) {
      assert.equal(j.status, 'completed', j.error);
      assert.equal(j.worktree, join(f.home, 'worktrees', j.id));
      assert.equal(j.branch, `herdctl/${j.id}`);
      assert.equal(j.baseCommit, git(repo, 'rev-parse', 'HEAD').trim());
      assert.equal(git(repo, 'show', `${j.branch}:shared.txt`), `${word}\n`, 'the uncommitted file was committed on the job branch');
      assert.equal(git(repo, 'log', '-1', '--format=%an', j.branch).trim(), 'herdctl');
      assert.deepEqual(j.changes, { files: ['shared.txt'], insertions: 1, deletions: 0 });
      assert.ok(
        j.recap.bullets.some((x: string) => x.startsWith(`Changes on ${j.branch}: 1 file (+1 −0): shared.txt`)),
        j.recap.bullets.join(' | '),
      );
    }
    assert.ok(Date.parse(ja.startedAt) < Date.parse(jb.completedAt) && Date.parse(jb.startedAt) < Date.parse(ja.completedAt), 'the two ran at the same time');
    assert.equal(checkoutDigest(repo), before, "the user's HEAD, index, stash and files are byte-identical");

    const stat = await f.cli(['jobs', 'diff', a, '--stat']);
    assert.equal(stat.code, 0, stat.stderr);
    assert.match(stat.stdout, /shared\.txt \| 1 \+/);
    const json = await f.cli(['jobs', 'diff', a, '--json']);
    const d = JSON.parse(json.stdout);
    assert.deepEqual(d.files, [{ path: 'shared.txt', added: 1, deleted: 0 }]);
    assert.match(d.patch, /\+from-a/);
    const show = await f.cli(['jobs', 'show', a]);
    assert.match(show.stdout, new RegExp(`Worktree +${join(f.home, 'worktrees', a)} · branch herdctl/${a}`));

    // resume continues in the same worktree and branch
    const r = await f.cli(['jobs', 'resume', a, '--prompt', 'again']);
    assert.equal(r.code, 0, r.stderr);
    const resumed = await waitTerminal(f, r.stdout.trim().split(/\s/)[0]);
    assert.equal(resumed.status, 'completed', resumed.error);
    assert.equal(resumed.worktree, ja.worktree);
    assert.equal(resumed.branch, ja.branch);
    assert.match(git(repo, 'show', `${ja.branch}:shared.txt`), /\n\nagain\n$/, 'the resume wrote on the same branch (its prompt: the recap, then ours)');
    assert.equal(checkoutDigest(repo), before);

    // prune removes the worktrees, keeps the branches (unless --delete-branch)
    const p = await f.cli(['jobs', 'prune', '--older-than', '0s']);
    assert.equal(p.code, 0, p.stderr);
    assert.ok(!existsSync(ja.worktree) && !existsSync(jb.worktree));
    assert.match(git(repo, 'branch', '--list', 'herdctl/*'), new RegExp(a));
    assert.doesNotMatch(git(repo, 'worktree', 'list'), /worktrees\/job-/);
    assert.equal(checkoutDigest(repo), before);
  });

  it("works for the claude runtime too (--worktree), and a workspace outside git fails the job before the agent runs, with git's message", async (t) => {
    let repo = '';
    const f = fleet(t, ({ dir, ws }) => {
      repo = makeUserRepo(join(dir, 'repo'));
      return `agents:\n${claudeAgent('coder', repo)}${claudeAgent('plain', ws, '    isolation: worktree\n')}${JOBS}`;
    });
    const before = checkoutDigest(repo);
    const id = await f.submit('coder', '--prompt', 'notool', '--worktree');
    const j = await waitTerminal(f, id);
    assert.equal(j.status, 'completed', j.error);
    assert.equal(f.log(id).events.find((e) => e.type === 'start')!.cwd, join(f.home, 'worktrees', id));
    assert.equal(checkoutDigest(repo), before);

    const bad = await f.submit('plain', '--prompt', 'hello');
    const jb = await waitTerminal(f, bad);
    assert.equal(jb.status, 'failed');
    assert.match(jb.error, /could not create the job's git worktree: workspace .* is not in a git repository.*not a git repository/i);
    assert.ok(!f.log(bad).events.some((e) => e.type === 'start'), 'the agent never ran');
  });
  it('works for codex and gemini too: each runs in its own worktree, the checkout untouched', async (t) => {
    let repo = '';
    const f = fleet(t, ({ dir }) => {
      repo = makeUserRepo(join(dir, 'repo'));
      return `agents:\n${fakeAgent('codex', 'cx', repo, '    isolation: worktree\n')}${fakeAgent('gemini', 'gm', repo, '    isolation: worktree\n')}${JOBS}`;
    });
    const before = checkoutDigest(repo);
    const ids = [await f.submit('cx', '--prompt', 'hello'), await f.submit('gm', '--prompt', 'hello')];
    for (const id of ids) {
      const j = await waitTerminal(f, id);
      assert.equal(j.status, 'completed', j.error);
      assert.equal(j.branch, `herdctl/${id}`);
      assert.equal(f.log(id).events.find((e) => e.type === 'start')!.cwd, join(f.home, 'worktrees', id));
    }
    assert.equal(checkoutDigest(repo), before);
  });

  it('a runner SIGKILLed between making the worktree and starting the agent: the job goes back to the queue, and the next runner uses that worktree and branch', async (t) => {
    let repo = '';
    let hang = '';
    const f = fleet(t, ({ dir }) => {
      repo = makeUserRepo(join(dir, 'repo'));
      hang = join(dir, 'hang');
      // while the flag is there, the hook (git worktree add runs it) writes its pid and sleeps: the runner waits in git
      writeFileSync(join(repo, '.git', 'hooks', 'post-checkout'), `#!/bin/sh\nif [ -e ${JSON.stringify(hang)} ]; then echo $$ > ${JSON.stringify(`${hang}.pid`)}; exec sleep 60; fi\n`, {
        mode: 0o755,
      });
      writeFileSync(hang, '');
      return `agents:\n${commandAgent('w', repo, ['sh', '-c', 'echo ran'], '    isolation: worktree\n')}${JOBS}`;
    });
    const id = await f.submit('w');
    const hook = Number(await waitFor('the hook sleeping', () => (existsSync(`${hang}.pid`) ? readFileSync(`${hang}.pid`, 'utf8').trim() || undefined : undefined), 30_000));
    const runner = JSON.parse(readFileSync(join(f.home, 'active', id), 'utf8')).pid as number;
    assert.equal(f.job(id).status, 'pending', 'claimed, agent not started');
    process.kill(runner, 'SIGKILL');
    rmSync(hang);
    process.kill(hook, 'SIGKILL');
    assert.equal((await f.cli(['jobs', 'show', id])).code, 0); // the next command that looks starts a runner, which re-queues the job
    const done = await waitTerminal(f, id);
    assert.equal(done.status, 'completed', done.error);
    assert.equal(done.branch, `herdctl/${id}`);
    assert.equal(done.worktree, join(f.home, 'worktrees', id));
    assert.equal(f.log(id).events.filter((e) => e.type === 'start').length, 1, 'one start');
  });
});

describe('retries of transient failures', () => {
  it('an API 500 is retried with backoff as linked attempts; run --wait waits for the last; a 400 is not retried', async (t) => {
    const f = fleet(t, ({ ws }) => `agents:\n${claudeAgent('coder', ws, '    retries: 2\n    retry_backoff: 200ms\n')}${JOBS}`);
    const r = await f.cli(['run', 'coder', '--prompt', 'err500', '--wait']);
    assert.equal(r.code, 1, r.stderr);
    const attempts = chain(f, firstAttempt(f));
    assert.deepEqual(
      attempts.map((j) => [j.attempt, j.status, j.trigger]),
      [
        [1, 'failed', 'manual'],
        [2, 'failed', 'retry'],
        [3, 'failed', 'retry'],
      ],
    );
    assert.match(r.stdout, new RegExp(`^${attempts[2].id} failed`), 'run --wait reports the last attempt');
    for (let i = 1; i < 3; i++) {
      assert.equal(attempts[i].retryOf, attempts[i - 1].id);
      assert.equal(attempts[i].parentJobId, attempts[i - 1].id);
      // the backoff: 200 ms, then 400 ms (±20 %), from when the retry was made
      const wait = Date.parse(attempts[i].notBefore) - Date.parse(attempts[i].createdAt);
      assert.ok(wait >= 0.8 * 200 * 2 ** (i - 1) - 100 && wait <= 1.2 * 200 * 2 ** (i - 1), `backoff ${wait} ms`);
      assert.ok(Date.parse(attempts[i].startedAt) >= Date.parse(attempts[i].notBefore), 'not started before its time');
      assert.match(attempts[i - 1].error, new RegExp(`^API error 500: .*\\(transient: retried as ${attempts[i].id}, attempt ${i + 1} of 3`));
    }
    assert.equal(attempts[2].retriedBy, null);
    assert.match(attempts[2].error, /^API error 500/);
    const show = await f.cli(['jobs', 'show', attempts[1].id]);
    assert.match(show.stdout, /Attempts +1\. job-\S+ failed\n +2\. job-\S+ failed ←\n +3\. job-\S+ failed/);

    const before = f.jobIds().length;
    const r400 = await f.cli(['run', 'coder', '--prompt', 'err400', '--wait']);
    assert.equal(r400.code, 1);
    assert.equal(f.jobIds().length, before + 1, 'a 400 is never retried');
  });

  it('an attempt that got somewhere is resumed in its session by the retry', async (t) => {
    const f = fleet(t, ({ ws }) => `agents:\n${claudeAgent('coder', ws, '    retries: 1\n    retry_backoff: 100ms\n')}${JOBS}`);
    const r = await f.cli(['run', 'coder', '--prompt', 'tool err500', '--wait']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const [first, second] = chain(f, firstAttempt(f));
    assert.equal(first.status, 'failed');
    assert.ok(
      f.log(first.id).events.some((e) => e.type === 'tool_use'),
      'the first attempt ran a tool before the 500',
    );
    assert.equal(second.status, 'completed', second.error);
    assert.equal(second.sessionId, first.sessionId);
    const start = f.log(second.id).events.find((e) => e.type === 'start')!;
    assert.equal(start.resumedSession, first.sessionId);
    assert.match(second.prompt, /^The previous attempt \(job-\S+\) failed with a transient error: API error 500/);
  });

  it('a command agent exiting 75 (EX_TEMPFAIL) is retried until it succeeds; run --retries overrides the agent', async (t) => {
    const f = fleet(t, ({ ws, dir }) => {
      const script = `n=$(cat ${JSON.stringify(join(dir, 'count'))} 2>/dev/null || echo 0); echo $((n+1)) > ${JSON.stringify(join(dir, 'count'))}; [ $n -ge 1 ] || exit 75; echo ok`;
      return `agents:\n${commandAgent('flaky', ws, ['sh', '-c', script], '    retry_backoff: 100ms\n')}${JOBS}`;
    });
    const r = await f.cli(['run', 'flaky', '--retries', '3', '--wait']);
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const attempts = chain(f, firstAttempt(f));
    assert.deepEqual(
      attempts.map((j) => j.status),
      ['failed', 'completed'],
    );
    assert.equal(readFileSync(join(f.dir, 'count'), 'utf8').trim(), '2');
  });
});

describe('dependencies (--after)', () => {
  it('a chain across agents waits for each link; a failing link cancels the rest, naming it; --after-any runs regardless', async (t) => {
    const f = fleet(t, ({ ws, dir }) => {
      const gate = JSON.stringify(join(dir, 'go'));
      return `agents:\n${commandAgent('slow', ws, ['sh', '-c', `i=0; while [ ! -e ${gate} ] && [ $i -lt 600 ]; do sleep 0.05; i=$((i+1)); done; echo slow done`])}${commandAgent('quick', ws, ['sh', '-c', 'echo "$HERDCTL_PROMPT"; [ "$HERDCTL_PROMPT" != fail ]'])}${JOBS}`;
    });
    const a = await f.submit('slow');
    const b = await f.submit('quick', '--prompt', 'b', '--after', a);
    const c = await f.submit('slow', '--after', b.slice(0, 24));
    await waitStatus(f, a, ['running']);
    const show = await f.cli(['jobs', 'show', b]);
    assert.match(show.stdout, new RegExp(`Waits for +${a} \\(running\\)`));
    assert.equal(f.job(b).status, 'pending');
    assert.deepEqual(f.job(c).after, [b], 'a prefix is resolved to the full id');
    writeFileSync(join(f.dir, 'go'), '');
    for (const id of [a, b]) assert.equal((await waitTerminal(f, id)).status, 'completed');
    const jc = await waitTerminal(f, c);
    assert.equal(jc.status, 'completed');
    assert.ok(Date.parse(f.job(b).startedAt) >= Date.parse(f.job(a).completedAt), 'b started after a ended');
    assert.ok(Date.parse(jc.startedAt) >= Date.parse(f.job(b).completedAt), 'c started after b ended');

    const x = await f.submit('quick', '--prompt', 'fail');
    const y = await f.submit('slow', '--after', x);
    const z = await f.submit('quick', '--prompt', 'z', '--after', y);
    const any = await f.submit('quick', '--prompt', 'any', '--after', x, '--after-any');
    assert.equal((await waitTerminal(f, x)).status, 'failed');
    const jy = await waitTerminal(f, y);
    assert.deepEqual([jy.status, jy.cancelReason, jy.startedAt], ['cancelled', `dependency ${x} ended failed`, null]);
    const jz = await waitTerminal(f, z);
    assert.deepEqual([jz.status, jz.cancelReason], ['cancelled', `dependency ${y} ended cancelled`]);
    assert.equal((await waitTerminal(f, any)).status, 'completed');
    await waitFor('the waits/ entries to be gone', () => !existsSync(join(f.home, 'waits')) || readdirSync(join(f.home, 'waits')).length === 0);

    const unknown = await f.cli(['run', 'quick', '--after', 'job-20200101-000000-zzzzzzzz']);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /no job "job-20200101-000000-zzzzzzzz"/);
  });
});

describe('budgets', () => {
  it('max_budget_usd stops a job whose streamed cost reaches it (failed/error naming the budget); daily_budget_usd then refuses new jobs (exit 7, JSON)', async (t) => {
    const spend = 'for i in 1 2 3 4 5 6 7 8 9; do echo "{\\"total_cost_usd\\": 0.$i}"; sleep 0.3; done; echo finished';
    const f = fleet(t, ({ ws }) => `agents:\n${commandAgent('spender', ws, ['sh', '-c', spend], '    max_budget_usd: 0.35\n    daily_budget_usd: 0.3\n')}${claudeAgent('coder', ws)}${JOBS}`);
    const id = await f.submit('spender');
    const j = await waitTerminal(f, id);
    assert.deepEqual([j.status, j.exitReason], ['failed', 'error']);
    assert.equal(j.error, 'budget exceeded: $0.4000 spent, max_budget_usd is $0.3500: stopped by herdctl');
    assert.equal(j.usage.costUsd, 0.4);
    assert.ok(!f.log(id).events.some((e) => e.text === 'finished'), 'stopped before it finished');
    assert.equal(j.retriedBy, null);

    const denied = await f.cli(['run', 'spender', '--json']);
    assert.equal(denied.code, 7);
    assert.deepEqual(JSON.parse(denied.stdout), { error: 'quota_denied', resource: 'DailyBudgetUsd', agent: 'spender', used: 0.4, hard_limit: 0.3 });

    // claude enforces its own: the flag is passed
    const c = await f.submit('coder', '--prompt', 'notool', '--max-budget-usd', '1.5');
    await waitTerminal(f, c);
    const argv = f.log(c).events.find((e) => e.type === 'start')!.argv as string[];
    assert.equal(argv[argv.indexOf('--max-budget-usd') + 1], '1.5');
    const bad = await f.cli(['run', 'coder', '--max-budget-usd', 'lots']);
    assert.equal(bad.code, 2);
  });
});
