import { table, type Cell } from './table.js';
import type { ChalkInstance } from 'chalk';
import { formatRelative } from '../core/duration.js';
import type { BucketStatus, ResetResult } from '../core/quota.js';

/** `quotas list`: used/limit per cap (red when full, yellow from 80%), and when the rolling window frees a slot. */
export function renderQuotas(rows: BucketStatus[], c: ChalkInstance, now: number, headers = true): string {
  const usage = ({ used, limit }: { used: number; limit: number | null }): Cell => ({
    text: `${used}/${limit ?? '∞'}`,
    color: limit === null ? undefined : used >= limit ? c.red : used >= 0.8 * limit ? c.yellow : undefined,
  });
  const head = ['BUCKET', 'LAST 60 MIN', 'TOTAL', 'WINDOW FREES'];
  const cells: Cell[][] = rows.map((r) => [
    { text: r.bucket },
    usage(r.tasksPerHour),
    usage(r.tasksTotal),
    { text: r.freesAt ? `${formatRelative(Date.parse(r.freesAt), now)} (${r.freesAt.slice(11, 16)} UTC)` : '-' },
  ]);
  return table(head, cells, c, { headers });
}

export function quotasListView(rows: BucketStatus[], { configFile, now, headers }: { configFile: string | null; now: number; headers?: boolean }, c: ChalkInstance): string {
  if (rows.length) return renderQuotas(rows, c, now, headers);
  return `No quota buckets${configFile ? ` in ${configFile}` : ' (no herdctl.yaml found)'}. Add a quotas: section, e.g. quotas: { ci: { tasks_per_hour: 10, tasks_total: 500 } }`;
}

export const quotaResetView = (r: ResetResult): string => `Reset quota bucket ${r.bucket} (it had ${r.before.tasksTotal} tasks in total, ${r.before.tasksPerHour} in the last 60 minutes).`;
