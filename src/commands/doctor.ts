import { Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { configFlag } from '../config-flag.js';
import { doctor } from '../actions/doctor.js';
import { doctorView } from '../render/doctor.js';

export default class Doctor extends BaseCommand {
  static summary = 'Check the platform, state dir, agent CLIs, config, scheduler, runners, webhooks, disk and worktrees';
  static description =
    'Each check says what is wrong and the command that fixes it. Exit 0 when healthy, 1 with the problems listed. --fix repairs what is safe to repair while herdctl runs: file modes, orphan worktrees.';
  static examples = ['<%= config.bin %> doctor', '<%= config.bin %> doctor --fix', '<%= config.bin %> doctor --json | jq \'.checks[] | select(.status == "problem")\''];
  static flags = { config: configFlag, fix: Flags.boolean({ description: 'repair what is safe: file modes, worktrees whose job is gone' }) };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Doctor);
    return this.present(doctor(flags, this.ctx(flags.home)), doctorView);
  }
}
