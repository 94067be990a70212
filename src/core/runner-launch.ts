import type { ChildProcess } from 'node:child_process';
import { deadIn, isHeld } from './lock.js';
import type { Holder } from './holder.js';
import { readIfExists } from './fsx.js';
import type { Paths } from './paths.js';
import { sourcesRootOr, spawnDetached } from './spawn-detached.js';

/** Where a runner records who it is, beside its lock: lets others judge it dead at once instead of waiting for staleness. */
export const runnerIdentityFile = (paths: Paths, agent: string): string => `${paths.runnerLock(agent)}.json`;

export function runnerIdentity(paths: Paths, agent: string): Holder | null {
  try {
    return JSON.parse(readIfExists(runnerIdentityFile(paths, agent)) ?? 'null');
  } catch {
    return null;
  }
}

/** This host's runner for the agent holds its lock and has named itself (it does so before it locks), and is not dead. */
export function runnerAlive(paths: Paths, agent: string): boolean {
  const lock = paths.runnerLock(agent);
  return runnerIdentity(paths, agent) !== null && isHeld(lock, deadIn(paths.home, lock), runnerIdentityFile(paths, agent));
}

/** The runner this process last started per agent: one spawn while it is still starting, a new one once it has gone. */
const spawned = new Map<string, ChildProcess>();
const runnerNamed = (paths: Paths, agent: string): boolean => runnerIdentity(paths, agent) !== null;

/**
 * Starts a detached runner for `agent` on this host unless a live one holds its lock. The
 * runner outlives this process and the terminal (own session, no stdio).
 * Racing starts are fine: the loser of the lock exits at once.
 */
export function ensureRunner(paths: Paths, agent: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const key = `${paths.home}\0${agent}`;
  const ours = spawned.get(key);
  if (ours && ours.exitCode === null && ours.signalCode === null && !runnerNamed(paths, agent)) return false; // ours is still starting up
  if (runnerAlive(paths, agent)) return false;
  spawned.set(key, spawnDetached('runner-main', [paths.home, agent], sourcesRootOr(paths.home), env));
  return true;
}
