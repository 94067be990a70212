import { HerdError } from '../errors.js';
import { claudeRuntime } from './claude.js';
import { commandRuntime } from './command.js';
import type { Runtime } from './types.js';

import { RUNTIMES as RUNTIME_NAMES, type RuntimeName } from '../config.js';

export { RUNTIME_NAMES };

const RUNTIMES: Record<RuntimeName, Runtime> = { claude: claudeRuntime, command: commandRuntime };

const isRuntimeName = (name: string): name is RuntimeName => (RUNTIME_NAMES as readonly string[]).includes(name);

/** The runtime an agent's `runtime:` names. */
export function getRuntime(name: string): Runtime {
  if (!isRuntimeName(name)) {
    throw new HerdError('config', `unknown runtime "${name}"; known runtimes: ${RUNTIME_NAMES.join(', ')}`);
  }
  return RUNTIMES[name];
}
