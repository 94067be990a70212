import type { ChalkInstance } from 'chalk';
import type { DoctorResult } from '../core/doctor.js';
import { table } from './table.js';

/** `herdctl doctor`: one row per check, then what to do about each problem. */
export function doctorView({ home, healthy, checks }: DoctorResult, _view: undefined, c: ChalkInstance): string {
  const paint = { ok: c.green, info: c.cyan, problem: c.red } as const;
  const rows = checks.map((k) => [k.fixed ? 'fixed' : k.status, k.name, k.fixed ?? k.detail].map((text, i) => (i ? text : { text, color: k.fixed ? c.green : paint[k.status] })));
  const todo = checks.filter((k) => k.status !== 'ok' && k.fix && !k.fixed).map((k) => `  ${k.name}: ${k.fix}`);
  return [
    `herdctl doctor: ${home}`,
    table(['', 'CHECK', 'DETAIL'], rows, c),
    ...(todo.length ? ['', 'to do:', ...todo] : []),
    '',
    healthy ? 'healthy' : `${checks.filter((k) => k.status === 'problem' && !k.fixed).length} problem(s)`,
  ].join('\n');
}
