import * as fs from 'node:fs';
import { join } from 'node:path';
import { environmentError, HerdError, isEnvironmentError, isErrno } from './errors.js';
import { checkIdInput, idPrefixAt, idTime, isJobId, newJobId } from './ids.js';
import { isTerminal, normalizeJob, transition, TERMINAL, type Job, type JobStatus, type Transition } from './job.js';
import { Paths } from './paths.js';
import { jobText, readJobFile, type ReadResult } from './job-file.js';
import { KeptEnds } from './kept-ends.js';
import { JobIndex, entryLine, markerLine } from './index-log.js';
import { createExclusive, ensureDir, fsyncDir, io, listDir, listDirTyped, removeTree, sweepTemps, tempPath, tryUnlink, writeFileAtomic } from './fsx.js';
import { tryLockSync } from './lock.js';
import { Queue } from './queue.js';
import { recordWaits } from './waits.js';
import { clock } from './clock.js';
import { dayOf } from './entries.js';
import { foldBefore } from './index-compact.js';

export interface NewJob {
  agent: string;
  prompt: string;
  workspace: string;
  model?: string | null;
  schedule?: string | null;
  trigger?: string;
  parentJobId?: string | null;
  resumedFromRecapId?: string | null;
  priority?: number;
  tags?: string[];
  quotaBucket?: string | null;
  webhookUrl?: string | null;
  sessionId?: string | null;
  config?: string | null;
  settings?: Record<string, unknown> | null;
  after?: string[];
  afterAny?: boolean;
  notBefore?: string | null;
  retryOf?: string | null;
  attempt?: number;
  worktree?: string | null;
  branch?: string | null;
  baseCommit?: string | null;
}

export interface ListFilter {
  status?: JobStatus;
  agent?: string;
  sinceMs?: number;
  /** Every one of these tags. */
  tags?: string[];
  limit: number;
}

const hasTags = (job: Job, tags: string[] | undefined): boolean => !tags?.length || tags.every((t) => job.tags.includes(t));

export type ListRow = { job: Job } | { id: string; agent: string; problem: string };

/** What `jobs list` shows besides its data: the rows, whether a filter was given, the time, the columns. */
export interface JobsListView {
  rows: ListRow[];
  filtered: boolean;
  now: number;
  wide?: boolean;
  headers?: boolean;
  /** How many more jobs match than --limit showed (0: none). */
  more?: number;
}

/** A creation whose job.json is not there yet after this long was abandoned. */
const CREATION_GRACE_MS = 60_000;

/** The job directories: create, read, replace job.json, resolve ids, list through the index. */
export class JobStore {
  readonly paths: Paths;
  readonly index: JobIndex;
  readonly queue: Queue;
  readonly ends: KeptEnds;

  constructor(
    home: string,
    readonly now: () => number = clock.now,
  ) {
    this.paths = new Paths(home);
    this.index = new JobIndex(this.paths.index, this.paths.jobs);
    this.queue = new Queue(this.paths);
    this.ends = new KeptEnds(this.paths);
  }

  /** Creates the home (0700) on first write. */
  init(): void {
    ensureDir(this.paths.home);
    ensureDir(this.paths.jobs);
  }

