import * as fs from 'node:fs';
import { join } from 'node:path';
import { isErrno } from '../errors.js';
import { createExclusive, ensureDir, fsyncDir, io, listDir, readIfExists, sweepTemps, tryUnlink, writeAll, writeFileAtomic, FILE_MODE } from '../fsx.js';
import type { ProcIdentity } from '../liveness.js';
import { tickKey } from './plan.js';
import { clock } from '../clock.js';
import { Paths } from '../paths.js';

/**
 * The scheduler's durable tick ledger: one small JSON file per tick key,
 * `scheduler/ticks/<agent>/<schedule>/<YYYYMMDDTHHMMSS.mmmZ>.json`.
 *
 * Exactly once: a tick's file is created with O_EXCL and fsynced, with its
 * directory, BEFORE the tick's job is created, so neither a crash nor a second
 * scheduler can fire that tick again (whoever fails the O_EXCL has lost it).
 * The file names the instant its job is created at (`claimedAt`, which
 * becomes the job's `createdAt`) and who claimed it; once the job exists the
 * file is replaced atomically with the job's id. A file still without a job
 * whose claimer died is finished by the next scheduler: the job created at
 * `claimedAt` is looked up (the crash came after the job was made) or created
 * (it came before) — never twice, never lost.
 */

/** fire: a job was (or is being) created · queued: created once the previous run ends · skipped: overlap · missed: catch_up · error: the job could not be created. */
export type TickOutcome = 'fire' | 'queued' | 'skipped' | 'missed' | 'error';

export interface TickRecord {
  key: string; // tickKey(agent, schedule, tick)
  agent: string;
  schedule: string;
  tick: string; // ISO instant
  outcome: TickOutcome;
  job: string | null;
  claimedAt: string | null; // the createdAt its job gets; null only in a torn file
  by: ProcIdentity | null; // the scheduler that claimed it (or last took it over)
  missed: number; // due ticks up to this one that did not fire (catch_up)
  reason: string | null; // why skipped / queued / error
}

/** A key the scheduler still has to create a job for. */
export const isUnfinished = (r: TickRecord): boolean => r.job === null && (r.outcome === 'fire' || r.outcome === 'queued');

/** Per schedule, the newest this many tick files are kept (plus unfinished ones and the newest with a job). */
export const KEEP = 50;

const FIRST_SEEN = 'first-seen';
const NAME_RE = /^(\d{8}T\d{6}\.\d{3}Z)\.json$/;

/** 2026-12-03T09:15:00.000Z → 20261203T091500.000Z: sorts as it reads, no ':' in file names. */
const stamp = (tick: number): string => clock.isoAt(tick).replace(/[-:]/g, '');
const unstamp = (s: string): number => Date.parse(`${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6, 11)}:${s.slice(11, 13)}:${s.slice(13)}`);

export interface ScheduleHistory {
  firstSeen: number;
  records: TickRecord[]; // oldest first
  /** Key → file mtime (ms), for torn files only: their claimer is judged by it. */
  tornAt: Map<string, number>;
}

export class TickLedger {
  readonly root: string;

  constructor(home: string) {
    this.root = join(new Paths(home).scheduler, 'ticks');
  }

  dir(agent: string, schedule: string): string {
    return join(this.root, agent, schedule);
  }

  file(agent: string, schedule: string, tick: number): string {
    return join(this.dir(agent, schedule), `${stamp(tick)}.json`);
  }

  /** Tick file names of one schedule, oldest first. */
  names(agent: string, schedule: string): string[] {
    return listDir(this.dir(agent, schedule))
      .filter((n) => NAME_RE.test(n))
      .sort();
  }

  /** One schedule's history; `create` records now as its first sighting if it has none. */
  load(agent: string, schedule: string, now: number, create = true): ScheduleHistory {
    const dir = this.dir(agent, schedule);
    if (create) sweepTemps(dir, now); // a scheduler killed mid-update leaves its temp file here
    let firstSeen = Date.parse(readIfExists(join(dir, FIRST_SEEN))?.trim() ?? '');
    if (Number.isNaN(firstSeen)) {
      firstSeen = now;
      if (create) {
        // not fsynced: losing it to a power cut only moves a never-fired schedule's start of catch-up
        ensureDir(dir);
        const text = clock.isoAt(now) + '\n';
        if (!createExclusive(join(dir, FIRST_SEEN), text)) writeFileAtomic(join(dir, FIRST_SEEN), text); // a torn one
      }
    }
    const tornAt = new Map<string, number>();
    const records: TickRecord[] = [];
    for (const name of this.names(agent, schedule)) {
      const r = this.read(agent, schedule, name);
      if (!r) continue;
      if (r.claimedAt === null) tornAt.set(r.key, mtimeMs(join(dir, name)));
      records.push(r);
    }
    return { firstSeen, records, tornAt };
  }

  /**
   * A torn file (the claimer died inside its first write, before fsync
   * returned) still claims its tick; no job was started for it, since that
   * only happens after the fsync.
   */
  private read(agent: string, schedule: string, name: string): TickRecord | null {
    const tick = unstamp(NAME_RE.exec(name)![1]);
    let text: string | null;
    try {
      text = readIfExists(join(this.dir(agent, schedule), name));
    } catch {
      text = null;
    }
    if (text === null) return null;
    try {
      const r = JSON.parse(text) as TickRecord;
      if (r && typeof r === 'object' && r.tick === clock.isoAt(tick)) return r;
    } catch {
      /* torn */
    }
    const key = tickKey(agent, schedule, tick);
    return { key, agent, schedule, tick: clock.isoAt(tick), outcome: 'fire', job: null, claimedAt: null, by: null, missed: 0, reason: null };
  }

  /** Claims a tick: O_EXCL, fsync, fsync dir. false when the tick was claimed already. */
  claim(r: TickRecord): boolean {
    const dir = this.dir(r.agent, r.schedule);
    ensureDir(dir);
    const path = join(dir, `${stamp(Date.parse(r.tick))}.json`);
    let fd: number;
    try {
      fd = io.openSync(path, fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL, FILE_MODE);
    } catch (e) {
      if (isErrno(e, 'EEXIST')) return false;
      throw e;
    }
    try {
      writeAll(fd, Buffer.from(JSON.stringify(r) + '\n'));
      io.fsyncSync(fd);
    } finally {
      io.closeSync(fd);
    }
    fsyncDir(dir);
    return true;
  }

  /** Records what became of a claimed tick (its job id, a re-claim, an error): atomic replace. */
  update(r: TickRecord): void {
    writeFileAtomic(this.file(r.agent, r.schedule, Date.parse(r.tick)), JSON.stringify(r) + '\n');
  }

  /** Deletes the oldest tick files beyond KEEP, never one in `protect` (file names). */
  prune(agent: string, schedule: string, names: string[], protect: Set<string>): string[] {
    const kept: string[] = [];
    const excess = names.length - KEEP;
    names.forEach((n, i) => {
      if (i < excess && !protect.has(n)) tryUnlink(join(this.dir(agent, schedule), n));
      else kept.push(n);
    });
    return kept;
  }
}

export const fileName = (r: TickRecord): string => `${stamp(Date.parse(r.tick))}.json`;

function mtimeMs(path: string): number {
  try {
    return fs.statSync(path).mtimeMs;
  } catch {
    return clock.now();
  }
}
