#!/usr/bin/env node
// The hot commands' fast path (src/fast.ts and everything it loads) as one file:
// dist/bundle/fast.js. Loading ~60 ES modules one by one costs ~25 ms of a
// `jobs show`'s ~115 (resolution, reads, compiles); one module costs a few.
// bin/run.js loads it; the rest of the CLI (oclif's commands) stays unbundled.
// It sits one directory below dist/, like the modules it holds, so their
// import.meta.url-relative paths (../runner-main.js, ../../package.json)
// resolve as they do unbundled. Packages stay imports (node_modules), and so
// does core/fsx.js: its `io` object is the seam fault injection patches
// (test/faults/preload.ts), and there must be one of it, not a bundled copy.
import { build } from 'esbuild';

/** @type {import('esbuild').Plugin} */
const sharedIo = {
  name: 'shared-io',
  setup(b) {
    b.onResolve({ filter: /(^|\/)fsx\.js$/ }, () => ({ path: '../core/fsx.js', external: true }));
  },
};

await build({
  entryPoints: ['dist/fast.js'],
  outfile: 'dist/bundle/fast.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  packages: 'external',
  plugins: [sharedIo],
  logLevel: 'warning',
});
