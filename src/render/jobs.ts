import { clock } from '../core/clock.js';
import type { JobsListView } from '../core/store.js';
import { safeBlock, safeText } from './safe.js';
import { num, table, type Cell } from './table.js';
import type { ChalkInstance } from 'chalk';
import type { JobLinks, PendingWhy } from '../core/job-links.js';
import { displayStatus, type Job } from '../core/job.js';
import type { ListRow } from '../core/store.js';
import { formatDuration, formatRelative } from '../core/duration.js';
import type { CancelResult } from '../core/control.js';
import type { PrunedJob } from '../core/prune.js';
import { colorStatus } from './style.js';
import { clearStatus, showStatus } from './status-line.js';

const dash = '-';

export function jobDuration(job: Job, now: number): string {
  if (!job.startedAt) return dash;
  const end = job.completedAt ? Date.parse(job.completedAt) : now;
  return formatDuration(end - Date.parse(job.startedAt));
}

/** The `jobs list` table: plain aligned columns (cheap to load, fine in pipes). */
export function renderJobTable(rows: ListRow[], c: ChalkInstance, now: number, opts: { wide?: boolean; headers?: boolean } = {}): string {
  const head = ['ID', 'AGENT', 'STATUS', 'REASON', 'SCHEDULE', 'STARTED', 'DURATION', ...(opts.wide ? ['TAGS', 'PROMPT', 'ERROR'] : [])];
  const oneLine = (s: string | null, max: number) => (s ? safeText(s.replace(/\s+/g, ' ')).slice(0, max) : dash);
  const status = (s: string): Cell => ({ text: s, color: (t) => (s === 'unreadable' ? c.red(t) : colorStatus(c, t)) });
  const cells: Cell[][] = rows.map((r) =>
    'job' in r
      ? [
          { text: r.job.id, color: c.dim },
          r.job.agent,
          status(displayStatus(r.job)),
          r.job.exitReason ?? dash,
          r.job.schedule ?? dash,
          r.job.startedAt ? formatRelative(Date.parse(r.job.startedAt), now) : dash,
          jobDuration(r.job, now),
          ...(opts.wide ? [oneLine(r.job.tags.join(','), 30), oneLine(r.job.prompt, 50), oneLine(r.job.error, 60)] : []),
        ]
      : [{ text: r.id, color: c.dim }, r.agent || '?', status('unreadable'), dash, dash, dash, dash, ...(opts.wide ? [dash, dash, oneLine(r.problem, 60)] : [])],
  );
  return table(head, cells, c, { headers: opts.headers });
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
  row(
    'Status',
    colorStatus(c, shown) + (job.exitReason ? ` (${job.exitReason})` : '') + (shown === 'stopping' ? c.dim(` (cancel requested ${job.cancelRequestedAt}; still running until the agent exits)`) : ''),
  );
  row('Trigger', job.trigger + (job.schedule ? ` · schedule ${job.schedule}` : ''));
  row('Parent', job.parentJobId);
  row('Session', job.sessionId);
  row('Workspace', job.workspace);
  row('Model', job.model);
  row('Worktree', job.worktree ? `${job.worktree} · branch ${job.branch} from ${job.baseCommit?.slice(0, 12)}` : null);
  row(
    'Changes',
    job.changes ? `${job.changes.files.length} file${job.changes.files.length === 1 ? '' : 's'}, +${job.changes.insertions} −${job.changes.deletions}  (herdctl jobs diff ${job.id})` : null,
  );
  row(
    'Pending',
    links?.pending
      ? pendingText(
          links.pending,
          job,
          links.waitsFor.some((w) => w.status === 'pending' || w.status === 'running'),
        )
      : null,
  );
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
  row('Tags', safeText(job.tags.join(', ')));
  row('Quota bucket', job.quotaBucket);
  row('Webhook', job.webhookUrl);
  row('Runner', job.runnerPid ? `pid ${job.runnerPid} on ${job.host ?? '?'}` : null);
  row('Agent pid', job.pid);
  if (job.usage) {
    const u = job.usage;
    row(
      'Usage',
      `${u.inputTokens} in / ${u.outputTokens} out tokens` +
        (u.cacheReadTokens ? `, ${u.cacheReadTokens} cache read` : '') +
        (u.costUsd !== null ? `, $${u.costUsd.toFixed(4)}${u.costEstimated ? ' (estimated: the CLI reports no cost)' : ''}` : '') +
        (u.turns !== null ? `, ${u.turns} turns` : ''),
    );
  }
  row('Cancel reason', job.cancelReason && safeText(job.cancelReason));
  if (job.error) row('Error', c.red(safeBlock(job.error, 14)));
  row('Output', job.output);
  out.push('', c.bold('Prompt'), indent(shortened(job.prompt, job.id)));
  if (job.summary) out.push('', c.bold('Result'), indent(job.summary));
  if (job.recap) {
    out.push('', c.bold('Recap'), `  ${safeBlock(job.recap.headline, 2)}`);
    for (const b of job.recap.bullets) out.push(`  • ${safeBlock(b, 4)}`);
  }
  return out.join('\n');
}

