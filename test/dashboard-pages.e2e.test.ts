// The dashboard's pages in headless Chromium: stats, schedules, quotas, webhooks,
// hash routes on back/forward, search and paging over jobs, ANSI colors, and
// no horizontal overflow at phone, tablet and desktop widths (a screenshot of
// each page at each width lands in test-artifacts/).
import assert from 'node:assert/strict';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { assertChromium, openPage } from './support/browser.js';
import { ROOT } from './support/cli.js';
import { call, serve, waitJob } from './support/serve.js';

const PAGES = ['jobs', 'stats', 'schedules', 'quotas', 'webhooks'] as const;
const WIDTHS = [390, 768, 1440];
const ESC = '\u001b';
/** What shows once a page has its data. */
const READY: Record<(typeof PAGES)[number], string> = {
  jobs: '#events li[data-type="complete"]',
  stats: '#stats-perday svg rect',
  schedules: '#schedules-table tr[data-schedule]',
  quotas: '#quotas-table tr[data-bucket]',
  webhooks: '#webhooks-pending tr[data-id], #webhooks-dead tr[data-id]',
};

const visible = (page: Page, name: string) => page.waitForSelector(`#page-${name}:not([hidden])`);
const overflow = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

test('dashboard pages: each page, hash routes, search and paging, ANSI colors, no overflow at 390/768/1440 px', { timeout: 120_000 }, async (t) => {
  assertChromium();
  const s = await serve(t, {
    extraAgents: `  nightly:
    runtime: command
    command: ["true"]
    workspace: $WS
    quota_bucket: ci
    schedules:
      every-day: { cron: "0 3 * * *", timezone: Europe/Berlin }`,
    extraConfig: 'quotas:\n  ci: { tasks_per_hour: 20, tasks_total: 500 }\n',
  });

  // history: 55 quick command jobs (two pages of 50), two searchable claude jobs, one with colors, one with a webhook that cannot deliver
  const ids: string[] = [];
  for (let i = 0; i < 55; i++) {
    const r = await call(s, 'POST', '/jobs', { body: { agent: 'shell', task: `batch job ${i}` } });
    assert.equal(r.status, 201, r.text);
    ids.push(r.body.session_id);
  }
  const find = await call(s, 'POST', '/jobs', { body: { agent: 'coder', task: 'notool find the needle-in-haystack', tags: ['needle-tag'] } });
  const colored = await call(s, 'POST', '/jobs', { body: { agent: 'coder', task: `notool stderr:"${ESC}[31mred alert${ESC}[0m then ${ESC}[1mbold${ESC}[0m plain${ESC}[2K"` } });
  const hooked = await call(s, 'POST', '/jobs', { body: { agent: 'nightly', webhook_url: 'http://127.0.0.1:9/hook' } });
  const findId = find.body.session_id;
  const colorId = colored.body.session_id;
  for (const id of [...ids, findId, colorId, hooked.body.session_id]) {
    await waitJob(s, id, (j) => ['completed', 'failed', 'cancelled'].includes(j.status as string), 60_000);
  }

  const { page, problems } = await openPage(t, { width: 1440, height: 900 });
  await page.goto(`${s.url}/#token=${encodeURIComponent(s.token)}`);
  await page.waitForSelector('#jobs tbody tr');

  // paging: 50 a page, the rest on the next
  await page.waitForFunction(() => document.querySelectorAll('#jobs tbody tr').length === 50);
  await page.click('#page-next');
  await page.waitForFunction(() => document.querySelectorAll('#jobs tbody tr').length === 8);
  assert.match((await page.locator('#page-info').textContent())!, /^51–58 \(end\)$/);
  await page.click('#page-prev');
  await page.waitForFunction(() => document.querySelectorAll('#jobs tbody tr').length === 50);

  // search: prompt text, tag, and nothing
  await page.fill('#filter-q', 'needle-in');
  await page.waitForFunction((id) => {
    const rows = document.querySelectorAll('#jobs tbody tr');
    return rows.length === 1 && (rows[0] as HTMLElement).dataset.id === id;
  }, findId);
  await page.fill('#filter-q', 'NEEDLE-TAG');
  await page.waitForFunction(() => document.querySelectorAll('#jobs tbody tr').length === 1);
  await page.fill('#filter-q', 'no such text anywhere');
  await page.waitForSelector('#jobs-empty:not([hidden])');
  await page.fill('#filter-q', '');
  await page.waitForFunction(() => document.querySelectorAll('#jobs tbody tr').length === 50);

  // ANSI: colors rendered as spans, no escape characters reach the page
  await page.evaluate((id) => (location.hash = `#job=${id}`), colorId);
  await page.waitForSelector('#events li[data-type="complete"]');
  await page.waitForSelector('#events .ansi-fg-red');
  assert.equal(await page.locator('#events .ansi-fg-red').first().textContent(), 'red alert');
  assert.ok(await page.locator('#events .ansi-bold').count());
  const text = (await page.locator('#detail').textContent())!;
  assert.ok(!text.includes(ESC), 'no escape character in the job view');

  // a changed #job= opens the other job; back and forward move between them
  await page.evaluate((id) => (location.hash = `#job=${id}`), findId);
  await page.waitForFunction((id) => document.getElementById('job-title')?.textContent === id, findId);
  await page.goBack();
  await page.waitForFunction((id) => document.getElementById('job-title')?.textContent === id, colorId);
  await page.goForward();
  await page.waitForFunction((id) => document.getElementById('job-title')?.textContent === id, findId);

  // each page through the nav, then back/forward across pages
  await page.click('nav a[data-page="stats"]');
  await visible(page, 'stats');
  await page.waitForSelector('#stats-counters .counter');
  await page.waitForSelector('#stats-perday svg rect');
  await page.waitForSelector('#stats-cost .bar-row');
  await page.waitForSelector('#stats-durations .bar-row');
  await page.click('nav a[data-page="schedules"]');
  await visible(page, 'schedules');
  await page.waitForSelector('#schedules-table tr[data-schedule="nightly/every-day"]');
  assert.match((await page.locator('#schedules-scheduler').textContent())!, /not running/);
  await page.click('nav a[data-page="quotas"]');
  await visible(page, 'quotas');
  await page.waitForSelector('#quotas-table tr[data-bucket="ci"]');
  assert.match((await page.locator('#quotas-table tr[data-bucket="ci"]').textContent())!, /\/ 20/);
  await page.click('nav a[data-page="webhooks"]');
  await visible(page, 'webhooks');
  await page.waitForSelector('#webhooks-pending tr[data-id], #webhooks-dead tr[data-id]');
  await page.goBack();
  await visible(page, 'quotas');
  await page.goBack();
  await visible(page, 'schedules');
  await page.goForward();
  await visible(page, 'quotas');

  // every page at every width: nothing wider than the window, and a picture
  mkdirSync(join(ROOT, 'test-artifacts'), { recursive: true });
  for (const width of WIDTHS) {
    await page.setViewportSize({ width, height: 900 });
    for (const name of PAGES) {
      await page.evaluate((n) => (location.hash = n === 'jobs' ? '' : `#${n}`), name);
      if (name === 'jobs') await page.evaluate((id) => (location.hash = `#job=${id}`), findId);
      await visible(page, name);
      await page.waitForSelector(READY[name]);
      assert.ok((await overflow(page)) <= 0, `${name} at ${width}px overflows horizontally by ${await overflow(page)}px`);
      await page.screenshot({ path: join(ROOT, 'test-artifacts', `dashboard-${name}-${width}.png`), fullPage: true });
    }
  }
  assert.deepEqual(problems, []);
});
