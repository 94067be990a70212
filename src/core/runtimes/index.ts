// The registry: one line per runtime. A runtime is one module (see docs/runtimes.md);
// the config schema, the runner, submit, the recap and GET /health ask it here.
import { HerdError } from '../errors.js';
import { claudeRuntime } from './claude.js';
import { codexRuntime } from './codex.js';
import { commandRuntime } from './command.js';
import { geminiRuntime } from './gemini.js';
import type { Runtime } from './types.js';

export const RUNTIMES: readonly Runtime[] = [claudeRuntime, codexRuntime, geminiRuntime, commandRuntime];

export const RUNTIME_NAMES: readonly string[] = RUNTIMES.map((r) => r.name);

/** The runtime an agent's `runtime:` names. */
export function getRuntime(name: string): Runtime {
  const runtime = RUNTIMES.find((r) => r.name === name);
  if (!runtime) throw new HerdError('config', `unknown runtime "${name}"; known runtimes: ${RUNTIME_NAMES.join(', ')}`);
  return runtime;
}
