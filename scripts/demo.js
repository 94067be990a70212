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
const config = join(dir, 'herdctl.yaml');
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
const herdctl = (...args) => {
  process.stdout.write(`\n$ herdctl ${args.join(' ')}\n`);
  const r = spawnSync(process.execPath, [join(root, 'bin/run.js'), ...args], { env, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  process.stdout.write(r.stdout);
  return r;
};

console.log(`state dir: ${home}`);
const run = herdctl('run', 'demo-coder', '--wait');
const id = run.stdout.split(' ')[0].trim();
herdctl('run', 'demo-shell', '--follow');
herdctl('jobs', 'list');
herdctl('jobs', 'show', id);
herdctl('jobs', 'logs', id);
const resumed = herdctl('jobs', 'resume', id, '--prompt', 'Now summarise it in one line');
herdctl('jobs', 'logs', resumed.stdout.trim(), '--follow');
herdctl('jobs', 'list', '--json');
rmSync(dir, { recursive: true, force: true });
process.exit(run.status ?? 1);
