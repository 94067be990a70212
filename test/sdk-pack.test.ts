// The package as users get it: `npm pack`, installed into a scratch project, running docs/sdk.md's example
// against a state dir and against `herdctl serve`, and its types checked by tsc from a TypeScript consumer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { childEnv, ROOT } from './support/cli.js';
import { serve } from './support/serve.js';

const run = promisify(execFile);
const PKG = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string; dependencies: Record<string, string> };

/** The fenced block of docs/sdk.md that starts with `first`. */
function docBlock(lang: string, first: string): string {
  const doc = readFileSync(join(ROOT, 'docs', 'sdk.md'), 'utf8');
  for (const m of doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))) if (m[1].startsWith(first)) return m[1];
  throw new Error(`no \`\`\`${lang} block starting with ${first} in docs/sdk.md`);
}

/** A child's env without the test runner's variables, and without HERDCTL_* unless given: the example picks its mode from them. */
const cleanEnv = (extra: NodeJS.ProcessEnv): NodeJS.ProcessEnv => {
  const env = childEnv(extra);
  for (const k of ['HERDCTL_URL', 'HERDCTL_TOKEN', 'HERDCTL_HOME', 'HERDCTL_CONFIG']) if (!(k in extra)) delete env[k];
  return env;
};

/**
 * Installs the tarball the way users do (`npm install`), its dependencies from the npm cache or the
 * registry. With neither at hand (no network), the tarball is unpacked into node_modules/herdctl and its
 * dependencies linked from this repo's node_modules: the package's own files are still exactly the packed ones.
 */
async function install(project: string, tarball: string): Promise<string> {
  try {
    await run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', tarball], { cwd: project, timeout: 180_000 });
    return 'npm install';
  } catch {
    const dest = join(project, 'node_modules', 'herdctl');
    rmSync(join(project, 'node_modules'), { recursive: true, force: true });
    mkdirSync(dest, { recursive: true });
    await run('tar', ['-xzf', tarball, '-C', dest, '--strip-components=1']);
    for (const dep of Object.keys(PKG.dependencies)) {
      mkdirSync(join(project, 'node_modules', dep, '..'), { recursive: true });
      symlinkSync(join(ROOT, 'node_modules', dep), join(project, 'node_modules', dep), 'dir');
    }
    return 'unpacked, dependencies linked';
  }
}

test('npm pack → install in a scratch project → docs/sdk.md example on a state dir and against serve; the types check', { timeout: 300_000 }, async (t) => {
  assert.ok(existsSync(join(ROOT, 'dist', 'sdk', 'index.js')), 'run npm run build first');
  const scratch = mkdtempSync(join(tmpdir(), 'herdctl-pack-'));
  t.after(() => rmSync(scratch, { recursive: true, force: true }));
  const { stdout: packed } = await run('npm', ['pack', '--pack-destination', scratch, '--loglevel=error'], { cwd: ROOT, timeout: 120_000 });
  const tarball = join(scratch, packed.trim().split('\n').at(-1)!);
  assert.equal(tarball, join(scratch, `herdctl-${PKG.version}.tgz`));
  const { stdout: listing } = await run('tar', ['-tzf', tarball]);
  for (const f of ['package/dist/sdk/index.js', 'package/dist/sdk/index.d.ts', 'package/dist/core/events.d.ts', 'package/bin/run.js']) assert.ok(listing.includes(f), `${f} is packed`);

  const project = join(scratch, 'project');
  mkdirSync(project);
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'sdk-scratch', private: true, type: 'module' }));
  const how = await install(project, tarball);
  t.diagnostic(`installed by ${how}`);
  writeFileSync(join(project, 'example.mjs'), docBlock('js', '// example.mjs'));

  const s = await serve(t);
  const example = async (env: NodeJS.ProcessEnv) => {
    const r = await run(process.execPath, ['example.mjs', 'coder', 'tools:2'], { cwd: project, env: cleanEnv({ FAKE_CLAUDE_STATE: join(s.dir, 'fake-claude'), ...env }), timeout: 120_000 });
    assert.match(r.stdout, /^submitted job-\d{8}-\d{6}-[0-9a-z]{8} \((pending|running)\)$/m);
    assert.match(r.stdout, /^\[0\] started, pid \d+$/m);
    assert.equal(r.stdout.match(/^\[\d+\] tool Bash /gm)?.length, 2, r.stdout);
    assert.match(r.stdout, /^\[\d+\] complete: completed \(success\)/m);
    assert.match(r.stdout, /^job-\S+ completed: /m);
    assert.match(r.stdout, /^stats: created \d+, completed \d+, failed 0$/m);
    return r.stdout;
  };
  // on the state dir: no server involved (the example's own process submits; a runner from the installed package runs it)
  const local = await example({ HERDCTL_HOME: s.home, HERDCTL_CONFIG: join(s.dir, 'herdctl.yaml') });
  assert.match(local, /^1 recent job\(s\) of coder$/m);
  // against serve, same script
  const remote = await example({ HERDCTL_URL: s.url, HERDCTL_TOKEN: s.token });
  assert.match(remote, /^2 recent job\(s\) of coder$/m);

  // a TypeScript consumer type-checks against the packed .d.ts (module nodenext resolves `exports`)
  writeFileSync(join(project, 'check.ts'), `${docBlock('ts', 'import { Herd')}\nexport const herd = new Herd({ url: 'http://127.0.0.1:7878', token: 't' });\nexport { describe };\n`);
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022', strict: true, noEmit: true, types: ['node'], typeRoots: [join(ROOT, 'node_modules', '@types')] },
      files: ['check.ts'],
    }),
  );
  const tsc = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: project, timeout: 120_000 }).catch((e: { stdout: string }) => e);
  assert.equal((tsc as { stdout: string }).stdout.trim(), '', 'the example type-checks');
  writeFileSync(
    join(project, 'check.ts'),
    `import type { HerdEvent } from 'herdctl';\nexport function f(e: HerdEvent): number {\n  if (e.type === 'complete') {\n    const n: number = e.status;\n    return n;\n  }\n  return 0;\n}\n`,
  );
  const bad = await run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', '.'], { cwd: project, timeout: 120_000 }).catch((e: { stdout: string }) => e);
  assert.match((bad as { stdout: string }).stdout, /check\.ts\(4,\d+\): error TS2322: .* not assignable to type 'number'/, "the union narrows: a complete event's status is not a number");
});
