import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join } from 'node:path';
import { ROOT, runCli } from './support/cli.js';
import { tempDir } from './support/tmp.js';
import { waitFor } from './support/wait.js';

const CANARY = 'CANARY7f3q';

/** Every line a JSON object of scalars (ids, statuses, counts), none holding the canary. */
function checkLog(path: string): Record<string, unknown>[] {
  const text = fs.readFileSync(path, 'utf8');
  assert.ok(
    !text.includes(CANARY),
    `${path} leaks job content:\n${text
      .split('\n')
      .filter((l) => l.includes(CANARY))
      .join('\n')}`,
  );
  return text
    .trim()
    .split('\n')
    .map((l) => {
      const o = JSON.parse(l) as Record<string, unknown>;
      for (const [k, v] of Object.entries(o)) assert.ok(v === null || ['string', 'number', 'boolean'].includes(typeof v), `${k} in ${l}`);
      return o;
    });
}

test('the diagnostic log (HERDCTL_LOG=debug) and the runner logs never hold prompts, agent text or tool output', async (t) => {
  const dir = tempDir(t);
  const home = join(dir, 'home');
  const ws = join(dir, 'ws');
  fs.mkdirSync(ws);
  const config = join(dir, 'herdctl.yaml');
  fs.writeFileSync(
    config,
    `agents:
  coder:
    runtime: claude
    claude_bin: ${join(ROOT, 'fixtures/bin/claude')}
    workspace: ${ws}
    quota_bucket: few
  shell:
    runtime: command
    command: ["sh", "-c", "echo ${CANARY}-stdout; echo ${CANARY}-stderr >&2"]
    workspace: ${ws}
quotas:
  few: { tasks_total: 2 }
`,
  );
  const diagFile = join(dir, 'diag.log');
  const env = { HERDCTL_CONFIG: config, HERDCTL_LOG: 'debug', HERDCTL_LOG_FILE: diagFile, FAKE_CLAUDE_STATE: join(dir, 'fake') };
  const cli = async (...args: string[]) => {
    const r = await runCli(args, { home, env, timeoutMs: 60_000 });
    assert.ok(!r.stderr.includes(CANARY), r.stderr);
    return r;
  };

  const done = await cli('run', 'coder', '--prompt', `${CANARY}-prompt tool:Read stderr:${CANARY}-agent`, '--wait', '--json');
  assert.equal(done.code, 0, done.stderr);
  const id = JSON.parse(done.stdout).id;
  assert.equal((await cli('run', 'shell', '--prompt', `${CANARY}-prompt`, '--wait')).code, 0);
  // the canary is in the job's own files: the log is clean because it is kept out, not because it never came by
  const output = fs.readFileSync(join(home, 'jobs', id, 'output.jsonl'), 'utf8');
  assert.ok(output.includes(`${CANARY}-prompt`) && output.includes(`${CANARY}-agent`));

  const slow = await cli('run', 'coder', '--prompt', `${CANARY}-prompt slow:50:200`, '--json');
  const slowId = JSON.parse(slow.stdout).id;
  await waitFor('the slow job running', async () => JSON.parse((await cli('jobs', 'show', slowId, '--json')).stdout).status === 'running', 20_000, 100);
  const cancel = await cli('jobs', 'cancel', slowId, '--reason', `${CANARY}-reason`, '--json');
  assert.equal(cancel.code, 0, cancel.stderr);
  assert.equal((await cli('run', 'coder', '--prompt', `${CANARY}-prompt`)).code, 7);
  for (const args of [
    ['jobs', 'list'],
    ['jobs', 'show', id],
    ['jobs', 'logs', id],
    ['jobs', 'stats'],
    ['quotas', 'list'],
  ])
    assert.equal((await cli(...args)).code, 0, args.join(' '));
  assert.equal((await cli('jobs', 'prune', '--older-than', '0s')).code, 0);

  const lines = checkLog(diagFile);
  const msgs = new Set(lines.map((l) => l.msg));
  for (const m of ['job submitted', 'quota granted', 'quota denied', 'cancel requested', 'job pruned', 'prune done']) assert.ok(msgs.has(m), `no "${m}" in ${[...msgs].join(', ')}`);
  assert.ok(lines.some((l) => l.msg === 'quota denied' && l.bucket === 'few' && l.used === 2 && l.limit === 2));
  for (const agent of ['coder', 'shell']) {
    const runner = checkLog(join(home, 'logs', `runner-${agent}@h-test-suite.log`));
    assert.ok(
      runner.some((l) => l.msg === 'job ended'),
      `runner-${agent}@h-test-suite.log: ${JSON.stringify(runner)}`,
    );
  }
});

test('HERDCTL_LOG without a file writes to stderr; unset, nothing', async (t) => {
  const home = join(tempDir(t), 'home');
  const on = await runCli(['jobs', 'prune', '--older-than', '1d'], { home, env: { HERDCTL_LOG: 'info' } });
  assert.match(on.stderr, /^\{"ts":"[^"]+","level":"info","pid":\d+,"msg":"prune done","deleted":0,"matched":0,"dryRun":false\}\n$/);
  const off = await runCli(['jobs', 'prune', '--older-than', '1d'], { home, env: { HERDCTL_LOG: '' } });
  assert.equal(off.stderr, '');
});
