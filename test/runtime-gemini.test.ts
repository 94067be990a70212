import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HerdError } from '../src/core/errors.js';
import { EVENT_TYPES } from '../src/core/events.js';
import { commandRuntime } from '../src/core/runtimes/command.js';
import { geminiRuntime, SETTINGS_FILE } from '../src/core/runtimes/gemini.js';
import type { ExitInfo, LaunchInput } from '../src/core/runtimes/types.js';
import { kinds, transcripts, type Transcript } from './support/transcripts.js';

const { scenarios, replay: replayWith } = transcripts('gemini-cli-0.61.0');
const replay = (name: string) => replayWith(geminiRuntime, name);
const outcomeOf = (t: Transcript, stoppedBy: ExitInfo['stoppedBy'] = null) => geminiRuntime.outcome(t.parser, { ...t.exit, stoppedBy });
const BASIC = 'a1331bc4-16fd-494d-ae31-6a367e7fa096';
const FINAL = 'The directory contains the files listed above.';
/** Not stream-json: plain text lines are all they give. */
const NOT_STREAM = new Set(['jsonfmt', 'text']);

describe('gemini parser on the real transcripts', () => {
  it('finds all 33 scenarios', () => assert.equal(scenarios.length, 33));

  for (const name of scenarios) {
    it(`${name}: events are well-formed, none raw, and cancel/timeout override the end`, () => {
      const t = replay(name);
      for (const e of t.events) {
        assert.ok((EVENT_TYPES as readonly string[]).includes(e.type), `${name}: type ${e.type}`);
        assert.notEqual(e.kind, 'raw', `${name}: a known line fell through to raw: ${JSON.stringify(e).slice(0, 200)}`);
        assert.ok(JSON.stringify(e).length < 8 * 1024, `${name}: event too big`);
      }
      assert.equal(outcomeOf(t, 'cancel').status, 'cancelled');
      assert.equal(outcomeOf(t, 'timeout').exitReason, 'timeout');
    });
  }

  for (const name of scenarios.filter((n) => replay(n).parser.usage() !== null && !NOT_STREAM.has(n) && !/^(err|maxturns)/.test(n))) {
    it(`${name}: completed / success`, () => assert.equal(outcomeOf(replay(name)).status, 'completed'));
  }

  it('basic: deltas joined into one text per message; tool events by tool id; usage per model', () => {
    const t = replay('basic');
    assert.deepEqual(kinds(t.events.filter((e) => e.stream !== 'stderr')), ['output:init', 'output:user', 'output', 'tool_use', 'tool_result', 'output', 'output:result']);
    const texts = t.events.filter((e) => e.type === 'output' && !e.kind && !e.stream).map((e) => e.text);
    assert.deepEqual(texts, ["I'll list the files.", FINAL]);
    const id = 'run_shell_command__run_shell_command_1796423953636_0';
    assert.deepEqual(t.events[3], { type: 'tool_use', tool: 'run_shell_command', id, input: { command: 'ls', description: 'List files in the current directory' } });
    assert.deepEqual(t.events[4], { type: 'tool_result', id, is_error: false, content: 'README.md\npackage.json\nsrc' });
    assert.equal(t.parser.sessionId(), BASIC);
    assert.deepEqual(t.parser.usage(), { inputTokens: 2088, outputTokens: 64, cacheReadTokens: 512, cacheCreationTokens: 0, costUsd: null, turns: null });
    assert.deepEqual(
      t.parser.modelTokens!().map((m) => [m.model, m.inputTokens, m.outputTokens, m.cacheReadTokens]),
      [
        ['gemini-3.5-flash-lite', 200, 10, 0],
        ['gemini-3.8-flash', 1888, 54, 512],
      ],
    );
    assert.deepEqual(outcomeOf(t), { status: 'completed', exitReason: 'success', error: null, summary: FINAL });
  });

  it('resume keeps the session; stats are this run only', () => {
    const t = replay('resume');
    assert.equal(t.parser.sessionId(), BASIC);
    assert.equal(t.parser.usage()!.inputTokens, 2376);
  });

  it('default_mode: a tool that is not registered is an erroring tool_result with its type; the run succeeds', () => {
    const t = replay('default_mode');
    const r = t.events.find((e) => e.type === 'tool_result')!;
    assert.equal(r.is_error, true);
    assert.equal(r.errorType, 'tool_not_registered');
    assert.equal(outcomeOf(t).status, 'completed');
  });

  it('write_autoedit: a tool_result without output', () => {
    assert.deepEqual(
      replay('write_autoedit').events.find((e) => e.type === 'tool_result'),
      { type: 'tool_result', id: 'write_file__write_file_1796424011547_0', is_error: false, content: '' },
    );
    assert.deepEqual(geminiRuntime.recapFiles('write_file', { file_path: 'created-by-agent.txt' }), ['created-by-agent.txt']);
  });

  it('maxturns: failed, saying the turn limit was reached', () => {
    const o = outcomeOf(replay('maxturns'));
    assert.equal(o.status, 'failed');
    assert.match(o.error!, /^max turns reached: Reached max session turns/);
  });

  it('err400 / err500: failed with the API error; 500 is transient, 400 is not', () => {
    const o400 = outcomeOf(replay('err400'));
    assert.match(o400.error!, /^unknown: \[API Error: .*"code":400/);
    assert.equal(o400.transient, false);
    const o500 = outcomeOf(replay('err500'));
    assert.match(o500.error!, /"code":500/);
    assert.equal(o500.transient, true);
    assert.deepEqual(replay('err400').parser.usage()!.inputTokens, 0);
  });

  for (const [name, text] of [
    ['resumebad', /^gemini exited with code 42: bad input .*: Error resuming session: Invalid session identifier "99999999/],
    ['cleanup_lost', /^gemini exited with code 42: .*Invalid session identifier/],
    ['noauth', /^gemini exited with code 41: authentication failed .*: Please set an Auth method/],
    ['untrusted', /^gemini exited with code 55: the workspace is not trusted: Gemini CLI is not running in a trusted directory/],
  ] as const) {
    it(`${name}: nothing on stdout; the documented exit code and the first error line`, () => {
      const t = replay(name);
      assert.equal(t.parser.sessionId(), null);
      assert.match(outcomeOf(t).error!, text);
    });
  }

  for (const name of ['sigint_pg', 'sigterm_pg', 'sigint_tool_pg', 'sigterm_tool_pg', 'sigint_norelaunch', 'sigterm_tool_norelaunch']) {
    it(`${name}: exit 0 and no result line is an interruption, not a success`, () => {
      const t = replay(name);
      assert.equal(t.exit.code, 0);
      assert.equal(outcomeOf(t).status, 'failed');
      assert.match(outcomeOf(t).error!, /^gemini stopped without a result \(interrupted\)/);
      assert.equal(outcomeOf(t, 'cancel').status, 'cancelled');
      assert.ok(t.parser.sessionId());
    });
  }

  it('sigint_pg: the deltas streamed before the signal are kept as one text', () => {
    const t = replay('sigint_pg');
    assert.equal(t.events.filter((e) => e.type === 'output' && !e.kind && !e.stream).at(-1)!.text, "I'll list the files. word0 word1 word2 ");
  });

  it('sigint / sigterm to the launcher pid only: ignored, the run completes', () => {
    for (const name of ['sigint', 'sigterm', 'sigint_tool', 'sigterm_tool']) assert.equal(outcomeOf(replay(name)).status, 'completed');
  });
});

describe('gemini parser on other shapes', () => {
  it('error lines are non-fatal; unknown types raw; garbage never throws; a non-delta assistant message is text', () => {
    const parser = geminiRuntime.parser();
    const events = [
      '{"type":"error","severity":"warning","message":"Loop detected"}',
      '{"type":"mystery","x":1}',
      '{',
      'null',
      '{"type":"message","role":"assistant","content":"whole"}',
      '{"type":"result"}',
      '{"type":"tool_result","error":7}',
    ].flatMap((l) => parser.line(l, 'stdout'));
    assert.deepEqual(events[0], { type: 'error', kind: 'warning', fatal: false, message: 'Loop detected' });
    assert.deepEqual(events[1], { type: 'output', kind: 'raw', raw: { type: 'mystery', x: 1 } });
    for (const e of events) assert.ok((EVENT_TYPES as readonly string[]).includes(e.type));
    assert.equal(geminiRuntime.outcome(parser, { code: 0, signal: null, stoppedBy: null }).status, 'failed');
  });

  it('refuses a parser from another runtime', () => {
    assert.throws(() => geminiRuntime.outcome(commandRuntime.parser(), { code: 0, signal: null, stoppedBy: null }), HerdError);
  });
});

describe('gemini launch', () => {
  const input = (over: Partial<LaunchInput> = {}): LaunchInput => ({
    prompt: '- a list',
    workspace: '/w',
    sessionId: 'S1',
    resumeSessionId: null,
    agent: { gemini_bin: 'gm' },
    jobDir: '/h/jobs/j',
    ...over,
  });

  it('stream-json with the prompt on stdin, a minted session id, trust, and a settings file with retention off', () => {
    const spec = geminiRuntime.launch(input({ agent: { gemini_bin: 'gm', model: 'gemini-3.8-flash', approval_mode: 'yolo', max_turns: 7, env: { K: 'v' } } }));
    assert.deepEqual(spec.argv, ['gm', '-o', 'stream-json', '--model', 'gemini-3.8-flash', '--approval-mode', 'yolo', '--skip-trust', '--session-id', 'S1']);
    assert.equal(spec.stdin, '- a list');
    assert.deepEqual(spec.env, { K: 'v', GEMINI_CLI_SYSTEM_SETTINGS_PATH: `/h/jobs/j/${SETTINGS_FILE}` });
    assert.deepEqual(JSON.parse(spec.files![SETTINGS_FILE]), { general: { sessionRetention: { enabled: false } }, model: { maxSessionTurns: 7 } });
  });

  it('resume with --resume; skip_trust: false leaves trust to gemini; a 1 MB prompt stays off argv', () => {
    const big = 'q'.repeat(1024 * 1024);
    const spec = geminiRuntime.launch(input({ resumeSessionId: 'OLD', prompt: big, agent: { gemini_bin: 'gm', skip_trust: false } }));
    assert.deepEqual(spec.argv, ['gm', '-o', 'stream-json', '--resume', 'OLD']);
    assert.equal(spec.stdin, big);
  });

  it('reports bad settings as config errors', () => {
    for (const agent of [{ approval_mode: 'always' }, { max_turns: -1 }, { env: [] }]) {
      assert.throws(
        () => geminiRuntime.launch(input({ agent })),
        (e: unknown) => e instanceof HerdError && e.code === 'config',
      );
    }
  });
});
