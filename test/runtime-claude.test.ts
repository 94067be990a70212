import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HerdError } from '../src/core/errors.js';
import { EVENT_TYPES } from '../src/core/events.js';
import { claudeRuntime } from '../src/core/runtimes/claude.js';
import { commandRuntime } from '../src/core/runtimes/command.js';
import type { ExitInfo, LaunchInput } from '../src/core/runtimes/types.js';
import { kinds, transcripts, type Transcript } from './support/transcripts.js';

const BASIC_SESSION = 'fbd5b2a4-17ca-490e-8908-6db316a71e4b';
const { scenarios, replay: replayWith } = transcripts('claude-code-2.1.330');
const replay = (name: string): Transcript => replayWith(claudeRuntime, name);

const outcomeOf = (t: Transcript, stoppedBy: ExitInfo['stoppedBy'] = null) => claudeRuntime.outcome(t.parser, { ...t.exit, stoppedBy });

describe('claude parser on the real transcripts', () => {
  it('finds all 16 scenarios', () => {
    assert.equal(scenarios.length, 16);
  });

  for (const name of scenarios) {
    it(`${name}: events are well-formed and small, and cancel/timeout override the result`, () => {
      const t = replay(name);
      for (const e of t.events) {
        assert.ok((EVENT_TYPES as readonly string[]).includes(e.type), `${name}: type ${e.type}`);
        assert.ok(JSON.stringify(e).length < 8 * 1024, `${name}: event too big`);
        assert.notEqual(e.kind, 'raw', `${name}: a known line fell through to raw: ${JSON.stringify(e).slice(0, 200)}`);
      }
      assert.deepEqual(outcomeOf(t, 'cancel').status, 'cancelled');
      assert.deepEqual(outcomeOf(t, 'cancel').exitReason, 'manual_cancel');
      assert.deepEqual(outcomeOf(t, 'timeout').exitReason, 'timeout');
      assert.deepEqual(outcomeOf(t, 'timeout').status, 'failed');
    });
  }

  for (const name of ['basic', 'stdin', 'resume', 'pm', 'denied2', 'partial', 'jsonfmt']) {
    it(`${name}: completed / success with the result text as summary`, () => {
      const t = replay(name);
      assert.deepEqual(outcomeOf(t), { status: 'completed', exitReason: 'success', error: null, summary: 'The directory contains `README.md` and `src/`.' });
    });
  }

  it('basic: one event per content block, usage and session from the result', () => {
    const t = replay('basic');
    assert.deepEqual(kinds(t.events), ['output:init', 'output', 'tool_use', 'tool_result', 'output', 'output:result']);
    const [init, text, toolUse, toolResult] = t.events;
    assert.deepEqual(init, { type: 'output', kind: 'init', sessionId: BASIC_SESSION, model: 'claude-opus-5-5', cwd: '/home/dev/app', permissionMode: 'default', toolCount: 22, version: '2.1.330' });
    assert.deepEqual(text, { type: 'output', text: "I'll list the files.", messageId: 'msg_01ilf9na5raj4qjjcjlpna' });
    assert.deepEqual(toolUse, {
      type: 'tool_use',
      tool: 'Bash',
      id: 'toolu_013ewxezcsjiiad9i3f31l9',
      input: { command: 'ls', description: 'List files in current directory' },
      messageId: 'msg_01ilf9na5raj4qjjcjlpna',
    });
    assert.deepEqual(toolResult, { type: 'tool_result', id: 'toolu_013ewxezcsjiiad9i3f31l9', is_error: false, content: 'README.md\nsrc' });
    assert.equal(t.parser.sessionId(), BASIC_SESSION);
    assert.deepEqual(t.parser.usage(), { inputTokens: 24, outputTokens: 84, cacheReadTokens: 0, cacheCreationTokens: 0, costUsd: 0.0017759999999999998, turns: 2 });
  });

  it('resume keeps the session of the run it resumed; stdin has its own', () => {
    assert.equal(replay('resume').parser.sessionId(), BASIC_SESSION);
    assert.equal(replay('stdin').parser.sessionId(), replay('stdin').events[0].sessionId);
    assert.notEqual(replay('stdin').parser.sessionId(), BASIC_SESSION);
  });

  it('pm: init shows the permission mode and model', () => {
    const init = replay('pm').events[0];
    assert.equal(init.permissionMode, 'acceptEdits');
    assert.equal(init.model, 'claude-sonnet-5-5');
  });

  it('partial: stream_event deltas are dropped, status lines kept', () => {
    const t = replay('partial');
    assert.deepEqual(kinds(t.events), ['output:init', 'output:status', 'output', 'tool_use', 'tool_result', 'output:status', 'output', 'output:result']);
  });

  it('jsonfmt: the single result object still parses', () => {
    const t = replay('jsonfmt');
    assert.deepEqual(kinds(t.events), ['output:result']);
    assert.equal(t.parser.sessionId(), '8b58494f-ff65-4fbe-b830-62aa46272ce5');
  });

  it('denied2: a non-fatal permission_denied error and an erroring tool_result, yet completed', () => {
    const t = replay('denied2');
    const denied = t.events.find((e) => e.kind === 'permission_denied');
    assert.equal(denied?.type, 'error');
    assert.equal(denied?.fatal, false);
    assert.equal(denied?.tool, 'Bash');
    assert.equal(denied?.toolUseId, 'toolu_0152nuhy58nd7iaydfm0lr9');
    assert.match(String(denied?.message), /needs approval/);
    assert.equal(t.events.find((e) => e.type === 'tool_result')?.is_error, true);
  });

  it('maxturns: failed with the CLI error', () => {
    const o = outcomeOf(replay('maxturns'));
    assert.equal(o.status, 'failed');
    assert.equal(o.exitReason, 'error');
    assert.equal(o.error, 'error_max_turns: Reached maximum number of turns (1)');
    assert.equal(o.summary, "I'll list the files.");
  });

  it('err400: is_error with subtype success still fails; the synthetic message is a fatal api_error', () => {
    const t = replay('err400');
    const o = outcomeOf(t);
    assert.equal(o.status, 'failed');
    assert.match(o.error!, /^API error 400: Prompt is too long/);
    const api = t.events.find((e) => e.kind === 'api_error');
    assert.equal(api?.type, 'error');
    assert.equal(api?.fatal, true);
    assert.equal(api?.status, 400);
    assert.deepEqual(t.parser.usage(), { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, costUsd: 0, turns: 1 });
  });

  it('err500: api_retry is a non-fatal error event', () => {
    const t = replay('err500');
    assert.match(outcomeOf(t).error!, /^API error 500: API Error: 500 Internal server error/);
    const retry = t.events.find((e) => e.kind === 'api_retry');
    assert.equal(retry?.type, 'error');
    assert.equal(retry?.fatal, false);
    assert.equal(retry?.attempt, 1);
    assert.equal(retry?.maxRetries, 1);
    assert.equal(retry?.status, 500);
    assert.equal(retry?.message, 'API request failed (500 server_error); retry 1 of 1');
  });

  it('resumebad: no init, the session and error come from the result line', () => {
    const t = replay('resumebad');
    assert.equal(t.parser.sessionId(), '99999999-2222-4333-8444-555555555555');
    const o = outcomeOf(t);
    assert.equal(o.status, 'failed');
    assert.equal(o.error, 'error_during_execution: No conversation found with session ID: 99999999-2222-4333-8444-555555555555');
    assert.deepEqual(t.events.at(-1), { type: 'output', stream: 'stderr', text: 'No conversation found with session ID: 99999999-2222-4333-8444-555555555555' });
  });

  it('sigint: the interrupt line is output; failed unless herdctl cancelled it', () => {
    const t = replay('sigint');
    assert.deepEqual(t.events[1], { type: 'output', kind: 'user', text: '[Request interrupted by user]' });
    assert.deepEqual(outcomeOf(t), { status: 'failed', exitReason: 'error', error: 'claude was interrupted (aborted_streaming)', summary: null, transient: false });
    assert.deepEqual(outcomeOf(t, 'cancel'), { status: 'cancelled', exitReason: 'manual_cancel', error: null, summary: null });
  });

  it('sigint_tool: task lines, an erroring tool_result, aborted_tools', () => {
    const t = replay('sigint_tool');
    assert.deepEqual(kinds(t.events), ['output:init', 'tool_use', 'output:task_started', 'output:task_notification', 'tool_result', 'output:user', 'output:result']);
    assert.equal(t.events[2].taskId, 'b0v8l1a31');
    assert.equal(t.events[3].status, 'stopped');
    assert.equal(t.events[4].is_error, true);
    assert.equal(outcomeOf(t).error, 'claude was interrupted (aborted_tools)');
    assert.equal(outcomeOf(t, 'cancel').status, 'cancelled');
  });

  for (const name of ['sigterm', 'sigterm_tool']) {
    it(`${name}: exit 143 without a result fails; no usage`, () => {
      const t = replay(name);
      assert.equal(t.exit.code, 143);
      assert.deepEqual(outcomeOf(t), { status: 'failed', exitReason: 'error', error: 'claude exited with code 143 (SIGTERM) without a result', summary: null, transient: false });
      assert.equal(t.parser.usage(), null);
      assert.ok(t.parser.sessionId());
      assert.equal(outcomeOf(t, 'cancel').status, 'cancelled');
    });
  }

  it('sigterm_tool: the killed tool shows as an erroring tool_result', () => {
    const result = replay('sigterm_tool').events.find((e) => e.type === 'tool_result');
    assert.equal(result?.is_error, true);
    assert.equal(result?.content, 'Exit code 137');
  });

  it('bypass: nothing on stdout; the stderr refusal is the error', () => {
    const t = replay('bypass');
    assert.deepEqual(t.events, [{ type: 'output', stream: 'stderr', text: '--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons' }]);
    assert.equal(outcomeOf(t).error, 'claude exited with code 1 without a result: --dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons');
    assert.equal(t.parser.sessionId(), null);
  });
});

