import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { join, relative, sep } from 'node:path';
import { pathToFileURL } from 'node:url';
import { canonicalManifest } from '../scripts/sort-manifest.js';
import { ROOT } from './support/cli.js';

/**
 * oclif.manifest.json is what oclif parses flags
 * from, so it must say exactly what the command classes in src/commands say.
 */
const SRC = join(ROOT, 'src', 'commands');
const manifest = JSON.parse(fs.readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8')) as { commands: Record<string, Record<string, unknown>> };

function commandFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? commandFiles(join(dir, e.name)) : e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [join(dir, e.name)] : []));
}

const idOf = (file: string) =>
  relative(SRC, file)
    .replace(/\.ts$/, '')
    .split(sep)
    .filter((p, i, a) => !(p === 'index' && i === a.length - 1))
    .join(':');

const FLAG_KEYS = ['char', 'type', 'options', 'multiple', 'required', 'default', 'allowNo', 'exclusive', 'dependsOn', 'description', 'summary', 'helpGroup', 'hidden', 'aliases', 'charAliases'];
const ARG_KEYS = ['description', 'required', 'options', 'default', 'hidden'];
const CMD_KEYS = ['summary', 'description', 'hidden', 'aliases', 'strict', 'examples', 'enableJsonFlag'];

/** The keys that matter, without absent/false/empty values (the manifest and the classes spell "nothing" differently). */
function pick(o: Record<string, unknown>, keys: string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of keys) {
    const v = o[k];
    if (v === undefined || v === false || typeof v === 'function' || (Array.isArray(v) && v.length === 0)) continue;
    out[k] = v;
  }
  return out;
}

test('oclif.manifest.json matches the command classes in src/commands (ids, flags, args)', async () => {
  const files = commandFiles(SRC);
  assert.ok(files.length > 0);
  const ids = files.map(idOf);
  assert.deepEqual(Object.keys(manifest.commands).sort(), [...ids].sort(), 'command ids: run the build (oclif manifest)');
  for (const file of files) {
    const id = idOf(file);
    const C = (await import(pathToFileURL(file).href)).default;
    const entry = manifest.commands[id];
    assert.ok(entry, `${id} missing from the manifest`);
    assert.deepEqual(pick(entry, CMD_KEYS), pick(C as Record<string, unknown>, CMD_KEYS), `${id}: command metadata`);

    const flags: Record<string, Record<string, unknown>> = { ...C.baseFlags, ...C.flags };
    const mflags = entry.flags as Record<string, Record<string, unknown>>;
    const expected = Object.keys(flags).concat(C.enableJsonFlag ? ['json'] : []);
    assert.deepEqual(Object.keys(mflags).sort(), expected.sort(), `${id}: flag names`);
    if (C.enableJsonFlag) assert.equal(mflags.json.type, 'boolean');
    for (const [name, f] of Object.entries(flags)) {
      assert.equal(mflags[name].name, name);
      assert.deepEqual(pick(mflags[name], FLAG_KEYS), pick(f, FLAG_KEYS), `${id} --${name}`);
    }

    const args: Record<string, Record<string, unknown>> = C.args ?? {};
    const margs = entry.args as Record<string, Record<string, unknown>>;
    assert.deepEqual(Object.keys(margs), Object.keys(args), `${id}: args (in order)`);
    for (const [name, a] of Object.entries(args)) assert.deepEqual(pick(margs[name], ARG_KEYS), pick(a, ARG_KEYS), `${id} <${name}>`);
  }
});

test('every command in src/commands is built into dist/commands, and nothing else is', () => {
  const want = commandFiles(SRC)
    .map((f) => relative(SRC, f).replace(/\.ts$/, '.js'))
    .sort();
  const dist = join(ROOT, 'dist', 'commands');
  const walk = (d: string): string[] =>
    fs.readdirSync(d, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(d, e.name)) : e.name.endsWith('.js') ? [relative(dist, join(d, e.name))] : []));
  assert.deepEqual(walk(dist).sort(), want);
  for (const [id, c] of Object.entries(manifest.commands)) {
    assert.ok(fs.existsSync(join(ROOT, ...(c.relativePath as string[]))), `${id}: ${(c.relativePath as string[]).join('/')} is not built`);
  }
});

test('oclif.manifest.json is in canonical form (commands sorted by id), so every build writes the same bytes', () => {
  const text = fs.readFileSync(join(ROOT, 'oclif.manifest.json'), 'utf8');
  assert.equal(text, canonicalManifest(JSON.parse(text)), 'run the build: its last step (scripts/sort-manifest.js) sorts the manifest');
  // Whatever order oclif's directory walk produced, the canonical text is the same.
  const entries = Object.entries(manifest.commands);
  const shuffled = { ...manifest, commands: Object.fromEntries([...entries].reverse()) };
  const rotated = { ...manifest, commands: Object.fromEntries([...entries.slice(3), ...entries.slice(0, 3)]) };
  assert.equal(canonicalManifest(shuffled), text);
  assert.equal(canonicalManifest(rotated), text);
});
