import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { jobsCancel } from '../../actions/cancel.js';
import type { CancelResult } from '../../core/control.js';
import { stopStepPrinter } from '../../render/events.js';
import { cancelView } from '../../render/jobs.js';
import { palette } from '../../render/style.js';

export default class JobsCancel extends BaseCommand {
  static summary = 'Cancel a job (or every pending/running job of an agent)';
  static description =
    'Stops the agent gracefully — SIGINT to its process group, then SIGTERM, then SIGKILL after the grace period (jobs.cancel_grace, 30s) — and ends the job cancelled / manual_cancel. A pending job is cancelled without running. Cancelling a finished job is a no-op (exit 0).';
  static examples = ['<%= config.bin %> jobs cancel job-20260115-093000-k3x9a2bq --reason "wrong branch"', '<%= config.bin %> jobs cancel --agent bragdoc-coder'];
  static args = { id: Args.string({ description: 'job id or a unique prefix of one' }) };
  static flags = {
    agent: Flags.string({ char: 'a', description: 'cancel every pending and running job of this agent', exclusive: ['id'] }),
    reason: Flags.string({ char: 'r', description: 'why (recorded as cancelReason)' }),
    'no-wait': Flags.boolean({ description: 'return once the request is recorded, without waiting for the agent to stop' }),
  };

  async run(): Promise<CancelResult[] | undefined> {
    const { args, flags } = await this.parse(JobsCancel);
    return this.present(await jobsCancel(args.id, flags, this.ctx(flags.home, { stopSteps: stopStepPrinter(this.jsonEnabled(), palette()) })), cancelView);
  }
}
