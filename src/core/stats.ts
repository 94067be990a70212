import { join } from 'node:path';
import { dayEntries, dayOf } from './entries.js';
import { listDir } from './fsx.js';
import { BucketCache } from './bucket-cache.js';
import { ID_LENGTH, idDay, idTime, isJobId } from './ids.js';
import type { Job } from './job.js';
import type { JobStore } from './store.js';
import { clock } from './clock.js';
import { Paths } from './paths.js';

/**
 * `jobs stats`: figures derived from what is on disk, through the index (a
 * terminal line carries status, times, tokens, cost and event count), so
 * they survive restarts. A day whose jobs have all ended is summed once and
 * kept in a cache beside the index (`BucketCache`); only days with live jobs
 * are read each time. Every figure is about the jobs created in the window
 * (`--since`), of one agent when asked.
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
  /** jobs created per UTC day, from the window's first day (or the first job's) to today, with how those jobs stand now */
  perDay: DayCount[];
  /** finished jobs by run time: upToMs is the bin's exclusive upper bound, null the open last bin */
  durationHistogram: { upToMs: number | null; count: number }[];
}

export interface DayCount {
  day: string;
  created: number;
  completed: number;
  failed: number;
  cancelled: number;
  active: number; // queued or running
}

/** The seed's names for the counters (GET /v1/metrics/jobs carries both). */
export interface SeedMetrics {
  jobs_created: number;
  jobs_completed: number;
  jobs_failed: number;
  jobs_cancelled: number;
  queued: number;
  running: number;
  events_published: number;
  webhooks_delivered: number;
  webhooks_dead_lettered: number;
}

export const seedMetrics = (s: Stats): SeedMetrics => ({
  jobs_created: s.created,
  jobs_completed: s.completed,
  jobs_failed: s.failed,
  jobs_cancelled: s.cancelled,
  queued: s.queued,
  running: s.running,
  events_published: s.eventsPublished,
  webhooks_delivered: s.webhooksDelivered,
  webhooks_dead_lettered: s.webhooksDeadLettered,
});

const HISTOGRAM_BOUNDS = [10_000, 60_000, 300_000, 900_000, 3_600_000, 14_400_000];
const DAY_MS = 86_400_000;

/** One agent's jobs of one index day, summed. */
interface DaySum {
  jobs: number;
  queued: number;
  running: number;
  completed: number;
  failed: number;
  cancelled: number;
  unreadable: number;
  events: number;
  tokensIn: number;
  tokensOut: number;
  costUsd: number;
  durations: number[];
}

/** A day's summary per agent; `settled` when every job in it is terminal, so it can be cached. */
interface Day {
  settled: boolean;
  agents: Record<string, DaySum>;
}

const newSum = (): DaySum => ({ jobs: 0, queued: 0, running: 0, completed: 0, failed: 0, cancelled: 0, unreadable: 0, events: 0, tokensIn: 0, tokensOut: 0, costUsd: 0, durations: [] });

/** v2: keyed per hour bucket, under `buckets` */
const CACHE_VERSION = 2;

const COUNTED = { pending: 'queued', running: 'running', completed: 'completed', failed: 'failed', cancelled: 'cancelled', unreadable: 'unreadable' } as const;

function summarizeDay(store: JobStore, day: string, sinceMs: number | undefined, check: (job: Job) => Job): Day {
  const out: Day = { settled: true, agents: {} };
  for (const e of dayEntries(store, day, sinceMs, check)) {
    const key = COUNTED[e.status as keyof typeof COUNTED];
    if (key !== 'completed' && key !== 'failed' && key !== 'cancelled') out.settled = false;
    if (!key) continue; // gone: deleted, or a creation in flight
    const s = (out.agents[e.agent] ??= newSum());
    s.jobs++;
    s[key]++;
    s.events += e.events;
    s.tokensIn += e.inputTokens;
    s.tokensOut += e.outputTokens;
    s.costUsd += e.costUsd;
    if (e.completedMs && e.startedMs && e.completedMs >= e.startedMs) s.durations.push(e.completedMs - e.startedMs);
  }
  return out;
}

export function computeStats(store: JobStore, filter: StatsFilter, check: (job: Job) => Job, now = clock.now()): Stats {
  store.refreshIndex();
  const sinceDay = filter.sinceMs !== undefined ? dayOf(filter.sinceMs) : undefined;
  const cache = new BucketCache<Record<string, DaySum>>(store.index.dir, 'stats-cache', CACHE_VERSION);
  const byAgent = new Map<string, DaySum>();
  const perDay = new Map<string, DayCount>();
  for (const day of store.index.days(sinceDay)) {
    // the window's first day is cut at the --since instant: never cached
    const partial = day.slice(0, 8) === sinceDay;
    const stamp = partial ? null : store.index.dayStamp(day);
    const hit = stamp ? cache.get(day, stamp) : null;
    const sum: Day = hit ? { settled: true, agents: hit } : summarizeDay(store, day, partial ? filter.sinceMs : undefined, check);
    if (!hit && stamp && sum.settled) cache.set(day, stamp, sum.agents);
    for (const [agent, s] of Object.entries(sum.agents)) {
      if (filter.agent && agent !== filter.agent) continue;
      const date = day.slice(0, 8); // an hour's bucket counts to its day
      const d = perDay.get(date) ?? { day: date, created: 0, completed: 0, failed: 0, cancelled: 0, active: 0 };
      perDay.set(date, {
        day: date,
        created: d.created + s.jobs,
        completed: d.completed + s.completed,
        failed: d.failed + s.failed,
        cancelled: d.cancelled + s.cancelled,
        active: d.active + s.queued + s.running,
      });
      let acc = byAgent.get(agent);
      if (!acc) byAgent.set(agent, (acc = newSum()));
      addSum(acc, s);
    }
  }
  cache.save(store.index.days());
  const total = newSum();
  for (const s of byAgent.values()) addSum(total, { ...s, durations: [] });
  const webhooks = webhookCounts(store.paths.home, keeper(store, filter));
  return {
    since: filter.sinceMs !== undefined ? clock.isoAt(filter.sinceMs) : null,
    agent: filter.agent ?? null,
    created: total.jobs,
    completed: total.completed,
    failed: total.failed,
    cancelled: total.cancelled,
    queued: total.queued,
    running: total.running,
    unreadable: total.unreadable,
    eventsPublished: total.events,
    webhooksDelivered: webhooks.delivered,
    webhooksDeadLettered: webhooks.dead,
    // an unreadable job.json may name no agent: counted above, listed under none
    agents: [...byAgent.entries()]
      .filter(([a]) => a !== '')
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([agent, s]) => agentStats(agent, s)),
    perDay: dayRange(filter.sinceMs, perDay, now),
    durationHistogram: histogram(byAgent.values()),
  };
}

