import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join, relative } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { commandAgent } from '../support/agents.js';
import { events, tryReadJob } from '../support/jobs.js';
import { pidsMentioning } from '../support/procs.js';
import { waitFor } from '../support/wait.js';
import { cli, sandbox, startCli } from './harness.js';

/**
 * Scenario 11: secrets. An agent env value and the prompts carry canary
 * strings; herdctl runs with HERDCTL_LOG=debug (to stderr, and for a second
 * pass to HERDCTL_LOG_FILE) through a life that exercises its diagnostics:
 * a job run to its end with a webhook, a failing job, a cancelled one, a
 * resume, the read commands, and the scheduler firing a schedule whose
 * prompt is a canary too. Expected:
 *   - the env value appears nowhere herdctl writes — no file of the state
 *     dir (job.json, output.jsonl, logs, caches, outbox …), no diagnostic
 *     line, no command output — yet the agent got it (it prints its hash);
 *   - the prompt canaries appear in no diagnostic log: HERDCTL_LOG output
 *     (stderr or HERDCTL_LOG_FILE), logs/runner-*.log, logs/webhooks.log,
 *     the scheduler's event lines (job content belongs in job.json,
 *     output.jsonl, logs/<agent>/<id>.log, the webhook outbox and the
 *     config cache — a copy of herdctl.yaml with env values blanked — only).
 */
test('11. canaries in an agent env value and in prompts never reach diagnostics; the env value never reaches any file', { timeout: 120_000 }, async (t) => {
  const sb = sandbox(t);
  const ENV = `env-canary-${randomBytes(6).toString('hex')}`;
  const PROMPT = `prompt-canary-${randomBytes(6).toString('hex')}`;
  const SCHED = `sched-canary-${randomBytes(6).toString('hex')}`;
  const server = createServer((_req, res) => res.end('ok')).listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const hook = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  // the agent proves it got the secret by printing its hash; it fails on "fail", sleeps on "slow"
  const script = 'printf %s "$SECRET" | sha256sum; case "$HERDCTL_PROMPT" in *fail*) echo "giving up" >&2; exit 3;; *slow*) sleep 30;; esac';
  writeFileSync(
    sb.config,
    `agents:\n${commandAgent('coder', sb.ws, ['sh', '-c', script], `    webhook_url: ${hook}\n    env: { SECRET: "${ENV}" }\n    schedules:\n      nightly: { every: 1s, prompt: "${SCHED}" }\n`)}`,
  );
  const logFile = join(sb.dir, 'diag.log');
  const said: string[] = []; // everything herdctl printed
  const run = async (args: string[], toFile = false) => {
    const r = await cli(sb, args, toFile ? { HERDCTL_LOG: 'debug', HERDCTL_LOG_FILE: logFile } : { HERDCTL_LOG: 'debug' });
    said.push(r.stdout, r.stderr);
    return r;
  };
  for (const toFile of [false, true]) {
    const ok = await run(['run', 'coder', '--prompt', `${PROMPT} ok`, '--wait'], toFile);
    assert.equal(ok.code, 0, ok.stderr);
    const id = ok.stdout.trim().split(' ')[0];
    assert.equal((await run(['run', 'coder', '--prompt', `${PROMPT} fail`, '--wait'], toFile)).code, 1);
    const slow = (await run(['run', 'coder', '--prompt', `${PROMPT} slow`], toFile)).stdout.trim();
    await waitFor('the slow job running', () => tryReadJob(sb.home, slow)?.status === 'running', 15_000);
    assert.equal((await run(['jobs', 'cancel', slow, '--reason', 'enough'], toFile)).code, 0);
    await run(['jobs', 'resume', id, '--prompt', `${PROMPT} resumed`], toFile);
    for (const args of [
      ['jobs', 'list'],
      ['jobs', 'show', id],
      ['jobs', 'logs', id],
      ['jobs', 'stats'],
      ['webhooks', 'list'],
      ['agents', 'list'],
      ['schedules', 'list'],
    ])
      await run(args, toFile);
    const hash = createHash('sha256').update(ENV).digest('hex');
    assert.ok(
      events(sb.home, id).some((e) => String(e.text).startsWith(hash)),
      'the agent got the env value',
    );
  }
  const sched = startCli(sb, ['start'], { HERDCTL_LOG: 'debug', HERDCTL_LOG_FILE: logFile });
  await sched.line(/ fire /, { timeoutMs: 10_000 });
  await sleep(1500);
  sched.child.kill('SIGTERM');
  const end = await sched.exited;
  said.push(end.stdout, end.stderr);
  await waitFor('runners and workers gone', () => pidsMentioning(sb.home).length === 0, 20_000, 100);
  assert.ok(readdirSync(join(sb.home, 'webhooks', 'delivered')).length > 0, 'webhooks were delivered (their log was exercised)');

  const leaks: string[] = [];
  const scan = (where: string, text: string, jobContentAllowed: boolean) => {
    if (text.includes(ENV)) leaks.push(`the env value in ${where}`);
    if (jobContentAllowed) return;
    for (const c of [PROMPT, SCHED]) if (text.includes(c)) leaks.push(`a prompt (${c.slice(0, 13)}) in ${where}`);
  };
  said.forEach((text, i) =>
    scan(
      `command output #${i}`,
      text
        .split('\n')
        .filter((l) => l.startsWith('{"ts"') || /^\S+ (start|fire|skip|stop) /.test(l))
        .join('\n'),
      false,
    ),
  );
  said.forEach((text, i) => scan(`command output #${i}`, text, true));
  const diagText = readFileSync(logFile, 'utf8');
  assert.match(diagText, /"msg":"job submitted"/, 'the debug log was written');
  assert.ok(
    said.some((x) => x.includes('"msg":"job submitted"')),
    'HERDCTL_LOG=debug printed to stderr',
  );
  scan('HERDCTL_LOG_FILE', diagText, false);
  const walk = (dir: string): string[] => readdirSync(dir).flatMap((n) => (statSync(join(dir, n)).isDirectory() ? walk(join(dir, n)) : [join(dir, n)]));
  for (const file of walk(sb.home)) {
    const rel = relative(sb.home, file);
    const content =
      /^jobs\/[^/]+\/(job\.json|output\.jsonl|cancel\.json|prompt\.txt)$/.test(rel) || // prompt.txt: a command agent's prompt ($HERDCTL_PROMPT_FILE)
      /^logs\/coder\//.test(rel) ||
      /^webhooks\/(pending|delivered|dead)\//.test(rel) ||
      /^scheduler\/ticks\//.test(rel) ||
      /^cache\/config-/.test(rel); // the config's own copy
    scan(rel, readFileSync(file, 'utf8'), content);
  }
  assert.ok(
    walk(join(sb.home, 'jobs')).some((f) => f.endsWith('job.json') && readFileSync(f, 'utf8').includes(PROMPT)),
    'the scan sees job content where it belongs',
  );
  assert.deepEqual([...new Set(leaks)], []);
});
