import { lstatSync, readdirSync, readFileSync, type Stats } from 'node:fs';
import { join, relative } from 'node:path';
import { AssertionError } from 'node:assert';
import { TMP_PREFIX } from '../../src/core/fsx.js';
import { isJobId } from '../../src/core/ids.js';
import { EXIT_REASONS, JOB_STATUSES, isTerminal, validateJob, type Job, type JobStatus } from '../../src/core/job.js';
import { lostBecause } from '../../src/core/recovery.js';
import { JobStore } from '../../src/core/store.js';

/**
 * The fault suite's one invariant checker: what must hold in a state dir
 * after any crash, fault or hostile input, once the next command has looked.
 * It only reads (lostBecause inspects /proc and locks), so it can run at any
 * point of a scenario.
 */
export interface Violation {
  rule: string;
  path: string;
  detail: string;
}

export interface CheckOptions {
  /** Temp files (`.tmp-*`) older than this are a crash's leftovers that should have been swept. */
  sweepAgeMs?: number;
  /** The scenario leaves old temp files on purpose. */
  allowTemps?: boolean;
  /** Job ids whose files a test wrote by hand (hostile input): only "never crash" applies to them. */
  handMade?: ReadonlySet<string>;
  /** Also require 0700 directories and 0600 files everywhere. */
  modes?: boolean;
  now?: number;
}

const SWEEP_AGE_MS = 60_000;
const WEBHOOK_DIRS = ['pending', 'delivered', 'dead'];
const EXPECTED_REASON: Record<string, readonly string[]> = {
  completed: ['success'],
  failed: ['error', 'timeout'],
  cancelled: ['manual_cancel'],
};

export function checkState(home: string, opts: CheckOptions = {}): Violation[] {
  const out: Violation[] = [];
  const v = (rule: string, path: string, detail: string) => out.push({ rule, path: relative(home, path) || '.', detail });
  const store = new JobStore(home);
  const jobsDir = join(home, 'jobs');
  const pendingMarkers = markedPending(home);
  for (const name of list(jobsDir)) {
    if (!isJobId(name) || opts.handMade?.has(name)) continue;
    const dir = join(jobsDir, name);
    const st = lstatSync(dir);
    if (!st.isDirectory()) {
      v('job-dir', dir, `not a directory (${kind(st)})`);
      continue;
    }
    const job = checkJobFile(join(dir, 'job.json'), name, v);
    const log = checkLog(join(dir, 'output.jsonl'), v);
    if (!job) continue;
    const completes = log.completes;
    if (isTerminal(job.status)) {
      if (completes.length !== 1) v('one-complete', join(dir, 'output.jsonl'), `a ${job.status} job has ${completes.length} complete events`);
      else {
        if (!log.completeIsLast) v('complete-last', join(dir, 'output.jsonl'), 'the complete event is not the last whole line');
        if (completes[0].status !== job.status) v('complete-status', join(dir, 'output.jsonl'), `complete says ${String(completes[0].status)}, job.json says ${job.status}`);
      }
    } else if (completes.length > 0) {
      v('one-complete', join(dir, 'output.jsonl'), `a ${job.status} job already has ${completes.length} complete event(s)`);
    }
    if (isTerminal(job.status) && job.webhookUrl && !WEBHOOK_DIRS.some((d) => exists(join(home, 'webhooks', d, `${name}.json`)))) {
      v('webhook-recorded', join(dir, 'job.json'), 'a finished job with a webhook has no delivery record (pending, delivered or dead): it will never be sent');
    }
    if (job.status === 'running') {
      const why = job.runnerPid && job.host ? lostBecause(store, job) : 'it names no runner';
      if (why) v('running-without-runner', join(dir, 'job.json'), why);
    }
    if (job.status === 'pending' && !pendingMarkers.has(name)) {
      v('pending-unqueued', join(dir, 'job.json'), 'pending, but neither queued (queue/<agent>/), being created (.new-) nor claimed (active/): it would never run');
    }
  }
  const now = opts.now ?? Date.now();
  walk(home, (path, st) => {
    const base = path.slice(path.lastIndexOf('/') + 1);
    if (!opts.allowTemps && base.startsWith(TMP_PREFIX) && now - st.mtimeMs > (opts.sweepAgeMs ?? SWEEP_AGE_MS)) {
      v('stale-temp', path, `left ${Math.round((now - st.mtimeMs) / 1000)} s ago and never swept`);
    }
    if (opts.modes && !st.isSymbolicLink()) {
      const want = st.isDirectory() ? 0o700 : 0o600;
      if ((st.mode & 0o777) !== want) v('mode', path, `${(st.mode & 0o777).toString(8)}, expected ${want.toString(8)}`);
    }
  });
  return out;
}

/** Throws one AssertionError listing every violation (with the context given). */
export function assertState(home: string, opts: CheckOptions = {}, context = ''): void {
  const found = checkState(home, opts);
  if (found.length === 0) return;
  const lines = found.slice(0, 40).map((x) => `  [${x.rule}] ${x.path}: ${x.detail}`);
  if (found.length > 40) lines.push(`  … and ${found.length - 40} more`);
  throw new AssertionError({ message: `${found.length} invariant violation(s)${context ? ` ${context}` : ''}:\n${lines.join('\n')}` });
}

