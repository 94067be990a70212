import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestContext } from 'node:test';

/** A fresh directory under the OS temp dir, removed when the test ends. The state dir is `<dir>/home` (not created). */
export function tempDir(t: TestContext, prefix = 'herdctl-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

export function tempHome(t: TestContext): string {
  return join(tempDir(t), 'home');
}
