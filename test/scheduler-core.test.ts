import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TickLedger, KEEP, type TickRecord } from '../src/core/scheduler/ledger.js';
import { tickKey } from '../src/core/scheduler/plan.js';
import { tempDir } from './support/tmp.js';

const iso = (t: number) => new Date(t).toISOString();

function record(agent: string, schedule: string, tick: number, fields: Partial<TickRecord> = {}): TickRecord {
  return { key: tickKey(agent, schedule, tick), agent, schedule, tick: iso(tick), outcome: 'fire', job: null, claimedAt: iso(Date.now()), by: null, missed: 0, reason: null, ...fields };
}

test('ledger: a tick is claimed once; prune keeps the newest, the unfinished and the protected', (t) => {
  const home = join(tempDir(t), 'home');
  const ledger = new TickLedger(home);
  const r = record('a', 's', Date.parse('2026-01-01T00:00:00Z'));
  assert.equal(ledger.claim(r), true);
  assert.equal(ledger.claim({ ...r, claimedAt: iso(Date.now() + 5) }), false);
  ledger.update({ ...r, job: 'job-20260101-000000-aaaaaaaa' });
  const h = ledger.load('a', 's', Date.now());
  assert.deepEqual(h.records, [{ ...r, job: 'job-20260101-000000-aaaaaaaa' }]);
  assert.ok(readdirSync(ledger.dir('a', 's')).includes('first-seen'));

  for (let i = 1; i < KEEP + 20; i++) ledger.claim(record('a', 's', Date.parse('2026-01-01T00:00:00Z') + i * 1000));
  const names = ledger.names('a', 's');
  const kept = ledger.prune('a', 's', names, new Set([names[0], names[3]]));
  assert.equal(kept.length, KEEP + 2);
  assert.deepEqual(ledger.names('a', 's'), kept);
  assert.deepEqual(kept.slice(0, 2), [names[0], names[3]]);
});

test('ledger: a torn tick file still claims its tick and reads as a fire without a job', (t) => {
  const home = join(tempDir(t), 'home');
  const ledger = new TickLedger(home);
  const tick = Date.parse('2026-01-01T09:15:00Z');
  mkdirSync(ledger.dir('a', 's'), { recursive: true });
  writeFileSync(ledger.file('a', 's', tick), '{"key":"a/s/20');
  assert.equal(ledger.claim(record('a', 's', tick)), false);
  const [r] = ledger.load('a', 's', Date.now()).records;
  assert.deepEqual([r.tick, r.outcome, r.job, r.claimedAt], [iso(tick), 'fire', null, null]);
});
