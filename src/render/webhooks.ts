import type { ChalkInstance } from 'chalk';
import { formatRelative } from '../core/duration.js';
import type { Delivery } from '../core/webhook-outbox.js';

const COLOR: Record<string, keyof ChalkInstance> = { pending: 'yellow', delivered: 'green', dead: 'red', unreadable: 'red' };

/** "in 8s · HTTP 500" for a pending one; "HTTP 404" (dead); "3m ago · HTTP 200" (delivered). */
function when(d: Delivery, now: number): string {
  const last = d.lastError ?? (d.lastStatus !== null ? `HTTP ${d.lastStatus}` : null);
  const at = d.status === 'pending' ? d.nextAttemptAt : d.finishedAt;
  const rel = at ? (d.status === 'pending' && Date.parse(at) <= now ? 'due now' : formatRelative(Date.parse(at), now)) : null;
  return [rel, last].filter(Boolean).join(' · ') || '-';
}

export type DeliveryRow = Delivery | { jobId: string; status: 'unreadable'; problem: string };

/** The `webhooks list` table: plain aligned columns, like `jobs list`. */
export function renderDeliveryTable(rows: DeliveryRow[], c: ChalkInstance, now: number): string {
  const head = ['JOB', 'STATUS', 'ATTEMPTS', 'NEXT / LAST', 'URL'];
  const cells = rows.map((d) =>
    'problem' in d ? [d.jobId, d.status, '-', d.problem, '-'] : [d.jobId, d.status, `${d.attempts}/${d.retryMax + 1}`, when(d, now), d.url],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const pad = (s: string, i: number) => s + ' '.repeat(widths[i] - s.length);
  const paint = (s: string) => (c[COLOR[s] ?? 'gray'] as unknown as (t: string) => string)(s);
  const lines = [c.bold(head.map(pad).join('  ').trimEnd())];
  for (const row of cells) {
    lines.push(row.map((s, i) => (i === 1 ? pad(s, i).replace(s, paint(s)) : i === 0 ? c.dim(pad(s, i)) : pad(s, i))).join('  ').trimEnd());
  }
  return lines.join('\n');
}
