// Typos, help and completion, through the real CLI: every stumble gets the
// near name and the next command, never a silent exit 0 or oclif's wording.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { distance, nearest } from '../src/core/near.js';
import { usageMessage } from '../src/base.js';
import { commandAgent, nodeAgent } from './support/agents.js';
import { ROOT, runCli } from './support/cli.js';
import { fleet, waitTerminal } from './support/fleet.js';
import { tempDir } from './support/tmp.js';

describe('did you mean', () => {
  it('nearest: transpositions count one; far words suggest nothing', () => {
    assert.equal(distance('jbos', 'jobs'), 1);
    assert.equal(nearest('stauts', ['status', 'agent', 'since']), 'status');
    assert.equal(nearest('workspce', ['workspace', 'model']), 'workspace');
    assert.equal(nearest('frobnicate', ['list', 'show']), null);
  });

  it('commands, flags, config keys and --agent filters: the near name, exit 2 (3 for an agent), no framework wording', async (t) => {
    const home = join(tempDir(t), 'home');
    for (const [args, re, code] of [
      [['jbos', 'list'], /unknown command "jbos list"; did you mean "jobs list"\?\n  try: herdctl jobs list\n$/, 2],
      [['jobs', 'lsit'], /did you mean "jobs list"\?/, 2],
      [['jobs', 'list', '--stauts', 'failed'], /^herdctl: unknown flag --stauts; did you mean --status\?\n  try: herdctl help jobs list\n$/, 2],
      [['jobs', 'show'], /^herdctl: missing <id>\n/, 2],
      [['jobs', 'list', '--agent', 'clade'], /no agent "clade"; did you mean "claude"\?/, 3],
      [['jobs', 'cancel', '--agent', 'cdex'], /no agent "cdex"; did you mean "codex"\?/, 3],
      [['help', 'jbos'], /no command or topic "jbos"; did you mean "jobs"\?/, 2],
    ] as const) {
      const r = await runCli([...args], { home });
      assert.equal(r.code, code, `${args.join(' ')}: ${r.stderr}`);
      assert.match(r.stderr, re, args.join(' '));
      assert.doesNotMatch(r.stderr, /The following error|See more help|Note: /);
    }
    const json = await runCli(['jobs', 'list', '--stauts', 'x', '--json'], { home });
    assert.deepEqual(JSON.parse(json.stdout), { error: 'usage', message: 'unknown flag --stauts; did you mean --status?' });
    assert.equal(
      usageMessage('Unexpected argument: b\nSee more help with --help\n\nNote: --tag allows multiple values. Because of this you need to provide all arguments before providing that flag.', ['tag']),
      'unexpected argument b (a text with spaces needs quotes; a prompt goes after --prompt)',
      "oclif's notes on an unrelated error are dropped",
    );

    const dir = tempDir(t);
    writeFileSync(join(dir, 'herdctl.yaml'), 'agents:\n  x:\n    runtime: command\n    command: ["true"]\n    workspce: /tmp\n');
    const cfg = await runCli(['agents', 'list', '--config', join(dir, 'herdctl.yaml')], { home });
    assert.equal(cfg.code, 6);
    assert.match(cfg.stderr, /herdctl\.yaml:5:5: agents\.x\.workspce: unknown key; did you mean "workspace"\?/);
  });

  it('herdctl help [topic] [command] is --help; help alone lists the topics', async () => {
    const r = await runCli(['help', 'jobs', 'list']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /USAGE\n {2}\$ herdctl jobs list/);
    assert.match((await runCli(['help'])).stdout, /TOPICS\n(.*\n)* {2}jobs /);
  });
});

describe('shell completion', () => {
  it('commands, subcommands, flags, flag values, agents (config and built-in) and recent job ids; the bash script works as sourced', async (t) => {
    const f = fleet(t, ({ ws }) => `agents:\n${commandAgent('builder', ws, nodeAgent('console.log(1)'))}`);
    const id = await f.submit('builder');
    await waitTerminal(f, id);
    const complete = async (...words: string[]) => (await f.cli(['__complete', ...words])).stdout.split('\n').filter(Boolean);
    assert.deepEqual(await complete('jo'), ['jobs']);
    assert.ok((await complete('jobs', '')).includes('list') && (await complete('jobs', '')).includes('retry'));
    assert.deepEqual(await complete('jobs', 'list', '--st'), ['--status']);
    assert.deepEqual(await complete('jobs', 'list', '--status', 'c'), ['cancelled', 'completed']);
    assert.deepEqual(await complete('run', 'b'), ['builder']);
    assert.deepEqual(await complete('run', 'c'), ['claude', 'codex']);
    assert.deepEqual(await complete('jobs', 'list', '--agent', 'g'), ['gemini']);
    assert.deepEqual(await complete('jobs', 'show', ''), [id]);

    for (const shell of ['bash', 'zsh', 'fish']) {
      const r = await runCli(['completion', shell]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /herdctl __complete/);
    }
    const bin = join(f.dir, 'bin');
    mkdirSync(bin);
    writeFileSync(join(bin, 'herdctl'), `#!/bin/sh\nexec ${JSON.stringify(process.execPath)} ${JSON.stringify(join(ROOT, 'bin', 'run.js'))} "$@"\n`, { mode: 0o755 });
    const bash = spawnSync('bash', ['-c', 'source <(herdctl completion bash); COMP_WORDS=(herdctl jobs sh); COMP_CWORD=2; _herdctl; echo "${COMPREPLY[*]}"'], {
      env: { ...process.env, ...f.env, PATH: `${bin}:${process.env.PATH}` },
      encoding: 'utf8',
    });
    assert.equal(bash.stdout.trim(), 'show', bash.stderr);
  });
});

describe('one table renderer', () => {
  it('every table command takes --no-headers: no header row, the same rows', async (t) => {
    const dir = tempDir(t);
    const config = join(dir, 'herdctl.yaml');
    writeFileSync(config, `agents:\n${commandAgent('a', dir, nodeAgent('0'), '    schedules:\n      nightly: { cron: "0 2 * * *" }\n')}quotas:\n  ci: { tasks_per_hour: 5 }\n`);
    const home = join(dir, 'home');
    for (const [cmd, header] of [
      [['agents', 'list'], /^NAME +RUNTIME /m],
      [['quotas', 'list'], /^BUCKET /m],
      [['schedules', 'list'], /^AGENT +SCHEDULE /m],
    ] as const) {
      const withHead = await runCli([...cmd, '--config', config], { home });
      const bare = await runCli([...cmd, '--config', config, '--no-headers'], { home });
      assert.equal(bare.code, 0, bare.stderr);
      assert.match(withHead.stdout, header);
      assert.doesNotMatch(bare.stdout, header);
      assert.equal(bare.stdout.trim().split('\n').length, 1, `${cmd.join(' ')}: the one row`);
    }
    assert.equal((await runCli(['webhooks', 'list', '--no-headers'], { home })).code, 0);
  });
});
