import { BaseCommand } from '../../base.js';
import { jobsLogs } from '../../actions/jobs-logs.js';
import { logPrinter } from '../../render/logs.js';
import { JOBS_LOGS } from '../../flags/jobs-logs.js';
import { oclifArgs, oclifFlags } from '../../flags/oclif.js';

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
  static args = oclifArgs(JOBS_LOGS.args);
  static flags = oclifFlags(JOBS_LOGS.flags);

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(JobsLogs);
    return this.finish(await jobsLogs(args.id, flags, this.ctx(flags.home, { logs: logPrinter(this.jsonEnabled()) })));
  }
}
