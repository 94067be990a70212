#!/usr/bin/env node
// The build's last step: rewrite oclif.manifest.json in one canonical form.
// `oclif manifest` lists commands in the order its parallel directory walk
// happens to finish, so two builds of the same tree could differ and the
// committed file churned. Commands are sorted by id; everything inside a
// command keeps oclif's order (flag and arg order come from the classes, and
// arg order is meaningful). Two-space JSON with a final newline.
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * The canonical text of a parsed manifest.
 * @param {{ commands?: Record<string, unknown> } & Record<string, unknown>} manifest
 * @returns {string}
 */
export function canonicalManifest(manifest) {
  const commands = Object.fromEntries(Object.entries(manifest.commands ?? {}).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return JSON.stringify({ ...manifest, commands }, null, 2) + '\n';
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = fileURLToPath(new URL('../oclif.manifest.json', import.meta.url));
  writeFileSync(file, canonicalManifest(JSON.parse(readFileSync(file, 'utf8'))));
}
