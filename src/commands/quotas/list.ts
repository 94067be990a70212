import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { quotasListView } from '../../render/quotas.js';
import { configFlag } from '../../config-flag.js';
import { quotasList } from '../../actions/quotas.js';

export default class QuotasList extends BaseCommand {
  static summary = 'Quota buckets: tasks used of each cap, and when the rolling hour frees a slot';
  static description = 'tasks_per_hour counts the submissions of the last 60 minutes (rolling, not the clock hour); tasks_total counts those since the last `quotas reset`.';
  static examples = ['<%= config.bin %> quotas list', '<%= config.bin %> quotas list --json | jq ".[] | select(.tasksTotal.used >= .tasksTotal.limit)"'];
  static flags = { 'no-headers': Flags.boolean({ description: 'no header row (for scripts)' }), config: configFlag };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(QuotasList);
    return this.present(quotasList(flags, this.ctx(flags.home)), quotasListView);
  }
}
