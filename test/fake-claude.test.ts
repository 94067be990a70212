import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, describe, it } from 'node:test';
import type { EventDraft } from '../src/core/events.js';
import { claudeRuntime } from '../src/core/runtimes/claude.js';
import type { ExitInfo, Outcome, OutputParser } from '../src/core/runtimes/types.js';
import { FAKE_CLAUDE } from './support/cli.js';
import { sleep } from './support/wait.js';

const FAKE = FAKE_CLAUDE;
const scratch = mkdtempSync(join(tmpdir(), 'herdctl-fake-test-'));
const STATE = join(scratch, 'state');
const WORKSPACE = mkdtempSync(join(scratch, 'ws-'));
after(() => rmSync(scratch, { recursive: true, force: true }));

interface Agent {
  child: ChildProcess;
  parser: OutputParser;
  events: EventDraft[];
  stdout: string[]; // raw lines, for fields the parser leaves out (the fake's pids)
  /** Resolves with the first event (already seen or still to come) that matches. */
  waitFor(match: (e: EventDraft) => boolean): Promise<EventDraft>;
  ended: Promise<ExitInfo>;
  /** Signals the whole process group, as the runner does. */
  signal(sig: NodeJS.Signals): void;
}

/** Starts the fake exactly as the runner would start the real CLI: from the runtime's launch spec, in its own group. */
function start(prompt: string, opts: { agent?: Record<string, unknown>; resume?: string; sessionId?: string; cwd?: string } = {}): Agent {
  const spec = claudeRuntime.launch({
    prompt,
    workspace: opts.cwd ?? WORKSPACE,
    sessionId: opts.sessionId ?? randomUUID(),
    resumeSessionId: opts.resume ?? null,
    agent: { claude_bin: FAKE, ...opts.agent },
  });
  const child = spawn(spec.argv[0], spec.argv.slice(1), {
    cwd: spec.cwd,
    env: { ...process.env, ...spec.env, FAKE_CLAUDE_STATE: STATE },
    detached: true,
    stdio: [spec.stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
  });
  if (spec.stdin !== undefined) child.stdin!.end(spec.stdin);
  const parser = claudeRuntime.parser();
  const events: EventDraft[] = [];
  const stdout: string[] = [];
  const waiters: { match: (e: EventDraft) => boolean; resolve: (e: EventDraft) => void }[] = [];
  const feed = (line: string, stream: 'stdout' | 'stderr') => {
    if (stream === 'stdout') stdout.push(line);
    for (const e of parser.line(line, stream)) {
      events.push(e);
      for (const w of waiters.filter((x) => x.match(e))) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
    }
  };
  createInterface({ input: child.stdout! }).on('line', (l) => feed(l, 'stdout'));
  createInterface({ input: child.stderr! }).on('line', (l) => feed(l, 'stderr'));
  const ended = new Promise<ExitInfo>((resolve) => child.on('close', (code, signal) => resolve({ code, signal, stoppedBy: null })));
  return {
    child,
    parser,
    events,
    stdout,
    ended,
    waitFor: (match) => {
      const seen = events.find(match);
      return seen ? Promise.resolve(seen) : new Promise((resolve) => waiters.push({ match, resolve }));
    },
    signal: (sig) => process.kill(-child.pid!, sig),
  };
}

async function finish(agent: Agent, stoppedBy: ExitInfo['stoppedBy'] = null): Promise<{ exit: ExitInfo; outcome: Outcome }> {
  const exit = await agent.ended;
  return { exit, outcome: claudeRuntime.outcome(agent.parser, { ...exit, stoppedBy }) };
}

const kinds = (events: EventDraft[]) => events.map((e) => (e.kind ? `${e.type}:${e.kind}` : e.type));
const rawLine = (agent: Agent, subtype: string) => JSON.parse(agent.stdout.find((l) => l.includes(`"subtype":"${subtype}"`))!);

/** Gone or a zombie waiting for its reaper: either way no longer running. */
function running(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

/** A SIGKILL sent just before the agent exited lands within moments, later on a loaded box. */
async function gone(pid: number): Promise<boolean> {
  for (let i = 0; i < 250 && running(pid); i++) await sleep(20);
  return !running(pid);
}

describe('fake claude: normal runs', () => {
  it('default prompt: the basic transcript, with the session id we chose and its pid in init', async () => {
    const sessionId = randomUUID();
    const agent = start('Review open TODOs', { sessionId });
    const { exit, outcome } = await finish(agent);
    assert.deepEqual(exit, { code: 0, signal: null, stoppedBy: null });
    assert.deepEqual(outcome, { status: 'completed', exitReason: 'success', error: null, summary: 'The directory contains `README.md` and `src/`.' });
    assert.deepEqual(kinds(agent.events), ['output:init', 'output', 'tool_use', 'tool_result', 'output', 'output:result']);
    assert.equal(agent.parser.sessionId(), sessionId);
    assert.equal(rawLine(agent, 'init').pid, agent.child.pid);
    assert.equal(agent.events[0].cwd, WORKSPACE);
    assert.deepEqual(agent.parser.usage(), { inputTokens: 24, outputTokens: 84, cacheReadTokens: 0, cacheCreationTokens: 0, costUsd: 0.001776, turns: 2 });
  });

  it('accepts every flag launch() passes', async () => {
    const agent = start('notool', {
      agent: { model: 'claude-sonnet-4-6', permission_mode: 'acceptEdits', allowed_tools: ['Read', 'Bash(git diff:*)'], max_turns: 5, system_prompt: '- terse', env: { X: 'y' } },
    });
    const { outcome } = await finish(agent);
    assert.equal(outcome.status, 'completed');
    assert.equal(agent.events[0].model, 'claude-sonnet-4-6');
    assert.equal(agent.events[0].permissionMode, 'acceptEdits');
  });

  it('takes a flag-like prompt on stdin', async () => {
    const { outcome } = await finish(start('- first\n- second'));
    assert.equal(outcome.status, 'completed');
  });

  it('resume continues the session; an unknown id, or another workspace, reproduces resumebad', async () => {
    const sessionId = randomUUID();
    await finish(start('hello', { sessionId }));
    const resumed = start('Continue from where you left off', { resume: sessionId });
    assert.equal((await finish(resumed)).outcome.status, 'completed');
    assert.equal(resumed.parser.sessionId(), sessionId);
    assert.equal(resumed.parser.usage()?.costUsd, 0.003552);

    const elsewhere = mkdtempSync(join(scratch, 'other-'));
    for (const agent of [start('go on', { resume: randomUUID() }), start('go on', { resume: sessionId, cwd: elsewhere })]) {
      const { exit, outcome } = await finish(agent);
      assert.equal(exit.code, 1);
      assert.equal(outcome.status, 'failed');
      assert.match(outcome.error!, /^error_during_execution: No conversation found with session ID: /);
      assert.match(String(agent.events.at(-1)?.text), /^No conversation found with session ID/);
    }
  });

  it('refuses a session id that is already taken', async () => {
    const sessionId = randomUUID();
    await finish(start('hello', { sessionId }));
    const { outcome } = await finish(start('hello', { sessionId }));
    assert.equal(outcome.error, `claude exited with code 1 without a result: Error: Session ID ${sessionId} is already in use.`);
  });

  it('needs --verbose for stream-json, like the real CLI', async () => {
    const child = spawn(FAKE, ['-p', 'hi', '--output-format', 'stream-json'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise((r) => child.on('close', r));
    assert.equal(code, 1);
    assert.equal(stderr, 'Error: When using --print, --output-format=stream-json requires --verbose\n');
  });

  it('--output-format json prints the result object alone', async () => {
    const child = spawn(FAKE, ['-p', 'notool', '--output-format', 'json'], { stdio: ['ignore', 'pipe', 'ignore'], env: { ...process.env, FAKE_CLAUDE_STATE: STATE } });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((r) => child.on('close', r));
    assert.equal(JSON.parse(out).type, 'result');
  });

  for (const [name, opts] of [
    ['maxturns directive', { prompt: 'maxturns' }],
    ['max_turns: 1', { prompt: 'tools:3', agent: { max_turns: 1 } }],
  ] as const) {
    it(`${name} ends in error_max_turns`, async () => {
      const { exit, outcome } = await finish(start(opts.prompt, { agent: 'agent' in opts ? opts.agent : {} }));
      assert.equal(exit.code, 1);
      assert.equal(outcome.error, 'error_max_turns: Reached maximum number of turns (1)');
    });
  }

  it('err400 and err500 fail with the API status; err500 retries first', async () => {
    const e400 = start('err400');
    assert.match((await finish(e400)).outcome.error!, /^API error 400: Prompt is too long/);
    const e500 = start('err500');
    const { exit, outcome } = await finish(e500);
    assert.equal(exit.code, 1);
    assert.match(outcome.error!, /^API error 500: /);
    assert.deepEqual(kinds(e500.events), ['output:init', 'error:api_retry', 'error:api_error', 'output:result']);
  });

  it('denied: permission_denied, an erroring tool_result, still completed', async () => {
    const agent = start('denied');
    assert.equal((await finish(agent)).outcome.status, 'completed');
    assert.deepEqual(kinds(agent.events), ['output:init', 'tool_use', 'error:permission_denied', 'tool_result', 'output', 'output:result']);
    assert.equal(agent.events[3].is_error, true);
  });

  it('tool variants: another tool, a failing tool, several tools', async () => {
    const read = start('tool:Read');
    await finish(read);
    assert.equal(read.events.find((e) => e.type === 'tool_use')?.tool, 'Read');
    const failing = start('tool:fail');
    assert.equal((await finish(failing)).outcome.status, 'completed');
    assert.equal(failing.events.find((e) => e.type === 'tool_result')?.is_error, true);
    const many = start('tools:3');
    await finish(many);
    assert.equal(many.events.filter((e) => e.type === 'tool_use').length, 3);
    assert.equal(many.parser.usage()?.turns, 4);
  });

  it('slow:N:MS paces N lines', async () => {
    const t0 = Date.now();
    const agent = start('slow:3:40');
    await finish(agent);
    assert.ok(Date.now() - t0 >= 120);
    assert.deepEqual(
      agent.events.filter((e) => e.type === 'output' && !e.kind).map((e) => e.text),
      ['Step 1 of 3.', 'Step 2 of 3.', 'Step 3 of 3.', 'The directory contains `README.md` and `src/`.'],
    );
  });

  it('flood:N writes N lines fast', async () => {
    const t0 = Date.now();
    const agent = start('flood:20000');
    const { outcome } = await finish(agent);
    assert.equal(outcome.status, 'completed');
    assert.equal(agent.events.filter((e) => e.type === 'output' && !e.kind).length, 20001);
    assert.ok(Date.now() - t0 < 5000, `took ${Date.now() - t0} ms`);
  });

  it('exit:N crashes without a result; stderr:"…" writes to stderr', async () => {
    const agent = start('notool stderr:"disk almost full" exit:3');
    const { outcome } = await finish(agent);
    assert.equal(outcome.error, 'claude exited with code 3 without a result: disk almost full');
    assert.deepEqual(
      agent.events.find((e) => e.stream === 'stderr'),
      { type: 'output', stream: 'stderr', text: 'disk almost full' },
    );
  });

  it('bypass refuses on stderr with nothing on stdout', async () => {
    const agent = start('bypass');
    const { outcome } = await finish(agent);
    assert.equal(agent.stdout.length, 0);
    assert.match(outcome.error!, /exited with code 1 without a result: --dangerously-skip-permissions cannot be used with root\/sudo/);
  });
});

describe('fake claude: signals', () => {
  it('SIGINT while answering: interrupted line, error_during_execution, exit 0', async () => {
    const agent = start('slow:100:50');
    await agent.waitFor((e) => e.text === 'Step 1 of 100.');
    agent.signal('SIGINT');
    const { exit, outcome } = await finish(agent, 'cancel');
    assert.deepEqual(exit, { code: 0, signal: null, stoppedBy: null });
    assert.equal(outcome.status, 'cancelled');
    assert.deepEqual(agent.events.at(-2), { type: 'output', kind: 'user', text: '[Request interrupted by user]' });
    assert.equal(claudeRuntime.outcome(agent.parser, exit).error, 'claude was interrupted (aborted_streaming)');
  });

  it('SIGINT during a tool: the tool child dies, aborted_tools, exit 0', async () => {
    const agent = start('sleep:20000');
    await agent.waitFor((e) => e.kind === 'task_started');
    const toolPid = rawLine(agent, 'task_started').pid;
    assert.ok(running(toolPid));
    agent.signal('SIGINT');
    const { exit, outcome } = await finish(agent, 'cancel');
    assert.equal(exit.code, 0);
    assert.equal(outcome.status, 'cancelled');
    assert.equal(agent.events.find((e) => e.type === 'tool_result')?.is_error, true);
    assert.equal(agent.events.at(-1)?.terminalReason, 'aborted_tools');
    assert.ok(await gone(toolPid), 'the tool child is gone');
  });

  it('SIGTERM during a tool: exit 143, no result, tool killed with 137', async () => {
    const agent = start('sleep:20000');
    await agent.waitFor((e) => e.kind === 'task_started');
    const toolPid = rawLine(agent, 'task_started').pid;
    agent.signal('SIGTERM');
    const { exit, outcome } = await finish(agent);
    assert.equal(exit.code, 143);
    assert.equal(
      agent.events.find((e) => e.kind === 'result'),
      undefined,
    );
    assert.equal(agent.events.find((e) => e.type === 'tool_result')?.content, 'Exit code 137');
    assert.equal(outcome.error, 'claude exited with code 143 (SIGTERM) without a result');
    assert.ok(await gone(toolPid), 'the tool child is gone');
  });

  it('SIGTERM while answering: exit 143 at once', async () => {
    const agent = start('slow:100:50');
    await agent.waitFor((e) => e.text === 'Step 1 of 100.');
    agent.signal('SIGTERM');
    const { exit, outcome } = await finish(agent, 'cancel');
    assert.equal(exit.code, 143);
    assert.equal(outcome.status, 'cancelled');
  });

  it('ignore-sigint: SIGINT does nothing, SIGTERM still stops it', async () => {
    const agent = start('ignore-sigint sleep:20000');
    await agent.waitFor((e) => e.kind === 'task_started');
    const toolPid = rawLine(agent, 'task_started').pid;
    agent.signal('SIGINT');
    await sleep(300);
    assert.equal(agent.child.exitCode, null);
    assert.ok(running(toolPid), 'the tool ignores SIGINT too');
    agent.signal('SIGTERM');
    assert.equal((await finish(agent)).exit.code, 143);
  });

  it('ignore-term: only SIGKILL stops it', async () => {
    const agent = start('ignore-term slow:1000:20');
    await agent.waitFor((e) => e.text === 'Step 1 of 1000.');
    agent.signal('SIGINT');
    agent.signal('SIGTERM');
    const seen = agent.events.length;
    await sleep(300);
    assert.equal(agent.child.exitCode, null);
    assert.ok(agent.events.length > seen, 'still talking');
    agent.signal('SIGKILL');
    const { exit, outcome } = await finish(agent, 'cancel');
    assert.deepEqual([exit.code, exit.signal], [null, 'SIGKILL']);
    assert.equal(outcome.status, 'cancelled');
  });

  it('ignore-term during a tool: the group SIGKILL takes the tool child too', async () => {
    const agent = start('ignore-term sleep:20000');
    await agent.waitFor((e) => e.kind === 'task_started');
    const toolPid = rawLine(agent, 'task_started').pid;
    agent.signal('SIGTERM');
    await sleep(200);
    assert.ok(running(toolPid) && agent.child.exitCode === null);
    agent.signal('SIGKILL');
    assert.equal((await finish(agent)).exit.signal, 'SIGKILL');
    assert.ok(await gone(toolPid));
  });
});
