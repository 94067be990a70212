import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CliResult, runCli } from './support/cli.js';
import { runnersGone } from './support/procs.js';
import { readJob } from './support/jobs.js';

const DENIED_50 = '{"error":"quota_denied","resource":"Tasks","used":50,"hard_limit":50}';

/** A state dir and a config whose agents run `true` (`capped` in bucket "small", which `quotas` must define). */
function setup(t: TestContext, quotas: string) {
  const dir = fs.mkdtempSync(join(tmpdir(), 'herdctl-quota-'));
  const home = join(dir, 'home');
  // runners started by the submissions run `true`: let them go idle before the directory goes
  t.after(async () => {
    await runnersGone(home, 30_000);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  fs.mkdirSync(join(dir, 'ws'));
  const config = join(dir, 'herdctl.yaml');
  fs.writeFileSync(
    config,
    `agents:
  ok:
    runtime: command
    command: ["true"]
    workspace: ${join(dir, 'ws')}
    max_concurrent: 4
  capped:
    runtime: command
    command: ["true"]
    workspace: ${join(dir, 'ws')}
    quota_bucket: small
quotas:
${quotas}
`,
  );
  const cli = (...args: string[]) => runCli(args, { home, env: { HERDCTL_CONFIG: config }, timeoutMs: 60_000 });
  return { home, cli };
}

const jobDirs = (home: string) => (fs.existsSync(join(home, 'jobs')) ? fs.readdirSync(join(home, 'jobs')).filter((n) => n.startsWith('job-')) : []);

test('20 processes × 5 submissions against tasks_total 50: exactly 50 jobs, 50 exact denials', async (t) => {
  const { home, cli } = setup(t, '  shared: { tasks_total: 50 }\n  small: {}');
  const results: CliResult[] = [];
  await Promise.all(
    Array.from({ length: 20 }, async () => {
      for (let i = 0; i < 5; i++) results.push(await cli('run', 'ok', '--quota-bucket', 'shared', '--json'));
    }),
  );
  const odd = results.filter((r) => r.code !== 0 && r.code !== 7);
  assert.deepEqual(odd, [], 'every submission either created a job or was denied');
  const ok = results.filter((r) => r.code === 0);
  const denied = results.filter((r) => r.code === 7);
  assert.equal(ok.length, 50);
  assert.equal(denied.length, 50);
  for (const r of denied) assert.equal(r.stdout, DENIED_50 + '\n');
  const created = ok.map((r) => JSON.parse(r.stdout).id as string).sort();
  assert.equal(new Set(created).size, 50);
  assert.deepEqual(jobDirs(home).sort(), created, 'no denied submission left a job behind');
  for (const id of created) assert.equal(readJob(home, id).quotaBucket, 'shared');
  const ledger = fs
    .readFileSync(join(home, 'quotas', 'shared.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l).job as string);
  assert.deepEqual(ledger.sort(), created);
  const list = await cli('quotas', 'list', '--json');
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(JSON.parse(list.stdout).find((b: { bucket: string }) => b.bucket === 'shared').tasksTotal, { used: 50, limit: 50 });
});

test('the agent default bucket, the human denial, unknown buckets, quotas list and reset', async (t) => {
  const { home, cli } = setup(t, '  small: { tasks_per_hour: 2, tasks_total: 10 }\n  other: {}');
  for (let i = 0; i < 2; i++) assert.equal((await cli('run', 'capped')).code, 0);
  const denied = await cli('run', 'capped');
  assert.equal(denied.code, 7);
  assert.equal(denied.stdout, '');
  assert.match(
    denied.stderr,
    /^herdctl: quota bucket "small" is full: 2 of 2 tasks in the last 60 minutes \(tasks_per_hour\); no job was created\. A slot frees at \d\d:\d\d:\d\d UTC \(in (59m|1h)\)\n  try: herdctl quotas list\n$/,
  );
  assert.equal(jobDirs(home).length, 2);

  const unknown = await cli('run', 'ok', '--quota-bucket', 'nope');
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /no quota bucket "nope" in .*herdctl\.yaml \(known buckets: small, other\)/);
  assert.equal((await cli('run', 'ok', '--quota-bucket', 'nope', '--json')).code, 2);
  assert.equal(jobDirs(home).length, 2);

  const human = await cli('quotas', 'list');
  assert.equal(human.code, 0, human.stderr);
  assert.match(human.stdout, /^BUCKET +LAST 60 MIN +TOTAL +WINDOW FREES\nsmall +2\/2 +2\/10 +in (59m|1h) \(\d\d:\d\d UTC\)\nother +0\/∞ +0\/∞ +-\n$/);
  const json = JSON.parse((await cli('quotas', 'list', '--json')).stdout);
  assert.deepEqual(json[0].tasksPerHour, { used: 2, limit: 2 });
  assert.match(json[0].freesAt, /^\d{4}-\d\d-\d\dT/);

  const reset = await cli('quotas', 'reset', 'small', '--json');
  assert.equal(reset.code, 0, reset.stderr);
  assert.deepEqual(JSON.parse(reset.stdout), { bucket: 'small', before: { tasksTotal: 2, tasksPerHour: 2 } });
  assert.equal((await cli('run', 'capped')).code, 0, 'a reset frees the bucket');
  const missing = await cli('quotas', 'reset', 'nope');
  assert.equal(missing.code, 3);
  assert.match(missing.stderr, /no quota bucket "nope"/);
  assert.equal((await cli('quotas', 'reset', '../etc')).code, 2);
});

test('jobs resume counts against the parent bucket', async (t) => {
  const { home, cli } = setup(t, '  small: { tasks_total: 1 }');
  const first = await cli('run', 'capped', '--wait', '--json');
  assert.equal(first.code, 0, first.stderr);
  const resumed = await cli('jobs', 'resume', JSON.parse(first.stdout).id, '--json');
  assert.equal(resumed.code, 7, resumed.stderr);
  assert.equal(resumed.stdout.trim(), '{"error":"quota_denied","resource":"Tasks","used":1,"hard_limit":1}');
  assert.equal(jobDirs(home).length, 1);
});
