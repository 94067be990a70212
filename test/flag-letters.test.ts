// One letter, one meaning: a short flag means the same in every command (-n is a count, -p a prompt …).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

test('every short flag letter names the same long flag (or the same kind of count) in every command', () => {
  const manifest = JSON.parse(readFileSync(new URL('../oclif.manifest.json', import.meta.url), 'utf8')) as {
    commands: Record<string, { flags: Record<string, { name: string; char?: string }> }>;
  };
  // -n is "how many" everywhere: --limit for lists, --tail for a log
  const same: Record<string, string[]> = { n: ['limit', 'tail'] };
  const seen = new Map<string, Set<string>>();
  for (const c of Object.values(manifest.commands)) {
    for (const f of Object.values(c.flags)) if (f.char) (seen.get(f.char) ?? seen.set(f.char, new Set()).get(f.char)!).add(f.name);
  }
  const mixed = [...seen].filter(([char, names]) => names.size > 1 && ![...names].every((n) => same[char]?.includes(n)));
  assert.deepEqual(
    mixed.map(([char, names]) => `-${char}: ${[...names].join(', ')}`),
    [],
  );
});