const indent = (s: string) =>
  safeText(s)
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

/** `jobs list`: the table, or why it is empty. */
export function jobsListView(_data: unknown, { rows, filtered, now, wide, headers, more }: JobsListView, c: ChalkInstance): string | null {
  if (rows.length === 0) return headers === false ? null : filtered ? 'No jobs match these filters.' : 'No jobs yet. Start one with: herdctl run <agent>';
  const table = renderJobTable(rows, c, now, { wide, headers });
  // the footer is for people: --no-headers output stays rows only
  if (!more || headers === false) return table;
  const how = `${num(more)} more ${more === 1 ? 'job matches' : 'jobs match'}`;
  return `${table}\n${c.dim(`… ${how}: the newest ${rows.length} are shown (--limit ${rows.length * 5} shows more)`)}`;
}

export const jobsShowView = (job: Job, { now, links }: { now: number; links?: JobLinks }, c: ChalkInstance): string => renderJobDetail(job, c, now, links);

/** `run`: the id at once; with --wait, how the job ended. */
export function runView(job: Job | undefined, view: { waited: boolean } | undefined): string | null {
  if (!job || !view) return null; // --follow printed the events
  if (!view.waited) return job.id;
  return `${job.id} ${job.status}${job.exitReason ? ` (${job.exitReason})` : ''}${job.error ? `: ${job.error}` : ''}`;
}

export const resumeView = (job: Job): string => job.id;

/**
 * `run --wait/--follow`: the id at once, and what to do after Ctrl-C — on
 * stderr, as stdout carries the result or the events. --wait (whose stdout is
 * quiet until the end) also gets a status line on a terminal.
 */
export function runNotesPrinter(spinner: boolean): { started(job: Job): void; detached(job: Job): void } {
  return {
    started: (job) => {
      process.stderr.write(`${job.id} submitted to ${job.agent}; waiting for it to end (Ctrl-C stops waiting, not the job)\n`);
      if (spinner) showStatus(`waiting for ${job.id} (${job.agent}) to end`);
    },
    detached: (job) => {
      clearStatus();
      process.stderr.write(`\nstopped waiting: ${job.id} is ${job.status} and keeps running\n  follow it: herdctl jobs logs ${job.id} --follow\n  cancel it: herdctl jobs cancel ${job.id}\n`);
    },
  };
}

/** `jobs wait`: one line per job, as it ended (or is, when the wait gave up). */
export function waitView(jobs: Job[], view: { timedOut: boolean }): string {
  const lines = jobs.map((j) => `${j.id} ${j.status}${j.exitReason ? ` (${j.exitReason})` : ''}${j.error ? `: ${safeText(j.error)}` : ''}`);
  return view.timedOut ? [...lines, 'stopped waiting; the jobs go on'].join('\n') : lines.join('\n');
}

/** `jobs wait`: one line on stderr before a wait that may be long (stdout keeps the outcome), and a status line on a terminal. */
export function waitingNote(ids: string[], any: boolean, limitMs?: number): void {
  const what = `${any && ids.length > 1 ? 'the first of ' : ''}${ids.length === 1 ? ids[0] : `${ids.length} jobs`}`;
  process.stderr.write(`waiting for ${what} to end (Ctrl-C stops waiting, not the jobs)\n`);
  showStatus(`waiting for ${what} to end`, limitMs === undefined ? undefined : { atMs: clock.now() + limitMs, what: 'gives up' });
}

