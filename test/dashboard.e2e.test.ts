import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertChromium, openPage } from './support/browser.js';
import { ROOT } from './support/cli.js';
import { storedLines } from './support/jobs.js';
import { serve } from './support/serve.js';

const SCREENSHOT = join(ROOT, 'test-artifacts', 'dashboard.png');

const statusOf = (page: Page) => page.locator('#job-status').textContent();

async function waitStatus(page: Page, status: string, timeout = 15_000): Promise<void> {
  await page.waitForFunction((s) => document.getElementById('job-status')?.textContent === s, status, { timeout });
}

test('dashboard in headless Chromium: submit through the form, watch it stream, cancel another, screenshot', { timeout: 60_000 }, async (t) => {
  assertChromium();
  const s = await serve(t);
  const { page, problems } = await openPage(t, { width: 1360, height: 860 });

  // the token comes in the fragment (never sent to the server), is stored, and leaves the address bar
  await page.goto(`${s.url}/#token=${encodeURIComponent(s.token)}`);
  await page.waitForSelector('#submit-agent option[value="coder"]', { state: 'attached' });
  assert.equal(new URL(page.url()).hash, '');
  assert.equal(await page.evaluate(() => localStorage.getItem('herdctl.token')), s.token);

  // submit a job through the form: the job view opens and streams its events as they arrive
  await page.selectOption('#submit-agent', 'coder');
  await page.fill('#submit-task', 'slow:8:250 tool:Read');
  await page.fill('#submit-tags', 'e2e, ui');
  await page.click('#submit-button');
  await page.waitForSelector('#events li[data-type="output"]');
  const streamed = await page.locator('#events li').count();
  assert.notEqual(await statusOf(page), 'completed', 'the first events showed while the job was still running');
  await page.waitForSelector('#events li[data-type="complete"]', { timeout: 20_000 });
  assert.ok((await page.locator('#events li').count()) > streamed, 'more events arrived live');
  await waitStatus(page, 'completed');
  await page.waitForSelector('#recap:not([hidden])');
  const first = (await page.locator('#job-title').textContent())!;
  const seqs = await page.$$eval('#events li', (lis) => lis.map((li) => Number((li as HTMLElement).dataset.seq)));
  assert.deepEqual(
    seqs,
    storedLines(s.home, first).map((l) => JSON.parse(l).seq),
    'every stored event shown once, in order',
  );
  assert.match((await page.locator('#events li[data-type="tool_use"]').first().textContent())!, /Read/);
  assert.match((await page.locator('#recap').textContent())!, /Tools: Read/);

  // cancel another: a long tool run, stopped from the job view
  await page.fill('#submit-task', 'sleep:30000');
  await page.click('#submit-button');
  await page.waitForFunction((id) => {
    const t = document.getElementById('job-title')?.textContent;
    return t && t !== id;
  }, first);
  const second = (await page.locator('#job-title').textContent())!;
  await waitStatus(page, 'running');
  await page.waitForSelector('#events li[data-type="tool_use"]');
  await page.fill('#cancel-reason', 'changed my mind');
  await page.click('#cancel-button');
  await page.waitForSelector('#events li[data-type="complete"]', { timeout: 20_000 });
  await waitStatus(page, 'cancelled');
  await page.waitForSelector('#recap:not([hidden])');
  assert.match((await page.locator('#recap').textContent())!, /changed my mind/);

  // the list follows status changes, and filters
  await page.waitForSelector(`#jobs tr[data-id="${second}"][data-status="cancelled"]`);
  await page.waitForSelector(`#jobs tr[data-id="${first}"][data-status="completed"]`);
  await page.selectOption('#filter-status', 'cancelled');
  await page.waitForFunction(() => document.querySelectorAll('#jobs tbody tr').length === 1);
  assert.equal(await page.locator('#jobs tbody tr').getAttribute('data-id'), second);
  await page.selectOption('#filter-status', '');
  await page.waitForFunction(() => document.querySelectorAll('#jobs tbody tr').length === 2);

  // resume the finished one: a new job whose parent is the first
  await page.click(`#jobs tr[data-id="${first}"]`);
  await waitStatus(page, 'completed');
  await page.fill('#resume-prompt', 'notool now summarise');
  await page.click('#resume-button');
  await page.waitForFunction(
    (ids) => {
      const t = document.getElementById('job-title')?.textContent;
      return t && !ids.includes(t);
    },
    [first, second],
  );
  await page.waitForSelector('#events li[data-type="complete"]', { timeout: 20_000 });
  assert.match((await page.locator('#job-meta').textContent())!, new RegExp(`resumes ${first.slice(4)}`));

  // back to the first job for the picture: the list, its streamed events and the recap
  await page.click(`#jobs tr[data-id="${first}"]`);
  await page.waitForSelector('#recap:not([hidden])');
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  await page.screenshot({ path: SCREENSHOT, fullPage: true });
  assert.deepEqual(problems, []);
});
