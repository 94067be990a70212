// The dashboard end-to-end tests' browser: Debian's chromium (`.ci/setup-browser`
// installs it), driven by playwright-core, which brings no browser of its own.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import type { TestContext } from 'node:test';
import { chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Never skipped: a machine without the browser fails here, saying how to get it. */
export function assertChromium(): void {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} is missing: run .ci/setup-browser (apt-get install -y chromium); the dashboard e2e test needs it`);
}

/** A page in a fresh headless browser (closed when the test ends), and the page errors and console errors it collects. */
export async function openPage(t: TestContext, viewport: { width: number; height: number }): Promise<{ page: Page; problems: string[] }> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ARGS });
  t.after(() => browser.close());
  const page = await browser.newPage({ viewport });
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  return { page, problems };
}
