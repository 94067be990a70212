import { Args, Help } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { HerdError } from '../core/errors.js';
import { didYouMean } from '../core/near.js';

export default class HelpCommand extends BaseCommand {
  static summary = 'Help for herdctl, a topic or a command (the same as --help)';
  static examples = ['<%= config.bin %> help', '<%= config.bin %> help jobs', '<%= config.bin %> help jobs list'];
  static strict = false; // the command's words
  static args = { command: Args.string({ description: 'a topic or command, e.g. jobs list' }) };

  async run(): Promise<void> {
    const { argv } = await this.parse(HelpCommand);
    const words = (argv as string[]).filter((w) => !w.startsWith('-'));
    const id = words.join(':');
    const known = [...this.config.commands.filter((c) => !c.hidden).map((c) => c.id), ...this.config.topics.map((t) => t.name)];
    if (id && !known.includes(id)) {
      const spaced = known.map((k) => k.replace(/:/g, ' '));
      throw new HerdError('usage', `no command or topic "${words.join(' ')}"${didYouMean(words.join(' '), spaced)}`, 'herdctl help');
    }
    await new Help(this.config, { stripAnsi: !process.stdout.isTTY }).showHelp(words);
  }
}
