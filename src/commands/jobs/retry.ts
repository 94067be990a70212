import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { jobsRetry } from '../../actions/resume.js';
import { resumeView } from '../../render/jobs.js';

export default class JobsRetry extends BaseCommand {
  static summary = 'Run a finished job again as a new one: same agent, prompt and settings, a fresh session';
  static description =
    'The new job has trigger "retry" and parentJobId naming the old one; a job that ran in a worktree is retried in the same worktree and branch. To continue its session instead: jobs resume.';
  static examples = ['<%= config.bin %> jobs retry k3x9', '<%= config.bin %> jobs retry k3x9 --model claude-opus-4-1'];
  static args = { id: Args.string({ description: 'job id or a unique prefix of one', required: true }) };
  static flags = { model: Flags.string({ char: 'm', description: "the model for the new job (default: the old job's)" }) };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(JobsRetry);
    return this.present(jobsRetry(args.id, flags, this.ctx(flags.home)), resumeView);
  }
}
