// One parser: the hot commands' fast path (src/fast.ts) and oclif parse argv from the
// same definitions (src/flags/). A corpus of argvs — every flag of every hot command in
// every form, bad values, unknown flags, typos, missing and extra arguments — goes through
// both: a well-formed argv must take the fast path and give oclif's exact result; any other
// argv must either give oclif's exact result or hand over to oclif (null).
import assert from 'node:assert/strict';
import { before, test } from 'node:test';
import { Config, type Command } from '@oclif/core';
import { SPECS } from '../src/fast.js';
import { parseArgv, type CommandSpec, type FlagSpec } from '../src/flags/spec.js';
import { ROOT } from './support/cli.js';

type Cls = new (argv: string[], config: Config) => Command;
const CLASSES: Record<string, () => Promise<Cls>> = {
  'jobs:list': async () => (await import('../src/commands/jobs/list.js')).default as never,
  'jobs:show': async () => (await import('../src/commands/jobs/show.js')).default as never,
  'jobs:logs': async () => (await import('../src/commands/jobs/logs.js')).default as never,
  'jobs:stats': async () => (await import('../src/commands/jobs/stats.js')).default as never,
  run: async () => (await import('../src/commands/run.js')).default as never,
};

let config: Config;
before(async () => {
  config = await Config.load(ROOT);
});

type Outcome = { ok: true; args: string[]; flags: Record<string, unknown> } | { ok: false; error: string };

async function viaOclif(cls: Cls, spec: CommandSpec, argv: string[]): Promise<Outcome> {
  const cmd = new cls(argv, config) as unknown as { parse(c: Cls, argv: string[]): Promise<{ args: Record<string, unknown>; flags: Record<string, unknown> }> };
  try {
    const { args, flags } = await cmd.parse(cls, argv);
    const list = spec.args.map((a) => args[a.name]).filter((v) => v !== undefined) as string[];
    return { ok: true, args: list, flags: Object.fromEntries(Object.entries(flags).filter(([, v]) => v !== undefined)) };
  } catch (e) {
    return { ok: false, error: (e as Error).message.split('\n')[0] };
  }
}

const argsOf = (spec: CommandSpec) => spec.args.filter((a) => a.required).map((_a, i) => `arg${i}`);
const goodValue = (f: FlagSpec) => (f.kind === 'integer' ? String(f.max ?? (f.min ?? 0) + 7) : f.kind === 'string' && f.options ? f.options[f.options.length - 1] : 'a value with spaces');

/** Argvs oclif accepts: the fast path must take every one of them. */
function wellFormed(spec: CommandSpec): string[][] {
  const a = argsOf(spec);
  const out: string[][] = [a, [...a, '--json'], [...a, '--home', '/tmp/h'], ['--home=/tmp/h', ...a]];
  for (const [name, f] of Object.entries(spec.flags)) {
    const needs = (f.dependsOn ?? []).flatMap((d) => [`--${d}`, goodValue(spec.flags[d])]);
    if (f.kind === 'boolean') {
      out.push([...a, `--${name}`, ...needs], [`--${name}`, ...needs, ...a]);
      if (f.char) out.push([...a, `-${f.char}`, ...needs]);
      continue;
    }
    const v = goodValue(f);
    out.push([...a, `--${name}`, v], [`--${name}`, v, ...a], [...a, `--${name}=${v}`]);
    if (f.char) out.push([...a, `-${f.char}`, v]);
    if (f.kind === 'integer' && f.min !== undefined) out.push([...a, `--${name}`, String(f.min)]);
    if (f.kind === 'string' && f.options) for (const o of f.options) out.push([...a, `--${name}`, o]);
    if (f.kind === 'string' && f.multiple) out.push([...a, `--${name}`, 'one', `--${name}`, 'two'], [`--${name}`, 'one', ...a, `--${name}=two`]);
  }
  // everything at once that may go together
  const together: string[] = [];
  const taken = new Set<string>();
  for (const [name, f] of Object.entries(spec.flags)) {
    if (f.exclusive?.some((x) => taken.has(x)) || Object.values(spec.flags).some((g) => taken.has(Object.keys(spec.flags).find((k) => spec.flags[k] === g)!) && g.exclusive?.includes(name))) continue;
    taken.add(name);
    together.push(...(f.kind === 'boolean' ? [`--${name}`] : [`--${name}`, goodValue(f)]));
  }
  out.push([...a, ...together, '--json']);
  if (a.length) out.push(['--', ...a], [...a.slice(0, -1), '--', '-looks-like-a-flag']);
  return out;
}

