// `herdctl doctor`: what a user would check by hand before asking why a job
// does not run, each with its fix. Checks read; only `fix` changes anything,
// and only what is safe while other herdctl processes run (modes, orphan
// worktrees). Text is made in render/doctor.ts.
import { hostId } from './host-id.js';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import type { Config } from './config.js';
import { DIR_MODE, FILE_MODE, listDir } from './fsx.js';
import { platform, unsupportedReason } from './platform/index.js';
import { providerInfo } from './providers.js';
import { runnerAlive, runnerIdentity } from './runner-launch.js';
import { runningScheduler } from './scheduler/instance.js';
import { mountFor, storageFinding, type MountEntry } from './storage.js';
import { measureSkew } from './fsx.js';
import type { JobStore } from './store.js';
import { Outbox } from './webhook-outbox.js';
import { orphanJobWorktrees } from './worktree-jobs.js';

/** ok: fine; info: worth knowing, not wrong; problem: makes doctor exit 1. */
export type CheckStatus = 'ok' | 'info' | 'problem';

export interface Check {
  name: string;
  status: CheckStatus;
  detail: string;
  /** The next command (or step) that fixes it; null when nothing is to fix. */
  fix: string | null;
  /** With --fix: what was done. */
  fixed?: string;
}

/** What `herdctl doctor` reports (its --json). */
export interface DoctorResult {
  home: string;
  healthy: boolean;
  checks: Check[];
}

export interface DoctorDeps {
  /** Runs `<program> --version`; its first line, or null. */
  version?: (program: string) => string | null;
  /** Free bytes and total bytes of the filesystem at a path. */
  disk?: (path: string) => { free: number; total: number } | null;
  /** The mount table (the platform's). */
  mounts?: () => MountEntry[] | null;
  /** The clock skew of the state dir's file timestamps (storage.ts). */
  skew?: (home: string) => { skewMs: number; uncertaintyMs: number } | null;
}

const MODE_SAMPLE = 2000; // entries looked at for modes: enough to see a umask problem, flat at 1M jobs
const LOW_DISK = 1 << 30;
const SKEW_NOTED_MS = 2000;

export function runDoctor(store: JobStore, config: Config | Error, fix: boolean, deps: DoctorDeps = {}): Check[] {
  const home = store.paths.home;
  return [
    platformCheck(),
    stateDirCheck(home, fix),
    ...runtimeChecks(deps.version ?? versionOf),
    configCheck(config),
    schedulerCheck(home),
    ...runnerChecks(store),
    webhookCheck(home),
    diskCheck(home, deps.disk ?? diskOf),
    storageCheck(home, deps.mounts ?? (() => platform().mounts())),
    clockCheck(home, deps.skew ?? measureSkew),
    worktreeCheck(store, fix),
  ];
}

/** The filesystem of the state dir; on NFS, the version and caching that several hosts need (docs/multihost.md). */
function storageCheck(home: string, mounts: () => MountEntry[] | null): Check {
  const table = mounts();
  if (!table) return { name: 'storage', status: 'info', detail: 'the system did not give its mount table', fix: null };
  let real = home;
  try {
    real = fs.realpathSync(home);
  } catch {
    /* not made yet: its path as given */
  }
  return { name: 'storage', ...storageFinding(mountFor(real, table)) };
}

/** How far the clock stamping the state dir's files (a file server's) is from this host's. */
function clockCheck(home: string, skew: (home: string) => { skewMs: number; uncertaintyMs: number } | null): Check {
  if (!fs.existsSync(home)) return { name: 'clock', status: 'ok', detail: 'not measured (no state dir yet)', fix: null };
  const s = skew(home);
  if (!s) return { name: 'clock', status: 'info', detail: 'not measured (the state dir cannot be written)', fix: null };
  const off = Math.abs(s.skewMs) > s.uncertaintyMs + SKEW_NOTED_MS;
  const detail = `files here are stamped ${(s.skewMs / 1000).toFixed(1)} s (± ${(s.uncertaintyMs / 1000).toFixed(1)} s) from this host's clock`;
  if (!off) return { name: 'clock', status: 'ok', detail, fix: null };
  return {
    name: 'clock',
    status: 'info',
    detail: `${detail}: herdctl corrects file ages for it and judges other hosts by their leases on its own clock, but schedules fire by the serving host's clock and job times are each host's (docs/multihost.md)`,
    fix: 'run an NTP client (chrony, systemd-timesyncd) on every host and the file server',
  };
}

