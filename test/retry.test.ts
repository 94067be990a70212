import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { backoffMs, MAX_BACKOFF_MS, shouldRetry, type Ended } from '../src/core/retry.js';
import { claudeRuntime } from '../src/core/runtimes/claude.js';
import { commandRuntime } from '../src/core/runtimes/command.js';
import { isTransient } from '../src/core/runtimes/transient.js';
import type { ExitInfo } from '../src/core/runtimes/types.js';

describe('retry policy', () => {
  const failed = (transient?: boolean, exitReason = 'error'): Ended => ({ status: 'failed', exitReason, transient });
  const table: [string, Ended, number, number, boolean][] = [
    ['transient failure, first attempt, 2 retries', failed(true), 1, 2, true],
    ['transient failure, last allowed re-run', failed(true), 2, 2, true],
    ['transient failure, attempts used up', failed(true), 3, 2, false],
    ['no retries configured', failed(true), 1, 0, false],
    ['not transient (4xx, max turns)', failed(false), 1, 3, false],
    ['unclassified', failed(undefined), 1, 3, false],
    ['timeout is never retried', failed(true, 'timeout'), 1, 3, false],
    ['cancel is never retried', { status: 'cancelled', exitReason: 'manual_cancel', transient: true }, 1, 3, false],
    ['success', { status: 'completed', exitReason: 'success' }, 1, 3, false],
  ];
  for (const [name, end, attempt, retries, want] of table) {
    it(name, () => assert.equal(shouldRetry(end, attempt, retries), want));
  }

  it('backoff doubles per attempt within ±20 % jitter, capped', () => {
    const cases: [number, number, number][] = [
      // base, attempt, middle
      [30_000, 1, 30_000],
      [30_000, 2, 60_000],
      [30_000, 3, 120_000],
      [1_000, 5, 16_000],
      [30_000, 20, MAX_BACKOFF_MS],
    ];
    for (const [base, attempt, mid] of cases) {
      assert.equal(
        backoffMs(base, attempt, () => 0.5),
        mid,
        `base ${base} attempt ${attempt}`,
      );
      assert.equal(
        backoffMs(base, attempt, () => 0),
        Math.round(mid * 0.8),
      );
      assert.ok(backoffMs(base, attempt, () => 0.999999) <= mid * 1.2);
    }
  });
});

describe('transient classification', () => {
  const table: [string, Parameters<typeof isTransient>[0], boolean][] = [
    ['500', { status: 500 }, true],
    ['529 overloaded', { status: 529 }, true],
    ['503', { status: 503 }, true],
    ['429 rate limited', { status: 429 }, true],
    ['408 request timeout', { status: 408 }, true],
    ['400 bad request', { status: 400 }, false],
    ['401 unauthorized', { status: 401 }, false],
    ['404', { status: 404 }, false],
    ['a status wins over text', { status: 400, text: 'overloaded' }, false],
    ['overloaded_error type', { type: 'overloaded_error' }, true],
    ['rate_limit_error type', { type: 'rate_limit_error' }, true],
    ['invalid_request_error type', { type: 'invalid_request_error' }, false],
    ['codex high demand (err500 transcript)', { text: 'We’re currently experiencing high demand, which may cause temporary errors.' }, true],
    ['connection reset', { text: 'API Error: read ECONNRESET' }, true],
    ['socket hang up', { text: 'request failed: socket hang up' }, true],
    ['claude connection error', { text: 'API Error: Connection error.' }, true],
    ['max turns', { text: 'Reached maximum number of turns (1)' }, false],
    ['lost session', { text: 'No conversation found with session ID: x' }, false],
    ['nothing', {}, false],
  ];
  for (const [name, err, want] of table) it(name, () => assert.equal(isTransient(err), want));
});

/** A synthetic API failure in the shapes of the err400/err500 transcripts (claude-code 2.1.330). */
function claudeApiFailure(status: number, type: string, text: string): string[] {
  const sid = 'f121cb7f-3b67-4e65-8529-188609d82fe9';
  return [
    JSON.stringify({ type: 'system', subtype: 'init', session_id: sid, cwd: '/w', model: 'm', tools: [] }),
    JSON.stringify({ type: 'system', subtype: 'api_retry', attempt: 1, max_retries: 1, retry_delay_ms: 521, error_status: status, error: 'server_error', session_id: sid }),
    JSON.stringify({
      type: 'assistant',
      session_id: sid,
      error: 'server_error',
      is_api_error_message: true,
      api_error_status: status,
      api_error_type: type,
      message: { id: 'x', model: '<synthetic>', role: 'assistant', content: [{ type: 'text', text }] },
    }),
    JSON.stringify({
      type: 'result',
      subtype: 'success',
      is_error: true,
      num_turns: 1,
      total_cost_usd: 0,
      session_id: sid,
      terminal_reason: 'api_error',
      api_error_status: status,
      api_error_type: type,
      result: text,
    }),
  ];
}

describe('runtimes class their failures', () => {
  const exit: ExitInfo = { code: 1, signal: null, stoppedBy: null };
  const claude = (lines: string[], e: ExitInfo = exit) => {
    const p = claudeRuntime.parser();
    for (const l of lines) p.line(l, 'stdout');
    return claudeRuntime.outcome(p, e);
  };
  const table: [string, string[], boolean][] = [
    ['claude 500', claudeApiFailure(500, 'api_error', 'API Error: 500 Internal server error.'), true],
    ['claude 529 overloaded', claudeApiFailure(529, 'overloaded_error', 'API Error: 529 Overloaded'), true],
    ['claude 429 rate limit', claudeApiFailure(429, 'rate_limit_error', 'API Error: Rate limit reached'), true],
    ['claude 400', claudeApiFailure(400, 'invalid_request_error', 'Prompt is too long'), false],
    ['claude max turns', [JSON.stringify({ type: 'result', subtype: 'error_max_turns', is_error: true, num_turns: 1, errors: ['Reached maximum number of turns (1)'], session_id: 's' })], false],
    ['claude killed mid-call after an overloaded message', claudeApiFailure(529, 'overloaded_error', 'Overloaded').slice(0, 3), true],
    ['claude killed without a word', [], false],
  ];
  for (const [name, lines, want] of table) {
    it(name, () => {
      const o = claude(lines);
      assert.equal(o.status, 'failed');
      assert.equal(o.transient, want);
    });
  }

  it('claude: a stop by herdctl is never transient, whatever the stream said', () => {
    for (const stoppedBy of ['cancel', 'timeout'] as const) assert.ok(!claude(claudeApiFailure(500, 'api_error', 'x'), { ...exit, stoppedBy }).transient);
  });

  it('command: exit 75 (EX_TEMPFAIL) is transient, other failures are not', () => {
    const o = (code: number) => commandRuntime.outcome(commandRuntime.parser(), { code, signal: null, stoppedBy: null });
    assert.equal(o(75).transient, true);
    assert.equal(o(1).transient, false);
    assert.equal(o(0).transient, undefined);
  });
});
