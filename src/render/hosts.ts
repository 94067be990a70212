import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../core/duration.js';
import type { HostsReport } from '../core/hosts.js';
import { table } from './table.js';

const age = (ms: number | null): string => (ms === null ? '-' : ms < 1000 ? 'now' : `${formatDuration(ms)} ago`);

/** `herdctl hosts`: one row per host; its processes by role, the freshest lease's age, its running jobs. */
export function hostsView(r: HostsReport, view: { headers?: boolean } | undefined, c: ChalkInstance): string {
  const head = ['HOST', 'ID', 'STATE', 'LEASE', 'PROCESSES', 'RUNNING'];
  const rows = r.hosts.map((h) => {
    const freshest = h.leases.reduce<number | null>((m, l) => (l.ageMs !== null && (m === null || l.ageMs < m) ? l.ageMs : m), null);
    const state = h.state === 'live' ? c.green('live') : h.state === 'silent' ? c.yellow('silent') : c.dim('idle');
    const procs = h.leases.map((l) => `${l.role ?? '?'} (pid ${l.pid ?? '?'})`).join(', ') || '-';
    return [`${h.host ?? '?'}${h.you ? ' (this host)' : ''}`, h.hostId, state, age(freshest), procs, String(h.running.length)];
  });
  const out = table(head, rows, c, { headers: view?.headers !== false });
  if (view?.headers === false) return out;
  const silent = r.hosts.filter((h) => h.state === 'silent');
  const note = silent.length
    ? `\n${silent.map((h) => h.host ?? h.hostId).join(', ')}: no lease renewed for over ${formatDuration(r.ttlMs)}. Runners on other hosts fail or re-queue its jobs once they have watched it that long.`
    : '';
  return out + note;
}
