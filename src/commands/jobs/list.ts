import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { HerdError } from '../../core/errors.js';
import { parseSince } from '../../core/duration.js';
import { JOB_STATUSES, type JobStatus } from '../../core/job.js';
import { checkName } from '../../core/paths.js';
import { recoverIfLost } from '../../core/recovery.js';
import { renderJobTable } from '../../render/jobs.js';
import { palette } from '../../render/style.js';

export default class JobsList extends BaseCommand {
  static summary = 'List jobs, newest first';
  static examples = [
    '<%= config.bin %> jobs list',
    '<%= config.bin %> jobs list --status failed --since 24h',
    '<%= config.bin %> jobs list --agent bragdoc-coder --limit 50 --json | jq -r ".[].id"',
  ];
  static flags = {
    status: Flags.string({ char: 's', description: 'only jobs in this status', options: [...JOB_STATUSES] }),
    agent: Flags.string({ char: 'a', description: 'only jobs of this agent' }),
    since: Flags.string({ description: 'only jobs created since a duration ago (24h, 7d) or a date (2024-01-15)' }),
    limit: Flags.integer({ char: 'n', description: 'at most this many jobs', default: 20, min: 1 }),
  };

  async run(): Promise<unknown[]> {
    const { flags } = await this.parse(JobsList);
    const now = Date.now();
    let sinceMs: number | undefined;
    if (flags.since !== undefined) {
      const t = parseSince(flags.since, now);
      if (t === null) throw new HerdError('usage', `--since ${JSON.stringify(flags.since)} is neither a duration (30m, 24h, 7d) nor a date (2024-01-15)`, 'herdctl jobs list --since 24h');
      sinceMs = t;
    }
    if (flags.agent) checkName(flags.agent, 'agent');
    const store = this.store(flags.home);
    const rows = store.list({ status: flags.status as JobStatus | undefined, agent: flags.agent, sinceMs, limit: flags.limit }, (job) => recoverIfLost(store, job));
    if (!this.jsonEnabled()) {
      if (rows.length === 0) this.log(flags.status || flags.agent || flags.since ? 'No jobs match these filters.' : 'No jobs yet. Start one with: herdctl run <agent>');
      else this.log(renderJobTable(rows, palette(), now));
    }
    return rows.map((r) => ('job' in r ? r.job : { id: r.id, agent: r.agent || null, status: 'unreadable', error: r.problem }));
  }
}
