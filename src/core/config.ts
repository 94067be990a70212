// The config: found (load.ts), parsed with positions for every error (parse.ts,
// yaml-errors.ts) against one schema (schema.ts) into the types of types.ts.
import { HerdError } from './errors.js';
import { FILE_NAME } from './config/load.js';
import type { AgentConfig, Config, ScheduleConfig } from './config/types.js';

export * from './config/types.js';
export { findConfigPath, loadConfig } from './config/load.js';
export { parseConfig } from './config/parse.js';

// ─── Queries ──────────────────────────────────────────────────────────────────

export const allSchedules = (config: Config): ScheduleConfig[] => Object.values(config.agents).flatMap((a) => a.schedules);

export function getAgent(config: Config, name: string): AgentConfig {
  if (Object.hasOwn(config.agents, name)) return config.agents[name];
  if (config.file === null) {
    throw new HerdError(
      'not_found',
      `no agent "${name}": no config file found (looked for --config, HERDCTL_CONFIG, ./${FILE_NAME} in this directory and its parents, and ${FILE_NAME} in the herdctl home); built-in agents: claude, codex, gemini`,
      `herdctl run claude --prompt "…"  (or: herdctl init, to write a ${FILE_NAME})`,
    );
  }
  const known = Object.keys(config.agents);
  const listed = known.length ? `known agents: ${known.join(', ')}` : 'it defines no agents';
  throw new HerdError('not_found', `no agent "${name}" in ${config.file} (${listed}; built-in agents: claude, codex, gemini)`, 'herdctl agents list');
}

/** What `agents list` and GET /v1/agents say of an agent. */
export interface AgentSummary {
  name: string;
  runtime: string;
  workspace: string;
  model: string | null;
  maxConcurrent: number;
  timeoutMs: number | null;
  schedules: string[];
}

export const agentSummary = (a: AgentConfig): AgentSummary => ({
  name: a.name,
  runtime: a.runtime,
  workspace: a.workspace,
  model: a.model,
  maxConcurrent: a.maxConcurrent,
  timeoutMs: a.timeoutMs,
  schedules: a.schedules.map((s) => s.name),
});
