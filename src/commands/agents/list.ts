import { BaseCommand } from '../../base.js';
import { configFlag } from '../../config-flag.js';
import { loadConfigFor } from '../../actions/config.js';
import { formatDuration } from '../../core/duration.js';

export default class AgentsList extends BaseCommand {
  static summary = 'List the agents of the config';
  static examples = ['<%= config.bin %> agents list', '<%= config.bin %> agents list --config ./herdctl.yaml --json'];
  static flags = { config: configFlag };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(AgentsList);
    const config = loadConfigFor(flags);
    const agents = Object.values(config.agents).map((a) => ({
      name: a.name,
      runtime: a.runtime,
      workspace: a.workspace,
      model: a.model,
      maxConcurrent: a.maxConcurrent,
      timeoutMs: a.timeoutMs,
      schedules: a.schedules.map((s) => s.name),
    }));
    if (!this.jsonEnabled()) {
      if (!config.file) this.log('No herdctl.yaml found (looked at --config, $HERDCTL_CONFIG, ./herdctl.yaml and up, and the state dir).');
      else if (agents.length === 0) this.log(`No agents in ${config.file}.`);
      for (const a of agents) {
        this.log(`${a.name}  ${a.runtime}  ${a.workspace}${a.model ? `  model ${a.model}` : ''}  max ${a.maxConcurrent || 'unlimited'}${a.timeoutMs ? `  timeout ${formatDuration(a.timeoutMs)}` : ''}${a.schedules.length ? `  schedules: ${a.schedules.join(', ')}` : ''}`);
      }
    }
    return { config: config.file, agents };
  }
}