  /**
   * Persists a new pending job. Order matters for crashes: the index line and
   * the queue intent come first, so no job directory herdctl made is ever
   * unknown to them; job.json is durable (fsynced, and its directory into
   * jobs/) before the queue entry is published and the id returned.
   */
  create(input: NewJob): Job {
    this.init();
    const nowMs = this.now();
    for (let attempt = 0; ; attempt++) {
      const id = newJobId(nowMs);
      const job = normalizeJob({
        id,
        agent: input.agent,
        schedule: input.schedule ?? null,
        trigger: input.trigger ?? 'manual',
        status: 'pending',
        parentJobId: input.parentJobId ?? null,
        ...(input.resumedFromRecapId ? { resumedFromRecapId: input.resumedFromRecapId } : {}),
        prompt: input.prompt,
        workspace: input.workspace,
        model: input.model ?? null,
        createdAt: clock.isoAt(nowMs),
        output: this.paths.outputFile(id),
        priority: input.priority ?? 0,
        tags: input.tags ?? [],
        quotaBucket: input.quotaBucket ?? null,
        webhookUrl: input.webhookUrl ?? null,
        sessionId: input.sessionId ?? null,
        config: input.config ?? null,
        settings: input.settings ?? null,
        after: input.after ?? [],
        afterAny: input.afterAny ?? false,
        notBefore: input.notBefore ?? null,
        retryOf: input.retryOf ?? null,
        attempt: input.attempt ?? 1,
        worktree: input.worktree ?? null,
        branch: input.branch ?? null,
        baseCommit: input.baseCommit ?? null,
      });
      this.index.append(id, entryLine(job));
      const intent = this.queue.intend(job);
      const inSync = this.index.beforeOwnChange();
      // the directory is made whole under a temp name and renamed into place: a crash at any point leaves
      // either no job or a complete one (a .tmp- directory is ignored by readers and swept)
      const tmp = tempPath(this.paths.job(id));
      try {
        io.mkdirSync(tmp, { mode: 0o700 });
        writeFileAtomic(join(tmp, 'job.json'), JSON.stringify(job, null, 2) + '\n');
      } catch (e) {
        removeTree(tmp);
        tryUnlink(intent);
        throw ioError(e, `create job ${id}`);
      }
      try {
        io.renameSync(tmp, this.paths.job(id));
      } catch (e) {
        removeTree(tmp);
        tryUnlink(intent);
        if (isErrno(e, 'EEXIST', 'ENOTEMPTY') && attempt < 5) continue; // an id minted twice in one second: mint again
        throw ioError(e, `create job ${id}`);
      }
      try {
        fsyncDir(this.paths.jobs);
      } catch (e) {
        // not durable, so not returned: take it back rather than leave a job nobody was told about
        removeTree(this.paths.job(id));
        tryUnlink(intent);
        throw ioError(e, `create job ${id}`);
      }
      this.index.afterOwnChange(inSync);
      if (job.after.length > 0) recordWaits(this.paths, id, job.after); // before it can be claimed, so no dependency's end goes unseen
      this.queue.publish(intent);
      return job;
    }
  }

  /** job.json read and checked (job-file.ts): the job, a problem, or null when there is none; a lost host's job as its kept end says. */
  tryRead(id: string, realDir = false): ReadResult {
    return this.ends.check(id, readJobFile(this.paths, id, realDir));
  }

  read(id: string): Job {
    const r = this.tryRead(id);
    if (r === null) throw notFound(id);
    if ('problem' in r) throw new HerdError('corrupt', r.problem, `inspect it with: cat ${this.paths.jobFile(id)}`);
    return r.job;
  }

  /** Replaces job.json; only the job's single writer calls this. `own`: see writeFileAtomic (false: not written). */
  write(job: Job, own?: () => boolean): boolean {
    return writeFileAtomic(this.paths.jobFile(job.id), jobText(job), { own });
  }

  /**
   * Moves a job through the state machine and records it: job.json first,
   * then the derived index and markers. `own()` is asked before job.json is
   * replaced and again after (finish.ts): once it says the job is no longer
   * the writer's, nothing more is written, and a job not written is returned as it was.
   */
  commit(job: Job, t: Omit<Transition, 'at'> & { at?: string }, events = 0, own: () => boolean = () => true): Job {
    const next = transition(job, { ...t, at: t.at ?? clock.isoAt(this.now()) });
    if (!this.write(next, own)) return job;
    if (isTerminal(next.status) && own()) {
      this.index.append(next.id, entryLine(next, events));
      tryUnlink(this.paths.activeMarker(next.id));
    }
    return next;
  }

  /** Marks a claimed job running-owned: active/<id> lets any command find running jobs without a scan. */
  markActive(id: string): void {
    ensureDir(this.paths.active);
    createExclusive(this.paths.activeMarker(id));
  }

  activeIds(): string[] {
    return listDir(this.paths.active).filter(isJobId);
  }

