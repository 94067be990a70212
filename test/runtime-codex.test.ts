import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { HerdError } from '../src/core/errors.js';
import { EVENT_TYPES } from '../src/core/events.js';
import { codexRuntime } from '../src/core/runtimes/codex.js';
import { commandRuntime } from '../src/core/runtimes/command.js';
import type { ExitInfo, LaunchInput } from '../src/core/runtimes/types.js';
import { kinds, transcripts, type Transcript } from './support/transcripts.js';

const { scenarios, replay: replayWith } = transcripts('codex-0.169.0');
const replay = (name: string, ctx?: Parameters<typeof replayWith>[2]) => replayWith(codexRuntime, name, ctx);
const outcomeOf = (t: Transcript, stoppedBy: ExitInfo['stoppedBy'] = null) => codexRuntime.outcome(t.parser, { ...t.exit, stoppedBy });
const BASIC = '01a24316-10f0-7771-95f0-d39d6e1f6ab8';
const FINAL = 'The directory contains the files listed above.';

describe('codex parser on the real transcripts', () => {
  it('finds all 28 scenarios', () => assert.equal(scenarios.length, 28));

  for (const name of scenarios) {
    it(`${name}: events are well-formed, none raw, and cancel/timeout override the end`, () => {
      const t = replay(name);
      for (const e of t.events) {
        assert.ok((EVENT_TYPES as readonly string[]).includes(e.type), `${name}: type ${e.type}`);
        assert.notEqual(e.kind, 'raw', `${name}: a known line fell through to raw: ${JSON.stringify(e).slice(0, 200)}`);
      }
      assert.equal(outcomeOf(t, 'cancel').status, 'cancelled');
      assert.equal(outcomeOf(t, 'timeout').exitReason, 'timeout');
    });
  }

  for (const name of [
    'basic',
    'stdin',
    'stdin_open',
    'resume',
    'resumelast',
    'skipgit',
    'cmdfail',
    'sandbox_write',
    'sandbox_write55',
    'workspace_write',
    'escalate',
    'approval',
    'model55',
    'unknownmodel',
    'ephemeral',
  ]) {
    it(`${name}: completed with the last agent message as summary`, () => {
      const o = outcomeOf(replay(name));
      assert.equal(o.status, 'completed');
      assert.equal(o.exitReason, 'success');
      assert.match(o.summary!, /has finished\.|listed above\./);
    });
  }

  it('basic: init, thinking, text, tool_use and tool_result by item id, result; session from thread.started', () => {
    const t = replay('basic');
    assert.deepEqual(kinds(t.events.filter((e) => e.stream !== 'stderr')), ['output:init', 'output:turn_started', 'output:thinking', 'output', 'tool_use', 'tool_result', 'output', 'output:result']);
    const use = t.events.find((e) => e.type === 'tool_use')!;
    assert.deepEqual(use, { type: 'tool_use', tool: 'command_execution', id: 'item_2', input: { command: '/bin/bash -lc ls' } });
    assert.deepEqual(
      t.events.find((e) => e.type === 'tool_result'),
      { type: 'tool_result', id: 'item_2', is_error: false, content: 'README.md\npackage.json\nsrc\n', exitCode: 0 },
    );
    assert.equal(t.parser.sessionId(), BASIC);
    assert.deepEqual(t.parser.usage(), { inputTokens: 1752, outputTokens: 84, cacheReadTokens: 2048, cacheCreationTokens: 0, costUsd: null, turns: null });
    assert.equal(outcomeOf(t).summary, FINAL);
  });

  it("resume: the same thread; usage is this run's share of the cumulative totals", () => {
    const basic = replay('basic');
    const t = replay('resume', { priorTotals: basic.parser.sessionTotals!() });
    assert.equal(t.parser.sessionId(), BASIC);
    assert.deepEqual(t.parser.sessionTotals!(), { inputTokens: 4704, outputTokens: 168, cacheReadTokens: 4096, cacheCreationTokens: 0 });
    assert.deepEqual(t.parser.usage(), { inputTokens: 2952, outputTokens: 84, cacheReadTokens: 2048, cacheCreationTokens: 0, costUsd: null, turns: null });
    assert.equal(replay('resume').parser.usage()!.outputTokens, 168, 'without prior totals the whole count is charged');
    assert.deepEqual(t.parser.modelTokens!(), [{ model: 'gpt-6.1-sol', inputTokens: 2952, outputTokens: 84, cacheReadTokens: 2048, cacheCreationTokens: 0 }]);
  });

  it('cmdfail and sandbox_write: a failed command is an erroring tool_result, the run still succeeds', () => {
    for (const name of ['cmdfail', 'sandbox_write']) {
      const r = replay(name).events.find((e) => e.type === 'tool_result')!;
      assert.equal(r.is_error, true);
      assert.ok(r.exitCode === 2 || r.exitCode === 1);
    }
  });

  it('unknownmodel: the error item is a non-fatal warning', () => {
    const w = replay('unknownmodel').events.find((e) => e.type === 'error')!;
    assert.equal(w.kind, 'warning');
    assert.equal(w.fatal, false);
    assert.match(String(w.message), /Model metadata/);
  });

  it('err400: failed with the API message taken out of its JSON body; not transient', () => {
    const t = replay('err400');
    const o = outcomeOf(t);
    assert.equal(o.status, 'failed');
    assert.equal(o.error, "codex turn failed: Invalid value: 'mock'. The request was rejected by the mock API (400). invalid_request_error");
    assert.equal(o.transient, false);
    assert.deepEqual(kinds(t.events.filter((e) => e.type === 'error')), ['error:api_error', 'error:turn_failed']);
  });

  it('err500: reconnects are non-fatal api_retry errors; the failure is transient', () => {
    const t = replay('err500');
    assert.equal(t.events.filter((e) => e.kind === 'api_retry').length, 5);
    const o = outcomeOf(t);
    assert.match(o.error!, /^codex turn failed: We’re currently experiencing high demand/);
    assert.equal(o.transient, true);
  });

  for (const name of ['resumebad', 'nogit', 'badconfig']) {
    it(`${name}: nothing on stdout; the stderr line is the error`, () => {
      const t = replay(name);
      const o = outcomeOf(t);
      assert.equal(o.status, 'failed');
      assert.equal(t.parser.sessionId(), null);
      assert.ok(!/Reading additional input/.test(o.error!), o.error!);
    });
  }

  it('resumebad: says the session is unknown', () => {
    assert.match(outcomeOf(replay('resumebad')).error!, /^codex could not resume the session .*: Error: thread\/resume: .*no rollout found for thread id 99999999/);
  });

  for (const name of ['sigint', 'sigint_pg', 'sigterm', 'sigint_tool', 'sigterm_tool', 'sigterm_tool_pg', 'sigterm_tool_nosandbox']) {
    it(`${name}: no closing line: failed unless herdctl stopped it; no usage`, () => {
      const t = replay(name);
      const o = outcomeOf(t);
      assert.equal(o.status, 'failed');
      assert.match(o.error!, /^codex exited with code (1|143 \(SIGTERM\)) without finishing its turn/);
      assert.equal(t.parser.usage(), null);
      assert.ok(t.parser.sessionId());
      assert.deepEqual(outcomeOf(t, 'cancel'), { status: 'cancelled', exitReason: 'manual_cancel', error: null, summary: o.summary });
    });
  }

  it('human: plain text lines, no session', () => {
    const t = replay('human');
    assert.deepEqual(t.events[0], { type: 'output', text: FINAL });
    assert.equal(t.parser.sessionId(), null);
  });
});

