import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { estimateCost, priceFor, withEstimate } from '../src/core/pricing.js';
import { killMarked, markedPids } from '../src/core/proc-sweep.js';

const tokens = (model: string, inputTokens: number, outputTokens: number, cacheReadTokens = 0) => ({ model, inputTokens, outputTokens, cacheReadTokens, cacheCreationTokens: 0 });

test('prices: the config first, exact name before the longest prefix; unknown models have none', () => {
  for (const [model, overrides, want] of [
    ['gpt-5.5', {}, 1.25],
    ['gpt-5-mini-2026', {}, 0.25], // longest prefix: gpt-5-mini, not gpt-5
    ['gemini-3.8-flash', { 'gemini-3.8-flash': { input: 9, output: 9 } }, 9],
    ['gemini-3.8-flash-x', { gemini: { input: 7, output: 7 } }, 7],
    ['claude-sonnet-4-6', {}, 3],
  ] as const) {
    assert.equal(priceFor(model, overrides)?.input, want, model);
  }
  assert.equal(priceFor('mystery-model'), null);
});

test('estimates: per model, cached input at its own price; null when a model with tokens has no price', () => {
  // the gemini basic transcript: 200/10 on the router, 1888 (+512 cached) / 54 on the main model
  const usd = estimateCost([tokens('gemini-3.5-flash-lite', 200, 10), tokens('gemini-3.8-flash', 1888, 54, 512)]);
  assert.equal(usd, Math.round(((200 * 0.1 + 10 * 0.4) / 1e6 + (1888 * 0.3 + 54 * 2.5 + 512 * 0.075) / 1e6) * 1e8) / 1e8);
  assert.equal(estimateCost([tokens('mystery', 1, 1)]), null);
  assert.equal(estimateCost([tokens('mystery', 0, 0), tokens('gpt-5', 1_000_000, 0)]), 1.25, 'a model without tokens needs no price');
  const usage = { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheCreationTokens: 0, costUsd: null, turns: null };
  assert.deepEqual(withEstimate(usage, [tokens('gpt-5', 1_000_000, 1_000_000)]), { ...usage, costUsd: 11.25, costEstimated: true });
  assert.equal(withEstimate({ ...usage, costUsd: 0.5 }, [tokens('gpt-5', 1, 1)])!.costUsd, 0.5, 'a reported cost is kept');
  assert.equal(withEstimate(usage, [tokens('mystery', 1, 1)]), usage);
});

test('proc sweep: finds the processes whose environment carries the job mark, never itself', () => {
  const root = mkdtempSync(join(tmpdir(), 'herdctl-proc-'));
  const proc = (pid: number, env: string[]) => {
    mkdirSync(join(root, String(pid)));
    writeFileSync(join(root, String(pid), 'environ'), env.map((e) => `${e}\0`).join(''));
  };
  proc(10, ['PATH=/bin', 'HERDCTL_JOB_ID=job-a']);
  proc(11, ['HERDCTL_JOB_ID=job-a', 'X=1']); // first entry
  proc(12, ['HERDCTL_JOB_ID=job-ab']); // another job whose id starts the same
  proc(13, ['HERDCTL_JOB_ID=job-a']); // ourselves
  mkdirSync(join(root, '14')); // unreadable
  mkdirSync(join(root, 'self'));
  try {
    assert.deepEqual(markedPids('job-a', { procRoot: root, self: 13 }).sort(), [10, 11]);
    const killed: number[] = [];
    killMarked('job-a', { procRoot: root, self: 13, kill: (pid) => killed.push(pid) });
    assert.deepEqual(killed.sort(), [10, 11]);
    assert.deepEqual(markedPids('job-a', { procRoot: join(root, 'nowhere') }), []);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});
