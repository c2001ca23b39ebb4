// ROI report: naive vs causal figures with CI whiskers per program, stage movement per CSM,
// and caveats in plain words, for the quarter chosen.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { BASE, api, launch, newPage, signIn, settled, screenshot, a11yProblems } from './helpers.mjs';

const QUARTER = process.env.CONSOLE_QUARTER || '2026Q3';
let browser, page;
before(async () => { browser = await launch(); page = await newPage(browser.context); await signIn(page); });
after(async () => { await browser.close(); });

test('the report for a quarter shows every program with naive and causal lift', async () => {
  await page.goto(`${BASE}/#/roi?quarter=${QUARTER}`);
  await page.locator('#caveats-h').waitFor();
  await settled(page);
  const report = await api(`/v1/reports/roi?quarter=${QUARTER}`);
  const shown = await page.$$eval('section[data-program]', (ss) => ss.map((s) => s.dataset.program));
  assert.deepEqual(shown, report.programs.map((p) => p.program));
  for (const p of report.programs) {
    const sec = page.locator(`section[data-program="${p.program}"]`);
    assert.equal(await sec.locator('svg.bars rect.bar.naive').count(), 2, 'naive usage and ARR influenced bars');
    if (Array.isArray(p.usage_lift?.ci95_pct)) assert.ok(await sec.locator('line.whisker').count() >= 3, 'CI error bar drawn');
    const figures = await sec.locator('.figure-value').allTextContents();
    assert.equal(figures[0], String(p.participants));
  }
  const caveats = await page.locator('#caveats-h + ul li').count();
  assert.ok(caveats >= report.programs.length, 'at least one caveat per program');
  const csmBars = await page.locator('#csm-h ~ svg rect.bar').count();
  assert.equal(csmBars, report.csm.length);
  await screenshot(page, '08-roi');
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-html').click()]);
  assert.equal(download.suggestedFilename(), `uplift-roi-${QUARTER}.html`);
  const html = fs.readFileSync(await download.path(), 'utf8');
  assert.match(html, /<svg/, 'the executive report has its charts');
  assert.ok(html.includes(QUARTER));
  assert.deepEqual(await a11yProblems(page), []);
  assert.deepEqual(page.errors, []);
});

test('choosing another quarter loads that quarter', async () => {
  const other = await page.$$eval('#quarter option', (os, q) => os.map((o) => o.value).find((v) => v !== q), QUARTER);
  await page.getByLabel('Quarter', { exact: true }).selectOption(other);
  await page.waitForURL(new RegExp(`quarter=${other}`));
  await page.locator('#caveats-h').waitFor();
  await settled(page);
  assert.match(await page.locator('#stages-h ~ table caption').first().textContent(), new RegExp(other));
  page.errors = page.errors.filter((e) => !/status of 4\d\d/.test(e));
  assert.deepEqual(page.errors, []);
});
