import { join } from 'node:path';
import { currentEntries } from './entries.js';
import { listDir } from './fsx.js';
import { ID_LENGTH, idDay, idTime, isJobId } from './ids.js';
import type { Job } from './job.js';
import type { JobStore } from './store.js';

/**
 * `jobs stats`: figures derived from what is on disk, through the index (a
 * terminal line carries status, times, tokens, cost and event count), so
 * they survive restarts and cost one pass over the index segments. Every
 * figure is about the jobs created in the window (`--since`), of one agent
 * when asked.
 */
export interface StatsFilter {
  agent?: string;
  sinceMs?: number;
}

export interface AgentStats {
  agent: string;
  jobs: number;
  completed: number;
  failed: number;
  cancelled: number;
  queued: number;
  running: number;
  /** completed ÷ finished (completed + failed + cancelled); null before any finished */
  successRate: number | null;
  durationMs: { p50: number; p95: number } | null;
  tokens: { input: number; output: number };
  costUsd: number;
}

export interface Stats {
  since: string | null;
  agent: string | null;
  created: number;
  completed: number;
  failed: number;
  cancelled: number;
  queued: number;
  running: number;
  unreadable: number;
  eventsPublished: number;
  webhooksDelivered: number;
  webhooksDeadLettered: number;
  agents: AgentStats[];
  /** jobs created per UTC day, from the window's first day (or the first job's) to today */
  perDay: { day: string; created: number }[];
  /** finished jobs by run time: upToMs is the bin's exclusive upper bound, null the open last bin */
  durationHistogram: { upToMs: number | null; count: number }[];
}

const HISTOGRAM_BOUNDS = [10_000, 60_000, 300_000, 900_000, 3_600_000, 14_400_000];
const DAY_MS = 86_400_000;

type Acc = AgentStats & { durations: number[] };

const newAcc = (agent: string): Acc => ({
  agent,
  jobs: 0,
  completed: 0,
  failed: 0,
  cancelled: 0,
  queued: 0,
  running: 0,
  successRate: null,
  durationMs: null,
  tokens: { input: 0, output: 0 },
  costUsd: 0,
  durations: [],
});

export function computeStats(store: JobStore, filter: StatsFilter, check: (job: Job) => Job, now = Date.now()): Stats {
  const all = newAcc('');
  const byAgent = new Map<string, Acc>();
  const perDay = new Map<string, number>();
  const ids = filter.agent ? new Set<string>() : null;
  let unreadable = 0;
  let events = 0;
  for (const e of currentEntries(store, filter.sinceMs, check)) {
    if (filter.agent && e.agent !== filter.agent) continue;
    ids?.add(e.id);
    all.jobs++;
    perDay.set(idDay(e.id), (perDay.get(idDay(e.id)) ?? 0) + 1);
    if (e.status === 'unreadable') {
      unreadable++;
      continue;
    }
    let acc = byAgent.get(e.agent);
    if (!acc) byAgent.set(e.agent, (acc = newAcc(e.agent)));
    acc.jobs++;
    const key = e.status === 'pending' ? 'queued' : (e.status as 'running' | 'completed' | 'failed' | 'cancelled');
    if (key in acc) {
      acc[key]++;
      all[key]++;
    }
    events += e.events;
    acc.tokens.input += e.inputTokens;
    acc.tokens.output += e.outputTokens;
    acc.costUsd += e.costUsd;
    if (e.completedMs && e.startedMs && e.completedMs >= e.startedMs) acc.durations.push(e.completedMs - e.startedMs);
  }
  const agents = [...byAgent.values()].sort((a, b) => (a.agent < b.agent ? -1 : 1)).map(finishAcc);
  const webhooks = webhookCounts(store.paths.home, keeper(filter, ids));
  return {
    since: filter.sinceMs !== undefined ? new Date(filter.sinceMs).toISOString() : null,
    agent: filter.agent ?? null,
    created: all.jobs,
    completed: all.completed,
    failed: all.failed,
    cancelled: all.cancelled,
    queued: all.queued,
    running: all.running,
    unreadable,
    eventsPublished: events,
    webhooksDelivered: webhooks.delivered,
    webhooksDeadLettered: webhooks.dead,
    agents,
    perDay: dayRange(filter.sinceMs, perDay, now),
    durationHistogram: histogram([...byAgent.values()].flatMap((a) => a.durations)),
  };
}

function finishAcc(a: Acc): AgentStats {
  const { durations, ...out } = a;
  const finished = a.completed + a.failed + a.cancelled;
  out.successRate = finished ? a.completed / finished : null;
  if (durations.length) {
    durations.sort((x, y) => x - y);
    out.durationMs = { p50: percentile(durations, 0.5), p95: percentile(durations, 0.95) };
  }
  out.costUsd = Math.round(a.costUsd * 1e6) / 1e6;
  return out;
}

/** Nearest-rank percentile of sorted values. */
export const percentile = (sorted: number[], p: number): number => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];

function histogram(durations: number[]): Stats['durationHistogram'] {
  const bins = [...HISTOGRAM_BOUNDS, null].map((upToMs) => ({ upToMs, count: 0 }));
  for (const d of durations) {
    const i = HISTOGRAM_BOUNDS.findIndex((b) => d < b);
    bins[i === -1 ? bins.length - 1 : i].count++;
  }
  return bins;
}

function dayRange(sinceMs: number | undefined, counts: Map<string, number>, now: number): Stats['perDay'] {
  const first = sinceMs !== undefined ? sinceMs : counts.size ? Math.min(...[...counts.keys()].map((d) => Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8)))) : null;
  if (first === null) return [];
  const out: Stats['perDay'] = [];
  for (let t = Math.floor(first / DAY_MS) * DAY_MS; t <= now; t += DAY_MS) {
    const iso = new Date(t).toISOString().slice(0, 10);
    out.push({ day: iso, created: counts.get(iso.replace(/-/g, '')) ?? 0 });
  }
  return out;
}

/** Which webhook records belong to the selection: by the job id their file is named after. */
function keeper(filter: StatsFilter, ids: Set<string> | null): ((id: string) => boolean) | undefined {
  if (ids) return (id) => ids.has(id);
  if (filter.sinceMs === undefined) return undefined;
  const sinceSec = Math.floor(filter.sinceMs / 1000) * 1000;
  return (id) => isJobId(id) && idTime(id) >= sinceSec;
}

/**
 * Webhook outcomes as the webhooks module records them: one file per job,
 * named after its id, in webhooks/delivered/ and webhooks/dead/ (missing
 * directories count 0). `keep` filters by the job id a name starts with.
 */
export function webhookCounts(home: string, keep?: (id: string) => boolean): { delivered: number; dead: number } {
  const count = (dir: string) => listDir(join(home, 'webhooks', dir)).filter((n) => !n.startsWith('.') && (!keep || keep(n.slice(0, ID_LENGTH)))).length;
  return { delivered: count('delivered'), dead: count('dead') };
}
