import { BaseCommand } from '../../base.js';
import { configCheck } from '../../actions/config.js';
import { configFlag } from '../../config-flag.js';
import { configView } from '../../render/agents.js';

export default class ConfigCheck extends BaseCommand {
  static summary = 'Validate the config and print it as herdctl reads it (defaults applied, env values masked)';
  static description = 'Exit 0 when valid; 6 with each problem at its file:line:col otherwise. Durations are in milliseconds, paths absolute.';
  static examples = ['<%= config.bin %> config check', '<%= config.bin %> config check --config ./herdctl.yaml --json | jq .agents'];
  static flags = { config: configFlag };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(ConfigCheck);
    return this.present(configCheck(flags, this.ctx(flags.home)), configView);
  }
}
