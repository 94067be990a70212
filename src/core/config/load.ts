import { readFileSync, statSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dirname, join, resolve } from 'node:path';
import { ensureDir, writeFileAtomic } from '../fsx.js';
import { HerdError, isErrno } from '../errors.js';
import { emptyConfig, parseConfig } from './parse.js';
import type { AgentConfig, Config } from './types.js';

export const FILE_NAME = 'herdctl.yaml';

// ─── Discovery ────────────────────────────────────────────────────────────────

const isFile = (p: string): boolean => statSync(p, { throwIfNoEntry: false })?.isFile() ?? false;

/** --config, then HERDCTL_CONFIG, then ./herdctl.yaml walking up from cwd, then <home>/herdctl.yaml. */
export function findConfigPath(opts: { flag?: string; env: NodeJS.ProcessEnv; cwd: string; home: string }): string | null {
  if (opts.flag) return mustExist(resolve(opts.cwd, opts.flag), '--config');
  // An explicit pointer to a missing file is a mistake, not a reason to silently pick another config.
  if (opts.env.HERDCTL_CONFIG) return mustExist(resolve(opts.cwd, opts.env.HERDCTL_CONFIG), 'HERDCTL_CONFIG');
  for (let dir = resolve(opts.cwd); ; dir = dirname(dir)) {
    if (isFile(join(dir, FILE_NAME))) return join(dir, FILE_NAME);
    if (dirname(dir) === dir) break;
  }
  const inHome = join(opts.home, FILE_NAME);
  return isFile(inHome) ? inHome : null;
}

function mustExist(path: string, source: string): string {
  if (isFile(path)) return path;
  throw new HerdError('config', `config file ${path} not found (from ${source})`, `check the path given by ${source}`);
}

// ─── Loading ──────────────────────────────────────────────────────────────────

/**
 * Reads and validates the config; null (nothing found) is a valid config
 * without agents. With `cacheDir`, an unchanged file (same path, inode, size,
 * mtime, same herdctl build) is answered from a cached copy of its validated
 * form — without its env values, which never go to disk: such a config has
 * `envRedacted` set and is for submitting, not for starting agents.
 */
export function loadConfig(path: string | null, cacheDir?: string): Config {
  if (path === null) return emptyConfig();
  const key = cacheDir ? cacheKey(path) : null;
  const cacheFile = cacheDir ? join(cacheDir, `config-${createHash('sha1').update(path).digest('hex').slice(0, 16)}.json`) : null;
  if (key && cacheFile) {
    try {
      const hit = JSON.parse(readFileSync(cacheFile, 'utf8'));
      if (hit.key === key) return hit.config as Config;
    } catch {
      /* no cache yet, or a torn one: parse */
    }
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    if (isErrno(e, 'ENOENT')) throw new HerdError('config', `config file ${path} not found`, 'check the --config path or HERDCTL_CONFIG');
    throw new HerdError('config', `cannot read ${path}: ${(e as Error).message}`, 'check the file permissions');
  }
  const config = parseConfig(text, path);
  if (key && cacheFile) {
    try {
      ensureDir(cacheDir!);
      writeFileAtomic(cacheFile, JSON.stringify({ key, config: redactEnv(config) }));
    } catch {
      /* a cache is an optimisation */
    }
  }
  return config;
}

const BUILD = statSync(fileURLToPath(import.meta.url)).mtimeMs;

function cacheKey(path: string): string | null {
  const st = statSync(path, { throwIfNoEntry: false });
  return st ? [path, st.ino, st.size, st.mtimeMs, st.ctimeMs, BUILD].join('|') : null;
}

function redactEnv(config: Config): Config {
  const agents: Record<string, AgentConfig> = {};
  for (const [name, a] of Object.entries(config.agents)) {
    const blank = Object.fromEntries(Object.keys(a.env).map((k) => [k, '']));
    agents[name] = { ...a, env: blank, raw: { ...a.raw, ...(a.raw.env ? { env: blank } : {}) } };
  }
  return { ...config, agents, envRedacted: true };
}
