// doctor on the bed: the state dir on NFS (through the FUSE client) is reported as
// such, and a host whose clock runs 5 minutes ahead sees the file server's stamps
// 5 minutes off; a host with a true clock sees none.
import assert from 'node:assert/strict';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { bedUp, EXPORT, herdOn } from './bed.js';

test('doctor on two hosts of the bed: storage is a network/FUSE mount; the skewed host measures the skew, the other none', { timeout: 900_000 }, async (t) => {
  bedUp();
  const name = `doctor-${process.pid}`;
  const dir = join(EXPORT, name);
  mkdirSync(join(dir, 'home'), { recursive: true, mode: 0o700 });
  if (!process.env.HERDCTL_KEEP) t.after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }));
  const home = `/herd/${name}/home`;
  const checks = async (host: 'A' | 'B', skew?: string) => {
    const r = await herdOn(host, ['doctor', '--json'], home, { skew });
    const out = JSON.parse(r.stdout) as { checks: { name: string; status: string; detail: string }[] };
    return Object.fromEntries(out.checks.map((c) => [c.name, c]));
  };
  const skewed = await checks('A', '+5m');
  t.diagnostic(`host A (+5m): ${skewed.storage.detail}; ${skewed.clock.detail}`);
  assert.equal(skewed.storage.status, 'info');
  assert.match(skewed.storage.detail, /fuse|nfs/);
  assert.equal(skewed.clock.status, 'info');
  const seconds = Number(/stamped (-?[\d.]+) s/.exec(skewed.clock.detail)?.[1]);
  assert.ok(Math.abs(seconds + 300) < 10, `about -300 s: ${skewed.clock.detail}`);
  const plain = await checks('B');
  t.diagnostic(`host B: ${plain.clock.detail}`);
  assert.equal(plain.clock.status, 'ok', plain.clock.detail);
});
