import { num, table } from './table.js';
import type { ChalkInstance } from 'chalk';
import { formatDuration } from '../core/duration.js';
import type { Stats } from '../core/stats.js';
import { colorStatus } from './style.js';

const BLOCKS = '▁▂▃▄▅▆▇█';
const SPARK_MAX = 60;
const BAR_MAX = 40;

const compact = (n: number) => (n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : n >= 1e4 ? `${Math.round(n / 1e3)}k` : String(n));

/** The human `jobs stats`: totals, a per-day sparkline, a per-agent table and a histogram of run times. */
export function renderStats(s: Stats, c: ChalkInstance): string {
  const out: string[] = [];
  const scope = s.since ? `since ${s.since.slice(0, 16).replace('T', ' ')} UTC` : 'all time';
  out.push(c.bold(`Jobs created, ${scope}${s.agent ? ` · agent ${s.agent}` : ''}`));
  const statuses = (['completed', 'failed', 'cancelled'] as const).map((k) => `${colorStatus(c, k)} ${num(s[k])}`);
  out.push(
    `  created ${num(s.created)} · ${statuses.join(' · ')} · ${colorStatus(c, 'pending').replace('pending', 'queued')} ${num(s.queued)} · ${colorStatus(c, 'running')} ${num(s.running)}${s.unreadable ? ` · ${c.red('unreadable')} ${s.unreadable}` : ''}`,
  );
  out.push(`  events published ${num(s.eventsPublished)} · webhooks delivered ${num(s.webhooksDelivered)} · dead-lettered ${s.webhooksDeadLettered ? c.red(num(s.webhooksDeadLettered)) : '0'}`);
  if (s.created === 0) return out.join('\n');

  const spark = sparkline(s.perDay.map((d) => d.created));
  const first = s.perDay[0]?.day ?? '';
  const last = s.perDay[s.perDay.length - 1]?.day ?? '';
  out.push('', `${c.bold('Created per ' + (spark.perColumn === 1 ? 'day' : `${spark.perColumn} days`))}  ${c.green(spark.text)}  ${c.dim(`${first} … ${last}, peak ${num(spark.peak)}`)}`);

  out.push('', agentTable(s, c));

  const bins = s.durationHistogram;
  const most = Math.max(...bins.map((b) => b.count));
  if (most > 0) {
    out.push('', c.bold('Run time of finished jobs'));
    let from = 0;
    for (const b of bins) {
      const label = b.upToMs === null ? `≥ ${roundDuration(from)}` : `< ${roundDuration(b.upToMs)}`;
      const bar = '█'.repeat(Math.round((b.count / most) * BAR_MAX)) || (b.count ? '▏' : '');
      out.push(`  ${label.padEnd(5)} ${c.cyan(bar.padEnd(BAR_MAX))} ${num(b.count)}`);
      from = b.upToMs ?? from;
    }
  }
  return out.join('\n');
}

/** Per agent: jobs, success rate, run time p50/p95, tokens and cost; `headers: false` leaves out the header row. */
function agentTable(s: Stats, c: ChalkInstance, headers = true): string {
  const head = ['AGENT', 'JOBS', 'SUCCESS', 'P50', 'P95', 'TOKENS IN', 'TOKENS OUT', 'COST'];
  const rows = s.agents.map((a) => [
    a.agent,
    num(a.jobs),
    a.successRate === null ? '-' : `${(a.successRate * 100).toFixed(1)}%`,
    a.durationMs ? formatDuration(a.durationMs.p50) : '-',
    a.durationMs ? formatDuration(a.durationMs.p95) : '-',
    compact(a.tokens.input),
    compact(a.tokens.output),
    `$${a.costUsd.toFixed(2)}`,
  ]);
  return table(head, rows, c, { right: [1, 2, 3, 4, 5, 6, 7], headers });
}

/** 300000 → "5m": the histogram's bounds are whole units. */
const roundDuration = (ms: number) => (ms % 3_600_000 === 0 ? `${ms / 3_600_000}h` : ms % 60_000 === 0 ? `${ms / 60_000}m` : `${ms / 1000}s`);

/** Counts as unicode blocks, at most SPARK_MAX columns (days summed per column when there are more). */
export function sparkline(values: number[]): { text: string; perColumn: number; peak: number } {
  const perColumn = Math.max(1, Math.ceil(values.length / SPARK_MAX));
  const cols: number[] = [];
  for (let i = 0; i < values.length; i += perColumn) cols.push(values.slice(i, i + perColumn).reduce((a, b) => a + b, 0));
  const peak = Math.max(0, ...cols);
  const text = cols.map((v) => (v === 0 ? ' ' : BLOCKS[Math.max(0, Math.ceil((v / peak) * BLOCKS.length) - 1)])).join('');
  return { text, perColumn, peak };
}

/** --no-headers: the per-agent rows alone (nothing at all when there are none), like `jobs list --no-headers`. */
export function statsView(s: Stats, { filtered, headers }: { filtered: boolean; headers: boolean }, c: ChalkInstance): string | null {
  if (!headers) return s.agents.length ? agentTable(s, c, false) : null;
  return s.created === 0 && !filtered ? 'No jobs yet. Start one with: herdctl run <agent>' : renderStats(s, c);
}