  /** A full id, or any unique prefix of one (with or without "job-"). */
  resolve(input: string): string {
    const given = input.trim().replace(/\/+$/, ''); // a path-completed `jobs/<id>/` works too
    const want = checkIdInput(given);
    if (isJobId(want)) {
      if (fs.existsSync(this.paths.job(want))) return want;
      throw notFound(want);
    }
    this.refreshIndex();
    // a prefix of the id (`job-` optional), or any run of its 8 random characters (`k3x9`): what people paste
    const run = /^[0-9a-z]{1,8}$/.test(given) ? given : null;
    // the buckets the prefix can be in: "job-20261021-0036" names one hour, "job-202610" a month of them
    const bucketPart = want.slice(4, 12) + want.slice(13, 15);
    const matches: string[] = [];
    for (const day of this.index.days()) {
      if (!day.startsWith(bucketPart) && !bucketPart.startsWith(day)) continue;
      for (const id of this.index.idsWithPrefix(day, want)) if (fs.existsSync(this.paths.job(id))) matches.push(id);
    }
    if (run !== null) for (const id of this.index.idsWithRun(run)) if (isJobId(id) && !matches.includes(id) && fs.existsSync(this.paths.job(id))) matches.push(id);
    matches.sort().reverse(); // newest first, whichever way they matched
    if (matches.length === 1) return matches[0];
    if (matches.length === 0) throw notFound(input);
    const shown = matches.slice(0, 10).join('\n  ');
    throw new HerdError(
      'ambiguous',
      `"${input}" matches ${matches.length} jobs:\n  ${shown}${matches.length > 10 ? `\n  … and ${matches.length - 10} more` : ''}`,
      'give more characters of the id (a prefix, or a longer run of its last 8)',
    );
  }

  /**
   * Newest first through the index: reads a day segment at a time and stops
   * once `limit` rows are found, so the default page costs the newest
   * segment plus `limit` job.json reads whatever the number of jobs.
   * `check` sees each non-terminal job (liveness, crash recovery).
   */
  list(filter: ListFilter, check: (job: Job) => Job = (j) => j): ListRow[] {
    this.refreshIndex();
    if (filter.status === 'pending' || filter.status === 'running') return this.listLive(filter, check);
    const rows: ListRow[] = [];
    const sinceDay = filter.sinceMs !== undefined ? dayOf(filter.sinceMs) : undefined;
    const sinceSec = filter.sinceMs !== undefined ? Math.floor(filter.sinceMs / 1000) * 1000 : undefined;
    for (const day of this.index.days(sinceDay)) {
      for (const e of this.index.readDay(day, sinceSec !== undefined ? idPrefixAt(sinceSec) : '')) {
        if (sinceSec !== undefined && idTime(e.id) < sinceSec) return rows;
        const exact = TERMINAL.has(e.status as JobStatus);
        if (filter.status && exact && e.status !== filter.status) continue;
        if (filter.agent && e.agent !== filter.agent && e.status !== 'unreadable') continue;
        if (e.tags && filter.tags?.some((t) => !e.tags!.includes(t))) continue; // tags never change: the index line is enough
        const r = this.tryRead(e.id);
        if (r === null) continue; // deleted, or a creation still in flight
        if ('problem' in r) {
          if (!filter.status && !filter.agent && !filter.tags?.length) rows.push({ id: e.id, agent: e.agent, problem: r.problem });
        } else {
          if (e.status === 'unreadable') this.heal(r.job); // repaired since: index it again
          let job = r.job;
          if (!isTerminal(job.status)) job = check(job);
          if (!exact && isTerminal(job.status)) this.index.append(job.id, entryLine(job)); // heal a line a crash kept from the index
          if (filter.status && job.status !== filter.status) continue;
          if (filter.agent && job.agent !== filter.agent) continue;
          if (!hasTags(job, filter.tags)) continue;
          rows.push({ job });
        }
        if (rows.length >= filter.limit) return rows;
      }
    }
    return rows;
  }

