import { hostname } from 'node:os';
import { hostId } from './host-id.js';
import { platform } from './platform/index.js';

/**
 * A process as herdctl records it: a pid means nothing without its start
 * time, host and boot. `hostId` (host-id.ts) decides which host it is; `host`
 * is the host name, for people. Records written before host ids were recorded
 * carry only `host` and are judged by it.
 */
export interface ProcIdentity {
  pid: number;
  startTime: number | null; // in the platform's unit (platform().startUnit)
  host: string;
  hostId?: string | null;
  bootId: string | null;
}

export const bootId = (): string | null => platform().bootId();

/** The host name, for display. */
export const thisHost = (): string => hostname();

export const isThisHost = (p: Pick<ProcIdentity, 'host' | 'hostId'>): boolean => (p.hostId ? p.hostId === hostId() : p.host === thisHost());

/** A process's start time on this platform, or null when it is gone or unreadable. */
export function procStartTime(pid: number): number | null {
  const p = platform().probe(pid);
  return p.state === 'running' ? p.start : null;
}

export function identify(pid: number): ProcIdentity {
  return { pid, startTime: procStartTime(pid), host: thisHost(), hostId: hostId(), bootId: bootId() };
}

/**
 * 'alive' / 'dead' for a process of this host; 'unknown' for another host's
 * (judge those by their lock's heartbeat, never by a local pid check) and
 * whenever this system cannot tell. Only 'dead' may fail a job or free a lock.
 */
export function liveness(p: ProcIdentity): 'alive' | 'dead' | 'unknown' {
  if (!isThisHost(p)) return 'unknown';
  const boot = bootId();
  if (p.bootId && boot && p.bootId !== boot) return 'dead'; // rebooted since
  const probe = platform().probe(p.pid);
  if (probe.state === 'gone') return 'dead';
  if (probe.state === 'unknown') return 'unknown';
  if (p.startTime === null) return 'alive'; // recorded without a start time: the pid is all there is
  if (probe.start === null) return 'unknown'; // the pid exists but may be another process now
  return platform().sameStart(p.startTime, probe.start) ? 'alive' : 'dead'; // else: pid recycled
}