function addSum(into: DaySum, s: DaySum): void {
  into.jobs += s.jobs;
  into.queued += s.queued;
  into.running += s.running;
  into.completed += s.completed;
  into.failed += s.failed;
  into.cancelled += s.cancelled;
  into.unreadable += s.unreadable;
  into.events += s.events;
  into.tokensIn += s.tokensIn;
  into.tokensOut += s.tokensOut;
  into.costUsd += s.costUsd;
  for (const d of s.durations) into.durations.push(d);
}

function agentStats(agent: string, s: DaySum): AgentStats {
  const finished = s.completed + s.failed + s.cancelled;
  const d = new Float64Array(s.durations).sort();
  return {
    agent,
    jobs: s.jobs,
    completed: s.completed,
    failed: s.failed,
    cancelled: s.cancelled,
    queued: s.queued,
    running: s.running,
    successRate: finished ? s.completed / finished : null,
    durationMs: d.length ? { p50: percentile(d, 0.5), p95: percentile(d, 0.95) } : null,
    tokens: { input: s.tokensIn, output: s.tokensOut },
    costUsd: Math.round(s.costUsd * 1e6) / 1e6,
  };
}

/** Nearest-rank percentile of sorted values. */
export const percentile = (sorted: ArrayLike<number>, p: number): number => sorted[Math.max(0, Math.ceil(p * sorted.length) - 1)];

function histogram(sums: Iterable<DaySum>): Stats['durationHistogram'] {
  const counts = new Array<number>(HISTOGRAM_BOUNDS.length + 1).fill(0);
  for (const s of sums) {
    for (const d of s.durations) {
      let i = 0;
      while (i < HISTOGRAM_BOUNDS.length && d >= HISTOGRAM_BOUNDS[i]) i++;
      counts[i]++;
    }
  }
  return counts.map((count, i) => ({ upToMs: HISTOGRAM_BOUNDS[i] ?? null, count }));
}

function dayRange(sinceMs: number | undefined, counts: Map<string, DayCount>, now: number): Stats['perDay'] {
  const first = sinceMs !== undefined ? sinceMs : counts.size ? Math.min(...[...counts.keys()].map((d) => Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8)))) : null;
  if (first === null) return [];
  const out: Stats['perDay'] = [];
  for (let t = Math.floor(first / DAY_MS) * DAY_MS; t <= now; t += DAY_MS) {
    const iso = clock.isoAt(t).slice(0, 10);
    const c = counts.get(iso.replace(/-/g, ''));
    out.push(c ? { ...c, day: iso } : { day: iso, created: 0, completed: 0, failed: 0, cancelled: 0, active: 0 });
  }
  return out;
}

/** Which webhook records belong to the selection, by the job id their file is named after (its agent looked up in the index). */
function keeper(store: JobStore, filter: StatsFilter): ((id: string) => boolean) | undefined {
  if (!filter.agent && filter.sinceMs === undefined) return undefined;
  const sinceSec = filter.sinceMs !== undefined ? Math.floor(filter.sinceMs / 1000) * 1000 : 0;
  const agents = new Map<string, Map<string, string>>(); // day → id → agent
  return (id) => {
    if (idTime(id) < sinceSec) return false;
    if (!filter.agent) return true;
    const day = idDay(id);
    let m = agents.get(day);
    if (!m) agents.set(day, (m = new Map(store.index.readDay(day).map((e) => [e.id, e.agent]))));
    return m.get(id) === filter.agent;
  };
}

/**
 * Webhook outcomes as the webhooks module records them: one file per job,
 * named after its id, in webhooks/delivered/ and webhooks/dead/ (missing
 * directories count 0; names not starting with a job id are not counted).
 * `keep` filters by that job id.
 */
export function webhookCounts(home: string, keep: (id: string) => boolean = () => true): { delivered: number; dead: number } {
  const count = (dir: string) =>
    listDir(join(new Paths(home).webhooks, dir)).filter((name) => {
      const id = name.slice(0, ID_LENGTH);
      return isJobId(id) && keep(id);
    }).length;
  return { delivered: count('delivered'), dead: count('dead') };
}
