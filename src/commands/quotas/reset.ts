import { Args } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { quotaResetView } from '../../render/quotas.js';
import { configFlag } from '../../config-flag.js';
import { quotasReset } from '../../actions/quotas.js';

export default class QuotasReset extends BaseCommand {
  static summary = "Start a quota bucket's counts over (tasks_total and the rolling hour)";
  static examples = ['<%= config.bin %> quotas reset ci'];
  static args = { bucket: Args.string({ description: 'bucket name from the quotas: section', required: true }) };
  static flags = { config: configFlag };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(QuotasReset);
    return this.present(quotasReset(args.bucket, flags, this.ctx(flags.home)), quotaResetView);
  }
}
