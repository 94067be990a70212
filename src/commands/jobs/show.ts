import { Args } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import type { Job } from '../../core/job.js';
import { recoverIfLost } from '../../core/recovery.js';
import { renderJobDetail } from '../../render/jobs.js';
import { palette } from '../../render/style.js';

export default class JobsShow extends BaseCommand {
  static summary = 'Show every field of a job, its error, usage and recap';
  static examples = ['<%= config.bin %> jobs show job-20260115-093000-k3x9a2bq', '<%= config.bin %> jobs show 20260115-0930 --json | jq .usage'];
  static args = { id: Args.string({ description: 'job id or a unique prefix of one', required: true }) };

  async run(): Promise<Job> {
    const { args, flags } = await this.parse(JobsShow);
    const store = this.store(flags.home);
    const job = recoverIfLost(store, store.read(store.resolve(args.id)));
    if (!this.jsonEnabled()) this.log(renderJobDetail(job, palette(), Date.now()));
    return job;
  }
}
