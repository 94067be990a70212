import type { ChalkInstance } from 'chalk';
import type { JobLinks } from '../core/job-links.js';
import { displayStatus, type Job } from '../core/job.js';
import type { ListRow } from '../core/store.js';
import { formatDuration, formatRelative } from '../core/duration.js';
import { colorStatus } from './style.js';

const dash = '-';

export function jobDuration(job: Job, now: number): string {
  if (!job.startedAt) return dash;
  const end = job.completedAt ? Date.parse(job.completedAt) : now;
  return formatDuration(end - Date.parse(job.startedAt));
}

/** The `jobs list` table: plain aligned columns (cheap to load, fine in pipes). */
export function renderJobTable(rows: ListRow[], c: ChalkInstance, now: number): string {
  const head = ['ID', 'AGENT', 'STATUS', 'REASON', 'SCHEDULE', 'STARTED', 'DURATION'];
  const cells = rows.map((r) =>
    'job' in r
      ? [
          r.job.id,
          r.job.agent,
          displayStatus(r.job),
          r.job.exitReason ?? dash,
          r.job.schedule ?? dash,
          r.job.startedAt ? formatRelative(Date.parse(r.job.startedAt), now) : dash,
          jobDuration(r.job, now),
        ]
      : [r.id, r.agent || '?', 'unreadable', dash, dash, dash, dash],
  );
  const widths = head.map((h, i) => Math.max(h.length, ...cells.map((row) => row[i].length)));
  const pad = (s: string, i: number) => s + ' '.repeat(widths[i] - s.length);
  const lines = [c.bold(head.map(pad).join('  ').trimEnd())];
  for (const row of cells) {
    lines.push(
      row
        .map((s, i) => {
          const padded = pad(s, i);
          return i === 2 ? padded.replace(s, s === 'unreadable' ? c.red(s) : colorStatus(c, s)) : i === 0 ? c.dim(padded) : padded;
        })
        .join('  ')
        .trimEnd(),
    );
  }
  return lines.join('\n');
}

/** `jobs show`: every field, in reading order. */
export function renderJobDetail(job: Job, c: ChalkInstance, now: number, links?: JobLinks): string {
  const out: string[] = [];
  const row = (k: string, v: unknown) => {
    if (v === null || v === undefined || v === '' || (Array.isArray(v) && v.length === 0)) return;
    out.push(`${c.bold(k.padEnd(13))} ${String(v)}`);
  };
  row('ID', job.id);
  row('Agent', job.agent);
  const shown = displayStatus(job);
  row('Status', colorStatus(c, shown) + (job.exitReason ? ` (${job.exitReason})` : '') + (shown === 'stopping' ? c.dim(` (cancel requested ${job.cancelRequestedAt}; still running until the agent exits)`) : ''));
  row('Trigger', job.trigger + (job.schedule ? ` · schedule ${job.schedule}` : ''));
  row('Parent', job.parentJobId);
  row('Session', job.sessionId);
  row('Workspace', job.workspace);
  row('Model', job.model);
  row('Worktree', job.worktree ? `${job.worktree} · branch ${job.branch} from ${job.baseCommit?.slice(0, 12)}` : null);
  row('Changes', job.changes ? `${job.changes.files.length} file${job.changes.files.length === 1 ? '' : 's'}, +${job.changes.insertions} −${job.changes.deletions}  (herdctl jobs diff ${job.id})` : null);
  row('Waits for', links?.waitsFor.map((w) => `${w.id} (${w.status})`).join(', ') || null);
  if (job.after.length && !links?.waitsFor.length) row('After', job.after.join(', ') + (job.afterAny ? ' (whatever they ended as)' : ''));
  if (job.status === 'pending' && job.notBefore) row('Not before', `${job.notBefore} (${formatRelative(Date.parse(job.notBefore), now)})`);
  if (links?.attempts.length) {
    row('Attempts', links.attempts.map((a) => `${a.attempt}. ${a.id} ${colorStatus(c, a.status)}${a.id === job.id ? ' ←' : ''}`).join('\n' + ' '.repeat(14)));
  }
  row('Created', Number.isNaN(Date.parse(job.createdAt)) ? job.createdAt : `${job.createdAt} (${formatRelative(Date.parse(job.createdAt), now)})`);
  row('Started', job.startedAt);
  row('Completed', job.completedAt);
  row('Duration', job.startedAt ? jobDuration(job, now) : null);
  row('Priority', job.priority || null);
  row('Tags', job.tags.join(', '));
  row('Quota bucket', job.quotaBucket);
  row('Webhook', job.webhookUrl);
  row('Runner', job.runnerPid ? `pid ${job.runnerPid} on ${job.host ?? '?'}` : null);
  row('Agent pid', job.pid);
  if (job.usage) {
    const u = job.usage;
    row('Usage', `${u.inputTokens} in / ${u.outputTokens} out tokens` + (u.cacheReadTokens ? `, ${u.cacheReadTokens} cache read` : '') + (u.costUsd !== null ? `, $${u.costUsd.toFixed(4)}${u.costEstimated ? ' (estimated: the CLI reports no cost)' : ''}` : '') + (u.turns !== null ? `, ${u.turns} turns` : ''));
  }
  row('Cancel reason', job.cancelReason);
  if (job.error) row('Error', c.red(job.error));
  row('Output', job.output);
  out.push('', c.bold('Prompt'), indent(job.prompt));
  if (job.summary) out.push('', c.bold('Result'), indent(job.summary));
  if (job.recap) {
    out.push('', c.bold('Recap'), `  ${job.recap.headline}`);
    for (const b of job.recap.bullets) out.push(`  • ${b}`);
  }
  return out.join('\n');
}

const indent = (s: string) =>
  s
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');
