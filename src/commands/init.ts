import { Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { init } from '../actions/init.js';
import { initView } from '../render/init.js';

export default class Init extends BaseCommand {
  static summary = 'Write a commented herdctl.yaml here (the agent CLIs found on the PATH, an example schedule)';
  static description = 'Refuses to overwrite an existing file (exit 5). Without any config, the built-in agents claude, codex and gemini work already: herdctl run claude --prompt "…".';
  static examples = ['<%= config.bin %> init', '<%= config.bin %> init --config ~/.herdctl/herdctl.yaml'];
  static flags = { config: Flags.string({ char: 'c', description: 'where to write it (default: ./herdctl.yaml)' }) };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Init);
    return this.present(init(flags, this.ctx(flags.home)), initView);
  }
}
