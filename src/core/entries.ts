import { idPrefixAt, idTime } from './ids.js';
import { entryLine, type IndexEntry } from './index-log.js';
import { isTerminal, TERMINAL, type Job, type JobStatus } from './job.js';
import type { JobStore } from './store.js';
import { clock } from './clock.js';

/**
 * One index day's entries, newest first, with their true status: a terminal
 * line is exact; anything else (an unreadable one too: it may have been
 * repaired) is checked against job.json, as `JobStore.list` does, and given
 * to `check` (liveness, crash recovery). A job.json herdctl cannot read
 * comes back 'unreadable'; a job whose directory is not there (deleted, or a
 * creation still in flight) 'gone'. Entries created before `sinceMs` are
 * left out.
 */
export function* dayEntries(store: JobStore, day: string, sinceMs: number | undefined, check: (job: Job) => Job): Generator<IndexEntry> {
  const sinceSec = sinceMs !== undefined ? Math.floor(sinceMs / 1000) * 1000 : undefined;
  for (const e of store.index.readDay(day, sinceSec !== undefined ? idPrefixAt(sinceSec) : '')) {
    if (sinceSec !== undefined && idTime(e.id) < sinceSec) return;
    if (TERMINAL.has(e.status as JobStatus)) {
      yield e;
      continue;
    }
    const r = store.tryRead(e.id);
    if (r === null) yield { ...e, status: 'gone' };
    else if ('problem' in r) yield { ...e, status: 'unreadable' };
    else {
      // a terminal job.json the index missed (a crash between the two) is healed; `check` records its own endings
      if (isTerminal(r.job.status)) store.index.append(r.job.id, entryLine(r.job, e.events));
      yield fromJob(check(r.job), e.events);
    }
  }
}

/** UTC day (YYYYMMDD) of an instant: the first index segment a window needs. */
export const dayOf = (ms: number): string => clock.isoAt(ms).slice(0, 10).replace(/-/g, '');

const ms = (iso: string | null) => (iso ? Date.parse(iso) || 0 : 0);

function fromJob(job: Job, events: number): IndexEntry {
  return {
    id: job.id,
    status: job.status,
    agent: job.agent,
    exitReason: job.exitReason ?? '',
    trigger: job.trigger,
    schedule: job.schedule ?? '',
    startedMs: ms(job.startedAt),
    completedMs: ms(job.completedAt),
    inputTokens: job.usage?.inputTokens ?? 0,
    outputTokens: job.usage?.outputTokens ?? 0,
    costUsd: job.usage?.costUsd ?? 0,
    events,
  };
}
