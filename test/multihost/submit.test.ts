// Two hosts, one state dir on NFS: submitting and running together loses nothing.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { waitFor } from '../support/wait.js';
import { peakOverlap } from '../support/fleet.js';
import { bedUp, EXPORT, herdOn, type Host } from './bed.js';

const JOBS_PER_HOST = Number(process.env.HERDCTL_MULTIHOST_N ?? 250);
const PARALLEL = 8; // submitters at once per host

test(`two hosts submit and run ${2 * JOBS_PER_HOST} jobs together: none lost, ids unique, each in the index, no torn index line, both hosts list every job`, { timeout: 900_000 }, async (t) => {
  bedUp();
  const name = `submit-${process.pid}`;
  const dir = join(EXPORT, name); // as the server stores it
  const home = `/herd/${name}/home`; // as both hosts see it
  mkdirSync(dir, { recursive: true });
  if (!process.env.HERDCTL_KEEP) t.after(() => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }));
  // each run notes its start and end (ns, one clock: the hosts share this machine's) in a file of its own: NFS has no append
  const trace = (agent: string) =>
    `["sh", "-c", "echo S $(date +%s%N) > /herd/${name}/trace/$HERDCTL_JOB_ID.${agent}; sleep 0.05; echo E $(date +%s%N) >> /herd/${name}/trace/$HERDCTL_JOB_ID.${agent}"]`;
  mkdirSync(join(dir, 'trace'), { recursive: true });
  writeFileSync(
    join(dir, 'herdctl.yaml'),
    `agents:
  alpha: { runtime: command, command: ${trace('alpha')}, workspace: /tmp, max_concurrent: 2 }
  beta: { runtime: command, command: ${trace('beta')}, workspace: /tmp, max_concurrent: 2 }
jobs: { max_concurrent: 3 }
`,
  );
  const config = `/herd/${name}/herdctl.yaml`;

  const submitted: string[] = [];
  const submitFrom = async (host: Host) => {
    for (let i = 0; i < JOBS_PER_HOST; i += PARALLEL) {
      const batch = Array.from({ length: Math.min(PARALLEL, JOBS_PER_HOST - i) }, (_, k) => herdOn(host, ['run', (i + k) % 2 ? 'alpha' : 'beta', '--config', config], home));
      for (const r of await Promise.all(batch)) {
        assert.equal(r.code, 0, r.stderr);
        submitted.push(r.stdout.trim());
      }
    }
  };
  await Promise.all([submitFrom('A'), submitFrom('B')]);
  assert.equal(submitted.length, 2 * JOBS_PER_HOST);
  assert.equal(new Set(submitted).size, submitted.length, 'ids are unique');

  // every job ends completed, wherever it ran
  const jobFile = (id: string) => join(dir, 'home', 'jobs', id, 'job.json');
  const read = (id: string) => JSON.parse(readFileSync(jobFile(id), 'utf8'));
  await waitFor('every job completed', () => submitted.every((id) => existsSync(jobFile(id)) && read(id).status === 'completed'), 600_000, 1000);

  // the index: each id once per line kind across all hosts' segments, and both hosts list all of them
  const lines = readdirSync(join(dir, 'home', 'index'))
    .filter((n) => n.startsWith('seg-'))
    .flatMap((n) =>
      readFileSync(join(dir, 'home', 'index', n), 'utf8')
        .split('\n')
        .filter(Boolean),
    );
  const torn = lines.filter((l) => !/^job-\d{8}-\d{6}-[0-9a-z]{8}\t\w+\t/.test(l) || (l.split('\t')[1] !== 'gone' && l.split('\t').length !== 13));
  assert.deepEqual(torn, [], 'no torn or interleaved index line');
  // a host that finds jobs/ changed by another re-indexes what its (attribute-cached) view of the other's segment lacks: a repeat, never a loss
  const created = new Set(lines.filter((l) => l.split('\t')[1] === 'pending').map((l) => l.split('\t')[0]));
  assert.deepEqual([...created].sort(), [...submitted].sort(), 'a creation line for every job');
  const ended = new Set(lines.filter((l) => l.split('\t')[1] === 'completed').map((l) => l.split('\t')[0]));
  assert.deepEqual([...ended].sort(), [...submitted].sort(), 'an end line for every job');
  // the limits held across hosts: never more than 2 of an agent, nor 3 in all, running at once
  const spans = readdirSync(join(dir, 'trace')).map((f) => {
    const [s0, e0] = readFileSync(join(dir, 'trace', f), 'utf8')
      .trim()
      .split('\n');
    return { agent: f.split('.')[1], start: BigInt(s0.split(' ')[1]), end: BigInt(e0.split(' ')[1]) };
  });
  assert.equal(spans.length, submitted.length, 'every job ran its agent once');
  const most = (which: typeof spans) => peakOverlap(which);
  const ranOn = new Set(submitted.map((id) => read(id).host));
  t.diagnostic(`ran on ${[...ranOn].join(' and ')}; at most ${most(spans)} at once, ${most(spans.filter((x) => x.agent === 'alpha'))} of alpha`);
  assert.ok(most(spans.filter((x) => x.agent === 'alpha')) <= 2 && most(spans.filter((x) => x.agent === 'beta')) <= 2, 'max_concurrent of an agent held across hosts');
  assert.ok(most(spans) <= 3, 'jobs.max_concurrent held across hosts');
  for (const host of ['A', 'B'] as const) {
    const list = await herdOn(host, ['jobs', 'list', '--json', '--limit', String(4 * JOBS_PER_HOST)], home);
    assert.equal(list.code, 0, list.stderr);
    const ids = JSON.parse(list.stdout).map((j: { id: string }) => j.id);
    assert.deepEqual([...ids].sort(), [...submitted].sort(), `host ${host} lists every job once`);
  }
});
