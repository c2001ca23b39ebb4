// Adoption overview: the funnel shows exactly what GET /v1/stages says, filters refetch it,
// conversion rates and flagged accounts are shown and linked.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, api, launch, newPage, signIn, settled, screenshot, a11yProblems } from './helpers.mjs';

let browser, page;
before(async () => { browser = await launch(); page = await newPage(browser.context); await signIn(page); await settled(page); });
after(async () => { await browser.close(); });

async function funnelCounts() {
  return page.$$eval('svg.funnel rect[data-stage]', (rs) => Object.fromEntries(rs.map((r) => [r.dataset.stage, Number(r.dataset.count)])));
}
const apiCounts = (s) => Object.fromEntries(s.stages.map((r) => [r.stage, r.accounts]));

test('funnel numbers match GET /v1/stages', async () => {
  const stages = await api('/v1/stages');
  assert.ok(stages.stages.length >= 2, 'the demo graph has several stages');
  assert.deepEqual(await funnelCounts(), apiCounts(stages));
  // The visible text labels say the same numbers.
  const texts = await page.$$eval('svg.funnel text.value', (ts) => ts.map((t) => Number(t.textContent)));
  assert.deepEqual(texts, stages.stages.map((r) => r.accounts));
  await screenshot(page, '02-overview');
  assert.deepEqual(page.errors, []);
});

test('filtering by tier refetches the funnel with that filter', async () => {
  const options = await page.$$eval('#filter-tier option', (os) => os.map((o) => o.value).filter(Boolean));
  assert.ok(options.length >= 2, `tiers offered: ${options}`);
  const tier = options[0];
  await page.getByLabel('Tier').selectOption(tier);
  const expected = apiCounts(await api(`/v1/stages?tier=${encodeURIComponent(tier)}`));
  await page.waitForFunction((exp) => {
    const got = Object.fromEntries([...document.querySelectorAll('svg.funnel rect[data-stage]')].map((r) => [r.dataset.stage, Number(r.dataset.count)]));
    return JSON.stringify(got) === JSON.stringify(exp);
  }, expected);
  assert.match(page.url(), new RegExp(`tier=${tier}`));
  const all = apiCounts(await api('/v1/stages'));
  assert.notDeepEqual(expected, all, 'a tier filter changes the numbers');
  await page.getByLabel('Tier').selectOption('');
  await page.waitForFunction((exp) => {
    const got = Object.fromEntries([...document.querySelectorAll('svg.funnel rect[data-stage]')].map((r) => [r.dataset.stage, Number(r.dataset.count)]));
    return JSON.stringify(got) === JSON.stringify(exp);
  }, all);
  assert.deepEqual(page.errors, []);
});

test('milestone conversion lists every milestone with a share', async () => {
  const graph = await api('/v1/milestones');
  const rows = await page.locator('#conv-h + table tbody tr').count();
  assert.equal(rows, graph.milestones.length);
  const shares = await page.$$eval('#conv-h + table tbody tr td:last-child', (tds) => tds.map((t) => t.textContent.trim()));
  for (const s of shares) assert.match(s, /^\d+(\.\d)? %$/);
});

test('flagged accounts link to their account pages', async () => {
  const links = page.locator('#flags-h ~ table a');
  const n = await links.count();
  assert.ok(n > 0, 'the demo data has flagged accounts');
  const href = await links.first().getAttribute('href');
  const id = decodeURIComponent(href.split('/').pop());
  const account = await api(`/v1/accounts/${encodeURIComponent(id)}`);
  assert.ok(account.flags.length > 0, `${id} is flagged in the API too`);
  assert.deepEqual(await a11yProblems(page), []);
});

test('the flagged list says how many there are and links to all of them, page by page', async () => {
  await page.goto(`${BASE}/#/overview`);
  await page.locator('#flags-h').waitFor();
  await settled(page);
  const all = await api('/v1/accounts?flagged=true&per_page=1');
  assert.equal(await page.locator('#flags-h').textContent(), `Accounts needing attention (${all.total})`);
  if (all.total > 25) {
    await page.locator('#all-flagged').click();
    await page.locator('#accounts-table').waitFor();
    await settled(page);
    assert.match(await page.locator('#accounts-table caption').textContent(), new RegExp(`^${all.total} accounts flagged`));
    const first = await api('/v1/accounts?flagged=true&sort=arr&order=desc&per_page=25');
    assert.deepEqual(await page.$$eval('#accounts-table tbody tr', (trs) => trs.map((tr) => tr.dataset.account)),
      first.items.map((a) => a.id));
  }
  assert.deepEqual(page.errors, []);
});
