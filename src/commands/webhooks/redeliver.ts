import { Args } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { redeliverView } from '../../render/webhooks.js';
import { webhooksRedeliver } from '../../actions/webhooks.js';

export default class WebhooksRedeliver extends BaseCommand {
  static summary = "Send a job's webhook again now (from the dead letters, or a delivered one)";
  static description =
    'Moves the delivery back to pending with its attempts reset, signs it with the current secret and tries it at once: exit 0 when that attempt delivered it, 1 when not (it then retries as usual, or is dead again).';
  static examples = ['<%= config.bin %> webhooks redeliver k3x9', '<%= config.bin %> webhooks redeliver job-20261203-091500-k3x9a2bq --json'];
  static args = { id: Args.string({ description: 'job id (or a unique prefix)', required: true }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(WebhooksRedeliver);
    return this.present(await webhooksRedeliver(args.id, this.ctx(flags.home)), redeliverView);
  }
}
