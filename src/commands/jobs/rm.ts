import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { jobsRm } from '../../actions/jobs-rm.js';
import { rmView } from '../../render/jobs.js';

export default class JobsRm extends BaseCommand {
  static summary = 'Remove finished jobs: their directories, logs, index lines and worktrees';
  static description = 'Like jobs prune, for the jobs named. A pending or running job is refused (exit 5) and nothing is removed: cancel it first.';
  static examples = ['<%= config.bin %> jobs rm k3x9', '<%= config.bin %> jobs rm job-20260115-093000-k3x9a2bq job-20260115-093012-m2p8q1zz --delete-branch'];
  static strict = false; // several ids
  static args = { id: Args.string({ description: 'job ids or unique prefixes (several)', required: true }) };
  static flags = { 'delete-branch': Flags.boolean({ description: 'also delete the herdctl/<job-id> branch of a job that ran in a worktree (its worktree always goes)' }) };

  async run(): Promise<unknown> {
    const { argv, flags } = await this.parse(JobsRm);
    return this.present(jobsRm(argv as string[], flags, this.ctx(flags.home)), rmView);
  }
}
