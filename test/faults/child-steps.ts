// Scenario 2c's victim: creates a job, or claims one as its runner does, and SIGKILLs itself
// just before or just after its k-th io call (k = 0: never; it prints what it did).
// node --import tsx child-steps.ts <home> <config> <create|claim> <k> <before|after> [id]
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../../src/core/config.js';
import { io } from '../../src/core/fsx.js';
import { identify, thisHost, bootId } from '../../src/core/liveness.js';
import { snapshotSettings } from '../../src/core/settings.js';
import { JobStore } from '../../src/core/store.js';
import { hookIo } from './inject.js';

export type Phase = 'create' | 'claim';

/** What `run` does before a runner exists: the job made durable and queued (store.create, as submit calls it). */
export function createStep(home: string, config: string, agent = 'r'): string {
  const c = loadConfig(config);
  const a = c.agents[agent];
  return new JobStore(home).create({ agent, prompt: '', workspace: a.workspace, config, settings: snapshotSettings(c, a) as unknown as Record<string, unknown> }).id;
}

/** What a runner does to take a job: the queue marker renamed to active/<id>, then job.json committed to running. */
export function claimStep(home: string, id: string): void {
  const store = new JobStore(home);
  const job = store.read(id);
  const m = store.queue.pending(job.agent).find((x) => x.id === id);
  if (!m || !store.queue.claim(job.agent, m)) throw new Error('could not claim the job');
  const me = identify(process.pid);
  store.commit(job, { to: 'running', patch: { runnerPid: me.pid, runnerStartTime: me.startTime, host: thisHost(), bootId: bootId() } });
}

const die = (): never => {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable');
};

function main(): void {
  const [home, config, phase, kText, when, id] = process.argv.slice(2) as [string, string, Phase, string, 'before' | 'after', string | undefined];
  const k = Number(kText);
  hookIo(io, (c, original) => {
    if (c.n !== k) return original();
    if (when === 'before') die();
    original();
    return die();
  });
  if (phase === 'create') process.stdout.write(`created ${createStep(home, config)}\n`);
  else claimStep(home, id!);
  process.stdout.write('survived\n');
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) main();