describe('codex parser on other shapes', () => {
  const parse = (...lines: string[]) => {
    const parser = codexRuntime.parser({ agent: { max_turns: 1 } });
    return { parser, events: lines.flatMap((l) => parser.line(l, 'stdout')) };
  };

  it('file_change, mcp_tool_call, web_search, todo_list and a completed tool item without a start', () => {
    const { events } = parse(
      JSON.stringify({ type: 'item.started', item: { id: 'i1', type: 'file_change', changes: [{ path: '/w/a.ts', kind: 'update' }], status: 'in_progress' } }),
      JSON.stringify({ type: 'item.completed', item: { id: 'i1', type: 'file_change', changes: [{ path: '/w/a.ts', kind: 'update' }], status: 'completed' } }),
      JSON.stringify({ type: 'item.completed', item: { id: 'i2', type: 'mcp_tool_call', server: 'gh', tool: 'issues', arguments: { q: 1 }, result: { n: 2 }, status: 'completed' } }),
      JSON.stringify({ type: 'item.updated', item: { id: 'i3', type: 'todo_list', items: [{ text: 'a', completed: true }] } }),
      JSON.stringify({ type: 'item.started', item: { id: 'i4', type: 'web_search', query: 'zod' } }),
      JSON.stringify({ type: 'item.updated', item: { id: 'i4', type: 'web_search', query: 'zod' } }),
    );
    assert.deepEqual(kinds(events), ['tool_use', 'tool_result', 'tool_use', 'tool_result', 'output:todo_list', 'tool_use']);
    assert.deepEqual(events[1], { type: 'tool_result', id: 'i1', is_error: false, content: 'update /w/a.ts' });
    assert.equal(events[2].tool, 'mcp:gh/issues');
    assert.equal(events[3].content, '{"n":2}');
    assert.deepEqual(codexRuntime.recapFiles('file_change', events[0].input), ['/w/a.ts']);
  });

  it('max_turns: a tool call beyond the limit asks the runner to stop', () => {
    const { parser } = parse(JSON.stringify({ type: 'item.started', item: { id: 'a', type: 'command_execution', command: 'ls' } }));
    assert.equal(parser.limitReached!(), null);
    parser.line(JSON.stringify({ type: 'item.started', item: { id: 'b', type: 'command_execution', command: 'ls' } }), 'stdout');
    assert.match(parser.limitReached!()!, /^max_turns reached/);
  });

  it('never throws on garbage; unknown types pass through as raw', () => {
    const { parser, events } = parse(
      '',
      '{',
      'null',
      '[1]',
      '{"type":"item.completed"}',
      '{"type":"item.completed","item":{"type":"mystery"}}',
      '{"type":"turn.completed","usage":"x"}',
      '{"type":"brand_new"}',
    );
    for (const e of events) assert.ok((EVENT_TYPES as readonly string[]).includes(e.type));
    assert.deepEqual(events.at(-1), { type: 'output', kind: 'raw', raw: { type: 'brand_new' } });
    assert.equal(codexRuntime.outcome(parser, { code: 0, signal: null, stoppedBy: null }).status, 'completed');
  });

  it('refuses a parser from another runtime', () => {
    assert.throws(() => codexRuntime.outcome(commandRuntime.parser(), { code: 0, signal: null, stoppedBy: null }), HerdError);
  });
});

