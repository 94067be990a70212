// The fake codex and gemini CLIs themselves: the shapes they print parse with no raw fallbacks, and they
// keep the real CLIs' traps (codex waits for stdin's EOF; gemini's launcher ignores signals to its pid,
// a cancelled gemini exits 0 without a result, its shell tools outlive it in their own process group).
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { EventDraft } from '../src/core/events.js';
import { codexRuntime } from '../src/core/runtimes/codex.js';
import { geminiRuntime } from '../src/core/runtimes/gemini.js';
import type { Runtime } from '../src/core/runtimes/types.js';
import { ROOT } from './support/cli.js';
import { alive, groupMembers, waitGone } from './support/procs.js';
import { waitFor } from './support/wait.js';

const scratch = mkdtempSync(join(tmpdir(), 'herdctl-fakes-test-'));
const WS = join(scratch, 'ws');
mkdirSync(join(WS, '.git'), { recursive: true });
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Run {
  child: ChildProcess;
  lines: string[];
  events: EventDraft[];
  stderr: string[];
  ended: Promise<{ code: number | null; signal: string | null }>;
}

/** Starts a fake from the runtime's own launch spec, in its own process group, as the runner does. */
function start(runtime: Runtime, prompt: string, opts: { resume?: string; keepStdinOpen?: boolean; agent?: Record<string, unknown> } = {}): Run {
  const spec = runtime.launch({
    prompt,
    workspace: WS,
    sessionId: runtime.sessions === 'minted' ? crypto.randomUUID() : '',
    resumeSessionId: opts.resume ?? null,
    agent: { [`${runtime.name}_bin`]: join(ROOT, 'fixtures', 'bin', runtime.name), approval_mode: runtime.name === 'gemini' ? 'yolo' : undefined, ...opts.agent },
  });
  const child = spawn(spec.argv[0], spec.argv.slice(1), {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env, FAKE_CODEX_STATE: join(scratch, 'codex'), FAKE_GEMINI_STATE: join(scratch, 'gemini') },
    detached: true,
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (!opts.keepStdinOpen) child.stdin!.end(spec.stdin);
  else child.stdin!.write(spec.stdin!);
  const parser = runtime.parser();
  const run: Run = { child, lines: [], events: [], stderr: [], ended: null as never };
  let buf = '';
  child.stdout!.on('data', (c: Buffer) => {
    buf += c.toString();
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      run.lines.push(line);
      run.events.push(...parser.line(line, 'stdout'));
    }
  });
  child.stderr!.on('data', (c: Buffer) => run.stderr.push(...c.toString().split('\n').filter(Boolean)));
  run.ended = new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
  return run;
}

const toolPid = (r: Run): number | null => {
  const line = r.stderr.find((l) => /tool pid \d+/.test(l));
  return line ? Number(/(\d+)$/.exec(line)![1]) : null;
};

describe('fake codex', () => {
  for (const prompt of ['list files', 'tools:2 filechange todo warn', 'tool:fail', 'err400', 'err500', 'slow:2:10', 'flood:50']) {
    it(`"${prompt}": every line parses to a known shape`, async () => {
      const r = start(codexRuntime, prompt);
      const { code } = await r.ended;
      assert.equal(code, /err/.test(prompt) ? 1 : 0, r.stderr.join('\n'));
      assert.ok(r.events.length > 0);
      for (const e of r.events) assert.notEqual(e.kind, 'raw', JSON.stringify(e));
      assert.match(r.lines.at(-1)!, /"type":"turn\.(completed|failed)"/);
    });
  }

  it('waits for EOF on stdin before it starts, as the real CLI does', async () => {
    const r = start(codexRuntime, 'list files', { keepStdinOpen: true });
    await new Promise((res) => setTimeout(res, 400));
    assert.equal(r.lines.length, 0, 'nothing before stdin closes');
    r.child.stdin!.end();
    assert.equal((await r.ended).code, 0);
  });

  it('SIGINT to the group during a tool: exit 1, no closing line, the tool gone', async () => {
    const r = start(codexRuntime, 'sleep:30000');
    const tool = await waitFor('the tool', () => toolPid(r));
    process.kill(-r.child.pid!, 'SIGINT');
    assert.equal((await r.ended).code, 1);
    assert.doesNotMatch(r.lines.at(-1)!, /turn\./);
    await waitGone([tool], 'the tool');
  });
});

describe('fake gemini', () => {
  for (const prompt of ['list files', 'tools:2 write', 'tool:fail', 'notool', 'slow:3:10', 'flood:50']) {
    it(`"${prompt}": every line parses to a known shape, ending with a result`, async () => {
      const r = start(geminiRuntime, prompt);
      assert.equal((await r.ended).code, 0, r.stderr.join('\n'));
      for (const e of r.events) assert.notEqual(e.kind, 'raw', JSON.stringify(e));
      assert.match(r.lines.at(-1)!, /"type":"result","timestamp":"[^"]+","status":"success"/);
    });
  }

  it('err400 / err500 / maxturns exit with the real codes', async () => {
    for (const [prompt, code] of [
      ['err400', 144],
      ['err500', 244],
      ['tools:3 maxturns', 53],
    ] as const)
      assert.equal((await start(geminiRuntime, prompt).ended).code, code, prompt);
  });

  it('the launcher ignores SIGINT and SIGTERM to its own pid; the run goes on to its result', async () => {
    const r = start(geminiRuntime, 'notool slow:5:100');
    await waitFor('the init line', () => r.lines.length > 0);
    process.kill(r.child.pid!, 'SIGINT');
    process.kill(r.child.pid!, 'SIGTERM');
    assert.equal((await r.ended).code, 0);
    assert.match(r.lines.at(-1)!, /"type":"result"/);
  });

  it('SIGINT to the group during a tool: exit 0 without a result line; the tool, in its own group, outlives it', async () => {
    const r = start(geminiRuntime, 'sleep:30000');
    const tool = await waitFor('the tool', () => toolPid(r));
    assert.equal(groupMembers(r.child.pid!).includes(tool), false, "the tool is not in the CLI's group");
    process.kill(-r.child.pid!, 'SIGINT');
    assert.equal((await r.ended).code, 0);
    assert.doesNotMatch(r.lines.at(-1)!, /"type":"result"/);
    assert.ok(alive(tool), 'the tool is left running');
    process.kill(tool, 'SIGKILL');
    await waitGone([tool], 'the tool');
  });

  it('resume of an unknown session: exit 42 and the real message; of a known one: the same session', async () => {
    const bad = start(geminiRuntime, 'notool', { resume: '99999999-2222-4333-8444-555555555555' });
    assert.equal((await bad.ended).code, 42);
    assert.ok(bad.stderr.some((l) => /Invalid session identifier/.test(l)));
    const first = start(geminiRuntime, 'notool');
    await first.ended;
    const id = first.events.find((e) => e.kind === 'init')!.sessionId as string;
    const again = start(geminiRuntime, 'notool', { resume: id });
    assert.equal((await again.ended).code, 0);
    assert.equal(again.events.find((e) => e.kind === 'init')!.sessionId, id);
  });
});
