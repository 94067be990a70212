import { Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { hosts } from '../actions/hosts.js';
import { hostsView } from '../render/hosts.js';

export default class Hosts extends BaseCommand {
  static summary = 'List the hosts sharing this state dir: their leases, runners, scheduler and running jobs';
  static description =
    "Each runner and scheduler renews a lease under hosts/<host id>/. LEASE is how long ago its freshest lease was written, by the file server's clock. A silent host (no lease renewed for the lease time, $HERDCTL_LEASE_MS, 30 s by default) has its jobs failed or re-queued by the runners of the other hosts.";
  static examples = ['<%= config.bin %> hosts', '<%= config.bin %> hosts --json | jq \'.hosts[] | select(.state == "silent")\''];
  static flags = { 'no-headers': Flags.boolean({ description: 'no header row (for scripts)' }) };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Hosts);
    return this.present(hosts(flags, this.ctx(flags.home)), hostsView);
  }
}
