import type { ChalkInstance } from 'chalk';
import { table } from './table.js';
import { stringify } from 'yaml';
import type { ResolvedConfig } from '../core/config.js';
import type { AgentSummary } from '../core/config.js';
import { formatDuration } from '../core/duration.js';

/** `agents list`: the table of the config's agents (the built-in ones are named below it, or instead of it). */
export function agentsListView({ config, agents }: { config: string | null; agents: AgentSummary[] }, view: { headers?: boolean } | undefined, c: ChalkInstance): string | null {
  const head = ['NAME', 'RUNTIME', 'WORKSPACE', 'MODEL', 'MAX', 'TIMEOUT', 'SCHEDULES'];
  const rows = agents.map((a) => [
    a.name,
    a.runtime,
    a.workspace,
    a.model ?? '-',
    String(a.maxConcurrent || 'unlimited'),
    a.timeoutMs ? formatDuration(a.timeoutMs) : '-',
    a.schedules.join(', ') || '-',
  ]);
  if (view?.headers === false) return rows.length ? table(head, rows, c, { headers: false }) : null;
  const out: string[] = [];
  if (!config) out.push('No herdctl.yaml found (looked at --config, $HERDCTL_CONFIG, ./herdctl.yaml and up, and the state dir).');
  else if (agents.length === 0) out.push(`No agents in ${config}.`);
  else out.push(table(head, rows, c));
  const shadowed = new Set(agents.map((a) => a.name));
  const builtin = ['claude', 'codex', 'gemini'].filter((n) => !shadowed.has(n));
  if (builtin.length) out.push(`${out.length ? '\n' : ''}Built-in agents (no config needed, they work in the current directory): ${builtin.join(', ')}`);
  return out.join('\n');
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
