import * as fs from 'node:fs';
import { isErrno } from './errors.js';
import { normalizeJob, validateJob, type Job } from './job.js';
import type { Paths } from './paths.js';

/** One job.json read and checked: the job, a problem (corrupt, unreadable, a link, not ours), or null when there is none. */
export type ReadResult = { job: Job } | { problem: string } | null;

/** A job.json is a few kB; one this large is not ours, and is reported rather than parsed. */
const MAX_JOB_BYTES = 16 * 1024 * 1024;
const tooLarge = (file: string, size: number): ReadResult => ({ problem: `${file} is ${size} bytes; a job.json is never that large` });
const SMALL = Buffer.allocUnsafe(64 * 1024);

/**
 * A file's text, or its size when it is over MAX_JOB_BYTES bytes (never read
 * whole). One read into a shared buffer answers for any job.json under 64 kB
 * with no fstat: a rebuild of 100k jobs spends its time in the kernel, not in
 * extra calls. Links are not followed.
 */
function readSmall(file: string): string | number {
  const fd = fs.openSync(file, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  try {
    const got = fs.readSync(fd, SMALL, 0, SMALL.length, 0);
    if (got < SMALL.length) return SMALL.toString('utf8', 0, got);
    const size = fs.fstatSync(fd).size;
    if (size > MAX_JOB_BYTES) return size;
    return fs.readFileSync(fd, 'utf8');
  } finally {
    fs.closeSync(fd);
  }
}

/** A job.json's text: herdctl writes every one this way (the kept copy of an end is compared by it). */
export const jobText = (job: Job): string => JSON.stringify(job, null, 2) + '\n';

/**
 * Reads job.json: the job, a problem (corrupt / unreadable), or null when
 * the directory is not there. `realDir`: the caller's readdir said the job's
 * directory is a directory, not a link (a rebuild of 100k jobs spares 100k lstats).
 */
export function readJobFile(paths: Paths, id: string, realDir = false): ReadResult {
  const file = paths.jobFile(id);
  let text: string;
  try {
    // herdctl never follows a link out of the state dir: a linked job dir or job.json is reported, never read or written through
    if (!realDir && fs.lstatSync(paths.job(id)).isSymbolicLink()) return { problem: `${paths.job(id)} is a symbolic link; herdctl does not follow links in jobs/` };
    const read = readSmall(file);
    if (typeof read === 'number') return tooLarge(file, read);
    text = read;
  } catch (e) {
    // a directory without job.json is not a job (a creation in flight, or one that failed)
    if (isErrno(e, 'ENOENT')) return null;
    if (isErrno(e, 'ELOOP')) return { problem: `${file} is a symbolic link; herdctl does not follow links in jobs/` };
    if (isErrno(e, 'EISDIR', 'EACCES', 'ENOTDIR')) return { problem: `${file} cannot be read (${(e as NodeJS.ErrnoException).code})` };
    throw e;
  }
  return parseJobText(file, text, id);
}

/** The job in a job.json's text (`file` names it in a problem), checked to be the job `id`. */
export function parseJobText(file: string, text: string, id: string): { job: Job } | { problem: string } {
  if (text.trim() === '') return { problem: `${file} is empty` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { problem: `${file} is not valid JSON (${(e as Error).message})` };
  }
  const why = validateJob(parsed);
  if (why) return { problem: `${file} is not a job: ${why}` };
  const job = normalizeJob(parsed as Record<string, unknown>);
  if (job.id !== id) return { problem: `${file} says its id is ${JSON.stringify(job.id)}, but it lives in ${id}/` };
  return { job };
}
