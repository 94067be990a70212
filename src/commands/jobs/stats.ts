import { BaseCommand } from '../../base.js';
import { statsView } from '../../render/stats.js';
import { jobsStats } from '../../actions/stats.js';
import { JOBS_STATS } from '../../flags/jobs-stats.js';
import { oclifFlags } from '../../flags/oclif.js';

export default class JobsStats extends BaseCommand {
  static summary = 'Job counts, run times, success rates and tokens/cost, from what is on disk';
  static description =
    'Counts the jobs created in the window (all time by default): completed, failed, cancelled, queued, running, events published, webhooks delivered and dead-lettered, and per agent the run time p50/p95, success rate (completed of finished) and tokens/cost. The human view adds a per-day sparkline and a histogram of run times.';
  static examples = ['<%= config.bin %> jobs stats --since 7d', '<%= config.bin %> jobs stats --agent bragdoc-coder --json | jq .agents[0].durationMs'];
  static flags = oclifFlags(JOBS_STATS.flags);

  async run(): Promise<unknown> {
    const { flags } = await this.parse(JobsStats);
    return this.present(jobsStats(flags, this.ctx(flags.home)), statsView);
  }
}
