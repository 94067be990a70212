import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { HerdError } from '../../core/errors.js';
import { cancelJob, type CancelResult } from '../../core/control.js';
import { checkName } from '../../core/paths.js';

export default class JobsCancel extends BaseCommand {
  static summary = 'Cancel a job (or every pending/running job of an agent)';
  static description = 'Stops the agent gracefully — SIGINT to its process group, then SIGTERM, then SIGKILL after the grace period (jobs.cancel_grace, 30s) — and ends the job cancelled / manual_cancel. A pending job is cancelled without running. Cancelling a finished job is a no-op (exit 0).';
  static examples = ['<%= config.bin %> jobs cancel job-20260115-093000-k3x9a2bq --reason "wrong branch"', '<%= config.bin %> jobs cancel --agent bragdoc-coder'];
  static args = { id: Args.string({ description: 'job id or a unique prefix of one' }) };
  static flags = {
    agent: Flags.string({ char: 'a', description: 'cancel every pending and running job of this agent', exclusive: ['id'] }),
    reason: Flags.string({ char: 'r', description: 'why (recorded as cancelReason)' }),
    'no-wait': Flags.boolean({ description: 'return once the request is recorded, without waiting for the agent to stop' }),
  };

  async run(): Promise<CancelResult[]> {
    const { args, flags } = await this.parse(JobsCancel);
    const store = this.store(flags.home);
    let ids: string[];
    if (args.id) ids = [store.resolve(args.id)];
    else if (flags.agent) {
      checkName(flags.agent, 'agent');
      // pending first: stopping a running job frees its slot, and the runner would start the next pending one
      ids = [...store.list({ agent: flags.agent, status: 'pending', limit: 10_000 }), ...store.list({ agent: flags.agent, status: 'running', limit: 10_000 })].flatMap((r) => ('job' in r ? [r.job.id] : []));
    } else throw new HerdError('usage', 'name a job id or --agent', 'herdctl jobs cancel <id>  (or: herdctl jobs cancel --agent <name>)');
    const waitMs = flags['no-wait'] ? 0 : 120_000;
    const results = await Promise.all(ids.map((id) => cancelJob(store, id, flags.reason ?? null, waitMs)));
    if (!this.jsonEnabled()) {
      if (results.length === 0) this.log(`No pending or running jobs for agent ${flags.agent}.`);
      for (const r of results) {
        if (r.result === 'already-finished') this.log(`${r.job.id} already ${r.job.status}; nothing to cancel`);
        else if (r.result === 'cancelled') this.log(`${r.job.id} cancelled`);
        else this.log(`${r.job.id} cancel requested; the agent is stopping (follow it: herdctl jobs logs ${r.job.id} --follow)`);
      }
    }
    return results;
  }
}
