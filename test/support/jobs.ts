// Jobs on disk, read and written the way a user (or another tool) would: plain
// files in the documented format (docs/protocol.md), no herdctl code.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const ID_RE = /^job-\d{8}-\d{6}-[0-9a-z]{8}$/;
export const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

/** JSON of any shape: tests index into it freely. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- see above
export type Json = Record<string, any>;

const jobDir = (home: string, id: string) => join(home, 'jobs', id);

/** A job's job.json; throws while it is missing or torn (so a `waitFor` probe retries). */
export const readJob = (home: string, id: string): Json => JSON.parse(readFileSync(join(jobDir(home, id), 'job.json'), 'utf8'));

/** A job's job.json, or null while it is missing or torn. */
export function tryReadJob(home: string, id: string): Json | null {
  try {
    return readJob(home, id);
  } catch {
    return null;
  }
}

/** The ids of the job directories (temp and trash names excluded). */
export const jobIds = (home: string): string[] => {
  try {
    return readdirSync(join(home, 'jobs')).filter((n) => n.startsWith('job-'));
  } catch {
    return [];
  }
};

/** The job.json of every job directory that has one. */
export function jobsOnDisk(home: string): Json[] {
  const dir = join(home, 'jobs');
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .filter((n) => n.startsWith('job-') && existsSync(join(dir, n, 'job.json')))
    .map((n) => JSON.parse(readFileSync(join(dir, n, 'job.json'), 'utf8')));
}

export interface ParsedLog {
  events: Json[];
  /** Lines that end in "\n" but are not JSON events (must stay empty). */
  bad: string[];
  /** A final fragment without "\n", if any. */
  torn: string | null;
  raw: string;
}

export function parseLog(raw: string): ParsedLog {
  const parts = raw.split('\n');
  const last = parts.pop()!;
  const events: Json[] = [];
  const bad: string[] = [];
  for (const line of parts) {
    try {
      const e = JSON.parse(line);
      if (typeof e?.seq === 'number' && typeof e?.type === 'string' && typeof e?.ts === 'string') events.push(e);
      else bad.push(line);
    } catch {
      bad.push(line);
    }
  }
  return { events, bad, torn: last === '' ? null : last, raw };
}

/** A job's output.jsonl, parsed (empty while it does not exist). */
export function readLog(home: string, id: string): ParsedLog {
  let raw = '';
  try {
    raw = readFileSync(join(jobDir(home, id), 'output.jsonl'), 'utf8');
  } catch {
    /* not written yet */
  }
  return parseLog(raw);
}

/** The events of a job's output.jsonl (whole, well-formed lines only). */
export const events = (home: string, id: string): Json[] => readLog(home, id).events;

/** The stored lines of a job's output.jsonl, as written. */
export function storedLines(home: string, id: string): string[] {
  return readFileSync(join(jobDir(home, id), 'output.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean);
}

/** The guarantees of a finished job's log: whole lines, seq 0…n-1, exactly one complete, and it is last. */
export function assertFinishedLog(log: ParsedLog, what = 'output.jsonl'): Json {
  assert.deepEqual(log.bad, [], `${what}: lines that are not events`);
  assert.equal(log.torn, null, `${what}: torn last line`);
  assert.deepEqual(
    log.events.map((e) => e.seq),
    log.events.map((_, i) => i),
    `${what}: seqs have gaps or repeats`,
  );
  const completes = log.events.filter((e) => e.type === 'complete');
  assert.equal(completes.length, 1, `${what}: ${completes.length} complete events`);
  assert.equal(log.events.at(-1)!.type, 'complete', `${what}: complete is not the last event`);
  return completes[0];
}

/** A job id in the documented format for a given instant and 8-char tail. */
export function jobIdAt(ms: number, tail: string): string {
  const iso = new Date(ms).toISOString();
  return `job-${iso.slice(0, 10).replace(/-/g, '')}-${iso.slice(11, 19).replace(/:/g, '')}-${tail}`;
}

export type HandJob = Record<string, unknown> & {
  /** Events for output.jsonl (one JSON line each), or its raw text. Omitted: no output.jsonl at all. */
  events?: Record<string, unknown>[] | string;
  /** Raw job.json text instead of the serialized job. */
  rawJobJson?: string;
};

let tailCounter = 0;

/**
 * Writes a job directory by hand in the documented format (docs/protocol.md),
 * as a user copying a job in would: plain mkdir + writeFile, no herdctl code.
 */
export function writeJob(home: string, partial: HandJob = {}): { id: string; dir: string; job: Record<string, unknown> } {
  const { events, rawJobJson, ...fields } = partial;
  const createdMs = typeof fields.createdAt === 'string' ? Date.parse(fields.createdAt) : Date.now() - 3_600_000;
  const id = (fields.id as string | undefined) ?? jobIdAt(createdMs, `h${String(tailCounter++).padStart(7, '0')}`);
  const dir = jobDir(home, id);
  const status = (fields.status as string | undefined) ?? 'completed';
  const terminal = TERMINAL.has(status);
  const job: Record<string, unknown> = {
    id,
    agent: 'coder',
    schedule: null,
    trigger: 'manual',
    status,
    exitReason: terminal ? ({ completed: 'success', failed: 'error', cancelled: 'manual_cancel' } as Record<string, string>)[status] : null,
    sessionId: null,
    parentJobId: null,
    prompt: 'Do the thing',
    workspace: '/tmp/ws',
    createdAt: new Date(createdMs).toISOString(),
    startedAt: status === 'pending' ? null : new Date(createdMs + 1000).toISOString(),
    completedAt: terminal ? new Date(createdMs + 61_000).toISOString() : null,
    output: join(dir, 'output.jsonl'),
    error: null,
    cancelReason: null,
    pid: null,
    host: null,
    usage: null,
    summary: null,
    recap: null,
    priority: 0,
    tags: [],
    quotaBucket: null,
    webhookUrl: null,
    ...fields,
  };
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'job.json'), rawJobJson ?? JSON.stringify(job, null, 2) + '\n');
  if (events !== undefined) {
    writeFileSync(join(dir, 'output.jsonl'), typeof events === 'string' ? events : events.map((e) => JSON.stringify(e) + '\n').join(''));
  }
  return { id, dir, job };
}

/** Events with seq/ts filled in, in order. */
export function seqEvents(drafts: Record<string, unknown>[], startMs = Date.parse('2026-01-15T09:30:00Z')): Record<string, unknown>[] {
  return drafts.map((d, i) => ({ seq: i, ts: new Date(startMs + i * 1000).toISOString(), ...d }));
}
