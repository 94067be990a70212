#!/usr/bin/env node
// Synthetic herdctl state for benchmarks, written straight to disk in the real
// on-disk format (see src/core/store.ts, index-log.ts, queue.ts, eventlog.ts):
//
//   node scripts/gen-state.js <home> <N> [--seed S] [--now MS] [--events E]
//       N jobs, ids spread over the last 90 days: ~78% completed, ~15% failed,
//       ~5% cancelled, a few pending (the newest, queued), none running.
//       ≈E events each in output.jsonl (default 50; the bench's 1M state takes 5), index segments (creation line +
//       terminal line per job, as JobStore writes them), queue markers for the
//       pending jobs, index/synced = mtime of jobs/ in ns (index in sync).
//   node scripts/gen-state.js <home> --big-log [--bytes B]
//       adds one completed job whose output.jsonl is B bytes (default 1 GiB),
//       streamed in 1 MiB writes (constant memory).
//
// Prints one JSON line on stdout describing what it wrote (sample ids for the
// bench); progress goes to stderr. Needs `npm run build` first (imports dist/,
// or $HERDCTL_DIST:
// index lines via entryLine, job.json via normalizeJob, recaps via
// RecapBuilder, queue markers via Queue, so the format follows the code).
// Nothing is fsynced: this is a fixture, not a store.
//
// The pending jobs are inert only while no runner serves their agent: any
// herdctl command that looks at a pending job with no live runner starts one,
// which would try to run it (and fail it: these agents have no config and no
// binaries here). scripts/bench.js holds the runner locks with a stand-in
// while it measures; poke at a generated state by hand and they end `failed`.

import * as fs from 'node:fs';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';

// herdctl's own code, from dist/ (or from the build snapshot the bench points HERDCTL_DIST at)
const DIST = process.env.HERDCTL_DIST ? pathToFileURL(resolve(process.env.HERDCTL_DIST) + '/').href : new URL('../dist/', import.meta.url).href;
const load = (m) => import(new URL(m, DIST).href);
const { entryLine } = await load('core/index-log.js');
const { normalizeJob } = await load('core/job.js');
const { RecapBuilder } = await load('core/recap.js');
const { Paths } = await load('core/paths.js');
const { Queue } = await load('core/queue.js');

export const GENERATOR_VERSION = 7;
/** The host id in the index segments' names (index/seg-YYYYMMDDHH@<host>.tsv), as one host would have written them. */
const SEG_HOST = 'bench-host';

const DAY = 86_400_000;
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyz';

const AGENTS = [
  { name: 'bragdoc-coder', runtime: 'claude', workspace: '/home/dev/code/bragdoc', model: 'claude-sonnet-4-6', schedules: ['daily-standup', 'todo-sweep'] },
  { name: 'nightly-tests', runtime: 'command', workspace: '/home/dev/code/app', model: null, schedules: ['nightly'] },
  { name: 'docs-writer', runtime: 'claude', workspace: '/home/dev/code/docs', model: 'claude-opus-4-1', schedules: ['weekly-docs'] },
  { name: 'triage-bot', runtime: 'claude', workspace: '/home/dev/code/app', model: 'claude-sonnet-4-6', schedules: ['hourly-triage'] },
  { name: 'release-helper', runtime: 'claude', workspace: '/home/dev/code/release', model: 'claude-haiku-4-5', schedules: [] },
];
export const AGENT_NAMES = AGENTS.map((a) => a.name);

// ---------------------------------------------------------------- randomness (seeded, fast)

function rng(seed) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)); // inclusive
  const pick = (arr) => arr[Math.floor(next() * arr.length)];
  const chance = (p) => next() < p;
  const tail = (n) => {
    let s = '';
    for (let i = 0; i < n; i++) s += ALPHABET[Math.floor(next() * 36)];
    return s;
  };
  const uuid = () => {
    const h = () =>
      Math.floor(next() * 0x10000)
        .toString(16)
        .padStart(4, '0');
    return `${h()}${h()}-${h()}-4${h().slice(1)}-a${h().slice(1)}-${h()}${h()}${h()}`;
  };
  return { next, int, pick, chance, tail, uuid };
}

