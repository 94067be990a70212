// A first job with no config: built-in agents, per-job overrides (--workspace,
// --timeout, --env) from the CLI and over HTTP, through the real CLI.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { commandAgent, nodeAgent } from './support/agents.js';
import { BIN, ROOT } from './support/cli.js';
import { fleet, waitTerminal } from './support/fleet.js';
import { reap, runnersGone } from './support/procs.js';
import { call, serve, waitJob } from './support/serve.js';
import { spawn } from 'node:child_process';

/** The CLI as a new user runs it: a bare environment, only the fake claude on the PATH, no config anywhere. */
function bare(dir: string, args: string[], cwd: string, extraPath = ''): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = {
    PATH: `${extraPath}${join(ROOT, 'fixtures', 'bin')}:/usr/local/bin:/usr/bin:/bin`,
    HOME: join(dir, 'home'),
    FAKE_CLAUDE_STATE: join(dir, 'fake-claude'),
    HERDCTL_HOST_ID: 'h-test-suite',
    NO_COLOR: '1',
  };
  return new Promise((resolve) => {
    const c = spawn(process.execPath, [BIN, ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    c.stdout.on('data', (d) => (stdout += d));
    c.stderr.on('data', (d) => (stderr += d));
    c.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const SECRET = 'zero-config-secret-value-7f3a';

describe('a first job with no config', () => {
  it('acceptance: only the fake claude on the PATH, no config, no HOME dirs: run claude --wait completes in the current directory; jobs show names it', async (t) => {
    const dir = mkdtempSync(join(tmpdir(), 'herdctl-zero-'));
    t.after(async () => {
      await reap(dir); // the runner (it lingers a second) and anything it started
      rmSync(dir, { recursive: true, force: true });
    });
    const cwd = join(dir, 'project');
    mkdirSync(cwd);
    mkdirSync(join(dir, 'home'));
    const r = await bare(dir, ['run', 'claude', '--prompt', 'hi', '--wait'], cwd);
    assert.equal(r.code, 0, r.stderr);
    const id = r.stdout.trim().split(/\s/)[0];
    const show = await bare(dir, ['jobs', 'show', id], cwd);
    assert.equal(show.code, 0, show.stderr);
    assert.match(show.stdout, new RegExp(`Workspace\\s+${cwd}`));
    assert.match(show.stdout, /Status\s+completed/);
    const json = JSON.parse((await bare(dir, ['jobs', 'show', id, '--json'], cwd)).stdout);
    assert.equal(json.workspace, cwd);
    assert.equal(json.agent, 'claude');
    assert.equal(json.config, null);

    // --workspace: relative to the current directory; a missing one is a usage error (exit 2) naming it
    mkdirSync(join(cwd, 'sub'));
    const sub = await bare(dir, ['run', 'claude', '--prompt', 'hi', '--wait', '--workspace', 'sub', '--json'], cwd);
    assert.equal(sub.code, 0, sub.stderr);
    assert.equal(JSON.parse(sub.stdout).workspace, join(cwd, 'sub'));
    const missing = await bare(dir, ['run', 'claude', '--prompt', 'hi', '--workspace', join(cwd, 'nope')], cwd);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /workspace ".*nope" is not an existing directory/);
    // a name that is neither a config agent nor a runtime: not found, naming the built-ins and init
    const unknown = await bare(dir, ['run', 'coder', '--prompt', 'hi'], cwd);
    assert.equal(unknown.code, 3);
    assert.match(unknown.stderr, /built-in agents: claude, codex, gemini/);
    assert.match(unknown.stderr, /herdctl init/);
  });

  it('a config agent of the same name wins over the built-in', async (t) => {
    const f = fleet(t, ({ ws }) => `agents:\n${commandAgent('claude', ws, nodeAgent('console.log("the config agent")'))}`);
    const id = await f.submit('claude', '--prompt', 'x');
    const j = await waitTerminal(f, id);
    assert.equal(j.status, 'completed', j.error);
    assert.equal((j.settings as { runtime: string }).runtime, 'command');
  });

  it('--env reaches the agent and is written nowhere; --timeout stops the job; a retry gets its own copy, prune deletes it', async (t) => {
    const f = fleet(
      t,
      ({ ws }) =>
        `agents:\n${commandAgent('env', ws, nodeAgent('const h = require("node:crypto").createHash("sha256").update(process.env.ZC_SECRET ?? "").digest("hex"); console.log("got " + h + " " + process.env.ZC_OTHER); if (process.env.ZC_SLOW) setTimeout(() => {}, 60000)'))}`,
    );
    const id = await f.submit('env', '--env', `ZC_SECRET=${SECRET}`, '--env', 'ZC_OTHER=a=b');
    const j = await waitTerminal(f, id);
    assert.equal(j.status, 'completed', j.error);
    const out = readFileSync(join(f.home, 'jobs', id, 'output.jsonl'), 'utf8');
    assert.match(out, new RegExp(`got ${createHash('sha256').update(SECRET).digest('hex')} a=b`), 'the agent had both values (it prints a digest: its output is recorded)');
    // nowhere but in secrets/ (0600): not in job.json, the logs, the index
    await runnersGone(f.home); // the tree holds still
    const leaks = (dir: string): string[] =>
      readdirSync(dir, { recursive: true, withFileTypes: true })
        .filter((e) => e.isFile() && !e.parentPath.includes('secrets'))
        .filter((e) => readFileSync(join(e.parentPath, e.name), 'utf8').includes(SECRET))
        .map((e) => join(e.parentPath, e.name));
    assert.deepEqual(leaks(f.home), []);
    assert.deepEqual((j.settings as { jobEnvNames: string[] }).jobEnvNames, ['ZC_SECRET', 'ZC_OTHER']);
    assert.equal(readdirSync(join(f.home, 'secrets')).length, 1);

    const bad = await f.cli(['run', 'env', '--env', 'NOT A NAME=x']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /not KEY=VALUE/);

    const slow = await f.cli(['run', 'env', '--env', 'ZC_SLOW=1', '--timeout', '1s', '--wait']);
    assert.equal(slow.code, 124, slow.stderr);

    const again = await f.cli(['jobs', 'resume', id, '--prompt', 'again']);
    assert.equal(again.code, 0, again.stderr);
    const next = await waitTerminal(f, again.stdout.trim().split(/\s/)[0]);
    assert.equal(next.status, 'completed', next.error);
    assert.match(readFileSync(join(f.home, 'jobs', next.id, 'output.jsonl'), 'utf8'), /got [0-9a-f]{64} a=b/, 'the resumed job had the values too');
    assert.equal(readdirSync(join(f.home, 'secrets')).length, 3, "the follow-up has its own copy (beside the slow job's)");
    const prune = await f.cli(['jobs', 'prune', '--older-than', '0s']);
    assert.equal(prune.code, 0, prune.stderr);
    assert.deepEqual(readdirSync(join(f.home, 'secrets')), [], 'prune takes the values with the jobs');
  });

  it('POST /jobs: a provider with "workspace", "timeout" and "env"; a missing workspace is a 400', async (t) => {
    const s = await serve(t, { env: { HERDCTL_CLAUDE_BIN: join(ROOT, 'fixtures', 'bin', 'claude') } });
    const ws = join(s.dir, 'elsewhere');
    mkdirSync(ws);
    writeFileSync(join(ws, 'marker'), '');
    const r = await call(s, 'POST', '/jobs', { body: { task: 'notool', provider: 'claude', workspace: ws, timeout: '10m', env: { ZC_SECRET: SECRET } } });
    assert.equal(r.status, 201, r.text);
    const job = await waitJob(s, r.body.session_id, (j) => ['completed', 'failed', 'cancelled'].includes(j.status as string), 30_000);
    assert.equal(job.status, 'completed', String(job.error));
    assert.equal(job.workspace, ws);
    assert.equal((job.settings as { timeoutMs: number }).timeoutMs, 600_000);
    assert.ok(!JSON.stringify(job).includes(SECRET));
    for (const [body, re] of [
      [{ task: 'x', provider: 'claude', workspace: join(s.dir, 'nope') }, /is not an existing directory/],
      [{ task: 'x', provider: 'claude', timeout: 'soon' }, /"timeout" must be a duration/],
      [{ task: 'x', provider: 'claude', env: { 'A B': 'x' } }, /"env" must map variable names/],
      [{ task: 'x', provider: 'claude', env: ['A=x'] }, /"env" must be an object/],
    ] as const) {
      const bad = await call(s, 'POST', '/jobs', { body });
      assert.equal(bad.status, 400, bad.text);
      assert.match(bad.body.message, re);
    }
    assert.ok(!existsSync(join(ws, '.herdctl')));
  });
});
