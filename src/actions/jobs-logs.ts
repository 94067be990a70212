import { pendingWhy } from '../core/job-links.js';
import { Exit, HerdError } from '../core/errors.js';
import { passesLevel, type Level } from '../core/events.js';
import { readLog, tailStart, type LogLine } from '../core/eventlog.js';
import { followLog } from '../core/follow.js';
import { isTerminal, type Job } from '../core/job.js';
import { resolveHome } from '../core/paths.js';
import { recoverIfLost } from '../core/recovery.js';
import { JobStore } from '../core/store.js';
import type { ActionResult, Ctx } from './types.js';

export interface LogsFlags {
  follow?: boolean;
  level?: string;
  'since-seq'?: number;
  tail?: number;
}

/** How `--follow` (and `run --wait`) exit: the job's outcome. */
export function exitCodeFor(job: Pick<Job, 'status' | 'exitReason'>): number {
  if (job.status === 'completed') return Exit.OK;
  if (job.status === 'cancelled') return Exit.CANCELLED;
  if (job.exitReason === 'timeout') return Exit.TIMEOUT;
  return Exit.FAILURE;
}

/** Hands the job's stored lines to ctx.logs (filtered by seq and level); with --follow, until the job ends. */
export async function jobsLogs(idInput: string, flags: LogsFlags, ctx: Ctx): Promise<ActionResult<undefined>> {
  const sink = ctx.logs;
  if (!sink) throw new HerdError('internal', 'jobs logs needs somewhere to put the lines', 'report this as a bug');
  const store = new JobStore(resolveHome(ctx.home));
  const id = store.resolve(idInput);
  let job = store.read(id); // a clear error now for an unreadable job.json
  const path = store.paths.outputFile(id);
  // --since-seq N: the events after seq N, as the API's ?since=N and Last-Event-ID: N ("I have up to N")
  const since = flags['since-seq'] === undefined ? 0 : flags['since-seq'] + 1;
  const level = flags.level as Level | undefined;
  let ended: Pick<Job, 'status' | 'exitReason'> | null = null;
  const emit = async (l: LogLine) => {
    if (!l.event) return;
    if (l.event.type === 'complete') ended = l.event as unknown as Pick<Job, 'status' | 'exitReason'>;
    if (l.event.seq < since || (level && !passesLevel(l.event, level))) return;
    await sink.line(l);
  };
  const problem = sink.problem.bind(sink, path);

  if (!flags.follow && job.status === 'pending' && sink.pending) {
    const why = pendingWhy(store, job);
    if (why) sink.pending(job, why);
  }
  // --tail N: unfiltered, start N whole lines from the end (read backwards); filtered, keep the last N that pass
  const tail = flags.tail;
  const filtered = since > 0 || level !== undefined;
  let from = tail !== undefined && !filtered ? tailStart(path, tail) : 0;
  if (tail !== undefined && filtered) {
    const kept: LogLine[] = [];
    const it = readLog(path, 0, 1, problem);
    let r = it.next();
    for (; !r.done; r = it.next()) {
      const l = r.value;
      if (!l.event) continue;
      if (l.event.type === 'complete') ended = l.event as unknown as Pick<Job, 'status' | 'exitReason'>;
      if (l.event.seq < since || (level && !passesLevel(l.event, level))) continue;
      kept.push(l);
      if (kept.length > tail) kept.shift();
    }
    for (const l of kept) await sink.line(l);
    from = r.value.end;
  }
  if (!flags.follow) {
    if (tail !== undefined && filtered) {
      await sink.flush();
      return {};
    }
    const copyOnly = sink.raw && !since && !level;
    const it = readLog(path, from, 1, problem, copyOnly);
    for (let r = it.next(); !r.done; r = it.next()) {
      if (copyOnly) {
        if (r.value.event) await sink.line(r.value);
      } else await emit(r.value);
    }
    await sink.flush();
    return {};
  }
  await followLog(path, {
    from,
    onLine: emit,
    onProblem: problem,
    onIdle: () => sink.flush(),
    isOver: () => isTerminal((job = recoverIfLost(store, store.read(id))).status),
    signal: ctx.interrupt,
  });
  await sink.flush();
  if (ctx.interrupt?.aborted && !ended) return {}; // the caller stopped following (run --follow: detached)
  // the complete event is the job's last word; job.json follows it a moment later: wait for that too
  if (ended && !isTerminal(job.status)) job = await (await import('../core/wait.js')).settleAfterComplete(store, id);
  return { exit: ended ? exitCodeFor(ended) : isTerminal(job.status) ? exitCodeFor(job) : Exit.OK };
}
