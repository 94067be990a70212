#!/usr/bin/env node
// The hot commands' fast path (src/fast.ts and everything it loads) as one file:
// dist/bundle/fast.js. Loading ~60 ES modules one by one costs ~25 ms of a
// `jobs show`'s ~115 (resolution, reads, compiles); one module costs a few.
// bin/run.js loads it; the rest of the CLI (oclif's commands) stays unbundled.
// It sits one directory below dist/, like the modules it holds, so their
// import.meta.url-relative paths (../runner-main.js, ../../package.json)
// resolve as they do unbundled. Packages stay imports (node_modules).
import { build } from 'esbuild';

await build({
  entryPoints: ['dist/fast.js'],
  outfile: 'dist/bundle/fast.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