describe('claude parser on odd input', () => {
  const parse = (...lines: string[]) => {
    const parser = claudeRuntime.parser();
    return { parser, events: lines.flatMap((l) => parser.line(l, 'stdout')) };
  };

  it('never throws on garbage, always returns events with a known type', () => {
    const garbage = [
      '',
      '   ',
      '{',
      'null',
      '42',
      '"text"',
      '[1,2]',
      '{}',
      '{"type":null}',
      '{"type":"assistant"}',
      '{"type":"assistant","message":null}',
      '{"type":"assistant","message":{"content":"plain string"}}',
      '{"type":"assistant","message":{"content":[null,1,"x",{"type":"text"},{"type":"tool_use"},{"type":"image"}]}}',
      '{"type":"user","message":{"content":[{"type":"tool_result","content":[{"type":"text","text":"a"},{"type":"image","source":{}}]}]}}',
      '{"type":"user","message":{"content":[{"type":"tool_result","content":{"weird":true}}]}}',
      '{"type":"user"}',
      '{"type":"system"}',
      '{"type":"system","subtype":"task_progress","task_id":7}',
      '{"type":"result"}',
      '{"type":"result","usage":"none","num_turns":"two"}',
      '\u0000\u0001 binary',
      '{"type":"assistant","message":{"content":[{"type":"text","text":"\\ud800"}]}}',
    ];
    const { parser, events } = parse(...garbage);
    for (const e of events) assert.ok((EVENT_TYPES as readonly string[]).includes(e.type));
    assert.deepEqual(parser.usage(), { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheCreationTokens: 0, costUsd: null, turns: null });
    assert.equal(claudeRuntime.outcome(parser, { code: 0, signal: null, stoppedBy: null }).status, 'failed');
  });

  it('passes unknown types and subtypes through as raw', () => {
    const { events } = parse('{"type":"brand_new","x":1}', '{"type":"system","subtype":"compact_boundary","trigger":"auto"}');
    assert.deepEqual(events, [
      { type: 'output', kind: 'raw', raw: { type: 'brand_new', x: 1 } },
      { type: 'output', kind: 'raw', raw: { type: 'system', subtype: 'compact_boundary', trigger: 'auto' } },
    ]);
  });

  it('turns non-JSON stdout into text output and blank lines into nothing', () => {
    assert.deepEqual(parse('Loading…', '').events, [{ type: 'output', text: 'Loading…' }]);
  });

  it('cuts a 10 MB line down to size', () => {
    const big = 'x'.repeat(10 * 1024 * 1024);
    const lines = [
      JSON.stringify({ type: 'assistant', message: { id: 'm', content: [{ type: 'text', text: big }] } }),
      JSON.stringify({ type: 'assistant', message: { id: 'm', content: [{ type: 'tool_use', id: 't', name: 'Write', input: { file_path: '/a', content: big } }] } }),
      JSON.stringify({ type: 'user', message: { content: [{ type: 'tool_result', tool_use_id: 't', content: big }] } }),
      JSON.stringify({ type: 'mystery', blob: big, list: Array.from({ length: 100_000 }, (_, i) => i) }),
      big,
      `{"type":"unknown","deep":${'['.repeat(50_000)}${']'.repeat(50_000)}}`,
      `${'{"a":'.repeat(5000)}1${'}'.repeat(5000)}`,
    ];
    const { events } = parse(...lines);
    assert.equal(events.length, lines.length);
    for (const e of events) assert.ok(JSON.stringify(e).length < 70 * 1024, `${e.type}/${e.kind} is ${JSON.stringify(e).length} chars`);
    assert.equal(events[0].truncated, true);
    assert.equal(events[1].truncated, true);
    assert.equal((events[1].input as { file_path: string }).file_path, '/a');
    assert.equal(events[2].truncated, true);
    assert.ok(String(events[2].content).length < 4200);
    assert.equal(events[3].truncated, true);
  });

  it('reads stderr lines as stderr output and keeps the last one for the error', () => {
    const parser = claudeRuntime.parser();
    assert.deepEqual(parser.line('warning: x\r', 'stderr'), [{ type: 'output', stream: 'stderr', text: 'warning: x' }]);
    parser.line('Error: something broke', 'stderr');
    parser.line('', 'stderr');
    assert.equal(claudeRuntime.outcome(parser, { code: null, signal: 'SIGKILL', stoppedBy: null }).error, 'claude killed by SIGKILL without a result: Error: something broke');
  });

  it('marks subagent lines with parentToolUseId and keeps their text out of the summary', () => {
    const { parser, events } = parse(
      JSON.stringify({ type: 'assistant', message: { id: 'm1', content: [{ type: 'text', text: 'top' }] }, parent_tool_use_id: null }),
      JSON.stringify({ type: 'assistant', message: { id: 'm2', content: [{ type: 'text', text: 'sub' }] }, parent_tool_use_id: 'toolu_task' }),
    );
    assert.equal(events[0].parentToolUseId, undefined);
    assert.equal(events[1].parentToolUseId, 'toolu_task');
    assert.equal(claudeRuntime.outcome(parser, { code: 0, signal: null, stoppedBy: null }).summary, 'top');
  });

  it('takes the session id from any line until init or result names it', () => {
    const { parser } = parse('{"type":"system","subtype":"status","session_id":"early"}', '{"type":"user","session_id":"other"}');
    assert.equal(parser.sessionId(), 'early');
    parser.line('{"type":"result","subtype":"success","is_error":false,"session_id":"final"}', 'stdout');
    assert.equal(parser.sessionId(), 'final');
  });

  it('refuses a parser from another runtime', () => {
    assert.throws(() => claudeRuntime.outcome(commandRuntime.parser(), { code: 0, signal: null, stoppedBy: null }), HerdError);
  });
});

