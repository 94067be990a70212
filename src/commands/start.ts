import { BaseCommand } from '../base.js';
import { configFlag } from '../config-flag.js';
import { startScheduler } from '../actions/schedules.js';
import { schedulerPrinter } from '../render/schedules.js';

export default class Start extends BaseCommand {
  static summary = 'Run the scheduler in the foreground: fire the schedules of the config';
  static description =
    'Creates a job for every due tick of every schedule (catch_up and overlap decide about missed ticks and runs still going), one line per fire and per skip. Jobs run in detached runners, so stopping the scheduler (SIGINT/SIGTERM) never touches them. One scheduler per state dir; config edits are picked up live.';
  static examples = ['<%= config.bin %> start', '<%= config.bin %> start --config ./herdctl.yaml --json'];
  static flags = { config: configFlag };

  async run(): Promise<unknown> {
    const { flags } = await this.parse(Start);
    return this.finish(await startScheduler(flags, this.ctx(flags.home, { schedulerEvents: schedulerPrinter(this.jsonEnabled()) })));
  }
}
