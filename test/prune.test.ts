import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { acquireNamed } from '../src/core/lock.js';
import { runnerIdentityFile } from '../src/core/runner-launch.js';
import { identify } from '../src/core/liveness.js';
import { Paths } from '../src/core/paths.js';
import { runCli } from './support/cli.js';
import { build, DAY, NOON, type Spec } from './support/job-builder.js';
import { tempHome } from './support/tmp.js';

const me = identify(process.pid);

/** A live runner for `agent` as far as any command can tell: this test process holds its lock and names itself (so nothing starts one). */
function holdRunner(t: TestContext, home: string, agent: string): void {
  const paths = new Paths(home);
  const release = acquireNamed(paths.runnerLock(agent), runnerIdentityFile(paths, agent), me, () => false);
  assert.ok(release);
  t.after(() => release());
}

function withLogs(home: string, jobs: { id: string; agent: string }[]): void {
  for (const j of jobs) {
    fs.mkdirSync(join(home, 'logs', j.agent), { recursive: true });
    fs.writeFileSync(join(home, 'logs', j.agent, `${j.id}.log`), 'log\n');
  }
}

const exists = (home: string, id: string) => fs.existsSync(join(home, 'jobs', id));
/** A day's index segments (one per host that wrote to it), concatenated; null when it has none. */
const seg = (home: string, daysAgo: number): string | null => {
  const day = new Date(NOON - daysAgo * DAY).toISOString().slice(0, 10).replace(/-/g, '');
  const names = fs.readdirSync(join(home, 'index')).filter((n) => n.startsWith(`seg-${day}`));
  return names.length ? names.map((n) => fs.readFileSync(join(home, 'index', n), 'utf8')).join('') : null;
};

test('jobs prune: dry run, --status, --keep-last; directories, index entries and logs go; pending and running jobs stay', async (t) => {
  const home = tempHome(t);
  const specs: Spec[] = [
    { agent: 'a', daysAgo: 40, status: 'completed' }, // 0
    { agent: 'a', daysAgo: 40, status: 'failed' }, // 1
    { agent: 'a', daysAgo: 35, status: 'cancelled' }, // 2
    { agent: 'a', daysAgo: 10, status: 'completed' }, // 3: too young
    { agent: 'a', daysAgo: 40, status: 'pending' }, // 4: never
    { agent: 'a', daysAgo: 40, status: 'running', running: { runnerPid: me.pid, runnerStartTime: me.startTime, host: me.host, bootId: me.bootId } }, // 5: never
    { agent: 'b', daysAgo: 50, status: 'completed' }, // 6
  ];
  const jobs = build(home, specs);
  withLogs(home, jobs);
  holdRunner(t, home, 'a');
  const cli = (...args: string[]) => runCli(['jobs', 'prune', ...args], { home });

  const dry = await cli('--older-than', '30d', '--dry-run', '--json');
  assert.equal(dry.code, 0, dry.stderr);
  const planned = JSON.parse(dry.stdout);
  assert.deepEqual([planned.dryRun, planned.deleted, planned.olderThan], [true, 0, '30d']);
  assert.deepEqual(planned.jobs.map((j: { id: string }) => j.id).sort(), [jobs[0], jobs[1], jobs[2], jobs[6]].map((j) => j.id).sort());
  assert.ok(
    jobs.every((j) => exists(home, j.id)),
    'a dry run deletes nothing',
  );
  const dryHuman = await cli('--older-than', '30d', '--dry-run');
  assert.match(dryHuman.stdout, /\nWould delete 4 jobs \(ended more than 30d ago\); run again without --dry-run to delete them\.\n$/);

  const failed = await cli('--older-than', '30d', '--status', 'failed');
  assert.equal(failed.code, 0, failed.stderr);
  assert.equal(failed.stdout, 'Deleted 1 job (failed, ended more than 30d ago).\n');
  assert.ok(!exists(home, jobs[1].id));
  assert.ok(!fs.existsSync(join(home, 'logs', 'a', `${jobs[1].id}.log`)));

  // the newest two finished jobs (10 and 35 days old) are kept
  const kept = await cli('--older-than', '30d', '--keep-last', '2', '--json');
  assert.equal(kept.code, 0, kept.stderr);
  assert.deepEqual(
    JSON.parse(kept.stdout)
      .jobs.map((j: { id: string }) => j.id)
      .sort(),
    [jobs[0].id, jobs[6].id].sort(),
  );

  for (const i of [2, 3, 4, 5]) assert.ok(exists(home, jobs[i].id), `job ${i} stays`);
  for (const i of [0, 1, 6]) {
    assert.ok(!exists(home, jobs[i].id), `job ${i} is gone`);
    assert.ok(!fs.existsSync(join(home, 'logs', jobs[i].agent, `${jobs[i].id}.log`)));
  }
  assert.deepEqual(fs.readdirSync(join(home, 'trash')), []);
  assert.equal(seg(home, 50), null, 'a segment left with only gone lines is deleted');
  assert.match(seg(home, 40) ?? '', new RegExp(`${jobs[0].id}\tgone\ta\n`));

  const list = await runCli(['jobs', 'list', '--json', '--limit', '100'], { home });
  assert.equal(list.code, 0, list.stderr);
  assert.deepEqual(
    JSON.parse(list.stdout)
      .map((j: { id: string }) => j.id)
      .sort(),
    [2, 3, 4, 5].map((i) => jobs[i].id).sort(),
  );
  const stats = JSON.parse((await runCli(['jobs', 'stats', '--json'], { home })).stdout);
  assert.deepEqual([stats.created, stats.queued, stats.running], [4, 1, 1]);

  const none = await cli('--older-than', '30d', '--status', 'failed');
  assert.equal(none.stdout, 'Nothing to prune: no finished job matches (failed, ended more than 30d ago).\n');
});

