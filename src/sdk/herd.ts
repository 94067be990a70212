import type { HerdEvent } from '../core/events.js';
import type { Job } from '../core/job.js';
import type { Stats } from '../core/stats.js';
import { LocalBackend } from './local.js';
import { RemoteBackend } from './remote.js';
import type { Backend, CancelOptions, CancelResult, EventsOptions, HerdOptions, LocalOptions, ListOptions, StatsOptions, SubmitOptions, WaitOptions } from './types.js';

/**
 * herdctl as a library. `new Herd()` works on the state dir ($HERDCTL_HOME or
 * ~/.herdctl) with the same code and guarantees as the CLI; `new Herd({ url,
 * token })` talks to `herdctl serve` with the same interface. Job ids may be
 * any unique prefix, as on the command line. Errors are HerdError (`code`:
 * usage, not_found, ambiguous, conflict, quota_denied, …).
 */
export class Herd {
  private readonly backend: Backend;
  /** `local` on a state dir, `remote` over HTTP. */
  readonly mode: 'local' | 'remote';

  constructor(opts: HerdOptions = {}) {
    if ('url' in opts && opts.url) {
      this.backend = new RemoteBackend(opts);
      this.mode = 'remote';
    } else {
      this.backend = new LocalBackend(opts as LocalOptions);
      this.mode = 'local';
    }
  }

  /** Persists a pending job and returns it at once; a detached runner runs it. */
  submit(opts: SubmitOptions): Promise<Job> {
    return this.backend.submit(opts);
  }

  /** The job (a running one whose runner died is failed first, as every command does). */
  get(id: string): Promise<Job> {
    return this.backend.get(id);
  }

  /** Newest first, with `jobs list`'s filters (default limit 20). */
  list(opts: ListOptions = {}): Promise<Job[]> {
    return this.backend.list(opts);
  }

  /**
   * The job's events: the history (after `since`), then live ones as they are
   * written, ending after `complete`. `break` out of the loop any time.
   */
  events(id: string, opts: EventsOptions = {}): AsyncGenerator<HerdEvent, void, undefined> {
    return this.backend.events(id, opts);
  }

  /** Resolves with the job once it has ended (completed, failed or cancelled). */
  wait(id: string, opts: WaitOptions = {}): Promise<Job> {
    return this.backend.wait(id, opts);
  }

  /** A pending job is cancelled at once; a running one is stopped by its runner (result `requested` unless `waitMs` saw it end). */
  cancel(id: string, opts: CancelOptions = {}): Promise<CancelResult> {
    return this.backend.cancel(id, opts);
  }

  /** A new job continuing a finished one (its session, workspace and settings); `parentJobId` points back. */
  resume(id: string, opts: { prompt?: string } = {}): Promise<Job> {
    return this.backend.resume(id, opts.prompt);
  }

  /** The `jobs stats --json` counters. */
  stats(opts: StatsOptions = {}): Promise<Stats> {
    return this.backend.stats(opts);
  }
}