function stampOf(ms) {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 4)}${iso.slice(5, 7)}${iso.slice(8, 10)}-${iso.slice(11, 13)}${iso.slice(14, 16)}${iso.slice(17, 19)}`;
}

// ---------------------------------------------------------------- texts

const WORDS = (
  'the a to of and in for on with this that test file function module error fix update refactor config build type check ' +
  'import export return value index job agent runner queue event log output status schedule parse render table cache retry ' +
  'timeout cancel resume session token cost usage json yaml path directory lock write read append sync atomic rename'
).split(' ');
const FILES = ['src/index.ts', 'src/app.ts', 'src/db/schema.ts', 'src/api/routes.ts', 'README.md', 'package.json', 'test/app.test.ts', 'docs/setup.md', 'src/util/date.ts', 'CHANGELOG.md'];
const PROMPTS = [
  'Review open TODOs and fix the easy ones',
  "Write today's standup from the git log",
  'Run the test suite and summarize failures',
  'Update the docs for the new config keys',
  'Triage new issues and label them',
  'Prepare the release notes for the next version',
  'Refactor the date helpers and add tests',
  'Continue from where you left off',
];

function makeCorpus(r, chars) {
  const parts = [];
  let n = 0;
  while (n < chars) {
    const line = Array.from({ length: r.int(4, 14) }, () => r.pick(WORDS)).join(' ');
    parts.push(line);
    n += line.length + 1;
  }
  return parts.join('\n');
}

// ---------------------------------------------------------------- events (shapes as the claude runtime and finishJob write them)

class Events {
  constructor(r, corpus) {
    this.r = r;
    this.corpus = corpus;
    this.lines = [];
    this.seq = 0;
    this.recap = new RecapBuilder();
  }
  text(min, max) {
    const len = this.r.int(min, max);
    const at = this.r.int(0, this.corpus.length - len - 1);
    return this.corpus.slice(at, at + len);
  }
  add(ms, draft) {
    const ev = { seq: this.seq++, ts: new Date(ms).toISOString(), ...draft };
    this.recap.add(ev);
    this.lines.push(JSON.stringify(ev));
    return ev;
  }
}

/** The events of one finished job: start, init, turns of text/tool_use/tool_result, errors sometimes, result, complete. */
function jobEvents(r, corpus, job, agent, target, end) {
  const e = new Events(r, corpus);
  const t0 = Date.parse(job.startedAt);
  const t1 = Date.parse(job.completedAt);
  const at = (i) => t0 + Math.floor(((t1 - t0) * i) / target);
  const sid = job.sessionId;
  const argv =
    agent.runtime === 'claude'
      ? [
          'claude',
          '-p',
          job.prompt,
          '--output-format',
          'stream-json',
          '--verbose',
          '--model',
          agent.model,
          '--permission-mode',
          'acceptEdits',
          '--allowedTools',
          'Read,Edit,Bash',
          '--max-turns',
          '50',
          '--session-id',
          sid,
        ]
      : ['npm', 'test'];
  e.add(at(0), { type: 'start', runtime: agent.runtime, argv, cwd: job.workspace, pid: job.pid, runnerPid: job.runnerPid, host: job.host, resumedSession: null });
  if (agent.runtime === 'claude') {
    e.add(at(1), { type: 'output', kind: 'init', sessionId: sid, model: agent.model, cwd: job.workspace, permissionMode: 'acceptEdits', toolCount: 22, version: '2.1.330' });
  }
  // body: leave room for the tail (fatal error / interrupt, result, complete)
  const tail = 1 + (end.status === 'completed' ? 0 : 1) + (agent.runtime === 'claude' ? 1 : 0);
  let msg = 0;
  while (e.seq < target - tail) {
    const left = target - tail - e.seq;
    const messageId = `msg_01${r.tail(22)}`;
    if (agent.runtime === 'command') {
      e.add(at(e.seq), r.chance(0.15) ? { type: 'output', stream: 'stderr', text: e.text(20, 160) } : { type: 'output', text: e.text(20, 200) });
      continue;
    }
    if (left >= 3 && r.chance(0.75)) {
      if (r.chance(0.5)) e.add(at(e.seq), { type: 'output', text: e.text(40, 300), messageId });
      if (target - tail - e.seq < 2) continue;
      const tool = r.pick(['Read', 'Read', 'Edit', 'Bash', 'Bash', 'Grep', 'Write']);
      const toolUseId = `toolu_01${r.tail(22)}`;
      const file = r.pick(FILES);
      const input =
        tool === 'Bash'
          ? { command: r.pick(['npm test', 'git status', 'git log --oneline -20', 'ls -la src', 'npx tsc --noEmit']), description: 'run it' }
          : tool === 'Grep'
            ? { pattern: r.pick(WORDS), path: 'src' }
            : tool === 'Edit'
              ? { file_path: `${job.workspace}/${file}`, old_string: e.text(20, 120), new_string: e.text(20, 120) }
              : tool === 'Write'
                ? { file_path: `${job.workspace}/${file}`, content: e.text(100, 600) }
                : { file_path: `${job.workspace}/${file}` };
      e.add(at(e.seq), { type: 'tool_use', tool, toolUseId, input, messageId });
      const isError = r.chance(0.06);
      e.add(at(e.seq), { type: 'tool_result', toolUseId, isError, content: isError ? `Exit code 1\n${e.text(20, 200)}` : e.text(30, r.chance(0.1) ? 4000 : 500) });
    } else if (left >= 1 && r.chance(0.08)) {
      e.add(
        at(e.seq),
        r.chance(0.5)
          ? {
              type: 'error',
              kind: 'api_retry',
              fatal: false,
              message: `API request failed (529 overloaded_error); retry ${1 + (msg % 3)} of 10`,
              status: 529,
              attempt: 1 + (msg % 3),
              maxRetries: 10,
              retryDelayMs: 1200,
            }
          : { type: 'error', kind: 'permission_denied', fatal: false, tool: 'Bash', toolUseId: `toolu_01${r.tail(22)}`, message: 'Permission to use Bash has been denied.' },
      );
    } else {
      e.add(at(e.seq), { type: 'output', text: e.text(40, 400), messageId });
    }
    msg++;
  }
  if (end.status === 'failed') {
    if (end.exitReason === 'timeout') e.add(at(e.seq), { type: 'error', kind: 'timeout', fatal: true, message: end.error });
    else e.add(at(e.seq), { type: 'error', kind: 'api_error', fatal: true, message: end.error, status: 500, messageId: `msg_01${r.tail(22)}` });
  } else if (end.status === 'cancelled') {
    e.add(at(e.seq), { type: 'output', kind: 'user', text: '[Request interrupted by user]' });
  }
  if (agent.runtime === 'claude') {
    const ok = end.status === 'completed';
    e.add(at(e.seq), {
      type: 'output',
      kind: 'result',
      subtype: ok ? 'success' : 'error_during_execution',
      isError: !ok,
      terminalReason: ok ? 'completed' : end.status === 'cancelled' ? 'aborted_streaming' : 'error',
      text: ok ? job.summary : (end.error ?? ''),
    });
  }
  const done = { ...job, status: end.status, exitReason: end.exitReason, error: end.error };
  job.recap = e.recap.build(done);
  e.add(t1, {
    type: 'complete',
    status: end.status,
    exitReason: end.exitReason,
    error: end.error,
    exitCode: end.exitCode,
    signal: end.signal,
    usage: job.usage,
    costUsd: job.usage?.costUsd ?? null,
    durationMs: t1 - t0,
  });
  return e;
}

// ---------------------------------------------------------------- jobs

function baseJob(r, id, createdMs, agent, paths, i, ids) {
  const schedule = agent.schedules.length && r.chance(0.4) ? r.pick(agent.schedules) : null;
  const resume = !schedule && i > 10 && r.chance(0.04);
  return {
    id,
    agent: agent.name,
    schedule,
    trigger: schedule ? 'schedule' : resume ? 'resume' : 'manual',
    status: 'pending',
    parentJobId: resume ? ids[r.int(Math.max(0, i - 200), i - 1)] : null,
    prompt: r.pick(PROMPTS),
    workspace: agent.workspace,
    createdAt: new Date(createdMs).toISOString(),
    output: join(paths.jobs, id, 'output.jsonl'),
    priority: r.chance(0.1) ? r.pick([-5, 5, 10]) : 0,
    tags: r.chance(0.3) ? [r.pick(['ci', 'docs', 'urgent', 'weekly'])] : [],
    quotaBucket: r.chance(0.2) ? 'default' : null,
    webhookUrl: r.chance(0.05) ? 'https://hooks.example.com/herdctl' : null,
    config: '/home/dev/.herdctl/herdctl.yaml',
    settings: settingsSnapshot(agent),
  };
}

/** job.settings as submit() snapshots it (src/core/settings.ts snapshotSettings): no env values, only names. */
function settingsSnapshot(agent) {
  const raw =
    agent.runtime === 'claude'
      ? { runtime: 'claude', model: agent.model, permission_mode: 'acceptEdits', allowed_tools: ['Read', 'Edit', 'Bash'], max_turns: 50, timeout: '30m', workspace: agent.workspace }
      : { runtime: 'command', command: ['npm', 'test'], timeout: '30m', workspace: agent.workspace };
  return { runtime: agent.runtime, maxConcurrent: 1, globalMaxConcurrent: 4, timeoutMs: 1_800_000, heartbeatTimeoutMs: 600_000, cancelGraceMs: 30_000, raw, envNames: [] };
}

function ending(r, agent) {
  const x = r.next();
  if (x < 0.15) {
    const timeout = r.chance(0.2);
    const lost = !timeout && r.chance(0.15);
    return {
      status: 'failed',
      exitReason: timeout ? 'timeout' : 'error',
      error: timeout
        ? 'timed out after 30m'
        : lost
          ? `runner pid ${r.int(1000, 99999)} on bench-host was lost (it died without finishing the job)`
          : agent.runtime === 'claude'
            ? 'API error 500: Internal server error'
            : 'npm test exited with code 1',
      exitCode: timeout ? null : 1,
      signal: timeout ? 'SIGKILL' : null,
    };
  }
  if (x < 0.2) return { status: 'cancelled', exitReason: 'manual_cancel', error: null, exitCode: 0, signal: 'SIGINT', cancelReason: r.chance(0.5) ? 'not needed any more' : null };
  return { status: 'completed', exitReason: 'success', error: null, exitCode: 0, signal: null };
}

function mkdirp(path) {
  fs.mkdirSync(path, { recursive: true, mode: DIR_MODE });
}

function writeSynced(paths) {
  const m = fs.statSync(paths.jobs, { bigint: true }).mtimeNs;
  mkdirp(paths.index);
  const tmp = join(paths.index, `.tmp-synced-${process.pid}`);
  fs.writeFileSync(tmp, `${m}\n`, { mode: FILE_MODE });
  fs.renameSync(tmp, join(paths.index, 'synced'));
}

function pathsOf(home) {
  return { home, jobs: join(home, 'jobs'), index: join(home, 'index'), queue: join(home, 'queue') };
}

/**
 * The plan every worker shares: creation times (uniform over the last 90 days;
 * the newest few are the pending queue), unique ids, and the sample job.
 */
function plan(n, seed, now) {
  const r = rng(seed);
  const pendingCount = Math.min(n, Math.max(3, Math.min(12, Math.round(n / 1000))));
  const times = [];
  for (let i = 0; i < n - pendingCount; i++) times.push(now - 10 * 60_000 - Math.floor(r.next() * (90 * DAY - 10 * 60_000)));
  for (let i = 0; i < pendingCount; i++) times.push(now - 1000 - Math.floor(r.next() * 9 * 60_000));
  times.sort((a, b) => a - b);
  const ids = [];
  const seen = new Set();
  for (const t of times) {
    let id;
    do id = `job-${stampOf(t)}-${r.tail(8)}`;
    while (seen.has(id));
    seen.add(id);
    ids.push(id);
  }
  // the sample job for show/logs: a completed claude job in the middle of history, exactly 50 events,
  // with a short prefix (stamp + 2 random chars, no "job-") that no other id shares
  const prefixCount = new Map();
  for (const id of ids) prefixCount.set(prefixOf(id), (prefixCount.get(prefixOf(id)) ?? 0) + 1);
  let sampleIdx = Math.floor((n - pendingCount) / 2);
  while (sampleIdx < n - pendingCount - 1 && prefixCount.get(prefixOf(ids[sampleIdx])) !== 1) sampleIdx++;
  return { n, now, seed, times, ids, pendingCount, sampleIdx, bootId: r.uuid() };
}

const prefixOf = (id) => id.slice(4, 22);

/** Writes jobs [from, to) of the plan; returns their index lines ([ms, day, line]) and tallies. */
function writeRange(home, p, from, to, progress = /** @type {(n: number) => void} */ (() => {})) {
  const paths = pathsOf(home);
  const queue = new Queue(new Paths(home));
  const r = rng(p.seed * 7919 + from);
  const corpus = makeCorpus(r, 200_000);
  const host = 'bench-host';
  const segLines = [];
  const counts = { completed: 0, failed: 0, cancelled: 0, pending: 0 };
  let events = 0;
  let bytes = 0;
  let sample = null;
  const n = p.n;

  for (let i = from; i < to; i++) {
    const id = p.ids[i];
    const createdMs = Math.floor(p.times[i] / 1000) * 1000 + r.int(0, 999); // within the second the id names
    const isSample = i === p.sampleIdx;
    const agent = isSample ? AGENTS[0] : AGENTS[Math.floor(r.next() * AGENTS.length)];
    const job = baseJob(r, id, createdMs, agent, paths, i, p.ids);
    const created = normalizeJob(job);
    segLines.push([createdMs, entryLine(created)]);
    const dir = join(paths.jobs, id);
    fs.mkdirSync(dir, { mode: DIR_MODE });

    if (i >= n - p.pendingCount) {
      counts.pending++;
      fs.writeFileSync(join(dir, 'job.json'), JSON.stringify(created, null, 2) + '\n', { mode: FILE_MODE });
      queue.publish(queue.intend(created)); // queue/<agent>/<marker>, named exactly as JobStore.create names it
      continue;
    }

    const end = isSample ? { status: 'completed', exitReason: 'success', error: null, exitCode: 0, signal: null } : ending(r, agent);
    const startedMs = createdMs + r.int(20, 3000);
    const maxDur = Math.max(1000, p.now - startedMs - 1000);
    const durMs = Math.min(maxDur, Math.floor(5000 + r.next() ** 3 * 30 * 60_000));
    const inputTokens = r.int(500, 90_000);
    const outputTokens = r.int(100, 20_000);
    const job2 = {
      ...created,
      status: end.status,
      exitReason: end.exitReason,
      error: end.error,
      cancelReason: end.cancelReason ?? null,
      sessionId: agent.runtime === 'claude' ? r.uuid() : null,
      startedAt: new Date(startedMs).toISOString(),
      completedAt: new Date(startedMs + durMs).toISOString(),
      pid: r.int(1000, 4_000_000),
      runnerPid: r.int(1000, 4_000_000),
      host,
      pidStartTime: r.int(1_000_000, 90_000_000),
      runnerStartTime: r.int(1_000_000, 90_000_000),
      bootId: p.bootId,
      usage:
        agent.runtime === 'claude'
          ? {
              inputTokens,
              outputTokens,
              cacheReadTokens: r.int(0, 200_000),
              cacheCreationTokens: r.int(0, 20_000),
              costUsd: Math.round((inputTokens * 3 + outputTokens * 15) / 1000) / 1000,
              turns: r.int(1, 40),
            }
          : null,
      summary: end.status === 'completed' ? `Done: ${r.pick(PROMPTS).toLowerCase()}.` : null,
    };
    const target = isSample ? 50 : r.int(Math.max(3, Math.round(p.events * 0.6)), Math.round(p.events * 1.4)); // 30–70 by default
    const ev = jobEvents(r, corpus, job2, agent, target, end);
    const final = normalizeJob(job2);
    const text = ev.lines.join('\n') + '\n';
    fs.writeFileSync(join(dir, 'output.jsonl'), text, { mode: FILE_MODE });
    fs.writeFileSync(join(dir, 'job.json'), JSON.stringify(final, null, 2) + '\n', { mode: FILE_MODE });
    segLines.push([Date.parse(final.completedAt), entryLine(final, ev.seq)]);
    counts[end.status]++;
    events += ev.seq;
    bytes += text.length;
    if (isSample) sample = { id, prefix: prefixOf(id), events: ev.seq, agent: agent.name };
    if ((i - from + 1) % 5000 === 0) progress(5000);
  }
  return { segLines, counts, events, bytes, sample };
}

/** N jobs in `home` (which must hold no jobs yet), split over worker threads. */
export async function generate(
  home,
  n,
  { seed = 42, now = Date.now(), log = /** @type {(line: string) => void} */ (() => {}), workers = Math.max(1, Math.min(4, availableParallelism() - 1)), events: perJob = 50 } = {},
) {
  const t0 = Date.now();
  const paths = pathsOf(resolve(home));
  if (fs.existsSync(paths.jobs) && fs.readdirSync(paths.jobs).length > 0) throw new Error(`${paths.jobs} is not empty; remove ${paths.home} first`);
  mkdirp(paths.home);
  fs.chmodSync(paths.home, DIR_MODE);
  mkdirp(paths.jobs);
  mkdirp(paths.index);
  for (const a of AGENTS) mkdirp(join(paths.queue, a.name)); // every creation made its agent's queue dir

  const p = { ...plan(n, seed, now), events: perJob };
  let done = 0;
  const progress = (k) => {
    done += k;
    if (done % 10_000 === 0) log(`  ${done}/${n} jobs (${((Date.now() - t0) / 1000).toFixed(1)}s)`);
  };
  const w = n < 4000 ? 1 : Math.max(1, workers);
  const bounds = Array.from({ length: w + 1 }, (_, k) => Math.round((n * k) / w));
  const parts = await Promise.all(
    bounds.slice(0, -1).map((from, k) =>
      w === 1
        ? writeRange(paths.home, p, from, bounds[k + 1], progress)
        : new Promise((resolveP, reject) => {
            const worker = new Worker(new URL(import.meta.url), { workerData: { home: paths.home, plan: p, from, to: bounds[k + 1] } });
            worker.on('message', (m) => (m.progress ? progress(m.progress) : resolveP(m.result)));
            worker.on('error', reject);
            worker.on('exit', (code) => code !== 0 && reject(new Error(`worker exited with ${code}`)));
          }),
    ),
  );

  // index segments, one per creation hour, lines in the order JobStore would have appended them
  const segs = new Map();
  const counts = { completed: 0, failed: 0, cancelled: 0, pending: 0 };
  let events = 0;
  let bytes = 0;
  let sample = null;
  for (const part of parts) {
    for (const [ms, line] of part.segLines) {
      const hour = line.slice(4, 12) + line.slice(13, 15);
      let a = segs.get(hour);
      if (!a) segs.set(hour, (a = []));
      a.push([ms, line]);
    }
    for (const k of Object.keys(counts)) counts[k] += part.counts[k];
    events += part.events;
    bytes += part.bytes;
    sample ??= part.sample;
  }
  for (const [hour, lines] of segs) {
    lines.sort((a, b) => a[0] - b[0]);
    fs.writeFileSync(join(paths.index, `seg-${hour}@${SEG_HOST}.tsv`), lines.map((l) => l[1]).join(''), { mode: FILE_MODE });
  }
  writeSynced(paths);
  return {
    generator: GENERATOR_VERSION,
    home: paths.home,
    jobs: n,
    counts,
    events,
    outputBytes: bytes,
    agents: AGENT_NAMES,
    sample,
    generatedAt: now,
    seconds: (Date.now() - t0) / 1000,
  };
}

/** One completed job with a huge output.jsonl, streamed: memory stays at one chunk. */
export function generateBigLog(home, totalBytes = 1 << 30, { seed = 7, now = Date.now(), log = /** @type {(line: string) => void} */ (() => {}) } = {}) {
  const t0 = Date.now();
  const paths = pathsOf(resolve(home));
  mkdirp(paths.home);
  fs.chmodSync(paths.home, DIR_MODE);
  mkdirp(paths.jobs);
  mkdirp(paths.index);
  const agent = AGENTS[0];
  mkdirp(join(paths.queue, agent.name));
  const r = rng(seed);
  const corpus = makeCorpus(r, 200_000);
  const createdMs = now - 3 * 3600_000;
  let id;
  do id = `job-${stampOf(createdMs)}-${r.tail(8)}`;
  while (fs.existsSync(join(paths.jobs, id)));
  const startedMs = createdMs + 500;
  const completedMs = now - 60_000;
  const job = normalizeJob({
    ...baseJob(r, id, createdMs, agent, paths, 0, []),
    schedule: null,
    trigger: 'manual',
    parentJobId: null,
  });
  fs.appendFileSync(join(paths.index, `seg-${id.slice(4, 12)}${id.slice(13, 15)}@${SEG_HOST}.tsv`), entryLine(job), { mode: FILE_MODE });
  const dir = join(paths.jobs, id);
  fs.mkdirSync(dir, { mode: DIR_MODE });

  const fd = fs.openSync(join(dir, 'output.jsonl'), 'w', FILE_MODE);
  const e = new Events(r, corpus);
  const CHUNK = 1 << 20;
  let written = 0;
  const span = completedMs - startedMs;
  const estEvents = Math.max(100, Math.floor(totalBytes / 600));
  const ts = (seq) => startedMs + Math.floor((span * Math.min(seq, estEvents)) / estEvents);
  const flush = () => {
    const buf = Buffer.from(e.lines.join('\n') + '\n');
    e.lines = [];
    let off = 0;
    while (off < buf.length) off += fs.writeSync(fd, buf, off);
    written += buf.length;
  };
  let pendingBytes = 0;
  const add = (draft) => {
    e.add(ts(e.seq), draft);
    pendingBytes += e.lines[e.lines.length - 1].length + 1;
    if (pendingBytes >= CHUNK) {
      flush();
      pendingBytes = 0;
    }
  };
  add({
    type: 'start',
    runtime: 'claude',
    argv: ['claude', '-p', job.prompt, '--output-format', 'stream-json', '--verbose'],
    cwd: job.workspace,
    pid: 4242,
    runnerPid: 4241,
    host: 'bench-host',
    resumedSession: null,
  });
  let lastLog = Date.now();
  while (written + pendingBytes < totalBytes - 2048) {
    const k = e.seq % 4;
    if (k === 0) add({ type: 'output', text: e.text(40, 600), messageId: `msg_01${r.tail(22)}` });
    else if (k === 1) add({ type: 'tool_use', tool: 'Bash', toolUseId: `toolu_${e.seq}`, input: { command: 'npm test' }, messageId: `msg_01${r.tail(22)}` });
    else add({ type: 'tool_result', toolUseId: `toolu_${e.seq - 1}`, isError: false, content: e.text(30, r.chance(0.1) ? 4000 : 900) });
    if (Date.now() - lastLog > 5000) {
      log(`  ${(written / 1e6).toFixed(0)} MB`);
      lastLog = Date.now();
    }
  }
  const final = normalizeJob({
    ...job,
    status: 'completed',
    exitReason: 'success',
    startedAt: new Date(startedMs).toISOString(),
    completedAt: new Date(completedMs).toISOString(),
    sessionId: r.uuid(),
    host: 'bench-host',
    summary: 'Done: a very chatty job.',
    usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheCreationTokens: 0, costUsd: 0.01, turns: 1 },
  });
  final.recap = e.recap.build(final);
  add({ type: 'complete', status: 'completed', exitReason: 'success', error: null, exitCode: 0, signal: null, usage: final.usage, costUsd: 0.01, durationMs: completedMs - startedMs });
  flush();
  fs.closeSync(fd);
  fs.writeFileSync(join(dir, 'job.json'), JSON.stringify(final, null, 2) + '\n', { mode: FILE_MODE });
  fs.appendFileSync(join(paths.index, `seg-${id.slice(4, 12)}${id.slice(13, 15)}@${SEG_HOST}.tsv`), entryLine(final, e.seq), { mode: FILE_MODE });
  writeSynced(paths);
  return { generator: GENERATOR_VERSION, home: paths.home, bigLog: { id, bytes: written, events: e.seq }, generatedAt: now, seconds: (Date.now() - t0) / 1000 };
}

// ---------------------------------------------------------------- CLI

function usage(msg) {
  if (msg) process.stderr.write(`gen-state: ${msg}\n`);
  process.stderr.write('usage: node scripts/gen-state.js <home> <N> [--seed S] [--events E]\n       node scripts/gen-state.js <home> --big-log [--bytes B]\n');
  process.exit(2);
}

async function main(argv) {
  const pos = [];
  const opt = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--big-log') opt.big = true;
    else if (a === '--bytes' || a === '--seed' || a === '--now' || a === '--workers' || a === '--events') opt[a.slice(2)] = Number(argv[++i]);
    else if (a === '-h' || a === '--help') usage();
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else pos.push(a);
  }
  const log = (s) => process.stderr.write(s + '\n');
  const common = {
    log,
    ...(opt.seed !== undefined ? { seed: opt.seed } : {}),
    ...(opt.now !== undefined ? { now: opt.now } : {}),
    ...(opt.workers ? { workers: opt.workers } : {}),
    ...(opt.events ? { events: opt.events } : {}),
  };
  let out;
  if (opt.big) {
    if (pos.length !== 1) usage();
    out = generateBigLog(pos[0], opt.bytes || 1 << 30, common);
  } else {
    if (pos.length !== 2 || !/^\d+$/.test(pos[1]) || Number(pos[1]) < 1) usage();
    out = await generate(pos[0], Number(pos[1]), common);
  }
  process.stdout.write(JSON.stringify(out) + '\n');
}

if (!isMainThread && workerData?.plan) {
  const { home, plan: p, from, to } = workerData;
  const result = writeRange(home, p, from, to, (k) => parentPort.postMessage({ progress: k }));
  parentPort.postMessage({ result });
} else if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('gen-state.js')) {
  main(process.argv.slice(2)).catch((e) => {
    process.stderr.write(`gen-state: ${e.message}\n`);
    process.exit(1);
  });
}
