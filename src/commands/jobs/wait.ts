import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { jobsWait } from '../../actions/jobs-wait.js';
import { interruptSignal } from '../../interrupt.js';
import { waitingNote, waitView } from '../../render/jobs.js';

export default class JobsWait extends BaseCommand {
  static summary = 'Wait until jobs end; exit with the worst outcome';
  static description =
    'Exit 0 when every job completed, else the worst of 1 (failed), 124 (timed out), 130 (cancelled). --any returns when the first ends, with its outcome. --timeout gives up after a while (exit 124; the jobs go on); Ctrl-C stops the waiting (exit 10).';
  static examples = ['<%= config.bin %> jobs wait k3x9 m2p8', '<%= config.bin %> jobs wait k3x9 m2p8 --any', '<%= config.bin %> jobs wait k3x9 --timeout 30m && echo done'];
  static strict = false; // several ids
  static args = { id: Args.string({ description: 'job ids or unique prefixes (several)', required: true }) };
  static flags = {
    any: Flags.boolean({ description: 'return when the first of them ends' }),
    timeout: Flags.string({ description: 'give up after this long (30m, 2h): exit 124, the jobs go on' }),
  };

  async run(): Promise<unknown> {
    const { argv, flags } = await this.parse(JobsWait);
    return this.present(await jobsWait(argv as string[], flags, this.ctx(flags.home, { interrupt: interruptSignal(), waiting: waitingNote })), waitView);
  }
}
