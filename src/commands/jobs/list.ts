import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { jobsList } from '../../actions/jobs-list.js';
import { jobsListView } from '../../render/jobs.js';
import { JOB_STATUSES } from '../../core/job.js';

export default class JobsList extends BaseCommand {
  static summary = 'List jobs, newest first';
  static examples = [
    '<%= config.bin %> jobs list',
    '<%= config.bin %> jobs list --status failed --since 24h',
    '<%= config.bin %> jobs list --tag urgent -o wide',
    '<%= config.bin %> jobs list --no-headers | wc -l',
    '<%= config.bin %> jobs list --agent bragdoc-coder --limit 50 --json | jq -r ".[].id"',
  ];
  static flags = {
    status: Flags.string({ char: 's', description: 'only jobs in this status', options: [...JOB_STATUSES] }),
    agent: Flags.string({ char: 'a', description: 'only jobs of this agent' }),
    since: Flags.string({ description: 'only jobs created since a duration ago (24h, 7d) or a date (2024-01-15)' }),
    tag: Flags.string({ char: 't', description: 'only jobs with this tag (repeatable: all of them)', multiple: true }),
    limit: Flags.integer({ char: 'n', description: 'at most this many jobs', default: 20, min: 1 }),
    output: Flags.string({ char: 'o', description: 'wide: also the tags, prompt and error columns', options: ['wide'] }),
    'no-headers': Flags.boolean({ description: 'no header row (for scripts)' }),
    watch: Flags.boolean({ description: 'keep listing: redrawn in place on a terminal, changed rows only in a pipe; Ctrl-C stops' }),
  };

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
