import { BaseCommand } from '../../base.js';
import { jobsList } from '../../actions/jobs-list.js';
import { jobsListView } from '../../render/jobs.js';
import { JOBS_LIST } from '../../flags/jobs-list.js';
import { oclifFlags } from '../../flags/oclif.js';

export default class JobsList extends BaseCommand {
  static summary = 'List jobs, newest first';
  static examples = [
    '<%= config.bin %> jobs list',
    '<%= config.bin %> jobs list --status failed --since 24h',
    '<%= config.bin %> jobs list --tag urgent -o wide',
    '<%= config.bin %> jobs list --no-headers | wc -l',
    '<%= config.bin %> jobs list --agent bragdoc-coder --limit 50 --json | jq -r ".[].id"',
  ];
  static flags = oclifFlags(JOBS_LIST.flags);

  async run(): Promise<unknown> {
    const { flags } = await this.parse(JobsList);
    if (flags.watch) {
      const [{ watchList }, { interruptSignal }, { watchPrinter }, { palette }] = await Promise.all([
        import('../../watch-list.js'),
        import('../../interrupt.js'),
        import('../../render/jobs.js'),
        import('../../render/style.js'),
      ]);
      return watchList(flags, this.ctx(flags.home), watchPrinter(palette(), process.stdout.isTTY === true), interruptSignal());
    }
    return this.present(jobsList(flags, this.ctx(flags.home)), jobsListView);
  }
}
