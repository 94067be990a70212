// `herdctl init` and `herdctl doctor [--fix]`, through the real CLI.
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseConfig } from '../src/core/config.js';
import { commandAgent, nodeAgent } from './support/agents.js';
import { ROOT, runCli } from './support/cli.js';
import { fleet, waitTerminal } from './support/fleet.js';
import { git, makeUserRepo } from './support/git.js';
import { runnersGone } from './support/procs.js';
import { tempDir } from './support/tmp.js';

const FAKES = { HERDCTL_CLAUDE_BIN: join(ROOT, 'fixtures', 'bin', 'claude'), HERDCTL_CODEX_BIN: join(ROOT, 'fixtures', 'bin', 'codex'), HERDCTL_GEMINI_BIN: join(ROOT, 'fixtures', 'bin', 'gemini') };
type Check = { name: string; status: string; detail: string; fix: string | null; fixed?: string };
const byName = (checks: Check[], name: string): Check => checks.find((c) => c.name === name) ?? assert.fail(`no check ${name}: ${JSON.stringify(checks)}`);

describe('herdctl init', () => {
  it('writes a commented herdctl.yaml our loader accepts, with an agent per CLI found; never overwrites one (exit 5)', async (t) => {
    const dir = tempDir(t);
    const file = join(dir, 'herdctl.yaml');
    const r = await runCli(['init', '--config', file], { env: FAKES, home: join(dir, 'home') });
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /wrote .*herdctl\.yaml/);
    const text = readFileSync(file, 'utf8');
    assert.match(text, /^# /m, 'commented');
    assert.match(text, /# +schedules:/, 'an example schedule');
    const config = parseConfig(text, file);
    assert.deepEqual(Object.keys(config.agents), ['claude', 'codex', 'gemini']);
    assert.equal(config.agents.claude.workspace, process.cwd(), 'the directory it was run in');
    assert.equal(config.jobs.maxConcurrent, 4);

    writeFileSync(file, 'agents: {}\n# mine\n');
    const again = await runCli(['init', '--config', file, '--json'], { env: FAKES, home: join(dir, 'home') });
    assert.equal(again.code, 5);
    assert.equal(JSON.parse(again.stdout).error, 'conflict');
    assert.equal(readFileSync(file, 'utf8'), 'agents: {}\n# mine\n', 'untouched');

    const none = join(dir, 'none.yaml');
    const bare = await runCli(['init', '--config', none], {
      env: { HERDCTL_CLAUDE_BIN: '/nonexistent/claude', HERDCTL_CODEX_BIN: '/nonexistent/codex', HERDCTL_GEMINI_BIN: '/nonexistent/gemini' },
      home: join(dir, 'home'),
    });
    assert.equal(bare.code, 0, bare.stderr);
    assert.deepEqual(Object.keys(parseConfig(readFileSync(none, 'utf8'), none).agents), ['claude'], 'a claude agent to edit');
  });
});

describe('herdctl doctor', () => {
  it('healthy: exit 0, every check named, CLI versions read', async (t) => {
    const f = fleet(t, ({ ws }) => `agents:\n${commandAgent('a', ws, nodeAgent('console.log(1)'))}`);
    await waitTerminal(f, await f.submit('a'));
    await runnersGone(f.home);
    const r = await f.cli(['doctor', '--json'], { env: FAKES });
    assert.equal(r.code, 0, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout) as { healthy: boolean; checks: Check[] };
    assert.equal(out.healthy, true);
    for (const name of ['platform', 'state dir', 'claude CLI', 'codex CLI', 'gemini CLI', 'config', 'scheduler', 'webhooks', 'disk', 'worktrees']) byName(out.checks, name);
    assert.match(byName(out.checks, 'claude CLI').detail, /2\.1\.330/);
    assert.match(byName(out.checks, 'codex CLI').detail, /0\.169\.0/);
    assert.equal(byName(out.checks, 'config').status, 'ok');
    const human = await f.cli(['doctor'], { env: FAKES });
    assert.match(human.stdout, /^ok +platform/m);
    assert.match(human.stdout, /^healthy$/m);
  });

  it('problems: wrong modes, an invalid config, an orphan worktree — exit 1 with each fix; --fix repairs modes and worktrees', async (t) => {
    let repo = '';
    const f = fleet(t, ({ dir }) => {
      repo = makeUserRepo(join(dir, 'repo'));
      return `agents:\n${commandAgent('w', repo, nodeAgent('console.log(1)'), '    isolation: worktree\n')}`;
    });
    const id = await f.submit('w');
    const job = await waitTerminal(f, id);
    assert.equal(job.status, 'completed', job.error);
    await runnersGone(f.home);
    rmSync(join(f.home, 'jobs', id), { recursive: true }); // the job gone by hand: its worktree is an orphan
    chmodSync(join(f.home, 'index'), 0o755);
    const config = f.config;
    const good = readFileSync(config, 'utf8');
    writeFileSync(config, 'agents:\n  w:\n    runtime: nope\n');

    const r = await f.cli(['doctor', '--json']);
    assert.equal(r.code, 1, r.stdout + r.stderr);
    const out = JSON.parse(r.stdout) as { healthy: boolean; checks: Check[] };
    assert.equal(out.healthy, false);
    assert.equal(byName(out.checks, 'config').status, 'problem');
    assert.match(byName(out.checks, 'config').detail, /runtime/);
    assert.equal(byName(out.checks, 'state dir').status, 'problem');
    assert.equal(byName(out.checks, 'state dir').fix, 'herdctl doctor --fix');
    assert.equal(byName(out.checks, 'worktrees').status, 'problem');
    const human = await f.cli(['doctor']);
    assert.equal(human.code, 1);
    assert.match(human.stdout, /to do:\n(.*\n)*  worktrees: herdctl doctor --fix/);

    writeFileSync(config, good);
    const fixed = await f.cli(['doctor', '--fix', '--json']);
    assert.equal(fixed.code, 0, fixed.stdout + fixed.stderr);
    const after = JSON.parse(fixed.stdout) as { checks: Check[] };
    assert.match(byName(after.checks, 'worktrees').fixed!, /removed 1 orphan worktree/);
    assert.equal(statSync(join(f.home, 'index')).mode & 0o777, 0o700);
    assert.ok(!existsSync(join(f.home, 'worktrees', id)));
    assert.doesNotMatch(git(repo, 'worktree', 'list'), new RegExp(id));
    assert.match(git(repo, 'branch', '--list', `herdctl/${id}`), new RegExp(id), 'the branch (the work) stays');
    assert.equal((await f.cli(['doctor'])).code, 0);
  });

  it('a dead webhook delivery is a problem naming redeliver; a state dir not made yet is fine', async (t) => {
    const dir = tempDir(t);
    const home = join(dir, 'home');
    const fresh = await runCli(['doctor', '--json'], { home, env: FAKES });
    assert.equal(fresh.code, 0, fresh.stdout);
    assert.equal(byName(JSON.parse(fresh.stdout).checks, 'state dir').status, 'info');
    mkdirSync(join(home, 'webhooks', 'dead'), { recursive: true, mode: 0o700 });
    writeFileSync(join(home, 'webhooks', 'dead', 'job-20261205-060000-abcd1234.json'), '{}', { mode: 0o600 });
    const r = await runCli(['doctor', '--json'], { home, env: FAKES });
    assert.equal(r.code, 1);
    assert.match(byName(JSON.parse(r.stdout).checks, 'webhooks').fix!, /webhooks redeliver/);
  });
});
