import { Args } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { jobsShow } from '../../actions/jobs-show.js';
import { jobsShowView } from '../../render/jobs.js';

export default class JobsShow extends BaseCommand {
  static summary = 'Show every field of a job, its error, usage and recap';
  static examples = ['<%= config.bin %> jobs show job-20260115-093000-k3x9a2bq', '<%= config.bin %> jobs show 20260115-0930 --json | jq .usage'];
  static args = { id: Args.string({ description: 'job id or a unique prefix of one', required: true }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(JobsShow);
    return this.present(jobsShow(args.id, this.ctx(flags.home)), jobsShowView);
  }
}
