import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { configFlag } from '../../config-flag.js';
import { agentsList } from '../../actions/agents.js';
import { agentsListView } from '../../render/agents.js';

export default class AgentsList extends BaseCommand {
  static summary = 'List the agents of the config';
  static examples = ['<%= config.bin %> agents list', '<%= config.bin %> agents list --config ./herdctl.yaml --json'];
  static flags = { config: configFlag, 'no-headers': Flags.boolean({ description: 'no header row (for scripts)' }) };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(AgentsList);
    return this.present(agentsList(flags, this.ctx(flags.home)), agentsListView);
  }
}