  /**
   * Pending and running jobs are few and each has a marker (queue/<agent>/,
   * active/), so they are listed from those directories, not the index.
   */
  private listLive(filter: ListFilter, check: (job: Job) => Job): ListRow[] {
    const ids = new Set(this.activeIds());
    for (const agent of filter.agent ? [filter.agent] : this.queue.agents()) for (const m of this.queue.pending(agent)) ids.add(m.id);
    for (const id of this.index.unreadable()) {
      const r = this.tryRead(id);
      if (r && 'job' in r && !isTerminal(r.job.status) && !ids.has(id)) {
        this.heal(r.job);
        ids.add(id);
      }
    }
    const jobs: Job[] = [];
    for (const id of ids) {
      const r = this.tryRead(id);
      if (!r || 'problem' in r) continue;
      const job = check(r.job);
      if (job.status !== filter.status || (filter.agent && job.agent !== filter.agent) || !hasTags(job, filter.tags)) continue;
      if (filter.sinceMs !== undefined && (Date.parse(job.createdAt) || idTime(id)) < filter.sinceMs) continue;
      jobs.push(job);
    }
    const created = (j: Job) => Date.parse(j.createdAt) || idTime(j.id);
    return jobs
      .sort((a, b) => created(b) - created(a) || (a.id < b.id ? 1 : -1))
      .slice(0, filter.limit)
      .map((job) => ({ job }));
  }

  /** Rebuilds what the index misses when jobs/ changed behind herdctl's back (copied in, deleted by hand, index deleted). */
  refreshIndex(): void {
    if (!this.index.isStale()) return;
    let release = tryLockSync(this.paths.home, this.paths.indexLock);
    // another process is rebuilding: wait for it (up to 5 s), then its work is ours too
    for (let i = 0; !release && i < 100; i++) {
      sleepSync(50);
      if (!this.index.isStale()) return;
      release = tryLockSync(this.paths.home, this.paths.indexLock);
    }
    if (!release) return;
    try {
      sweepTemps(this.paths.index);
      const before = this.index.mtime();
      const entries = listDirTyped(this.paths.jobs);
      sweepTemps(
        this.paths.jobs,
        clock.now(),
        entries.map((d) => d.name),
      ); // job directories a crashed creator left half-made
      const dirs = new Map(entries.flatMap((d) => (isJobId(d.name) ? [[d.name, d.isDirectory()] as const] : [])));
      const known = new Set<string>();
      const nowMs = this.now();
      const lines: [string, string][] = [];
      for (const e of this.index.all()) {
        known.add(e.id);
        if (!dirs.has(e.id) && nowMs - idTime(e.id) > CREATION_GRACE_MS) lines.push([e.id, markerLine(e.id, 'gone')]);
      }
      for (const [id, realDir] of dirs) {
        if (known.has(id)) continue;
        const r = this.tryRead(id, realDir);
        if (r === null) continue;
        if ('problem' in r) this.index.noteUnreadable(id);
        else this.heal(r.job, lines);
      }
      this.index.appendAll(lines, foldBefore(nowMs)); // as compaction leaves them: the newest pages by hour
      this.index.markSynced(before);
    } finally {
      release();
    }
  }

  /** Indexes a job found outside herdctl's own writes (copied in, or repaired by hand), with the marker its status needs. */
  private heal(job: Job, batch?: [string, string][]): void {
    if (batch) batch.push([job.id, entryLine(job)]);
    else this.index.append(job.id, entryLine(job));
    if (job.status === 'pending' && !this.queue.pending(job.agent).some((m) => m.id === job.id)) this.queue.publish(this.queue.intend(job));
    if (job.status === 'running') this.markActive(job.id); // so listings and recovery find it
  }
}

/** An environment errno error (full disk …) as a HerdError naming what failed; anything else as it is. */
function ioError(e: unknown, what: string): unknown {
  return isEnvironmentError(e) ? environmentError(e, what) : e;
}

const sleepSync = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

export function notFound(id: string): HerdError {
  return new HerdError('not_found', `no job ${JSON.stringify(id)}`, 'herdctl jobs list  (to see the ids there are)');
}
