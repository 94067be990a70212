import { BaseCommand } from '../../base.js';
import { jobsShow } from '../../actions/jobs-show.js';
import { jobsShowView } from '../../render/jobs.js';
import { JOBS_SHOW } from '../../flags/jobs-show.js';
import { oclifArgs } from '../../flags/oclif.js';

export default class JobsShow extends BaseCommand {
  static summary = 'Show every field of a job, its error, usage and recap';
  static examples = ['<%= config.bin %> jobs show job-20260115-093000-k3x9a2bq', '<%= config.bin %> jobs show 20260115-0930 --json | jq .usage'];
  static args = oclifArgs(JOBS_SHOW.args);

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(JobsShow);
    return this.present(jobsShow(args.id, this.ctx(flags.home)), jobsShowView);
  }
}
