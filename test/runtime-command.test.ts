import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { tmpdir } from 'node:os';
import { createInterface } from 'node:readline';
import { describe, it } from 'node:test';
import { HerdError } from '../src/core/errors.js';
import type { EventDraft } from '../src/core/events.js';
import { claudeRuntime } from '../src/core/runtimes/claude.js';
import { commandRuntime } from '../src/core/runtimes/command.js';
import { getRuntime, RUNTIME_NAMES } from '../src/core/runtimes/index.js';
import type { ExitInfo, LaunchInput, LaunchSpec } from '../src/core/runtimes/types.js';

const input = (agent: Record<string, unknown>, prompt = 'say hi'): LaunchInput => ({ prompt, workspace: '/w', sessionId: 's', resumeSessionId: null, agent });
const exit = (over: Partial<ExitInfo>): ExitInfo => ({ code: 0, signal: null, stoppedBy: null, ...over });

/** Runs a launch spec for real and parses both streams, as the runner would. */
async function run(spec: LaunchSpec): Promise<{ events: EventDraft[]; exit: ExitInfo; parser: ReturnType<typeof commandRuntime.parser> }> {
  const parser = commandRuntime.parser();
  const events: EventDraft[] = [];
  const child = spawn(spec.argv[0], spec.argv.slice(1), { cwd: spec.cwd, env: { ...process.env, ...spec.env }, stdio: ['ignore', 'pipe', 'pipe'] });
  createInterface({ input: child.stdout }).on('line', (l) => events.push(...parser.line(l, 'stdout')));
  createInterface({ input: child.stderr }).on('line', (l) => events.push(...parser.line(l, 'stderr')));
  const [code, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('close', (c, s) => resolve([c, s])));
  return { events, parser, exit: { code, signal, stoppedBy: null } };
}

describe('command runtime', () => {
  it('runs the argv in the workspace with the prompt in HERDCTL_PROMPT', () => {
    assert.deepEqual(commandRuntime.launch(input({ command: ['npm', 'test'], env: { CI: '1' } })), {
      argv: ['npm', 'test'],
      cwd: '/w',
      env: { CI: '1', HERDCTL_PROMPT: 'say hi' },
    });
  });

  it('appends the prompt as the last argument with prompt_arg: true', () => {
    assert.deepEqual(commandRuntime.launch(input({ command: ['echo'], prompt_arg: true })).argv, ['echo', 'say hi']);
  });

  it('reports a missing or malformed command as a config error', () => {
    for (const agent of [{}, { command: [] }, { command: 'npm test' }, { command: ['npm', 1] }, { command: ['x'], env: ['A=1'] }]) {
      assert.throws(
        () => commandRuntime.launch(input(agent)),
        (e: unknown) => e instanceof HerdError && e.code === 'config',
      );
    }
  });

  it('turns lines into output events, stderr marked, long lines cut', () => {
    const p = commandRuntime.parser();
    assert.deepEqual(p.line('hello\r', 'stdout'), [{ type: 'output', text: 'hello' }]);
    assert.deepEqual(p.line('oops', 'stderr'), [{ type: 'output', stream: 'stderr', text: 'oops' }]);
    assert.deepEqual(p.line('', 'stdout'), [{ type: 'output', text: '' }]);
    const [long] = p.line('z'.repeat(1_000_000), 'stdout');
    assert.equal(long.truncated, true);
    assert.ok(String(long.text).length < 70 * 1024);
    assert.equal(p.sessionId(), null);
    assert.equal(p.usage(), null);
  });

  it('classifies by exit status, with cancel and timeout first', () => {
    const p = commandRuntime.parser();
    p.line('all 12 tests passed', 'stdout');
    p.line('npm ERR! code 1', 'stderr');
    const o = (e: Partial<ExitInfo>) => commandRuntime.outcome(p, exit(e));
    assert.deepEqual(o({ code: 0 }), { status: 'completed', exitReason: 'success', error: null, summary: 'all 12 tests passed' });
    assert.deepEqual(o({ code: 3 }), { status: 'failed', exitReason: 'error', error: 'exited with code 3: npm ERR! code 1', summary: 'all 12 tests passed', transient: false });
    assert.equal(o({ code: null, signal: 'SIGKILL' }).error, 'killed by SIGKILL: npm ERR! code 1');
    assert.equal(o({ code: 143 }).error, 'exited with code 143 (SIGTERM): npm ERR! code 1');
    assert.equal(o({ code: 0, stoppedBy: 'cancel' }).status, 'cancelled');
    assert.equal(o({ code: 0, stoppedBy: 'cancel' }).exitReason, 'manual_cancel');
    assert.deepEqual([o({ code: null, signal: 'SIGTERM', stoppedBy: 'timeout' }).status, o({ stoppedBy: 'timeout' }).exitReason], ['failed', 'timeout']);
    assert.equal(commandRuntime.outcome(commandRuntime.parser(), exit({ code: 1 })).error, 'exited with code 1');
  });

  it('refuses a parser from another runtime', () => {
    assert.throws(() => commandRuntime.outcome(claudeRuntime.parser(), exit({})), HerdError);
  });

  it('runs a real program end to end', async () => {
    const spec = commandRuntime.launch({
      ...input({ command: ['sh', '-c', 'echo "got: $HERDCTL_PROMPT"; echo "$1"; echo warn >&2; exit 4', 'sh'], prompt_arg: true }, 'two words'),
      workspace: tmpdir(),
    });
    const { events, exit: e, parser } = await run(spec);
    assert.deepEqual(
      events.filter((ev) => !ev.stream),
      [
        { type: 'output', text: 'got: two words' },
        { type: 'output', text: 'two words' },
      ],
    );
    assert.deepEqual(
      events.find((ev) => ev.stream),
      { type: 'output', stream: 'stderr', text: 'warn' },
    );
    assert.deepEqual(commandRuntime.outcome(parser, e), { status: 'failed', exitReason: 'error', error: 'exited with code 4: warn', summary: 'two words', transient: false });
  });
});

describe('runtime registry', () => {
  it('knows claude, codex, gemini and command', () => {
    assert.deepEqual([...RUNTIME_NAMES], ['claude', 'codex', 'gemini', 'command']);
    assert.equal(getRuntime('claude'), claudeRuntime);
    assert.equal(getRuntime('command'), commandRuntime);
    for (const name of RUNTIME_NAMES) assert.equal(getRuntime(name).name, name);
  });

  it('rejects an unknown runtime as a config error naming the known ones', () => {
    for (const name of ['cursor', 'toString', '__proto__']) {
      assert.throws(
        () => getRuntime(name),
        (e: unknown) => e instanceof HerdError && e.code === 'config' && e.message === `unknown runtime "${name}"; known runtimes: claude, codex, gemini, command`,
      );
    }
  });
});
