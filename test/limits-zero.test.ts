// 0 means none (as in the seed): max_concurrent 0 runs everything at once; heartbeat_timeout 0 (the default) never fails a silent job.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { commandAgent } from './support/agents.js';
import { fleet, waitStatus, waitTerminal } from './support/fleet.js';

test('max_concurrent 0 (agent and global): six jobs of one agent all run at once', async (t) => {
  const f = fleet(
    t,
    ({ ws, dir }) => `agents:\n${commandAgent('w', ws, ['sh', '-c', `while [ ! -e ${join(dir, 'go')} ]; do sleep 0.05; done; echo done`], '    max_concurrent: 0\n')}jobs: { max_concurrent: 0 }\n`,
  );
  const ids = await Promise.all(Array.from({ length: 6 }, () => f.submit('w')));
  for (const id of ids) await waitStatus(f, id, ['running'], 60_000);
  assert.ok(!existsSync(join(f.dir, 'go')));
  assert.equal(ids.filter((id) => f.job(id).status === 'running').length, 6, 'all six running together');
  writeFileSync(join(f.dir, 'go'), '');
  for (const id of ids) assert.equal((await waitTerminal(f, id, 60_000)).status, 'completed');
});

test('the heartbeat is off by default: a job silent for longer than a short heartbeat would allow completes', async (t) => {
  const f = fleet(
    t,
    ({ ws }) => `agents:\n${commandAgent('quiet', ws, ['sh', '-c', 'sleep 3; echo finally'])}${commandAgent('zero', ws, ['sh', '-c', 'sleep 3; echo finally'], '    heartbeat_timeout: 0\n')}`,
  );
  const [a, b] = [await f.submit('quiet'), await f.submit('zero')];
  for (const id of [a, b]) {
    const job = await waitTerminal(f, id, 60_000);
    assert.equal(job.status, 'completed', `${job.agent}: ${job.error}`);
    assert.equal((job.settings as { heartbeatTimeoutMs: number }).heartbeatTimeoutMs, 0, 'snapshotted as off');
  }
});
