// Prompts of any size, from --prompt, --prompt - (stdin) and --prompt-file, to
// every runtime (never a huge argv or environment string), and over HTTP.
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { claudeAgent, commandAgent, fakeAgent, nodeAgent } from './support/agents.js';
import { fleet, waitTerminal } from './support/fleet.js';
import { call, serve, waitJob } from './support/serve.js';

/** A prompt of about `bytes` bytes that the fakes read as "answer without tools". */
const bigPrompt = (bytes: number): string => `notool\n${'lorem ipsum dolor sit amet '.repeat(Math.ceil(bytes / 27))}`.slice(0, bytes);
const MB = 1_000_000;
/** A command agent that proves it got the whole prompt: its length from $HERDCTL_PROMPT_FILE, and whether $HERDCTL_PROMPT was set. */
const LENGTH_AGENT = nodeAgent(
  'const t = require("fs").readFileSync(process.env.HERDCTL_PROMPT_FILE, "utf8"); console.log("prompt bytes " + Buffer.byteLength(t) + " env " + (process.env.HERDCTL_PROMPT === undefined ? "unset" : "set"))',
);

describe('prompts of any size', () => {
  it('a 1 MB prompt runs to completed on claude, codex, gemini and a command agent, from --prompt-file and from stdin (--prompt -)', async (t) => {
    const f = fleet(
      t,
      ({ ws }) => `agents:\n${claudeAgent('cl', ws)}${fakeAgent('codex', 'cx', ws)}${fakeAgent('gemini', 'gm', ws)}${commandAgent('cmd', ws, LENGTH_AGENT)}jobs: { max_concurrent: 4 }\n`,
    );
    const prompt = bigPrompt(MB);
    const file = join(f.dir, 'task.md');
    writeFileSync(file, prompt);
    const ids: string[] = [];
    for (const agent of ['cl', 'cx', 'gm', 'cmd']) {
      const r = await f.cli(['run', agent, '--prompt-file', file]);
      assert.equal(r.code, 0, `${agent}: ${r.stderr}`);
      ids.push(r.stdout.trim());
    }
    const viaStdin = await f.cli(['run', 'cmd', '--prompt', '-', '--wait'], { input: prompt });
    assert.equal(viaStdin.code, 0, viaStdin.stderr);
    ids.push(viaStdin.stdout.trim().split(' ')[0]);
    for (const id of ids) {
      const j = await waitTerminal(f, id, 60_000);
      assert.equal(j.status, 'completed', `${j.agent}: ${j.error}`);
      assert.equal(j.prompt.length, MB, 'stored whole');
    }
    for (const id of [ids[3], ids[4]]) assert.equal(f.job(id).summary, `prompt bytes ${MB} env unset`, 'the file has it all; the environment would have been E2BIG');

    const show = await f.cli(['jobs', 'show', ids[0]]);
    assert.ok(show.stdout.length < 10_000, `jobs show prints a long prompt shortened (${show.stdout.length} chars)`);
    assert.match(show.stdout, /… \d+ more characters \(2 lines in all\): herdctl jobs show .* --json \| jq -r \.prompt/);
    const json = JSON.parse((await f.cli(['jobs', 'show', ids[0], '--json'])).stdout);
    assert.equal(json.prompt, prompt, '--json has it whole');
  });

  it('a small prompt is in $HERDCTL_PROMPT too; prompt_arg with a prompt too long for argv fails the job saying why; bad sources are usage errors', async (t) => {
    const f = fleet(t, ({ ws }) => `agents:\n${commandAgent('cmd', ws, LENGTH_AGENT)}${commandAgent('arg', ws, nodeAgent('console.log(process.argv.length)'), '    prompt_arg: true\n')}`);
    const small = await f.cli(['run', 'cmd', '--prompt', 'hello', '--wait']);
    assert.equal(small.code, 0, small.stderr);
    assert.equal(f.job(small.stdout.split(' ')[0]).summary, 'prompt bytes 5 env set');
    const file = join(f.dir, 'big.md');
    writeFileSync(file, bigPrompt(200_000));
    const arg = await f.cli(['run', 'arg', '--prompt-file', file, '--wait']);
    assert.equal(arg.code, 1);
    assert.match(f.job(arg.stdout.split(' ')[0]).error, /too long to pass as an argument \(prompt_arg: true.*\$HERDCTL_PROMPT_FILE/);
    const missing = await f.cli(['run', 'cmd', '--prompt-file', join(f.dir, 'nope.md')]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /cannot read --prompt-file .*nope\.md/);
    const both = await f.cli(['run', 'cmd', '--prompt', 'x', '--prompt-file', file]);
    assert.equal(both.code, 2);
    const empty = await f.cli(['run', 'cmd', '--prompt', '-'], { input: '  \n' });
    assert.equal(empty.code, 2);
    assert.match(empty.stderr, /the prompt on stdin is empty/);
  });

  it('a 1 MB prompt over HTTP to a command agent completes (no spawn E2BIG)', async (t) => {
    const s = await serve(t, { extraAgents: `  big:\n    runtime: command\n    command: ${JSON.stringify(LENGTH_AGENT)}\n` });
    const r = await call(s, 'POST', '/jobs', { body: { agent: 'big', task: bigPrompt(MB) } });
    assert.equal(r.status, 201, r.text);
    const job = await waitJob(s, r.body.session_id, (j) => ['completed', 'failed', 'cancelled'].includes(j.status as string), 60_000);
    assert.equal(job.status, 'completed', String(job.error));
    assert.equal(job.summary, `prompt bytes ${MB} env unset`);
  });
});
