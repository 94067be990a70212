import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { existsSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { assertState } from './checker.js';
import { commandAgent } from '../support/agents.js';
import { BIN, finished, ROOT } from '../support/cli.js';
import { tryReadJob } from '../support/jobs.js';
import { pidsMentioning } from '../support/procs.js';
import { waitFor } from '../support/wait.js';
import { sandbox, type Sandbox } from './harness.js';

/**
 * Scenario 10: herdctl under umask 000, 022 and 077 — every command run
 * through `sh -c 'umask U; exec node bin/run.js …'`, so the detached
 * runners, the webhook worker and the scheduler inherit it. A full life:
 * a job with a webhook and a quota bucket run to its end, one cancelled
 * mid-run, a resume, the read commands (list, show, logs, stats, quotas,
 * webhooks), and the scheduler firing for 2.5 s. Expected: every directory
 * in the state dir 0700, every file 0600. Each umask once (deterministic).
 */
const UMASKS = ['000', '022', '077'];

function sh(sb: Sandbox, umask: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: '1', HERDCTL_HOME: sb.home, HERDCTL_CONFIG: sb.config };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  return finished(spawn('sh', ['-c', `umask ${umask}; exec '${process.execPath}' '${BIN}' ${quoted}`], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] }));
}

async function fullLife(sb: Sandbox, umask: string, hook: string): Promise<void> {
  writeFileSync(
    sb.config,
    `agents:\n${commandAgent('coder', sb.ws, ['sh', '-c', 'echo "$HERDCTL_PROMPT"; case "$HERDCTL_PROMPT" in slow*) sleep 30;; esac'], `    webhook_url: ${hook}\n    quota_bucket: q\n    schedules:\n      tick: { every: 1s }\n`)}quotas:\n  q: { tasks_total: 100 }\n`,
  );
  const ok = (r: { code: number | null; stderr: string }, what: string) => assert.equal(r.code, 0, `umask ${umask}, ${what}: ${r.stderr}`);
  const first = await sh(sb, umask, ['run', 'coder', '--prompt', 'hello', '--wait']);
  ok(first, 'run --wait');
  const id = first.stdout.trim().split(' ')[0];
  const slow = await sh(sb, umask, ['run', 'coder', '--prompt', 'slow one']);
  ok(slow, 'run');
  await waitFor('the slow job running', () => tryReadJob(sb.home, slow.stdout.trim())?.status === 'running', 15_000);
  ok(await sh(sb, umask, ['jobs', 'cancel', slow.stdout.trim()]), 'jobs cancel');
  ok(await sh(sb, umask, ['jobs', 'resume', id, '--prompt', 'again']), 'jobs resume');
  for (const args of [
    ['jobs', 'list'],
    ['jobs', 'show', id],
    ['jobs', 'logs', id],
    ['jobs', 'stats'],
    ['quotas', 'list'],
    ['webhooks', 'list'],
    ['agents', 'list'],
    ['schedules', 'list'],
  ])
    ok(await sh(sb, umask, args), args.join(' '));
  const env: NodeJS.ProcessEnv = { ...process.env, HERDCTL_HOME: sb.home, HERDCTL_CONFIG: sb.config };
  delete env.NODE_OPTIONS;
  delete env.NODE_TEST_CONTEXT;
  const sched = spawn('sh', ['-c', `umask ${umask}; exec '${process.execPath}' '${BIN}' start`], { cwd: ROOT, env, stdio: 'ignore' });
  await sleep(2500);
  sched.kill('SIGTERM');
  await once(sched, 'exit');
  // everything the detached processes do is done when they are gone
  await waitFor('runners and workers gone', () => pidsMentioning(sb.home).length === 0, 20_000, 100);
}

test(`10. umask ${UMASKS.join(', ')}: after a full life through the CLI (runner, webhook worker, scheduler inheriting it), directories 0700 and files 0600`, { timeout: 120_000 }, async (t) => {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url!);
    res.end('ok');
  }).listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const homes = UMASKS.map((u) => ({ u, sb: sandbox(t) }));
  await Promise.all(homes.map(({ u, sb }) => fullLife(sb, u, hook)));
  assert.ok(hits.length >= 3, `webhooks delivered: ${hits.length}`);
  for (const { u, sb } of homes) {
    // the life reached every kind of file the state dir has
    for (const p of ['jobs', 'index', 'queue/coder', 'logs/coder', 'cache', 'quotas/q.jsonl', 'webhooks/delivered', 'scheduler/ticks/coder/tick', 'locks']) {
      assert.ok(existsSync(join(sb.home, p)), `umask ${u}: no ${p}`);
    }
    assertState(sb.home, { modes: true }, `under umask ${u}`);
    t.diagnostic(`umask ${u}: ${countEntries(sb.home)} entries checked`);
  }
});

const countEntries = (dir: string): number => readdirSync(dir, { withFileTypes: true }).reduce((n, e) => n + 1 + (e.isDirectory() ? countEntries(join(dir, e.name)) : 0), 0);