describe('codex launch', () => {
  const dir = mkdtempSync(join(tmpdir(), 'herdctl-codex-'));
  const repo = join(dir, 'repo');
  mkdirSync(join(repo, '.git'), { recursive: true });
  mkdirSync(join(repo, 'sub'));
  const input = (over: Partial<LaunchInput> = {}): LaunchInput => ({ prompt: 'fix it', workspace: join(repo, 'sub'), sessionId: '', resumeSessionId: null, agent: { codex_bin: 'cx' }, ...over });

  it('exec --json with model, sandbox and config overrides; the prompt on stdin; no git check inside a repository', () => {
    const spec = codexRuntime.launch(input({ agent: { codex_bin: 'cx', model: 'gpt-5.5', sandbox: 'workspace-write', codex_config: { model_reasoning_effort: 'high', n: 2 }, env: { A: 'b' } } }));
    assert.deepEqual(spec.argv, ['cx', 'exec', '--json', '--model', 'gpt-5.5', '--sandbox', 'workspace-write', '-c', 'model_reasoning_effort="high"', '-c', 'n=2', '-']);
    assert.equal(spec.stdin, 'fix it');
    assert.deepEqual(spec.env, { A: 'b', RUST_BACKTRACE: '0' });
  });

  it('resume <thread id> after the options; --skip-git-repo-check outside a repository; a 1 MB prompt stays off argv', () => {
    const big = 'z'.repeat(1024 * 1024);
    const spec = codexRuntime.launch(input({ workspace: dir, resumeSessionId: 'T1', prompt: big }));
    assert.deepEqual(spec.argv, ['cx', 'exec', '--json', '--skip-git-repo-check', 'resume', 'T1', '-']);
    assert.equal(spec.stdin, big);
  });

  it('reports bad settings as config errors', () => {
    for (const agent of [{ sandbox: 'open' }, { max_turns: 0 }, { codex_config: 'x' }, { model: 1 }]) {
      assert.throws(
        () => codexRuntime.launch(input({ agent })),
        (e: unknown) => e instanceof HerdError && e.code === 'config',
      );
    }
    rmSync(dir, { recursive: true, force: true });
  });
});
