import { randomBytes } from 'node:crypto';
import { HerdError } from './errors.js';
import { clock } from './clock.js';

const ID_RE = /^job-\d{8}-\d{6}-[0-9a-z]{8}$/;
const PREFIX_RE = /^[0-9a-z-]+$/;
export const ID_LENGTH = 28;
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

/** job-YYYYMMDD-HHMMSS-xxxxxxxx: UTC creation second, then 8 random base-36 chars. */
export function newJobId(now: number = clock.now()): string {
  const bytes = randomBytes(8);
  let tail = '';
  for (const b of bytes) tail += ALPHABET[b % 36];
  return `${idPrefixAt(now)}-${tail}`;
}

/** "job-YYYYMMDD-HHMMSS" of an instant: every id minted in that second starts so, and sorts at or after it. */
export function idPrefixAt(ms: number): string {
  const iso = clock.isoAt(ms); // 2026-12-03T07:45:12.345Z
  return `job-${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

export const isJobId = (s: string): boolean => ID_RE.test(s);

/** Epoch ms of the second the id was minted in. */
export function idTime(id: string): number {
  const d = id.slice(4, 12);
  const t = id.slice(13, 19);
  return Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8), +t.slice(0, 2), +t.slice(2, 4), +t.slice(4, 6));
}

/** The UTC day of an id, "YYYYMMDD". */
export const idDay = (id: string): string => id.slice(4, 12);

/** The UTC hour of an id, "YYYYMMDDHH" — the index segment it belongs to. */
export const idHour = (id: string): string => id.slice(4, 12) + id.slice(13, 15);

/**
 * Checks user input before any path is built from it: an id or a prefix of
 * one, only [0-9a-z-], at most an id long. Accepts a prefix without "job-".
 */
export function checkIdInput(input: string): string {
  const s = input.trim();
  const bad = (why: string) => new HerdError('invalid_id', `invalid job id ${JSON.stringify(input.slice(0, 60))}: ${why}`, 'herdctl jobs list  (ids look like job-20260115-093000-k3x9a2bq)');
  if (s.length === 0) throw bad('it is empty');
  if (s.length > ID_LENGTH) throw bad(`longer than ${ID_LENGTH} characters`);
  if (!PREFIX_RE.test(s)) throw bad('only lowercase letters, digits and "-" are allowed');
  const full = s.startsWith('job-') ? s : `job-${s}`;
  if (full.length > ID_LENGTH) throw bad(`longer than ${ID_LENGTH} characters`);
  return full;
}
