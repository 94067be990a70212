import { BaseCommand } from '../base.js';
import { runAgent } from '../actions/run.js';
import { runNotesPrinter, runView } from '../render/jobs.js';
import { interruptSignal } from '../interrupt.js';
import { logPrinter } from '../render/logs.js';
import { RUN } from '../flags/run.js';
import { oclifArgs, oclifFlags } from '../flags/oclif.js';

export default class Run extends BaseCommand {
  static summary = 'Submit a job to an agent; it runs in the background';
  static description =
    'The job is on disk before anything runs and its id is printed at once. --wait blocks until it ends and exits with its outcome (0 completed, 1 failed, 124 timed out, 130 cancelled); --follow also streams its events. Both print the id on stderr at once; Ctrl-C stops the waiting, not the job (exit 10, detached).';
  static examples = [
    '<%= config.bin %> run claude --prompt "Explain this repository" --wait',
    '<%= config.bin %> run bragdoc-coder --prompt "Review open TODOs"',
    '<%= config.bin %> run nightly-tests --wait',
    'git diff | <%= config.bin %> run claude --prompt - --wait',
    '<%= config.bin %> run coder --prompt-file task.md',
    '<%= config.bin %> run bragdoc-coder --follow --tag urgent --priority 10',
    '<%= config.bin %> run coder --worktree --retries 3 --max-budget-usd 5',
    '<%= config.bin %> run reviewer --after job-20260115-093000-abcd1234',
  ];
  static args = oclifArgs(RUN.args);
  static flags = oclifFlags(RUN.flags);

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(Run);
    const waits = flags.wait || flags.follow ? { interrupt: interruptSignal(), runNotes: runNotesPrinter(!flags.follow) } : {};
    return this.present(await runAgent(args.agent, flags, this.ctx(flags.home, { logs: logPrinter(this.jsonEnabled()), ...waits })), runView);
  }
}
