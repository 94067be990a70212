import { hostname } from 'node:os';
import { join } from 'node:path';
import { fileClockNow, listDir } from './fsx.js';
import { HOST_ID_RE, hostId } from './host-id.js';
import { mtimeOf } from './holder.js';
import { leaseTtlMs, parseLease, readLeaseRaw } from './lease.js';
import type { JobStore } from './store.js';

/** One process's lease, as `herdctl hosts` shows it. */
export interface LeaseRow {
  id: string;
  pid: number | null;
  role: string | null;
  counter: number | null;
  /** How long ago the lease file was last written, by the clock that stamps the state dir's files (the file server's): no host's clock is trusted for it. */
  ageMs: number | null;
}

export interface HostRow {
  hostId: string;
  host: string | null;
  you: boolean;
  /** 'live': a lease renewed within the lease time; 'silent': leases left, none renewed (the host died, was cut off, or its processes were killed); 'idle': no lease (no runner or scheduler there now). */
  state: 'live' | 'silent' | 'idle';
  leases: LeaseRow[];
  running: string[];
}

export interface HostsReport {
  ttlMs: number;
  hosts: HostRow[];
}

/**
 * Every host that has used this state dir: its leases (hosts/<id>/), the
 * runners and scheduler they belong to, and the jobs it runs (active/, by
 * the host id in job.json). Read-only and one look: whether a silent host is
 * dead is decided by watchers that live through the lease time, not here.
 */
export function listHosts(store: JobStore): HostsReport {
  const ttlMs = leaseTtlMs();
  const now = fileClockNow(store.paths.hosts);
  const byHost = new Map<string, HostRow>();
  const row = (id: string): HostRow => {
    let r = byHost.get(id);
    if (!r) byHost.set(id, (r = { hostId: id, host: id === hostId() ? hostname() : null, you: id === hostId(), state: 'idle', leases: [], running: [] }));
    return r;
  };
  for (const id of listDir(store.paths.hosts).filter((n) => HOST_ID_RE.test(n))) {
    const r = row(id);
    for (const name of listDir(join(store.paths.hosts, id))) {
      const m = /^(\d{1,10}-[0-9a-f]{8})\.lease$/.exec(name);
      if (!m) continue;
      const lease = parseLease(readLeaseRaw(store.paths.home, `${id}/${m[1]}`));
      const mtime = mtimeOf(join(store.paths.hosts, id, name));
      r.host ??= lease?.host ?? null;
      r.leases.push({ id: `${id}/${m[1]}`, pid: lease?.pid ?? null, role: lease?.role ?? null, counter: lease?.counter ?? null, ageMs: mtime === null ? null : Math.max(0, Math.round(now - mtime)) });
    }
    if (r.leases.length) r.state = r.leases.some((l) => l.ageMs !== null && l.ageMs < ttlMs) ? 'live' : 'silent';
  }
  for (const id of store.activeIds()) {
    const got = store.tryRead(id);
    if (got && 'job' in got && got.job.status === 'running' && got.job.hostId) {
      const r = row(got.job.hostId);
      r.host ??= got.job.host;
      r.running.push(id);
    }
  }
  row(hostId());
  return { ttlMs, hosts: [...byHost.values()].sort((a, b) => Number(b.you) - Number(a.you) || a.hostId.localeCompare(b.hostId)) };
}
