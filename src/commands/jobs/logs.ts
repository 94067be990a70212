import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { jobsLogs } from '../../actions/jobs-logs.js';
import { logPrinter } from '../../render/logs.js';
import { LEVELS } from '../../core/events.js';

export default class JobsLogs extends BaseCommand {
  static summary = "Print a job's events; --follow streams them live until the job ends";
  static description =
    "With --json the stored output.jsonl lines are printed unchanged (pipe them to jq). With --follow the exit status is the job's outcome: 0 completed, 1 failed, 124 timed out, 130 cancelled.";
  static examples = [
    '<%= config.bin %> jobs logs job-20260115-093000-k3x9a2bq',
    '<%= config.bin %> jobs logs 20260115-0930 --follow',
    '<%= config.bin %> jobs logs k3x9 --tail 20 -f',
    '<%= config.bin %> jobs logs 20260115-0930 --json | jq -c \'select(.type=="tool_use") | .tool\'',
  ];
  static args = { id: Args.string({ description: 'job id or a unique prefix of one', required: true }) };
  static flags = {
    follow: Flags.boolean({ char: 'f', description: 'keep printing new events until the job ends' }),
    level: Flags.string({ description: 'only events at this level or above', options: [...LEVELS] }),
    'since-seq': Flags.integer({ description: "only events after seq N (as the API's ?since=N and Last-Event-ID)", min: 0 }),
    tail: Flags.integer({ char: 'n', description: 'only the last N events (with --follow: then the new ones)', min: 0 }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(JobsLogs);
    return this.finish(await jobsLogs(args.id, flags, this.ctx(flags.home, { logs: logPrinter(this.jsonEnabled()) })));
  }
}
