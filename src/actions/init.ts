import { resolve } from 'node:path';
import { HerdError } from '../core/errors.js';
import { createExclusive } from '../core/fsx.js';
import { initConfigText, type InitResult } from '../core/init-config.js';
import { providerInfo } from '../core/providers.js';
import type { ActionResult, Ctx } from './types.js';

/** `herdctl init`: writes a commented herdctl.yaml (./herdctl.yaml, or --config), never over an existing one. */
export function init(flags: { config?: string }, _ctx: Ctx, cwd = process.cwd()): ActionResult<InitResult> {
  const file = resolve(cwd, flags.config ?? 'herdctl.yaml');
  const agents = providerInfo();
  // exclusive: an existing file (or one written at the same moment) is never replaced
  if (!createExclusive(file, initConfigText(agents, cwd))) {
    throw new HerdError('conflict', `${file} already exists; herdctl init never overwrites a config`, `herdctl agents list --config ${file}  (or: herdctl init --config another.yaml)`);
  }
  return { data: { file, agents } };
}