/** `jobs rm`: what went. */
export const rmView = (r: { jobs: PrunedJob[] }): string => r.jobs.map((j) => `removed ${j.id}  ${j.agent}  ${j.status}`).join('\n');

/** `jobs cancel`: one line per job. */
export function cancelView(results: CancelResult[], { agent }: { agent?: string }): string {
  if (results.length === 0) return `No pending or running jobs for agent ${agent}.`;
  return results
    .map((r) => {
      if (r.result === 'already-finished') return `${r.job.id} already ${r.job.status}; nothing to cancel`;
      if (r.result === 'cancelled') return `${r.job.id} cancelled`;
      return `${r.job.id} cancel requested; the agent is stopping (follow it: herdctl jobs logs ${r.job.id} --follow)`;
    })
    .join('\n');
}

/** `jobs prune`: what went (or, with --dry-run, would go). */
export function pruneView(r: { dryRun: boolean; olderThan: string; jobs: PrunedJob[] }, view: { status?: string; keepLast?: number }, c: ChalkInstance): string {
  const which = `${view.status ? `${view.status}, ` : ''}ended more than ${r.olderThan} ago${view.keepLast ? `, the newest ${view.keepLast} kept` : ''}`;
  const count = (n: number) => `${n} job${n === 1 ? '' : 's'}`;
  if (r.jobs.length === 0) return `Nothing to prune: no finished job matches (${which}).`;
  if (!r.dryRun) return `Deleted ${count(r.jobs.length)} (${which}).`;
  return [
    ...r.jobs.map((j) => `${j.id}  ${j.agent}  ${colorStatus(c, j.status)}  ended ${j.endedAt}`),
    `Would delete ${count(r.jobs.length)} (${which}); run again without --dry-run to delete them.`,
  ].join('\n');
}

const PROMPT_LINES = 20;
const PROMPT_CHARS = 2000;

/** A long prompt, shortened for people (its first lines); --json has it whole. */
function shortened(text: string, id: string): string {
  const lines = text.split('\n');
  let head = lines.slice(0, PROMPT_LINES).join('\n');
  if (head.length > PROMPT_CHARS) head = head.slice(0, PROMPT_CHARS);
  if (head.length === text.length) return text;
  return `${head}\n… ${text.length - head.length} more characters (${lines.length} lines in all): herdctl jobs show ${id} --json | jq -r .prompt`;
}

/** "2 ahead in the queue; waiting for a global slot (4/4 busy)": why a pending job has not started. */
export function pendingText(p: PendingWhy, job: Pick<Job, 'agent' | 'notBefore'>, waitsOnOthers: boolean): string {
  const parts = [p.ahead ? `${p.ahead} ahead in ${job.agent}'s queue` : `next in ${job.agent}'s queue`];
  if (waitsOnOthers) parts.push('waiting for the jobs it runs after');
  if (job.notBefore) parts.push('waiting for its retry time');
  if (p.agentMax && p.agentRunning >= p.agentMax) parts.push(`waiting for ${job.agent} to finish a job (${p.agentRunning}/${p.agentMax} running)`);
  if (p.slotsMax && p.slotsBusy >= p.slotsMax) parts.push(`waiting for a global slot (${p.slotsBusy}/${p.slotsMax} busy)`);
  return parts.join('; ');
}

/** `jobs list --watch`: on a TTY the whole table redrawn in place; in a pipe each new or changed row, headerless. */
export function watchPrinter(c: ChalkInstance, tty: boolean): { screen(view: JobsListView): void; changed(rows: ListRow[], view: JobsListView): void; tty: boolean } {
  return {
    tty,
    screen: (view) => process.stdout.write(`\x1b[H\x1b[2J${c.dim(`every 1s: herdctl jobs list (Ctrl-C to stop)  ${clock.isoAt(view.now).slice(11, 19)}`)}\n\n${jobsListView(null, view, c) ?? ''}\n`),
    changed: (rows, view) => process.stdout.write(renderJobTable(rows, c, view.now, { wide: view.wide, headers: false }) + '\n'),
  };
}
