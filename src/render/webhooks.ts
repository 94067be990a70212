import { table, type Cell } from './table.js';
import type { ChalkInstance } from 'chalk';
import { formatRelative } from '../core/duration.js';
import type { Delivery, DeliveryRow } from '../core/webhook-outbox.js';

const COLOR: Record<string, keyof ChalkInstance> = { pending: 'yellow', delivered: 'green', dead: 'red', unreadable: 'red' };

/** "in 8s · HTTP 500" for a pending one; "HTTP 404" (dead); "3m ago · HTTP 200" (delivered). */
function when(d: Delivery, now: number): string {
  const last = d.lastError ?? (d.lastStatus !== null ? `HTTP ${d.lastStatus}` : null);
  const at = d.status === 'pending' ? d.nextAttemptAt : d.finishedAt;
  const rel = at ? (d.status === 'pending' && Date.parse(at) <= now ? 'due now' : formatRelative(Date.parse(at), now)) : null;
  return [rel, last].filter(Boolean).join(' · ') || '-';
}

/** The `webhooks list` table: plain aligned columns, like `jobs list`. */
export function renderDeliveryTable(rows: DeliveryRow[], c: ChalkInstance, now: number, headers = true): string {
  const head = ['JOB', 'STATUS', 'ATTEMPTS', 'NEXT / LAST', 'URL'];
  const paint = (s: string): Cell => ({ text: s, color: c[COLOR[s] ?? 'gray'] as unknown as (t: string) => string });
  const cells: Cell[][] = rows.map((d) =>
    'problem' in d
      ? [{ text: d.jobId, color: c.dim }, paint(d.status), '-', d.problem, '-']
      : [{ text: d.jobId, color: c.dim }, paint(d.status), `${d.attempts}/${d.retryMax + 1}`, when(d, now), d.url],
  );
  return table(head, cells, c, { headers });
}

/** `webhooks list`: the table (and how many more --limit hid), or why it is empty. */
export function webhooksListView(rows: DeliveryRow[], v: { dead: boolean; more: number; limit: number; now: number; headers?: boolean }, c: ChalkInstance): string {
  if (rows.length === 0) return v.dead ? 'No dead-lettered webhooks.' : 'No webhook deliveries yet. A job run with --webhook URL (or an agent with webhook_url) gets one when it ends.';
  return renderDeliveryTable(rows, c, v.now, v.headers) + (v.more ? `\n… ${v.more} more (--limit ${v.limit + v.more} shows all)` : '');
}

/** `webhooks redeliver`: how the attempt went. */
export const redeliverView = (d: Delivery, { now }: { now: number }): string => describe(d, now);

function describe(d: Delivery, now: number): string {
  const last = d.lastError ?? `HTTP ${d.lastStatus}`;
  if (d.status === 'delivered') return `${d.jobId} delivered (HTTP ${d.lastStatus})`;
  if (d.status === 'dead') return `${d.jobId} not delivered: ${last}; dead-lettered${d.attempts > d.retryMax ? ` after ${d.attempts} attempts` : ' (permanent error)'}`;
  return `${d.jobId} not delivered: ${last}; next attempt ${formatRelative(Date.parse(d.nextAttemptAt!), now)} (attempt ${d.attempts + 1} of ${d.retryMax + 1})`;
}
