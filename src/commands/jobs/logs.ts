import { Args, Flags } from '@oclif/core';
import { BaseCommand } from '../../base.js';
import { Exit } from '../../core/errors.js';
import { readLog, type LogLine, type LogProblem } from '../../core/eventlog.js';
import { followLog } from '../../core/follow.js';
import { isTerminal, type Job } from '../../core/job.js';
import { recoverIfLost } from '../../core/recovery.js';
import { LEVELS, passesLevel, renderEvent, type Level } from '../../render/events.js';
import { Out } from '../../render/out.js';
import { palette } from '../../render/style.js';

/** How `--follow` (and `run --wait`) exit: the job's outcome. */
export function exitCodeFor(job: Pick<Job, 'status' | 'exitReason'>): number {
  if (job.status === 'completed') return Exit.OK;
  if (job.status === 'cancelled') return Exit.CANCELLED;
  if (job.exitReason === 'timeout') return Exit.TIMEOUT;
  return Exit.FAILURE;
}

export default class JobsLogs extends BaseCommand {
  static summary = "Print a job's events; --follow streams them live until the job ends";
  static description = 'With --json the stored output.jsonl lines are printed unchanged (pipe them to jq). With --follow the exit status is the job\'s outcome: 0 completed, 1 failed, 124 timed out, 130 cancelled.';
  static examples = [
    '<%= config.bin %> jobs logs job-20260115-093000-k3x9a2bq',
    '<%= config.bin %> jobs logs 20260115-0930 --follow',
    '<%= config.bin %> jobs logs 20260115-0930 --json | jq -c \'select(.type=="tool_use") | .tool\'',
  ];
  static args = { id: Args.string({ description: 'job id or a unique prefix of one', required: true }) };
  static flags = {
    follow: Flags.boolean({ char: 'f', description: 'keep printing new events until the job ends' }),
    level: Flags.string({ description: 'only events at this level or above', options: [...LEVELS] }),
    'since-seq': Flags.integer({ description: 'only events with seq ≥ N', min: 0 }),
  };

  async run(): Promise<undefined> {
    const { args, flags } = await this.parse(JobsLogs);
    const store = this.store(flags.home);
    const id = store.resolve(args.id);
    store.read(id); // a clear error now for an unreadable job.json
    const path = store.paths.outputFile(id);
    const json = this.jsonEnabled();
    const c = palette();
    const out = new Out();
    const since = flags['since-seq'] ?? 0;
    const level = flags.level as Level | undefined;
    let ended: Pick<Job, 'status' | 'exitReason'> | null = null;
    const emit = async (l: LogLine) => {
      if (!l.event) return;
      if (l.event.type === 'complete') ended = l.event as unknown as Pick<Job, 'status' | 'exitReason'>;
      if (l.event.seq < since || (level && !passesLevel(l.event, level))) return;
      await out.line(json ? l.raw : renderEvent(l.event, c));
    };
    const problem = (p: LogProblem) => process.stderr.write(`herdctl: ${path} line ${p.lineNo}: ${p.kind === 'torn' ? 'torn last line' : 'corrupt line'}: ${p.detail} (skipped)\n`);

    if (!flags.follow) {
      const it = readLog(path, 0, 1, problem);
      for (let r = it.next(); !r.done; r = it.next()) await emit(r.value);
      await out.flush();
      return undefined;
    }
    let job = store.read(id);
    await followLog(path, {
      onLine: emit,
      onProblem: problem,
      onIdle: () => out.flush(),
      isOver: () => {
        job = recoverIfLost(store, store.read(id));
        return isTerminal(job.status);
      },
    });
    await out.flush();
    // the complete event is the job's last word (job.json follows it a moment later)
    this.exit(ended ? exitCodeFor(ended) : isTerminal(job.status) ? exitCodeFor(job) : Exit.OK);
  }
}
