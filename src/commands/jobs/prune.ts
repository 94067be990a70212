import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { jobsPrune } from '../../actions/prune.js';
import { pruneView } from '../../render/jobs.js';

export default class JobsPrune extends BaseCommand {
  static summary = 'Delete finished jobs (their directories, index entries and logs) older than a given age';
  static description =
    'Age is counted from when a job ended. Pending and running jobs are never deleted. Safe while other herdctl commands run: each job directory leaves jobs/ by one atomic rename before it is deleted.';
  static examples = [
    '<%= config.bin %> jobs prune --older-than 30d --dry-run',
    '<%= config.bin %> jobs prune --older-than 7d --status failed',
    '<%= config.bin %> jobs prune --older-than 1d --keep-last 100 --json | jq .deleted',
  ];
  static flags = {
    'older-than': Flags.string({ description: 'delete jobs that ended longer ago than this (30d, 12h, 2w)', required: true }),
    status: Flags.string({ char: 's', description: 'only jobs that ended with this status', options: ['completed', 'failed', 'cancelled'] }),
    'keep-last': Flags.integer({ description: 'keep the newest N matching jobs whatever their age', min: 0 }),
    'dry-run': Flags.boolean({ description: 'list what would be deleted; delete nothing' }),
    'delete-branch': Flags.boolean({ description: 'also delete the herdctl/<job-id> branches of jobs that ran in a worktree (their worktrees are always removed)' }),
  };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(JobsPrune);
    return this.present(jobsPrune(flags, this.ctx(flags.home)), pruneView);
  }
}
