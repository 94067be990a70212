// Agent blocks for a test's herdctl.yaml (under `agents:`, indented by 2).
import { join } from 'node:path';
import { FAKE_CLAUDE, ROOT } from './cli.js';

/** A claude agent block running the fake CLI; `extra` lines are appended as written (indented by 4). */
export const claudeAgent = (name: string, ws: string, extra = ''): string =>
  `  ${name}:\n    runtime: claude\n    claude_bin: ${JSON.stringify(FAKE_CLAUDE)}\n    workspace: ${JSON.stringify(ws)}\n${extra}`;

/** A command agent block; `command` is the argv; `ws` null leaves the workspace to its default. */
export const commandAgent = (name: string, ws: string | null, command: string[], extra = ''): string =>
  `  ${name}:\n    runtime: command\n    command: ${JSON.stringify(command)}\n${ws === null ? '' : `    workspace: ${JSON.stringify(ws)}\n`}${extra}`;

/** An agent program: node running `code` with the given argv, so tests need no extra files. */
export const nodeAgent = (code: string, ...args: string[]): string[] => [process.execPath, '-e', code, ...args];

/** A codex (or gemini) agent block running the fake CLI, its sessions kept next to the workspace. */
export const fakeAgent = (runtime: 'codex' | 'gemini', name: string, ws: string, extra = ''): string =>
  `  ${name}:\n    runtime: ${runtime}\n    ${runtime}_bin: ${JSON.stringify(join(ROOT, 'fixtures', 'bin', runtime))}\n    workspace: ${JSON.stringify(ws)}\n` +
  `    env: { FAKE_${runtime.toUpperCase()}_STATE: ${JSON.stringify(join(ws, '..', `fake-${runtime}`))} }\n${extra}`;
