import { cancelForDependency, readiness, statusFrom, WaitGate } from './deps.js';
import { isTerminal } from './job.js';
import type { QueuedEntry, RivalHead } from './runner-policy.js';
import { settingsOf, type Settings } from './settings.js';
import type { JobStore } from './store.js';
import { clock } from './clock.js';

/**
 * What an agent's runner reads of the queues for its slot policy
 * (runner-policy.ts): its own jobs that may start now — passing over, without
 * reading them again each tick, those waiting for dependencies or a retry's
 * backoff (deps.ts), and cancelling those whose dependency did not complete —
 * and the other agents' best ready jobs.
 */
export class RunnerQueue {
  private readonly gate = new WaitGate();

  constructor(
    private readonly store: JobStore,
    private readonly agent: string,
  ) {}

  /** Something changed in our queue directory: a dependency may have ended. */
  depsChanged(): void {
    this.gate.depsChanged();
  }

  /** Queued jobs that keep the runner: not those waiting for other jobs (a dependency's end starts a runner again). */
  keepsRunner(): boolean {
    const ids = this.store.queue.pending(this.agent).map((m) => m.id);
    return ids.length > 0 && !this.gate.onlyDependants(ids);
  }

  /** Our queue, best first, each job's limit read only when the policy gets to it; jobs that may not start yet are passed over. */
  *entries(): Generator<QueuedEntry> {
    const now = clock.now();
    for (const m of this.store.queue.pending(this.agent)) {
      if (this.gate.skip(m.id, now)) continue;
      const r = this.store.tryRead(m.id);
      if (r && 'job' in r && r.job.status === 'pending') {
        const ready = readiness(r.job, now, statusFrom(this.store));
        this.gate.note(m.id, ready);
        if (ready.kind === 'cancel') cancelForDependency(this.store, r.job, ready.reason);
        if (ready.kind !== 'ready') continue;
      }
      yield { id: m.id, rank: m.name, maxConcurrent: this.settingsFor(m.id)?.maxConcurrent ?? null };
    }
  }

  /** Each other agent's best pending job. */
  rivals(): RivalHead[] {
    const heads: RivalHead[] = [];
    for (const agent of this.store.queue.agents()) {
      if (agent === this.agent) continue;
      // its best job that may start now: one waiting for others or for its backoff must not hold ours back
      const now = clock.now();
      for (const m of this.store.queue.pending(agent)) {
        const r = this.store.tryRead(m.id);
        if (!r || !('job' in r) || r.job.status !== 'pending' || readiness(r.job, now, statusFrom(this.store)).kind !== 'ready') continue;
        heads.push({ agent, rank: m.name, running: this.runningCount(agent), maxConcurrent: settingsOf(r.job).maxConcurrent });
        break;
      }
    }
    return heads;
  }

  settingsFor(id: string): Settings | null {
    const r = this.store.tryRead(id);
    if (!r || !('job' in r) || r.job.status !== 'pending') return null;
    return settingsOf(r.job);
  }

  private runningCount(agent: string): number {
    let n = 0;
    for (const id of this.store.activeIds()) {
      const r = this.store.tryRead(id);
      if (r && 'job' in r && r.job.agent === agent && !isTerminal(r.job.status)) n++;
    }
    return n;
  }
}
