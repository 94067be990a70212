import { Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { schedulesListView } from '../../render/schedules.js';
import { configFlag } from '../../config-flag.js';
import { listSchedules } from '../../actions/schedules.js';

export default class SchedulesList extends BaseCommand {
  static summary = 'List the schedules of the config: last fire, next fire, last outcome';
  static examples = ['<%= config.bin %> schedules list', '<%= config.bin %> schedules list --json'];
  static flags = { 'no-headers': Flags.boolean({ description: 'no header row (for scripts)' }), config: configFlag };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(SchedulesList);
    return this.present(listSchedules(flags, this.ctx(flags.home)), schedulesListView);
  }
}
