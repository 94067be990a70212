import { homedir } from 'node:os';
import { join, resolve, sep } from 'node:path';
import { isJobId } from './ids.js';
import { HerdError } from './errors.js';
import { hostId } from './host-id.js';

/** Where everything lives. Every path under the state dir is built here, from validated parts. */
export class Paths {
  readonly jobs: string;
  readonly logs: string;
  readonly index: string;
  readonly queue: string;
  readonly active: string;
  readonly locks: string;
  readonly quotas: string;
  readonly cache: string;
  readonly trash: string;
  readonly waits: string;
  readonly worktrees: string;
  readonly webhooks: string;
  readonly scheduler: string;
  readonly serveToken: string;
  readonly secrets: string;
  readonly hosts: string;
  readonly ends: string;

  constructor(readonly home: string) {
    this.jobs = join(home, 'jobs');
    this.logs = join(home, 'logs');
    this.index = join(home, 'index');
    this.queue = join(home, 'queue');
    this.active = join(home, 'active');
    this.locks = join(home, 'locks');
    this.quotas = join(home, 'quotas');
    this.cache = join(home, 'cache');
    this.trash = join(home, 'trash'); // pruned job dirs on their way out
    this.waits = join(home, 'waits'); // dependants waiting for a job to end
    this.worktrees = join(home, 'worktrees');
    this.webhooks = join(home, 'webhooks'); // the delivery outbox
    this.scheduler = join(home, 'scheduler');
    this.serveToken = join(home, 'serve.token');
    this.secrets = join(home, 'secrets'); // per-job env values (job-env.ts)
    this.hosts = join(home, 'hosts'); // each host's leases (lease.ts)
    this.ends = join(home, 'ends'); // lost hosts' jobs' ends, kept (kept-ends.ts)
  }

  /** Directories outside jobs/ where files are replaced atomically (a writer killed mid-replace leaves its temp file). */
  replacedFileDirs(): string[] {
    return [this.locks, this.active, this.quotas, this.cache, this.scheduler, this.ends, join(this.webhooks, 'pending')];
  }

  job(id: string): string {
    if (!isJobId(id)) throw new HerdError('invalid_id', `invalid job id ${JSON.stringify(id.slice(0, 60))}`, 'herdctl jobs list');
    return `${this.jobs}${sep}${id}`; // a checked id has no separator or dot segment: nothing to normalize (a rebuild makes 100k)
  }
  jobFile(id: string): string {
    return `${this.job(id)}${sep}job.json`;
  }
  outputFile(id: string): string {
    return join(this.job(id), 'output.jsonl');
  }
  cancelFile(id: string): string {
    return join(this.job(id), 'cancel.json');
  }
  agentLog(agent: string, id: string): string {
    return join(this.logs, checkName(agent, 'agent'), `${this.job(id).slice(this.jobs.length + 1)}.log`);
  }
  agentQueue(agent: string): string {
    return join(this.queue, checkName(agent, 'agent'));
  }
  /** Each host runs its own runner per agent: the lock (and the runner's log) carry the host id. */
  runnerLock(agent: string, host = hostId()): string {
    return join(this.locks, `runner-${checkName(agent, 'agent')}@${host}`);
  }
  runnerLog(agent: string, host = hostId()): string {
    return join(this.logs, `runner-${checkName(agent, 'agent')}@${host}.log`);
  }
  /** The kept copy of the end a survivor wrote for a lost host's job. */
  keptEnd(id: string): string {
    return join(this.ends, `${this.job(id).slice(this.jobs.length + 1)}.json`);
  }
  /** A claim: the job's marker once a runner took it from the queue. */
  activeMarker(id: string): string {
    return join(this.active, this.job(id).slice(this.jobs.length + 1));
  }
  slotLock(i: number): string {
    return join(this.locks, `slot-${i}`);
  }
  /** An agent's max_concurrent, held across hosts: slot i of the agent. */
  agentSlotLock(agent: string, i: number): string {
    return join(this.locks, `agent-${checkName(agent, 'agent')}.slot-${i}`);
  }
  /** The job's own lock: whoever writes its end (its runner, a recovering process) holds it. */
  jobLock(id: string): string {
    return join(this.job(id), 'recovery');
  }
  get indexLock(): string {
    return join(this.locks, 'index');
  }
  quotaLedger(bucket: string): string {
    return join(this.quotas, `${checkName(bucket, 'quota bucket')}.jsonl`);
  }
  quotaLock(bucket: string): string {
    return join(this.locks, `quota-${checkName(bucket, 'quota bucket')}`);
  }
}

/** Agent, schedule and bucket names: they become path parts. */
export const NAME_RE = /^(?!.*\.\.)[a-z0-9][a-z0-9._-]{0,63}$/;

/** Agent and schedule names become path parts: same rule as in the config. */
export function checkName(name: string, what: string): string {
  if (!NAME_RE.test(name)) {
    throw new HerdError('usage', `invalid ${what} name ${JSON.stringify(name.slice(0, 70))}`, 'herdctl agents list');
  }
  return name;
}

/** --home flag, then $HERDCTL_HOME, then ~/.herdctl. */
export function resolveHome(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const raw = flag || env.HERDCTL_HOME || join(homedir(), '.herdctl');
  return resolve(raw.startsWith('~/') ? join(homedir(), raw.slice(2)) : raw);
}