test('jobs prune: concurrent prunes delete each job once, while listings keep working', async (t) => {
  const home = tempHome(t);
  const jobs = build(
    home,
    Array.from({ length: 150 }, (_, i): Spec => ({ agent: i % 2 ? 'a' : 'b', daysAgo: 3 + (i % 3), status: 'completed' })),
  );
  fs.mkdirSync(join(home, 'trash', 'job-x-left-by-a-crash'), { recursive: true });
  let listing = true;
  const lists = (async () => {
    const out = [];
    while (listing) out.push(await runCli(['jobs', 'list', '--limit', '200'], { home }));
    return out;
  })();
  const prunes = await Promise.all([1, 2, 3].map(() => runCli(['jobs', 'prune', '--older-than', '1d', '--json'], { home })));
  listing = false;
  for (const r of prunes) assert.equal(r.code, 0, r.stderr);
  const deleted = prunes.flatMap((r) => JSON.parse(r.stdout).jobs.map((j: { id: string }) => j.id));
  assert.equal(deleted.length, 150, 'every job deleted exactly once across the three prunes');
  assert.deepEqual([...new Set(deleted)].sort(), jobs.map((j) => j.id).sort());
  assert.deepEqual(fs.readdirSync(join(home, 'jobs')), []);
  assert.deepEqual(fs.readdirSync(join(home, 'trash')), [], 'leftovers of a crashed prune are swept');
  for (const r of await lists) {
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stderr, '');
  }
  const after = await runCli(['jobs', 'list'], { home });
  assert.equal(after.stdout, 'No jobs yet. Start one with: herdctl run <agent>\n');
});

test('jobs prune: usage errors', async (t) => {
  const home = tempHome(t);
  for (const args of [['--older-than', 'a month'], [], ['--older-than', '30d', '--status', 'running'], ['--older-than', '30d', '--keep-last', '-1']]) {
    const r = await runCli(['jobs', 'prune', ...args], { home });
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
  }
});