describe('claude launch', () => {
  const input = (over: Partial<LaunchInput> = {}): LaunchInput => ({
    prompt: 'Review open TODOs',
    workspace: '/w',
    sessionId: 'new-session',
    resumeSessionId: null,
    agent: {},
    ...over,
  });

  it('builds the headless argv with every agent setting', () => {
    const spec = claudeRuntime.launch(
      input({
        agent: {
          claude_bin: '/opt/claude',
          model: 'claude-sonnet-4-6',
          permission_mode: 'acceptEdits',
          allowed_tools: ['Read', 'Edit', 'Bash(git diff:*)'],
          max_turns: 50,
          system_prompt: '- be brief',
          env: { FOO: 'bar' },
        },
      }),
    );
    assert.deepEqual(spec, {
      argv: [
        '/opt/claude',
        '-p',
        'Review open TODOs',
        '--output-format',
        'stream-json',
        '--verbose',
        '--model',
        'claude-sonnet-4-6',
        '--permission-mode',
        'acceptEdits',
        '--allowedTools',
        'Read,Edit,Bash(git diff:*)',
        '--max-turns',
        '50',
        '--append-system-prompt',
        '- be brief',
        '--session-id',
        'new-session',
      ],
      cwd: '/w',
      env: { FOO: 'bar' },
    });
  });

  it('resumes with --resume and no --session-id', () => {
    const { argv } = claudeRuntime.launch(input({ resumeSessionId: 'old-session', agent: { claude_bin: 'c' } }));
    assert.deepEqual(argv, ['c', '-p', 'Review open TODOs', '--output-format', 'stream-json', '--verbose', '--resume', 'old-session']);
  });

  it('finds the program in claude_bin, then HERDCTL_CLAUDE_BIN, then PATH', () => {
    const saved = process.env.HERDCTL_CLAUDE_BIN;
    try {
      delete process.env.HERDCTL_CLAUDE_BIN;
      assert.equal(claudeRuntime.launch(input()).argv[0], 'claude');
      process.env.HERDCTL_CLAUDE_BIN = '/env/claude';
      assert.equal(claudeRuntime.launch(input()).argv[0], '/env/claude');
      assert.equal(claudeRuntime.launch(input({ agent: { claude_bin: '/cfg/claude' } })).argv[0], '/cfg/claude');
    } finally {
      if (saved === undefined) delete process.env.HERDCTL_CLAUDE_BIN;
      else process.env.HERDCTL_CLAUDE_BIN = saved;
    }
  });

  it('sends prompts that look like flags, or are huge, on stdin', () => {
    for (const prompt of ['- fix the tests\n- then lint', 'y'.repeat(200_000)]) {
      const spec = claudeRuntime.launch(input({ prompt, agent: { claude_bin: 'c' } }));
      assert.deepEqual(spec.argv.slice(0, 3), ['c', '-p', '--output-format']);
      assert.equal(spec.stdin, prompt);
    }
    assert.equal(claudeRuntime.launch(input()).stdin, undefined);
    assert.equal(claudeRuntime.launch(input()).env, undefined);
  });

  it('reports malformed settings as config errors', () => {
    for (const agent of [{ max_turns: 0 }, { max_turns: '5' }, { allowed_tools: [1] }, { env: { A: 1 } }, { model: 3 }]) {
      assert.throws(
        () => claudeRuntime.launch(input({ agent })),
        (e: unknown) => e instanceof HerdError && e.code === 'config',
      );
    }
  });
});
