import type { ChildProcess } from 'node:child_process';
import { isLocked } from './lock.js';
import { liveness, type ProcIdentity } from './liveness.js';
import { readIfExists } from './fsx.js';
import type { Paths } from './paths.js';
import { sourcesRootOr, spawnDetached } from './spawn-detached.js';

/** Where a runner records who it is, beside its lock: lets others judge it dead at once instead of waiting for staleness. */
export const runnerIdentityFile = (paths: Paths, agent: string): string => `${paths.runnerLock(agent)}.json`;

export function runnerIdentity(paths: Paths, agent: string): ProcIdentity | null {
  try {
    return JSON.parse(readIfExists(runnerIdentityFile(paths, agent)) ?? 'null');
  } catch {
    return null;
  }
}

/**
 * A runner holds the agent's lock and names itself (it does so before it
 * locks): alive on this host, or another host's (judged by the lock's
 * heartbeat).
 */
export function runnerAlive(paths: Paths, agent: string): boolean {
  if (!isLocked(paths.runnerLock(agent))) return false;
  const who = runnerIdentity(paths, agent);
  return who !== null && liveness(who) !== 'dead';
}

/** The runner this process last started per agent: one spawn while it is still starting, a new one once it has gone. */
const spawned = new Map<string, ChildProcess>();
const runnerNamed = (paths: Paths, agent: string): boolean => runnerIdentity(paths, agent) !== null;

/**
 * Starts a detached runner for `agent` unless a live one holds its lock. The
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
