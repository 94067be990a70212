import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import * as fs from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { HerdError } from '../core/errors.js';
import { createExclusive, ensureDir, readIfExists } from '../core/fsx.js';
import { Paths } from '../core/paths.js';

export const TOKEN_FILE = 'serve.token';
const MIN_LENGTH = 16;

export interface Token {
  value: string;
  /** Where it came from, for the start-up line: a file path or "$HERDCTL_TOKEN". */
  source: string;
}

/**
 * The API token: $HERDCTL_TOKEN, else <home>/serve.token, generated (0600,
 * created exclusively so two first starts agree on one) when missing. A token
 * file others can read is refused rather than used.
 */
export function loadToken(home: string, env: NodeJS.ProcessEnv = process.env): Token {
  const fromEnv = env.HERDCTL_TOKEN?.trim();
  if (fromEnv !== undefined && fromEnv !== '') {
    if (fromEnv.length < MIN_LENGTH) throw new HerdError('usage', `HERDCTL_TOKEN is too short (${fromEnv.length} characters; at least ${MIN_LENGTH})`, 'unset HERDCTL_TOKEN to use a generated token');
    return { value: fromEnv, source: '$HERDCTL_TOKEN' };
  }
  ensureDir(home);
  const file = new Paths(home).serveToken;
  createExclusive(file, randomBytes(32).toString('base64url') + '\n');
  const mode = fs.statSync(file).mode & 0o777;
  if (mode & 0o077) throw new HerdError('usage', `${file} is readable by others (mode ${mode.toString(8)})`, `chmod 600 ${file}`);
  const value = (readIfExists(file) ?? '').trim();
  if (value.length < MIN_LENGTH) throw new HerdError('usage', `${file} holds no usable token (at least ${MIN_LENGTH} characters)`, `rm ${file}  (a new one is generated on the next start)`);
  return { value, source: file };
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** Checks `Authorization: Bearer <token>` in constant time (equal-length digests, so the length leaks nothing either). */
export function makeAuthCheck(token: string): (req: IncomingMessage) => boolean {
  const want = digest(token);
  return (req) => {
    const m = /^Bearer +(\S+) *$/i.exec(req.headers.authorization ?? '');
    return m !== null && timingSafeEqual(digest(m[1]), want);
  };
}
