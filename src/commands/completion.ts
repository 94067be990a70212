import { Args } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { completion } from '../actions/completion.js';
import { completionView } from '../render/completion.js';

export default class Completion extends BaseCommand {
  static summary = 'Print the shell completion script for bash, zsh or fish';
  static description = 'Completes commands, flags and their values, agent names (from the config, and the built-in ones) and recent job ids (from the state dir).';
  static examples = ['source <(<%= config.bin %> completion bash)', 'source <(<%= config.bin %> completion zsh)', '<%= config.bin %> completion fish > ~/.config/fish/completions/herdctl.fish'];
  static args = { shell: Args.string({ description: 'bash, zsh or fish', required: true, options: ['bash', 'zsh', 'fish'] }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(Completion);
    return this.present(completion(args.shell, this.ctx(flags.home)), completionView);
  }
}
