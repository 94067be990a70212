import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { homedir, hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { platform } from './platform/index.js';

/**
 * This host's identity: a random id made once and kept on local disk, outside
 * the state dir (which several hosts may share). Not the hostname: clones,
 * containers and laptops share names. Files that only one host may append to
 * (index segments) are named after it.
 *
 * Where it lives: $HERDCTL_HOST_ID (for test beds and containers that want a
 * fixed one), else $XDG_STATE_HOME/herdctl/host-id, else
 * ~/.local/state/herdctl/host-id.
 */
export const HOST_ID_RE = /^[a-z0-9][a-z0-9-]{7,63}$/;

let cached: string | undefined;

export function hostId(env: NodeJS.ProcessEnv = process.env): string {
  if (env.HERDCTL_HOST_ID) return resolveHostId(env); // read each time: cheap, and a process may set it (the bench's generator host)
  if (cached !== undefined && env === process.env) return cached;
  const id = resolveHostId(env);
  if (env === process.env) cached = id;
  return id;
}

export function hostIdFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_STATE_HOME || join(homedir(), '.local', 'state');
  return join(base, 'herdctl', 'host-id');
}

function resolveHostId(env: NodeJS.ProcessEnv): string {
  const fixed = env.HERDCTL_HOST_ID?.trim().toLowerCase();
  if (fixed) {
    if (!HOST_ID_RE.test(fixed)) throw new Error(`HERDCTL_HOST_ID ${JSON.stringify(fixed.slice(0, 70))} is not a host id: use 8-64 lowercase letters, digits and "-"`);
    return fixed;
  }
  const file = hostIdFile(env);
  const existing = readId(file);
  if (existing) return existing;
  const made = `h-${randomBytes(8).toString('hex')}`;
  try {
    fs.mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    // exclusive: two first commands at once agree on whichever id was written first
    fs.writeFileSync(file, `${made}\n`, { flag: 'wx', mode: 0o600 });
    return made;
  } catch {
    // a home we cannot write: an id derived from this boot, the same for every process of it
    return (
      readId(file) ??
      `h-${createHash('sha1')
        .update(`${hostname()}\0${platform().bootId() ?? ''}`)
        .digest('hex')
        .slice(0, 16)}`
    );
  }
}

function readId(file: string): string | null {
  try {
    const id = fs.readFileSync(file, 'utf8').trim();
    return HOST_ID_RE.test(id) ? id : null;
  } catch {
    return null;
  }
}
