import type { InitResult } from '../core/init-config.js';

/** `herdctl init`: what was written, what was found, what to do next. */
export function initView({ file, agents }: InitResult): string {
  const found = agents.filter((a) => a.available).map((a) => a.name);
  return [
    `wrote ${file}`,
    found.length ? `agents for the CLIs found on the PATH: ${found.join(', ')}` : 'no claude, codex or gemini CLI on the PATH: a claude agent to edit was written',
    `next: herdctl agents list   then: herdctl run ${found[0] ?? 'claude'} --prompt "…" --wait`,
  ].join('\n');
}
