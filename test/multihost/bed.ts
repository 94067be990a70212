// The two-host test bed (fixtures/multihost/, see its README): a userspace NFS
// server and two NFS clients, each "host" in its own network and UTS namespace.
// Every command run on a host also gets its own mount namespace where that
// host's NFS mount is bound at /herd, so both hosts see the shared state dir at
// the same path, as hosts mounting one export at one mount point do.
import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BIN, ROOT } from '../support/cli.js';
import type { Json } from '../support/jobs.js';

const SETUP = join(ROOT, 'fixtures', 'multihost', 'nfs-setup.sh');
export const BED_ROOT = process.env.HERD_BED_ROOT ?? '/tmp/herd-multihost';
/** Where the export's files are on this machine (the server's side): tests read results here. */
export const EXPORT = join(BED_ROOT, 'export');
export type Host = 'A' | 'B';

/** Starts the bed (installs its packages and builds its client the first time: apt, gcc). Idempotent. */
export function bedUp(): void {
  const run = (what: string) => execFileSync('bash', [SETUP, what], { env: { ...process.env, ROOT: BED_ROOT }, stdio: ['ignore', 'pipe', 'pipe'], timeout: 600_000 });
  try {
    run('up');
  } catch {
    // a client that died left its mount point dead ("Transport endpoint is not connected"): start over
    run('down');
    for (const h of ['A', 'B']) {
      try {
        execFileSync('umount', ['-l', join(BED_ROOT, 'mnt', `host${h}`)], { stdio: 'ignore' });
      } catch {
        /* not mounted */
      }
    }
    run('up');
  }
}

export interface HostOpts {
  /** libfaketime offset for the host's wall clock, e.g. "+5m" (its monotonic clock is untouched). */
  skew?: string;
  env?: NodeJS.ProcessEnv;
}

/** The environment herdctl gets on a host: its own host id, the shared state dir. */
export function hostEnv(host: Host, home: string, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ROOT: BED_ROOT, NO_COLOR: '1', HERDCTL_HOST_ID: `h-bed-host-${host.toLowerCase()}`, HERDCTL_HOME: home, ...extra };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  return env;
}

/** Runs argv "on" a host. */
export function onHost(host: Host, argv: string[], home: string, opts: HostOpts = {}): ChildProcess {
  const skew = opts.skew ? ['--skew', opts.skew] : [];
  const inner = 'mkdir -p /herd && mount --bind "$HERD_MNT" /herd && exec "$@"';
  return spawn('bash', [SETUP, 'host', host, ...skew, '--', 'unshare', '-m', 'sh', '-c', inner, 'sh', ...argv], {
    cwd: ROOT,
    env: hostEnv(host, home, opts.env),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** `herdctl …` on a host, to its end: code and output. */
export function herdOn(host: Host, args: string[], home: string, opts: HostOpts = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = onHost(host, [process.execPath, BIN, ...args], home, opts);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (b: Buffer) => (stdout += b));
    child.stderr!.on('data', (b: Buffer) => (stderr += b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** Pids of a host's processes, not its NFS client. */
function hostPids(host: Host): number[] {
  const client = Number(readFileSync(join(BED_ROOT, 'run', `nfsfuse-host${host}.pid`), 'utf8'));
  return execFileSync('ip', ['netns', 'pids', `herd${host}`], { encoding: 'utf8' })
    .split('\n')
    .map(Number)
    .filter((p) => p > 0 && p !== client);
}

/** Pids of a host's processes whose command line (arguments joined by NULs) contains `text`. */
export function pidsOn(host: Host, text: string): number[] {
  return hostPids(host).filter((p) => {
    try {
      return readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(text);
    } catch {
      return false;
    }
  });
}

/** SIGKILL every process "on" a host (its herdctl processes, runners, agents), not its NFS client: the host died. */
export function killHost(host: Host): number[] {
  const pids = hostPids(host);
  for (const p of pids) {
    try {
      process.kill(p, 'SIGKILL');
    } catch {
      /* gone meanwhile */
    }
  }
  return pids;
}

/** `herdctl run <agent>` n times on a host: the job ids. */
export async function submitOn(host: Host, agent: string, n: number, home: string, config: string, env: NodeJS.ProcessEnv = {}): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const r = await herdOn(host, ['run', agent, '--config', config, '-p', `job ${i}`], home, { env });
    assert.equal(r.code, 0, r.stderr);
    ids.push(r.stdout.trim());
  }
  return ids;
}

/** A JSON file's content, or null while it is missing or half-written. */
export function readJson(path: string): Json | null {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/** Takes a host's network link down (its NFS client can no longer reach the server) or up again. */
export function setLink(host: Host, up: boolean): void {
  execFileSync('ip', ['-n', `herd${host}`, 'link', 'set', 'eth0', up ? 'up' : 'down']);
}

/** A state dir and config on the export for one test: `dir` as the server stores it, `home` and `config` as both hosts see them. */
export function scratch(t: { after: (fn: () => void) => void }, name: string, yaml: string): { dir: string; home: string; config: string } {
  const dir = join(EXPORT, `${name}-${process.pid}`);
  mkdirSync(join(dir, 'home'), { recursive: true, mode: 0o700 });
  writeFileSync(join(dir, 'herdctl.yaml'), yaml);
  t.after(() => {
    // what the test started on the hosts (schedulers, detached runners, agents) goes with it
    killHost('A');
    killHost('B');
    if (!process.env.HERDCTL_KEEP) rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 });
  });
  return { dir, home: `/herd/${name}-${process.pid}/home`, config: `/herd/${name}-${process.pid}/herdctl.yaml` };
}
