import { me, type Holder } from '../holder.js';
import { HostWatch } from '../host-loss.js';
import { Lease } from '../lease.js';
import type { JobStore } from '../store.js';
import { acquireScheduler } from './instance.js';

export interface SeatHooks {
  /** Another host's scheduler serves: this one stands by. */
  onStandby: (who: Holder) => void;
  /** The lease lapsed (fenced) or the lock was taken: stop, writing nothing more. */
  onLost: (how: 'fenced' | 'lock lost', why: string) => void;
  onWatchError: (message: string) => void;
  stopped: () => boolean;
}

/**
 * The scheduler's seat in a cluster of hosts: its lease (taken first: the
 * lock and every tick it claims are named with it), the state dir's
 * scheduler lock (standing by while another host's scheduler serves), and
 * the watch on other hosts it keeps meanwhile and while serving.
 */
export class Seat {
  private release: (() => void) | null = null;
  private readonly hosts: HostWatch;

  private constructor(
    store: JobStore,
    private readonly lease: Lease,
  ) {
    this.hosts = new HostWatch(store, lease.ttlMs / 10);
  }

  /** The seat, or null when stopped while standing by; throws `conflict` when this host's own scheduler serves. */
  static async take(store: JobStore, hooks: SeatHooks): Promise<Seat | null> {
    let seat: Seat | null = null;
    const lost = (how: 'fenced' | 'lock lost', why: string) => {
      if (seat) seat.release = null; // not released: releasing writes, and the lock is judged by the lease now
      hooks.onLost(how, why);
    };
    const lease = Lease.take(store.paths.home, 'scheduler', { onFence: (why) => lost('fenced', `fenced: ${why}; stopping so that a scheduler on another host can take over`) });
    seat = new Seat(store, lease);
    const s = seat;
    try {
      s.release = await acquireScheduler(store.paths.home, () => lost('lock lost', 'the scheduler lock was lost (another scheduler took it over); stopping'), {
        onStandby: hooks.onStandby,
        stopped: hooks.stopped,
        meanwhile: () => s.watchHosts(hooks.onWatchError),
      });
    } catch (e) {
      lease.stop();
      throw e;
    }
    if (!s.release) {
      lease.stop();
      return null;
    }
    return s;
  }

  get holder(): Holder {
    return me();
  }

  /** False once fenced (healthy() fences, and onLost is called). */
  healthy(): boolean {
    return this.lease.healthy();
  }

  /** Like a runner, a scheduler fails or re-queues the jobs of a host whose lease expired (host-loss.ts), at most every T/10. */
  watchHosts(onError: (message: string) => void): void {
    try {
      this.hosts.look();
    } catch (e) {
      onError(`could not recover another host's jobs: ${(e as Error).message}`);
    }
  }

  /** Releases the lock (unless it was lost) and ends the lease. */
  leave(): void {
    try {
      this.release?.();
    } catch {
      /* the lock was taken from us already */
    }
    this.release = null;
    this.lease.stop();
  }
}
