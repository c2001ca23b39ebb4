// Alerts page (issue 17): the alerts GET /v1/alerts lists, newest first, with their rule, account,
// CSM and delivery status; the rule filter narrows the rows to that rule; without destinations
// the page says alerts are recorded only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, api, launch, newPage, signIn, screenshot, a11yProblems } from './helpers.mjs';

let browser, page;
before(async () => { browser = await launch(); page = await newPage(browser.context); await signIn(page); });
after(async () => { await browser.close(); });

test('the rows are the API\'s alerts, in its order, with their status', async () => {
  const want = await api('/v1/alerts?per_page=50');
  assert.ok(want.total > 0, 'the demo data raises alerts at start');
  await page.goto(`${BASE}/#/alerts`);
  await page.locator('#alerts-results table tbody tr').first().waitFor();
  const rows = await page.$$eval('#alerts-results tbody tr', (trs) => trs.map((tr) => [tr.dataset.alert, tr.dataset.status]));
  assert.deepEqual(rows, want.items.map((a) => [a.id, a.status]));
  const note = await page.textContent('#alerts-destinations');
  const config = await api('/v1/triggers');
  if (config.destinations.length === 0) assert.match(note, /recorded here only/);
  await screenshot(page, 'alerts');
  assert.deepEqual(await a11yProblems(page), []);
});

test('the rule filter shows only that rule\'s alerts', async () => {
  const all = await api('/v1/alerts?per_page=500');
  const rule = all.items[all.items.length - 1].rule;
  const want = await api(`/v1/alerts?trigger=${rule}&per_page=50`);
  await page.goto(`${BASE}/#/alerts`);
  await page.locator('#alerts-trigger').waitFor();
  await page.selectOption('#alerts-trigger', rule);
  await page.click('#alerts-results ~ form button, form.filters button[type=submit]');
  await page.waitForFunction((n) => document.querySelectorAll('#alerts-results tbody tr').length === n &&
    location.hash.includes('trigger='), want.items.length);
  const ids = await page.$$eval('#alerts-results tbody tr', (trs) => trs.map((tr) => tr.dataset.alert));
  assert.deepEqual(ids, want.items.map((a) => a.id));
});
