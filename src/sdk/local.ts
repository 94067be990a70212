import { findConfigPath, loadConfig } from '../core/config.js';
import { cancelJob } from '../core/control.js';
import { sinceFlag } from '../core/duration.js';
import { HerdError } from '../core/errors.js';
import type { HerdEvent } from '../core/events.js';
import { followLog } from '../core/follow.js';
import { isTerminal, JOB_STATUSES, type Job } from '../core/job.js';
import { checkName, Paths, resolveHome } from '../core/paths.js';
import { agentFor } from '../core/providers.js';
import { recoverIfLost } from '../core/recovery.js';
import { computeStats, type Stats } from '../core/stats.js';
import { JobStore } from '../core/store.js';
import { resume, submit } from '../core/submit.js';
import { waitForEnd } from '../core/wait.js';
import { Channel } from './channel.js';
import { abortable, promptOf, timeoutError } from './common.js';
import type { Backend, CancelOptions, CancelResult, EventsOptions, ListOptions, LocalOptions, StatsOptions, SubmitOptions, WaitOptions } from './types.js';
import { clock } from '../core/clock.js';

/**
 * The SDK on a state dir: the same core code as the CLI (submit, the store,
 * recovery of lost runners, cancel, the follower), so the same guarantees —
 * durable before `submit` returns, runs detached, no daemon needed.
 */
export class LocalBackend implements Backend {
  private readonly store: JobStore;
  constructor(private readonly opts: LocalOptions) {
    this.store = new JobStore(resolveHome(opts.home));
  }

  private check = (job: Job): Job => recoverIfLost(this.store, job);

  async submit(o: SubmitOptions): Promise<Job> {
    if (!o.agent && !o.provider) throw new HerdError('usage', 'submit needs an agent or a provider: { agent: "<name>" } or { provider: "codex" }', 'herdctl agents list');
    const home = this.store.paths.home;
    const loaded = loadConfig(findConfigPath({ flag: this.opts.config, env: process.env, cwd: process.cwd(), home }), new Paths(home).cache);
    const { config, agent } = agentFor(loaded, o.agent, o.provider);
    return submit(this.store, config, { agent, model: o.model, prompt: promptOf(o), priority: o.priority, tags: o.tags, webhookUrl: o.webhookUrl, quotaBucket: o.quotaBucket });
  }

  async get(id: string): Promise<Job> {
    return this.check(this.store.read(this.store.resolve(id)));
  }

  async list(o: ListOptions): Promise<Job[]> {
    if (o.status !== undefined && !JOB_STATUSES.includes(o.status)) throw new HerdError('usage', `status must be one of ${JOB_STATUSES.join(', ')}`, 'herdctl jobs list --status failed');
    if (o.agent) checkName(o.agent, 'agent');
    const rows = this.store.list({ status: o.status, agent: o.agent, sinceMs: sinceMs(o.since), limit: o.limit ?? 20 }, this.check);
    return rows.map((r) => ('job' in r ? r.job : ({ id: r.id, agent: r.agent || null, status: 'unreadable', error: r.problem } as unknown as Job)));
  }

  /** History then live events, none missed or doubled (core/follow.ts); ends after `complete`. */
  async *events(id: string, o: EventsOptions): AsyncGenerator<HerdEvent, void, undefined> {
    const full = this.store.resolve(id);
    this.store.read(full); // an unreadable job.json is an error now, not an empty stream
    const after = o.since ?? -1;
    const ch = new Channel<HerdEvent>();
    const ac = new AbortController();
    const stop = () => ac.abort();
    o.signal?.addEventListener('abort', stop);
    const done = followLog(this.store.paths.outputFile(full), {
      onLine: async (line) => {
        if (line.event && line.event.seq > after) await ch.push(line.event);
      },
      isOver: () => isTerminal(this.check(this.store.read(full)).status),
      signal: ac.signal,
    }).then(
      () => ch.end(),
      (e) => ch.fail(e),
    );
    try {
      yield* ch;
    } finally {
      ac.abort(); // the consumer left early (break, return, throw): stop following
      o.signal?.removeEventListener('abort', stop);
      ch.close();
      await done;
    }
  }

  async wait(id: string, o: WaitOptions): Promise<Job> {
    const full = this.store.resolve(id);
    const ac = new AbortController();
    const ended = waitForEnd(this.store, full, ac.signal);
    try {
      return await abortable(ended, o, () => timeoutError(full, o.timeoutMs!));
    } finally {
      ac.abort(); // a timeout or the caller's signal: stop following, so nothing keeps the process alive
    }
  }

  async cancel(id: string, o: CancelOptions): Promise<CancelResult> {
    return cancelJob(this.store, this.store.resolve(id), o.reason ?? null, o.waitMs ?? 0);
  }

  async resume(id: string, prompt: string | undefined): Promise<Job> {
    return resume(this.store, this.store.read(this.store.resolve(id)), prompt?.trim() ? prompt : undefined);
  }

  async stats(o: StatsOptions): Promise<Stats> {
    if (o.agent) checkName(o.agent, 'agent');
    return computeStats(this.store, { agent: o.agent, sinceMs: sinceMs(o.since) }, this.check);
  }
}

const sinceMs = (since: string | undefined): number | undefined => sinceFlag(since, clock.now(), 'since', 'since: "24h"');
