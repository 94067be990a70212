// Environment errors (a read-only state dir, a full disk) through the real CLI: exit 9,
// a JSON error object under --json, a message naming the errno and the next step, never a
// stack trace; and nothing half-made. Real filesystems stand in for them: a read-only bind
// mount and a full tmpfs, each in a mount namespace of its own (unshare -m), which goes
// away with the command.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { BIN, childEnv, hasStackTrace, ROOT, runCli, type CliResult } from './support/cli.js';
import { writeJob } from './support/jobs.js';
import { tempHome } from './support/tmp.js';

const canUnshare = spawnSync('unshare', ['-m', 'true']).status === 0;
const why = canUnshare ? undefined : 'needs unshare -m (a mount namespace), which this machine refuses';

/** `setup` (sh, with $H the state dir) runs in a fresh mount namespace, then the CLI. */
function inNamespace(home: string, setup: string, args: string[]): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const script = `set -e; H="$1"; shift; ${setup}; exec "$@"`;
    const child = spawn('unshare', ['-m', 'sh', '-c', script, 'sh', home, process.execPath, BIN, ...args, '--home', home], { cwd: ROOT, env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') });
    });
  });
}

test('a read-only state dir: run fails with exit 9 and says so (JSON under --json), reads still work, nothing is made', { skip: why }, async (t) => {
  const home = tempHome(t);
  const { id } = writeJob(home, { status: 'completed', exitReason: 'success' });
  const first = await runCli(['jobs', 'list'], { home }); // the index made and in sync
  assert.equal(first.code, 0, first.stderr);
  const before = fs.readdirSync(home).sort();
  const ro = `mount --bind "$H" "$H"; mount -o remount,bind,ro "$H"`;

  const json = await inNamespace(home, ro, ['run', 'claude', '--prompt', 'hi', '--json']);
  assert.equal(json.code, 9, json.stderr);
  const e = JSON.parse(json.stdout);
  assert.equal(e.error, 'environment');
  assert.equal(e.errno, 'EROFS');
  assert.match(e.suggestion, /read-only filesystem: remount it read-write, or pass --home/);

  const human = await inNamespace(home, ro, ['run', 'claude', '--prompt', 'hi']);
  assert.equal(human.code, 9);
  assert.match(human.stderr, /^herdctl: .*read-only file system.*\n  try: the state dir is on a read-only filesystem/);
  assert.ok(!hasStackTrace(human.stderr), human.stderr);

  const list = await inNamespace(home, ro, ['jobs', 'list', '--json']);
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(
    JSON.parse(list.stdout).map((j: { id: string }) => j.id),
    [id],
  );
  assert.deepEqual(fs.readdirSync(home).sort(), before, 'nothing half-made');
  assert.deepEqual(fs.readdirSync(join(home, 'jobs')), [id], 'no job half-made');

  // an empty read-only state dir: node's recursive mkdir calls that ENOENT; we still say EROFS
  const empty = tempHome(t);
  fs.mkdirSync(empty);
  const fresh = await inNamespace(empty, ro, ['run', 'claude', '--prompt', 'hi', '--json']);
  assert.equal(fresh.code, 9, fresh.stdout);
  assert.equal(JSON.parse(fresh.stdout).errno, 'EROFS');
});

test('a full disk: run fails with exit 9, errno ENOSPC and "free some disk space" (JSON under --json)', { skip: why }, async (t) => {
  const home = tempHome(t);
  fs.mkdirSync(home); // the mount point
  const full = `mount -t tmpfs -o size=256k,mode=0700 tmpfs "$H"; dd if=/dev/zero of="$H/filler" bs=4k 2>/dev/null || true`;
  const json = await inNamespace(home, full, ['run', 'claude', '--prompt', 'hi', '--json']);
  assert.equal(json.code, 9, json.stdout + json.stderr);
  const e = JSON.parse(json.stdout);
  assert.deepEqual([e.error, e.errno], ['environment', 'ENOSPC']);
  assert.equal(e.suggestion, 'free some disk space, then retry');
  const human = await inNamespace(home, full, ['run', 'claude', '--prompt', 'hi']);
  assert.equal(human.code, 9);
  assert.match(human.stderr, /no space left on device/i);
  assert.ok(!hasStackTrace(human.stderr), human.stderr);
});
