// Keyboard: Tab reaches the main controls of every page, focus is visible, and the pages fit a
// 1366×768 laptop and a 1280 px wide window without horizontal scrolling.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, newPage, signIn, settled } from './helpers.mjs';

let browser, page;
before(async () => { browser = await launch(); page = await newPage(browser.context); await signIn(page); });
after(async () => { await browser.close(); });

/** Press Tab up to n times, returning a description of each focused element. */
async function tabThrough(n) {
  // Start at the top: from the first navigation link, Shift+Tab must land on the skip link
  // (the first focusable element), then Tab walks the page in order.
  await page.locator('#nav a').first().focus();
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement.className), 'skip', 'the skip link comes first');
  await page.keyboard.press('Shift+Tab');
  await page.keyboard.press('Tab');
  const seen = [];
  for (let i = 0; i < n; i++) {
    await page.keyboard.press('Tab');
    seen.push(await page.evaluate(() => {
      const el = document.activeElement;
      const cs = getComputedStyle(el);
      const label = el.id ? document.querySelector(`label[for="${el.id}"]`)?.textContent : '';
      return { tag: el.tagName, text: (label || el.textContent || el.getAttribute('aria-label') || '').trim().slice(0, 40),
        outline: cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2 };
    }));
  }
  return seen;
}

/** The id of the focused element once focus has landed on `id` (the page renders, then moves
 *  focus), or whatever has focus after 5 s — so a focus that never moves still fails. */
async function focusSettlesOn(id) {
  await page.waitForFunction((want) => document.activeElement?.id === want, id, { timeout: 5000 }).catch(() => {});
  return page.evaluate(() => document.activeElement.id);
}

async function go(hash) {
  await page.goto(`${BASE}/${hash}`);
  await page.locator('#page-title').waitFor();
  await settled(page);
}

test('Tab reaches the navigation and the overview filters, with a visible focus ring', async () => {
  await go('#/overview');
  const seen = await tabThrough(12);
  const texts = seen.map((s) => s.text);
  for (const want of ['Adoption overview', 'Accounts', 'Cohort builder', 'ROI report', 'Sign out', 'Tier', 'Plan', 'CSM']) {
    assert.ok(texts.includes(want), `Tab reaches "${want}" (saw ${texts.join(' | ')})`);
  }
  for (const s of seen) assert.ok(s.outline, `focus is visible on ${s.tag} "${s.text}"`);
});

test('the skip link moves focus to the page heading without leaving the page', async () => {
  await go('#/accounts');
  await page.locator('.skip').focus();
  await page.keyboard.press('Enter');
  assert.equal(await focusSettlesOn('page-title'), 'page-title');
  assert.match(page.url(), /#\/accounts(\?|$)/);
});

test('Tab reaches search, stage filter, sort buttons and account links; Enter opens an account', async () => {
  await go('#/accounts');
  const seen = await tabThrough(16);
  const texts = seen.map((s) => s.text);
  for (const want of ['Search accounts', 'Stage', 'Search']) assert.ok(texts.includes(want), `reaches ${want}: ${texts.join(' | ')}`);
  assert.ok(texts.some((t) => t.startsWith('Account')), 'reaches a sort button');
  // Keep tabbing to the first account link and open it with Enter.
  for (let i = 0; i < 10; i++) {
    const href = await page.evaluate(() => document.activeElement.getAttribute('href'));
    if (href && href.startsWith('#/accounts/')) break;
    await page.keyboard.press('Tab');
  }
  await page.keyboard.press('Enter');
  await page.locator('svg.milestone-graph').waitFor();
  assert.equal(await focusSettlesOn('page-title'), 'page-title', 'focus moves to the new page heading');
});

test('Tab reaches the cohort builder controls and the ROI quarter picker', async () => {
  await go('#/cohorts');
  let texts = (await tabThrough(14)).map((s) => s.text);
  for (const want of ['Program', 'Capacity (invitees)', 'Holdout fraction', 'Random seed', 'Preview eligible accounts']) {
    assert.ok(texts.includes(want), `reaches ${want}: ${texts.join(' | ')}`);
  }
  await go('#/roi');
  texts = (await tabThrough(10)).map((s) => s.text);
  for (const want of ['Quarter', 'Show report']) assert.ok(texts.includes(want), `reaches ${want}: ${texts.join(' | ')}`);
});

test('pages fit 1280 px and 1366×768 without horizontal scrolling', async () => {
  for (const size of [{ width: 1280, height: 800 }, { width: 1366, height: 768 }]) {
    await page.setViewportSize(size);
    for (const hash of ['#/overview', '#/accounts', '#/cohorts', '#/roi']) {
      await go(hash);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
      assert.ok(overflow <= 0, `${hash} at ${size.width}px overflows by ${overflow}px`);
    }
  }
  page.errors = page.errors.filter((e) => !/status of 4\d\d/.test(e));
  assert.deepEqual(page.errors, []);
});
