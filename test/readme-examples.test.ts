// The README's examples, run: every `herdctl …` example at the end of a row of
// its command table runs against a demo state dir (real jobs on the bundled
// fakes), through sh, with the README's own ids standing for demo jobs. An
// example that stops working fails here.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { commandAgent, nodeAgent } from './support/agents.js';
import { BIN, FAKE_CLAUDE, ROOT, runCli } from './support/cli.js';
import { makeUserRepo } from './support/git.js';
import { reap } from './support/procs.js';
import { waitFor } from './support/wait.js';

const README = readFileSync(join(ROOT, 'README.md'), 'utf8');

/** The examples: the last code span of each command-table row that starts with `herdctl`. */
function examples(): string[] {
  return [...README.matchAll(/`(herdctl [^`]*)` \|$/gm)].map((m) => m[1].replace(/\\\|/g, '|'));
}

/** Examples that run until stopped: they must start and print, then stop cleanly on SIGTERM. */
const LONG_RUNNING = /^herdctl (start|serve)\b/;
/** Examples whose documented outcome is not 0, and why. */
const EXPECTED_EXIT: Record<string, number> = {
  'herdctl webhooks redeliver k3x9': 1, // README: exits 1 if that attempt did not deliver it (the demo's hook is a closed port)
  'herdctl doctor --json': 1, // the demo has a given-up webhook: a problem doctor must report
};

interface Shell {
  code: number | null;
  out: string;
}

test('every command-table example in README.md works against a demo state dir', { timeout: 600_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'herdctl-readme-'));
  t.after(async () => {
    await reap(dir);
    rmSync(dir, { recursive: true, force: true });
  });
  const home = join(dir, 'state');
  const userHome = join(dir, 'home');
  mkdirSync(join(userHome, 'src', 'app'), { recursive: true });
  const repo = makeUserRepo(join(dir, 'repo'));
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  writeFileSync(join(bin, 'herdctl'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(BIN)} "$@"\n`);
  writeFileSync(join(bin, 'deploy'), '#!/bin/sh\necho deployed\n');
  for (const f of ['herdctl', 'deploy']) chmodSync(join(bin, f), 0o755);
  const config = join(dir, 'herdctl.yaml');
  const quick = nodeAgent('require("fs").writeFileSync("notes.md", "hello\\n"); console.log("done")');
  writeFileSync(
    config,
    `agents:\n${commandAgent('coder', repo, quick, '    isolation: worktree\n')}${commandAgent('nightly-tests', join(userHome, 'src', 'app'), nodeAgent('console.log("tests pass")'), '    schedules:\n      nightly: { cron: "0 2 * * *" }\n')}` +
      `${commandAgent('reviewer', join(userHome, 'src', 'app'), nodeAgent('console.log("looks good")'))}` +
      `quotas:\n  ci: { tasks_per_hour: 100 }\nwebhooks:\n  retry_max: 0\n  timeout: 2s\n`,
  );
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${bin}:${process.env.PATH}`,
    HOME: userHome,
    HERDCTL_HOME: home,
    HERDCTL_CONFIG: config,
    HERDCTL_CLAUDE_BIN: FAKE_CLAUDE,
    FAKE_CLAUDE_STATE: join(dir, 'fake-claude'),
    NO_COLOR: '1',
  };
  const cli = (args: string[]) => runCli(args, { env, timeoutMs: 60_000 });

  // the jobs the README's ids stand for: k3x9 (a worktree job with a dead webhook), m2p8, and a prefix (20261203-0915)
  const run = async (...args: string[]) => {
    const r = await cli(['run', ...args, '--wait']);
    assert.equal(r.code, 0, r.stderr);
    return r.stdout.split(' ')[0];
  };
  const k3x9 = await run('coder', '--webhook', 'http://127.0.0.1:9/hook');
  const second = k3x9.slice(4, 19);
  await waitFor('the next second (the prefix example names one job)', () => new Date().toISOString().slice(17, 19) !== second.slice(13, 15) && Date.now(), 5000);
  const m2p8 = await run('reviewer');
  await waitFor("k3x9's webhook given up", async () => JSON.parse((await cli(['webhooks', 'list', '--dead', '--json'])).stdout).length > 0, 30_000);
  const ids: [RegExp, string][] = [
    [/\bk3x9\b/g, k3x9.slice(-6)],
    [/\bm2p8\b/g, m2p8.slice(-6)],
    [/\b20261203-0915\b/g, second],
  ];

  const sh = (line: string, cwd: string): Promise<Shell> =>
    new Promise((resolve) => {
      const c = spawn('sh', ['-c', line], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      c.stdout.on('data', (b) => (out += b));
      c.stderr.on('data', (b) => (out += b));
      c.on('close', (code) => resolve({ code, out }));
    });
  const longRunning = async (line: string): Promise<Shell> => {
    const c = spawn('sh', ['-c', `exec ${line}`], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    c.stdout.on('data', (b) => (out += b));
    c.stderr.on('data', (b) => (out += b));
    const closed = new Promise<number | null>((r) => c.on('close', r));
    await waitFor(`${line} to print`, () => out.trim().length > 0, 30_000);
    c.kill('SIGTERM');
    return { code: await closed, out };
  };

  const all = examples();
  assert.ok(all.length >= 25, `the examples were found (${all.length})`);
  // destructive ones last: rm removes the jobs the others name
  const ordered = [...all.filter((e) => !/ jobs rm /.test(e)), ...all.filter((e) => / jobs rm /.test(e))];
  const failures: string[] = [];
  for (const example of ordered) {
    // the README's ids stand for demo jobs; a server takes any free port (7878 may be taken on a shared machine)
    const line = ids.reduce((l, [re, id]) => l.replace(re, id), example) + (/^herdctl serve\b/.test(example) ? ' --port 0' : '');
    const fresh = mkdtempSync(join(dir, 'cwd-')); // herdctl init writes here
    const r = LONG_RUNNING.test(example) ? await longRunning(line) : await sh(line, /herdctl init/.test(example) ? fresh : dir);
    const want = EXPECTED_EXIT[example] ?? 0;
    if (r.code !== want) failures.push(`${example}\n    (ran: ${line})\n    exit ${r.code}, want ${want}:\n${r.out.trim().replace(/^/gm, '      ')}`);
  }
  assert.deepEqual(failures, [], `README examples that do not work:\n${failures.join('\n')}`);
});
