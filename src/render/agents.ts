import type { AgentSummary } from '../core/config.js';
import { formatDuration } from '../core/duration.js';

/** `agents list`: one line per agent. */
export function agentsListView({ config, agents }: { config: string | null; agents: AgentSummary[] }): string | null {
  const out: string[] = [];
  if (!config) out.push('No herdctl.yaml found (looked at --config, $HERDCTL_CONFIG, ./herdctl.yaml and up, and the state dir).');
  else if (agents.length === 0) out.push(`No agents in ${config}.`);
  for (const a of agents) {
    out.push(
      `${a.name}  ${a.runtime}  ${a.workspace}${a.model ? `  model ${a.model}` : ''}  max ${a.maxConcurrent || 'unlimited'}${a.timeoutMs ? `  timeout ${formatDuration(a.timeoutMs)}` : ''}${a.schedules.length ? `  schedules: ${a.schedules.join(', ')}` : ''}`,
    );
  }
  return out.length ? out.join('\n') : null;
}
