#!/usr/bin/env node
// Fast paths first: --version and the hot commands (run, jobs list/show/logs) skip
// the command framework, whose start-up alone costs twice node's own (src/fast.ts),
// from one bundled file (scripts/bundle.js).
const argv = process.argv.slice(2);
// HERDCTL_FAKE_OS stands in for process.platform in tests (docs/platforms.md)
if ((process.env.HERDCTL_FAKE_OS || process.platform) === 'win32') {
  const { unsupportedReason } = await import('../dist/core/platform/index.js');
  const message = unsupportedReason('win32');
  if (argv.includes('--json')) process.stdout.write(JSON.stringify({ error: 'environment', message, suggestion: 'wsl --install' }) + '\n');
  else process.stderr.write(`herdctl: ${message}\n  try: wsl --install\n`);
  process.exit(9);
}
if (argv[0] === '__complete') {
  // shell completion asks here on every tab press: no command framework (src/complete.ts)
  const { complete } = await import('../dist/complete.js');
  const found = await complete(argv.slice(1), new URL('../oclif.manifest.json', import.meta.url));
  if (found.length) process.stdout.write(found.join('\n') + '\n');
} else if (argv.length === 1 && (argv[0] === '--version' || argv[0] === '-v')) {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`herdctl/${pkg.version} ${process.platform}-${process.arch} node-${process.version}\n`);
} else if (!(await (await import('../dist/bundle/fast.js')).tryFast(argv))) {
  const { execute } = await import('@oclif/core');
  await execute({ dir: import.meta.url });
}