function checkJobFile(path: string, id: string, v: (r: string, p: string, d: string) => void): Job | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    v('job-json', path, `cannot be read (${(e as NodeJS.ErrnoException).code}): a job directory without its job.json`);
    return null;
  }
  if (text.length === 0) {
    v('job-json', path, 'is 0 bytes');
    return null;
  }
  let o: Record<string, unknown>;
  try {
    o = JSON.parse(text);
  } catch (e) {
    v('job-json', path, `does not parse: ${(e as Error).message}`);
    return null;
  }
  const why = validateJob(o);
  if (why) {
    v('job-json', path, why);
    return null;
  }
  const job = o as unknown as Job;
  if (job.id !== id) v('job-json', path, `names id ${String(job.id)}`);
  const s = job.status as JobStatus;
  const iso = (x: unknown) => typeof x === 'string' && !Number.isNaN(Date.parse(x));
  if (isTerminal(s)) {
    if (!iso(job.completedAt)) v('legal-state', path, `${s} without completedAt`);
    if (!EXIT_REASONS.includes(job.exitReason as never) || !EXPECTED_REASON[s].includes(job.exitReason!)) v('legal-state', path, `${s} with exitReason ${String(job.exitReason)}`);
  } else {
    if (job.completedAt != null || job.exitReason != null) v('legal-state', path, `${s} with completedAt/exitReason set`);
    if (s === 'running' && !iso(job.startedAt)) v('legal-state', path, 'running without startedAt');
    if (s === 'pending' && job.startedAt != null) v('legal-state', path, 'pending with startedAt');
  }
  if (!JOB_STATUSES.includes(s)) v('legal-state', path, `status ${String(s)}`);
  return job;
}

interface LogSummary {
  completes: Record<string, unknown>[];
  completeIsLast: boolean;
}

/** Gap-free seqs from 0, every whole line an event, at most the last line torn. */
function checkLog(path: string, v: (r: string, p: string, d: string) => void): LogSummary {
  const summary: LogSummary = { completes: [], completeIsLast: false };
  let buf: Buffer;
  try {
    buf = readFileSync(path);
  } catch {
    return summary;
  }
  const lines = buf.toString('utf8').split('\n');
  lines.pop(); // "" after the last "\n", or a torn last line: tolerated
  let expect = 0;
  lines.forEach((raw, i) => {
    let e: Record<string, unknown>;
    try {
      e = JSON.parse(raw);
    } catch {
      v('log-line', path, `line ${i + 1} of ${lines.length} is not JSON (${raw.length} bytes, ${JSON.stringify(raw.slice(0, 30))})`);
      return;
    }
    if (e.seq !== expect) v('log-seq', path, `line ${i + 1} has seq ${String(e.seq)}, expected ${expect}`);
    expect = typeof e.seq === 'number' ? e.seq + 1 : expect + 1;
    if (typeof e.ts !== 'string' || typeof e.type !== 'string') v('log-line', path, `line ${i + 1} lacks ts or type`);
    if (e.type === 'complete') {
      summary.completes.push(e);
      summary.completeIsLast = i === lines.length - 1;
    }
  });
  return summary;
}

/** Ids with a queue marker (published or being created) or a claim. */
function markedPending(home: string): Set<string> {
  const ids = new Set<string>();
  for (const agent of list(join(home, 'queue'))) {
    for (const n of list(join(home, 'queue', agent))) {
      const m = /(job-\d{8}-\d{6}-[0-9a-z]{8})$/.exec(n);
      if (m && !n.startsWith('.cancel-')) ids.add(m[1]);
    }
  }
  for (const n of list(join(home, 'active'))) ids.add(n);
  return ids;
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

function list(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

const kind = (st: Stats) => (st.isSymbolicLink() ? 'a symlink' : st.isDirectory() ? 'a directory' : st.isFile() ? 'a file' : 'something else');

function walk(dir: string, visit: (path: string, st: Stats) => void): void {
  for (const name of list(dir)) {
    const path = join(dir, name);
    let st: Stats;
    try {
      st = lstatSync(path);
    } catch {
      continue;
    }
    visit(path, st);
    if (st.isDirectory()) walk(path, visit);
  }
}

// ─── Nothing outside the state dir ──────────────────────────────────────────

/** Every entry under `root` (type, size, mode, mtime), except the excluded subtrees: compare two to see what changed. */
export function snapshotTree(root: string, exclude: string[] = []): Map<string, string> {
  const snap = new Map<string, string>();
  const skip = new Set(exclude);
  const go = (dir: string) => {
    for (const name of list(dir)) {
      const path = join(dir, name);
      if (skip.has(path)) continue;
      let st: Stats;
      try {
        st = lstatSync(path);
      } catch {
        continue;
      }
      snap.set(relative(root, path), `${kind(st)} ${st.size} ${(st.mode & 0o7777).toString(8)} ${st.mtimeMs}`);
      if (st.isDirectory()) go(path);
    }
  };
  go(root);
  return snap;
}

export function assertUntouched(before: Map<string, string>, after: Map<string, string>, what = 'outside the state dir'): void {
  const changes: string[] = [];
  for (const p of after.keys()) if (!before.has(p)) changes.push(`created ${p}`);
  for (const [p, s] of before) {
    if (!after.has(p)) changes.push(`removed ${p}`);
    else if (after.get(p) !== s) changes.push(`changed ${p}: ${s} → ${after.get(p)}`);
  }
  if (changes.length) throw new AssertionError({ message: `${changes.length} change(s) ${what}:\n  ${changes.slice(0, 30).join('\n  ')}` });
}
