import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../base.js';
import { configFlag } from '../config-flag.js';
import { runAgent } from '../actions/run.js';
import { runNotesPrinter, runView } from '../render/jobs.js';
import { interruptSignal } from '../interrupt.js';
import { logPrinter } from '../render/logs.js';
import { PRIORITY_MAX, PRIORITY_MIN } from '../core/queue.js';

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
  static args = { agent: Args.string({ description: 'an agent of herdctl.yaml, or a built-in one: claude, codex, gemini (no config needed)', required: true }) };
  static flags = {
    config: configFlag,
    prompt: Flags.string({ char: 'p', description: "the task (default: the agent's prompt); - reads it from stdin", exclusive: ['prompt-file'] }),
    'prompt-file': Flags.string({ description: 'read the task from this file (any size)' }),
    model: Flags.string({ char: 'm', description: "the model for this job (default: the agent's model; recorded in job.json)" }),
    schedule: Flags.string({ description: 'record the job as fired by this schedule' }),
    wait: Flags.boolean({ char: 'w', description: 'wait for the job to end; exit with its outcome', exclusive: ['follow'] }),
    follow: Flags.boolean({ char: 'f', description: "stream the job's events until it ends; exit with its outcome" }),
    priority: Flags.integer({ description: 'higher runs first among pending jobs', default: 0, min: PRIORITY_MIN, max: PRIORITY_MAX }),
    tag: Flags.string({ char: 't', description: 'a tag (repeatable)', multiple: true }),
    webhook: Flags.string({ description: 'POST the terminal status to this URL' }),
    'quota-bucket': Flags.string({ description: 'count the job against this quota bucket' }),
    worktree: Flags.boolean({ description: 'run in a git worktree of its own, on the branch herdctl/<job-id> (isolation: worktree)' }),
    base: Flags.string({ description: 'with --worktree: the ref its branch starts from, resolved when the job starts (default: HEAD)' }),
    retries: Flags.integer({ description: 'run again after a transient failure (5xx, overloaded, rate limit, dropped connection) up to N times', min: 0, max: 100 }),
    'max-budget-usd': Flags.string({ description: 'stop the job once it has spent this many US dollars' }),
    after: Flags.string({ description: 'start only after this job has ended (repeatable); cancelled if it did not complete', multiple: true }),
    'after-any': Flags.boolean({ description: 'with --after: start whatever the jobs ended as', dependsOn: ['after'] }),
    workspace: Flags.string({ description: "the directory the agent works in, for this job (default: the agent's; a built-in agent's: the current directory)" }),
    timeout: Flags.string({ description: "stop the job after this long, e.g. 30m (default: the agent's timeout)" }),
    env: Flags.string({ description: "KEY=VALUE in the agent's environment, for this job (repeatable; never written to job files or logs)", multiple: true }),
  };

  async run(): Promise<unknown> {
    const { args, flags } = await this.parse(Run);
    const waits = flags.wait || flags.follow ? { interrupt: interruptSignal(), runNotes: runNotesPrinter() } : {};
    return this.present(await runAgent(args.agent, flags, this.ctx(flags.home, { logs: logPrinter(this.jsonEnabled()), ...waits })), runView);
  }
}
