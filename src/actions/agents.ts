import { agentSummary, type AgentSummary } from '../core/config.js';
import { loadConfigFor } from './config.js';
import type { ActionResult, Ctx } from './types.js';

export function agentsList(flags: { config?: string; 'no-headers'?: boolean }, ctx: Ctx): ActionResult<{ config: string | null; agents: AgentSummary[] }, { headers: boolean }> {
  const config = loadConfigFor({ config: flags.config, home: ctx.home });
  return { data: { config: config.file, agents: Object.values(config.agents).map(agentSummary) }, view: { headers: !flags['no-headers'] } };
}
