#!/usr/bin/env node
// npm run demo: a real job end to end with the bundled fake Claude CLI, in a throwaway state dir.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'herdctl-demo-'));
const home = join(dir, 'state');
const workspace = join(dir, 'app');
mkdirSync(workspace);
writeFileSync(join(workspace, 'README.md'), '# demo app\n');
const config = join(dir, 'demo.yaml'); // not herdctl.yaml: the zero-config run below must find no config walking up
writeFileSync(
  config,
  `# the embedded demo config: a Claude Code agent (played by fixtures/bin/claude) and a plain command
agents:
  demo-coder:
    runtime: claude
    workspace: ${workspace}
    claude_bin: ${join(root, 'fixtures/bin/claude')}
    model: claude-sonnet-4-6
    prompt: List the files and tell me what is here
  demo-shell:
    runtime: command
    command: ["sh", "-c", "echo checking; ls; echo done"]
    workspace: ${workspace}
`,
);
const env = { ...process.env, HERDCTL_HOME: home, HERDCTL_CONFIG: config, FAKE_CLAUDE_STATE: join(dir, 'fake-claude') };
const herdctl = (...args) => herdctlIn(env, undefined, ...args);
function herdctlIn(env, cwd, ...args) {
  process.stdout.write(`\n${cwd ? `(in ${cwd}, no config) ` : ''}$ herdctl ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [join(root, 'bin/run.js'), ...args], { env, cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(r.stdout);
  return r;
}

console.log(`state dir: ${home}`);
const run = herdctl('run', 'demo-coder', '--wait');
const id = run.stdout.split(' ')[0].trim();
herdctl('run', 'demo-shell', '--follow');
herdctl('jobs', 'list');
herdctl('jobs', 'show', id);
herdctl('jobs', 'logs', id);
const resumed = herdctl('jobs', 'resume', id, '--prompt', 'Now summarise it in one line');
herdctl('jobs', 'logs', resumed.stdout.trim(), '--follow');
// zero config: the built-in claude agent, in the current directory, with the fake claude first on the PATH
const { HERDCTL_CONFIG: _unused, ...bare } = env;
const zero = herdctlIn({ ...bare, PATH: `${join(root, 'fixtures/bin')}:${process.env.PATH}` }, workspace, 'run', 'claude', '--prompt', 'What is in this directory?', '--wait');
herdctl('jobs', 'show', zero.stdout.split(' ')[0].trim());
herdctl('jobs', 'list', '--json');
rmSync(dir, { recursive: true, force: true });
process.exit(run.status || zero.status || 0);