function platformCheck(): Check {
  const why = unsupportedReason();
  if (why) return { name: 'platform', status: 'problem', detail: why, fix: 'run herdctl inside WSL' };
  const p = platform();
  const boot = p.bootId() ? 'boot id known' : 'no boot id (a reboot is seen through start times only)';
  return { name: 'platform', status: 'ok', detail: `${process.platform}, liveness via ${p.name === 'linux' ? '/proc' : 'kill(0) + ps'}; ${boot}`, fix: null };
}

function stateDirCheck(home: string, fix: boolean): Check {
  if (!fs.existsSync(home)) return { name: 'state dir', status: 'info', detail: `${home} does not exist yet (the first job creates it)`, fix: null };
  const wrong: string[] = [];
  const look = (path: string, dir: boolean) => {
    const mode = fs.statSync(path).mode & 0o777;
    if (mode !== (dir ? DIR_MODE : FILE_MODE)) wrong.push(path);
  };
  let seen = 0;
  const walk = (dir: string, depth: number) => {
    look(dir, true);
    for (const name of listDir(dir)) {
      if (++seen > MODE_SAMPLE) return;
      const path = join(dir, name);
      const st = fs.lstatSync(path, { throwIfNoEntry: false });
      if (!st || st.isSymbolicLink()) continue;
      if (st.isDirectory()) {
        if (depth < 2 && name !== 'worktrees') walk(path, depth + 1); // a worktree is the user's checkout: its modes are git's
      } else look(path, false);
    }
  };
  walk(home, 0);
  if (wrong.length === 0) return { name: 'state dir', status: 'ok', detail: `${home}: directories 0700, files 0600`, fix: null };
  const check: Check = { name: 'state dir', status: 'problem', detail: `${wrong.length} path(s) not 0700/0600, e.g. ${wrong[0]}`, fix: 'herdctl doctor --fix' };
  if (fix) {
    for (const p of wrong) fs.chmodSync(p, fs.statSync(p).isDirectory() ? DIR_MODE : FILE_MODE);
    check.fixed = `set the modes of ${wrong.length} path(s)`;
  }
  return check;
}

function runtimeChecks(version: (program: string) => string | null): Check[] {
  return providerInfo().map((p) => {
    if (!p.available)
      return { name: `${p.name} CLI`, status: 'info', detail: `${p.program} not found on the PATH`, fix: `install it, or set ${p.name}_bin: in the agent (HERDCTL_${p.name.toUpperCase()}_BIN)` };
    return { name: `${p.name} CLI`, status: 'ok', detail: `${p.program} ${version(p.program) ?? '(version unknown)'}`, fix: null };
  });
}

function configCheck(config: Config | Error): Check {
  if (config instanceof Error) return { name: 'config', status: 'problem', detail: config.message.split('\n').slice(0, 4).join('; '), fix: 'fix the file, then: herdctl config check' };
  if (config.file === null) return { name: 'config', status: 'info', detail: 'no herdctl.yaml (the built-in agents claude, codex, gemini work without one)', fix: 'herdctl init' };
  const n = Object.keys(config.agents).length;
  return { name: 'config', status: 'ok', detail: `${config.file}: ${n} agent${n === 1 ? '' : 's'}`, fix: null };
}

