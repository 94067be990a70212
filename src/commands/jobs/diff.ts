import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { jobsDiff } from '../../actions/jobs-diff.js';
import { jobsDiffView } from '../../render/diff.js';

export default class JobsDiff extends BaseCommand {
  static summary = 'Show what a job run in its own worktree changed (git diff against its base)';
  static description =
    "For a job with isolation: worktree (run --worktree): its branch herdctl/<job-id> against the commit it started from, or, while it runs, its worktree's files. --json gives the files with lines added/deleted, the totals and the patch.";
  static examples = ['<%= config.bin %> jobs diff job-20260115-093000-k3x9a2bq', '<%= config.bin %> jobs diff 20260115-0930 --stat', '<%= config.bin %> jobs diff 20260115-0930 --json | jq .files'];
  static args = { id: Args.string({ description: 'job id or a unique prefix of one', required: true }) };
  static flags = { stat: Flags.boolean({ description: 'only the files changed and their line counts (git diff --stat)' }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(JobsDiff);
    return this.present(jobsDiff(args.id, flags, this.ctx(flags.home)), jobsDiffView);
  }
}