/** Argvs that are wrong somehow: the fast path must not accept any of them differently from oclif. */
function malformed(spec: CommandSpec): string[][] {
  const a = argsOf(spec);
  const out: string[][] = [
    [...a, '--bogus'],
    [...a, '--bogus=1'],
    [...a, '-Z'],
    [...a, '-xyz'],
    [...a, 'extra', 'positional'],
    [...a, '--help'],
    [...a, '-h'],
    [...a, '--json=yes'],
    [...a, '--home'],
  ];
  if (a.length) out.push([], ['--json']);
  for (const [name, f] of Object.entries(spec.flags)) {
    out.push([...a, `--${name.slice(0, -1)}`], [...a, `--${name}x`]);
    for (const x of f.exclusive ?? []) out.push([...a, `--${name}`, ...(f.kind === 'boolean' ? [] : ['v']), `--${x}`, ...(spec.flags[x].kind === 'boolean' ? [] : ['v'])]);
    if (f.dependsOn) out.push([...a, `--${name}`]);
    if (f.kind === 'boolean') {
      out.push([...a, `--${name}=yes`], [...a, `--${name}`, `--${name}`], [...a, `--no-${name}`]);
      continue;
    }
    out.push([...a, `--${name}`], [...a, `--${name}=`], [...a, `--${name}`, '--json']);
    if (f.kind === 'integer') {
      for (const bad of ['abc', '1.5', '1e3', '', ' 5', '0x10', '-0', '+3']) out.push([...a, `--${name}`, bad]);
      if (f.min !== undefined) out.push([...a, `--${name}`, String(f.min - 1)], [...a, `--${name}=${f.min - 1}`]);
      if (f.max !== undefined) out.push([...a, `--${name}`, String(f.max + 1)]);
      out.push([...a, `--${name}`, '-5'], [...a, `--${name}=-5`]);
    }
    if (f.kind === 'string' && f.options) out.push([...a, `--${name}`, 'nope'], [...a, `--${name}`, f.options[0].toUpperCase()]);
    if (f.kind === 'string') out.push([...a, `--${name}`, '-'], [...a, `--${name}=-`], [...a, `--${name}=a=b`]);
    if (!(f.kind === 'string' && f.multiple)) out.push([...a, `--${name}`, goodValue(f), `--${name}`, goodValue(f)]);
    if (f.char) out.push([...a, `-${f.char}`], [...a, `-${f.char}${goodValue(f)}`], [...a, `-${f.char}=${goodValue(f)}`]);
  }
  return out;
}

for (const id of Object.keys(SPECS)) {
  test(`${id}: every well-formed argv takes the fast path and parses as oclif parses it`, async () => {
    const [spec, cls] = [await SPECS[id](), await CLASSES[id]()];
    const cases = wellFormed(spec);
    assert.ok(cases.length > 3);
    for (const argv of cases) {
      const fast = parseArgv(argv, spec);
      const oclif = await viaOclif(cls, spec, argv);
      assert.ok(oclif.ok, `oclif rejects ${JSON.stringify(argv)}: ${!oclif.ok && oclif.error}`);
      assert.ok(fast, `the fast path hands ${JSON.stringify(argv)} over to oclif`);
      assert.deepEqual({ ok: true, ...fast }, oclif, JSON.stringify(argv));
    }
  });

  test(`${id}: a malformed argv is parsed as oclif parses it, or handed over to oclif`, async () => {
    const [spec, cls] = [await SPECS[id](), await CLASSES[id]()];
    for (const argv of malformed(spec)) {
      const fast = parseArgv(argv, spec);
      if (fast === null) continue;
      const oclif = await viaOclif(cls, spec, argv);
      assert.deepEqual({ ok: true, ...fast }, oclif, `the fast path accepts ${JSON.stringify(argv)}`);
    }
  });
}

test('the corpus covers every flag of every hot command', async () => {
  for (const id of Object.keys(SPECS)) {
    const spec = await SPECS[id]();
    const seen = new Set(wellFormed(spec).flatMap((argv) => argv.filter((t) => t.startsWith('--')).map((t) => t.slice(2).split('=')[0])));
    for (const name of [...Object.keys(spec.flags), 'json', 'home']) assert.ok(seen.has(name), `${id} --${name}`);
  }
});