function schedulerCheck(home: string): Check {
  const who = runningScheduler(home);
  if (who) return { name: 'scheduler', status: 'ok', detail: `running: pid ${who.pid} on ${who.host} since ${who.startedAt}`, fix: null };
  return { name: 'scheduler', status: 'info', detail: 'not running (schedules fire only while `herdctl start` runs)', fix: 'herdctl start  (under systemd or launchd to keep it up)' };
}

/** This host's runner locks (other hosts': `herdctl hosts`): a live runner per agent, or a lock whose holder died (the next runner takes it over at once). */
function runnerChecks(store: JobStore): Check[] {
  const ours = `@${hostId()}.lock`;
  const agents = listDir(store.paths.locks)
    .filter((n) => n.startsWith('runner-') && n.endsWith(ours))
    .map((n) => n.slice('runner-'.length, -ours.length));
  if (agents.length === 0) return [{ name: 'runners', status: 'ok', detail: 'none running', fix: null }];
  return agents.map((agent) => {
    const who = runnerIdentity(store.paths, agent);
    if (runnerAlive(store.paths, agent)) return { name: `runner ${agent}`, status: 'ok', detail: `alive: pid ${who?.pid} on ${who?.host}`, fix: null };
    return {
      name: `runner ${agent}`,
      status: 'info',
      detail: `stale lock (pid ${who?.pid ?? '?'} is gone); the next runner for ${agent} takes it over`,
      fix: `herdctl jobs list --agent ${agent}  (fails its lost jobs)`,
    };
  });
}

function webhookCheck(home: string): Check {
  const outbox = new Outbox(home);
  const pending = outbox.ids('pending').length;
  const dead = outbox.ids('dead').length;
  if (dead) return { name: 'webhooks', status: 'problem', detail: `${dead} delivery(ies) given up, ${pending} pending`, fix: 'herdctl webhooks list --dead, then: herdctl webhooks redeliver <id>' };
  return { name: 'webhooks', status: pending ? 'info' : 'ok', detail: pending ? `${pending} delivery(ies) pending` : 'nothing pending', fix: null };
}

function diskCheck(home: string, disk: (path: string) => { free: number; total: number } | null): Check {
  let at = home;
  while (!fs.existsSync(at) && at !== '/') at = join(at, '..');
  const d = disk(at);
  if (!d) return { name: 'disk', status: 'info', detail: 'free space unknown', fix: null };
  const gib = (n: number) => `${(n / (1 << 30)).toFixed(1)} GiB`;
  if (d.free < LOW_DISK || d.free < d.total * 0.02)
    return { name: 'disk', status: 'problem', detail: `${gib(d.free)} free of ${gib(d.total)}`, fix: 'free some space (herdctl jobs prune --older-than 30d)' };
  return { name: 'disk', status: 'ok', detail: `${gib(d.free)} free`, fix: null };
}

function worktreeCheck(store: JobStore, fix: boolean): Check {
  const orphans = orphanJobWorktrees(store, fix);
  if (orphans.length === 0) return { name: 'worktrees', status: 'ok', detail: 'no orphan worktrees', fix: null };
  const check: Check = { name: 'worktrees', status: 'problem', detail: `${orphans.length} worktree(s) whose job is gone, e.g. ${orphans[0]}`, fix: 'herdctl doctor --fix' };
  if (fix) check.fixed = `removed ${orphans.length} orphan worktree(s) (their branches stay)`;
  return check;
}

function versionOf(program: string): string | null {
  const r = spawnSync(program, ['--version'], { encoding: 'utf8', timeout: 5000, stdio: ['ignore', 'pipe', 'ignore'] });
  return r.status === 0 ? r.stdout.split('\n')[0].trim() || null : null;
}

function diskOf(path: string): { free: number; total: number } | null {
  try {
    const s = fs.statfsSync(path);
    return { free: s.bavail * s.bsize, total: s.blocks * s.bsize };
  } catch {
    return null;
  }
}
