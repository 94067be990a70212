import { spawn as nodeSpawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export type Spawner = typeof nodeSpawn;

/**
 * The one way herdctl starts a process that outlives it (a runner, the
 * webhook delivery worker): `node <entry> …args` in its own session, no
 * stdio, unref'd, in `cwd`. From the sources (tests, bin/dev.js) the entry
 * is the .ts file run through tsx, which resolves against the cwd.
 */
export function spawnDetached(entry: 'runner-main' | 'webhooks-main', args: string[], cwd: string, env: NodeJS.ProcessEnv = process.env, spawn: Spawner = nodeSpawn): ChildProcess {
  const ts = import.meta.url.endsWith('.ts');
  const main = fileURLToPath(new URL(`../${entry}.${ts ? 'ts' : 'js'}`, import.meta.url));
  const child = spawn(process.execPath, [...(ts ? ['--import', 'tsx'] : []), main, ...args], {
    detached: true,
    stdio: 'ignore',
    env,
    cwd,
  });
  child.on('error', () => {}); // EAGAIN and the like: the next command that looks tries again
  child.unref();
  return child;
}

/** The package root when running from the sources (where `--import tsx` resolves), else `dir`. */
export const sourcesRootOr = (dir: string): string => (import.meta.url.endsWith('.ts') ? fileURLToPath(new URL('../..', import.meta.url)) : dir);
