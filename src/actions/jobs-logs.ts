import { Exit } from '../core/errors.js';
import { readLog, type LogLine, type LogProblem } from '../core/eventlog.js';
import { followLog } from '../core/follow.js';
import { isTerminal, type Job } from '../core/job.js';
import { resolveHome } from '../core/paths.js';
import { recoverIfLost } from '../core/recovery.js';
import { JobStore } from '../core/store.js';
import { passesLevel, renderEvent, type Level } from '../render/events.js';
import { Out } from '../render/out.js';
import { palette } from '../render/style.js';
import type { ActionResult, Ctx } from './types.js';

export interface LogsFlags {
  follow?: boolean;
  level?: string;
  'since-seq'?: number;
}

/** How `--follow` (and `run --wait`) exit: the job's outcome. */
export function exitCodeFor(job: Pick<Job, 'status' | 'exitReason'>): number {
  if (job.status === 'completed') return Exit.OK;
  if (job.status === 'cancelled') return Exit.CANCELLED;
  if (job.exitReason === 'timeout') return Exit.TIMEOUT;
  return Exit.FAILURE;
}

export async function jobsLogs(idInput: string, flags: LogsFlags, ctx: Ctx): Promise<ActionResult<undefined>> {
  const store = new JobStore(resolveHome(ctx.home));
  const id = store.resolve(idInput);
  let job = store.read(id); // a clear error now for an unreadable job.json
  const path = store.paths.outputFile(id);
  const c = palette();
  const out = new Out();
  const since = flags['since-seq'] ?? 0;
  const level = flags.level as Level | undefined;
  let ended: Pick<Job, 'status' | 'exitReason'> | null = null;
  const emit = async (l: LogLine) => {
    if (!l.event) return;
    if (l.event.type === 'complete') ended = l.event as unknown as Pick<Job, 'status' | 'exitReason'>;
    if (l.event.seq < since || (level && !passesLevel(l.event, level))) return;
    await out.line(ctx.json ? l.raw : renderEvent(l.event, c));
  };
  const problem = (p: LogProblem) =>
    process.stderr.write(`herdctl: ${path} line ${p.lineNo}: ${p.kind === 'torn' ? 'torn last line' : 'corrupt line'}: ${p.detail} (skipped)\n`);

  if (!flags.follow) {
    const copyOnly = ctx.json && !since && !level;
    const it = readLog(path, 0, 1, problem, copyOnly);
    for (let r = it.next(); !r.done; r = it.next()) {
      if (copyOnly) {
        if (r.value.event) await out.line(r.value.raw);
      }
      else await emit(r.value);
    }
    await out.flush();
    return {};
  }
  await followLog(path, {
    onLine: emit,
    onProblem: problem,
    onIdle: () => out.flush(),
    isOver: () => isTerminal((job = recoverIfLost(store, store.read(id))).status),
  });
  await out.flush();
  // the complete event is the job's last word; job.json follows it a moment later: wait for that too
  if (ended && !isTerminal(job.status)) job = await (await import('../core/wait.js')).settleAfterComplete(store, id);
  return { exit: ended ? exitCodeFor(ended) : isTerminal(job.status) ? exitCodeFor(job) : Exit.OK };
}
