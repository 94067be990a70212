import { idTime } from './ids.js';
import { entryLine, type IndexEntry } from './index-log.js';
import { isTerminal, TERMINAL, type Job, type JobStatus } from './job.js';
import type { JobStore } from './store.js';

/**
 * The index's entries, newest first, with their true status: a terminal line
 * is exact; anything else is checked against job.json (as `JobStore.list`
 * does) and given to `check` (liveness, crash recovery). Jobs whose directory is gone are left
 * out; a job.json herdctl cannot read comes back with status 'unreadable'.
 */
export function* currentEntries(store: JobStore, sinceMs: number | undefined, check: (job: Job) => Job): Generator<IndexEntry> {
  store.refreshIndex();
  const sinceDay = sinceMs !== undefined ? new Date(sinceMs).toISOString().slice(0, 10).replace(/-/g, '') : undefined;
  const sinceSec = sinceMs !== undefined ? Math.floor(sinceMs / 1000) * 1000 : undefined;
  for (const e of store.index.all(sinceDay)) {
    if (sinceSec !== undefined && idTime(e.id) < sinceSec) return;
    if (TERMINAL.has(e.status as JobStatus) || e.status === 'unreadable') {
      yield e;
      continue;
    }
    const r = store.tryRead(e.id);
    if (r === null) continue; // deleted, or a creation still in flight
    if ('problem' in r) {
      yield { ...e, status: 'unreadable' };
      continue;
    }
    // a terminal job.json the index missed (a crash between the two) is healed; `check` records its own endings
    if (isTerminal(r.job.status)) store.index.append(r.job.id, entryLine(r.job, e.events));
    yield fromJob(check(r.job), e.events);
  }
}

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
