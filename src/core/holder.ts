import * as fs from 'node:fs';
import { clock } from './clock.js';
import { currentLease, isLeaseId, leaseWatch } from './lease.js';
import { identify, isThisHost, liveness, type ProcIdentity } from './liveness.js';

/**
 * Who holds something (a lock, a slot, a claimed job) and the one rule for
 * when it is gone: this host's holder by its pid, at once; another host's by
 * its lease (lease.ts), once this process has watched it unchanged for the
 * lease time; another host's holder without a lease (a short command) by the
 * heartbeat of what it holds, watched unchanged for `beatMs`. Never by
 * comparing another host's clock with ours.
 */
export interface Holder extends ProcIdentity {
  lease?: string | null;
}

/** This process as a holder: its identity and, in a runner or scheduler, its lease. */
export function me(): Holder {
  return { ...identify(process.pid), lease: currentLease()?.id ?? null };
}

export const asHolder = (v: unknown): Holder | null => (v && typeof v === 'object' && typeof (v as Holder).pid === 'number' ? (v as Holder) : null);

/** 'dead' only when known; 'unknown' for another host's holder not yet judged (treat as alive). */
export function holderState(home: string, who: Holder, heartbeatOf?: () => number | null, beatMs = 20_000): 'alive' | 'dead' | 'unknown' {
  if (isThisHost(who)) return liveness(who);
  if (isLeaseId(who.lease)) return leaseWatch(home).expired(who.lease) ? 'dead' : 'unknown';
  if (!heartbeatOf) return 'unknown';
  return unchangedForMs(`${home}\0${who.hostId ?? who.host}\0${who.pid}`, heartbeatOf()) >= beatMs ? 'dead' : 'unknown';
}

export const holderDead = (home: string, who: unknown, heartbeatOf?: () => number | null, beatMs?: number): boolean => {
  const h = asHolder(who);
  return h !== null && holderState(home, h, heartbeatOf, beatMs) === 'dead';
};

/** A path's mtime as a heartbeat value (any change counts; its clock is never compared with ours). */
export function mtimeOf(path: string): number | null {
  try {
    return fs.statSync(path).mtimeMs;
  } catch {
    return null;
  }
}

const beats = new Map<string, { value: number | null; since: number }>();

/** How long this process has seen `value` unchanged under `key`, on its monotonic clock. */
function unchangedForMs(key: string, value: number | null): number {
  const now = clock.mono();
  const prev = beats.get(key);
  if (!prev || prev.value !== value) {
    beats.set(key, { value, since: now });
    return 0;
  }
  return now - prev.since;
}
