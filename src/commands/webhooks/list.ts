import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { webhooksListView } from '../../render/webhooks.js';
import { webhooksList } from '../../actions/webhooks.js';

export default class WebhooksList extends BaseCommand {
  static summary = 'List webhook deliveries: pending, dead-lettered and delivered';
  static description = 'One row per job whose terminal status is (to be) POSTed: attempts so far, the next attempt or the last error. Due deliveries are sent in the background meanwhile.';
  static examples = ['<%= config.bin %> webhooks list', '<%= config.bin %> webhooks list --dead', '<%= config.bin %> webhooks list --json | jq -r \'.[] | select(.status=="pending") | .jobId\''];
  static flags = {
    'no-headers': Flags.boolean({ description: 'no header row (for scripts)' }),
    dead: Flags.boolean({ description: 'only dead-lettered deliveries' }),
    limit: Flags.integer({ char: 'n', description: 'at most this many rows', default: 20, min: 1 }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(WebhooksList);
    return this.present(webhooksList(flags, this.ctx(flags.home)), webhooksListView);
  }
}
