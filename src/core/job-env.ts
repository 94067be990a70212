// Environment given to one job's agent (`run --env KEY=VALUE`, POST /jobs
// "env"). The values are secrets as much as a config's `env:` is: never in
// job.json, output.jsonl or a log. They wait for the runner in
// secrets/<token>.json (0600, written durably before the job exists); the job
// records only the token and the names. A follow-up job (resume, retry) gets
// its own copy, and prune deletes a job's file with the job.
import { randomBytes } from 'node:crypto';
import { HerdError } from './errors.js';
import { ensureDir, readIfExists, tryUnlink, writeFileAtomic } from './fsx.js';
import type { Paths } from './paths.js';

const NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TOKEN_RE = /^[a-f0-9]{32}$/;

/** `KEY=VALUE` items as given on the command line: names checked, the last of a name wins. */
export function parseEnvItems(items: readonly string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const item of items) {
    const eq = item.indexOf('=');
    const name = eq < 0 ? item : item.slice(0, eq);
    if (eq < 0 || !NAME_RE.test(name)) {
      throw new HerdError('usage', `--env ${JSON.stringify(name.slice(0, 60))} is not KEY=VALUE with a variable name (letters, digits, _)`, 'herdctl run <agent> --env API_BASE=https://example.com');
    }
    env[name] = item.slice(eq + 1);
  }
  return env;
}

/** Checks an env object from JSON (HTTP): names as above, string values. */
export function checkEnvObject(env: Record<string, unknown>): Record<string, string> {
  for (const [k, v] of Object.entries(env)) {
    if (!NAME_RE.test(k) || typeof v !== 'string') throw new HerdError('usage', `"env" must map variable names to strings (${JSON.stringify(k.slice(0, 60))} does not)`);
  }
  return env as Record<string, string>;
}

const fileOf = (paths: Paths, token: string): string => {
  if (!TOKEN_RE.test(token)) throw new HerdError('corrupt', `job env token ${JSON.stringify(token.slice(0, 40))} is malformed`);
  return `${paths.secrets}/${token}.json`;
};

/** Stores the values durably; returns the token the job records (null for no values). */
export function saveJobEnv(paths: Paths, env: Record<string, string>): string | null {
  if (Object.keys(env).length === 0) return null;
  ensureDir(paths.secrets);
  const token = randomBytes(16).toString('hex');
  writeFileAtomic(fileOf(paths, token), JSON.stringify(env));
  return token;
}

/** The values for the runner; {} when the file is gone (pruned) or unreadable. */
export function readJobEnv(paths: Paths, token: string | null | undefined): Record<string, string> {
  if (!token) return {};
  try {
    const o = JSON.parse(readIfExists(fileOf(paths, token)) ?? '{}') as Record<string, unknown>;
    return Object.fromEntries(Object.entries(o).filter((e): e is [string, string] => typeof e[1] === 'string'));
  } catch {
    return {};
  }
}

/** A follow-up job's own copy (so pruning one job never takes another's values). */
export function copyJobEnv(paths: Paths, token: string | null | undefined): string | null {
  return saveJobEnv(paths, readJobEnv(paths, token)); // the parent's values gone: the follow-up runs without them
}

export function dropJobEnv(paths: Paths, token: string | null | undefined): void {
  if (token && TOKEN_RE.test(token)) tryUnlink(fileOf(paths, token));
}
