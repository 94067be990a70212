import { completionScript } from '../complete.js';
import { HerdError } from '../core/errors.js';
import type { ActionResult, Ctx } from './types.js';

/** `herdctl completion <shell>`: the script, as data (--json gives {shell, script}). */
export function completion(shell: string, _ctx: Ctx): ActionResult<{ shell: string; script: string }> {
  const script = completionScript(shell);
  if (script === null) throw new HerdError('usage', `no completion for shell ${shell}`, 'herdctl completion bash');
  return { data: { shell, script } };
}
