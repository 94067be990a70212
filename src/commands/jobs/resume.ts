import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import type { Job } from '../../core/job.js';
import { RESUME_PROMPT } from '../../core/submit.js';
import { jobsResume } from '../../actions/resume.js';
import { resumeView } from '../../render/jobs.js';

export default class JobsResume extends BaseCommand {
  static summary = "Start a new job that continues a finished one's agent session";
  static examples = ['<%= config.bin %> jobs resume job-20260115-093000-k3x9a2bq', '<%= config.bin %> jobs resume 20260115-0930 --prompt "Now add tests"'];
  static args = { id: Args.string({ description: 'job id or a unique prefix of one', required: true }) };
  static flags = {
    prompt: Flags.string({ char: 'p', description: `the new instruction (default: "${RESUME_PROMPT}")` }),
    model: Flags.string({ char: 'm', description: "the model for the new job (default: the parent job's)" }),
  };

  async run(): Promise<Job | undefined> {
    const { args, flags } = await this.parse(JobsResume);
    return this.present(jobsResume(args.id, flags, this.ctx(flags.home)), resumeView);
  }
}
