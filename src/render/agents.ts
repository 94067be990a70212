import { stringify } from 'yaml';
import type { ResolvedConfig } from '../core/config.js';
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

/** `config check`: the resolved config as YAML (the reader's own format), under a line naming the file. */
export function configView(r: ResolvedConfig): string {
  if (!r.file) return 'No herdctl.yaml found (looked at --config, $HERDCTL_CONFIG, ./herdctl.yaml and up, and the state dir): the built-in agents claude, codex and gemini work without one.';
  const body = {
    agents: r.agents,
    jobs: r.jobs,
    ...(Object.keys(r.quotas).length ? { quotas: r.quotas } : {}),
    webhooks: r.webhooks,
    ...(Object.keys(r.pricing).length ? { pricing: r.pricing } : {}),
  };
  return `# ${r.file}: valid. As herdctl reads it: defaults applied, durations in ms, env values masked.\n${stringify(body).trimEnd()}`;
}
