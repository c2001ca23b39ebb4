// CSM progress (issue 19): per CSM, a chart of the share moved forward per stage with the target
// line and a table, exactly as GET /v1/stages/movement reports them; the moved accounts; the
// CSV download; and the Accounts page's flag and stalled filters page by page.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, api, launch, newPage, signIn, settled, screenshot, a11yProblems } from './helpers.mjs';

const QUARTER = process.env.CONSOLE_QUARTER || '2026Q3';
let browser, page;
before(async () => { browser = await launch(); page = await newPage(browser.context); await signIn(page); });
after(async () => { await browser.close(); });

test('one section per CSM: bars and target lines carry the API figures, the table too', async () => {
  await page.goto(`${BASE}/#/progress?quarter=${QUARTER}`);
  await page.locator('#progress-results section.csm-progress').first().waitFor();
  await settled(page);
  const m = await api(`/v1/stages/movement?quarter=${QUARTER}`);
  const csms = [...new Set(m.cells.map((c) => c.csm))];
  const shown = await page.$$eval('section.csm-progress', (ss) => ss.map((s) => s.dataset.csm));
  assert.deepEqual(shown, csms);
  for (const csm of csms.slice(0, 4)) {
    const sec = page.locator(`section.csm-progress[data-csm="${csm}"]`);
    for (const c of m.cells.filter((x) => x.csm === csm && x.target_pct !== null)) {
      assert.equal(await sec.locator(`rect[data-stage="${c.stage}"]`).getAttribute('data-share'), c.share_pct.toFixed(1), `${csm} ${c.stage} share`);
      assert.equal(await sec.locator(`line.target[data-stage="${c.stage}"]`).getAttribute('data-target'), c.target_pct.toFixed(1), `${csm} ${c.stage} target`);
      const row = sec.locator(`tr[data-stage="${c.stage}"] td`);
      assert.equal(Number(await row.nth(1).textContent()), c.at_start);
      assert.equal(Number(await row.nth(2).textContent()), c.moved_forward);
      assert.equal((await row.nth(6).textContent()).trim(), c.met === true ? 'met' : c.met === false ? 'below target' : '—');
    }
  }
  const movedRows = await page.$$eval('tr[data-account]', (trs) => trs.map((tr) => tr.dataset.account));
  assert.deepEqual(movedRows, m.moved.map((a) => a.account));
  await screenshot(page, '07-progress');
  assert.deepEqual(await a11yProblems(page), []);
  assert.deepEqual(page.errors, []);
});

test('the moved accounts download is the API CSV', async () => {
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#download-moved').click()]);
  const fs = await import('node:fs');
  const text = fs.readFileSync(await download.path(), 'utf8');
  const want = await (await fetch(new URL(`/v1/stages/movement?quarter=${QUARTER}&format=csv&table=moved`, BASE),
    { headers: { Authorization: `Bearer ${process.env.CONSOLE_KEY}` } })).text();
  assert.equal(text, want);
});

test('a quarter without targets says so', async () => {
  await page.goto(`${BASE}/#/progress?quarter=2026Q1`);
  await page.locator('#progress-results').waitFor();
  await settled(page);
  await page.locator('#no-targets').waitFor();
  assert.match(await page.locator('#no-targets').textContent(), /add targets\/2026Q1\.json/);
});

test('accounts: the flag and stalled filters page through exactly what the API returns', async () => {
  await page.goto(`${BASE}/#/accounts?flag=usage_decline&sort=name&order=asc`);
  await page.locator('#accounts-table').waitFor();
  await settled(page);
  const res = await api('/v1/accounts?flag=usage_decline&sort=name&order=asc&page=1&per_page=25');
  const ids = await page.$$eval('#accounts-table tbody tr', (trs) => trs.map((tr) => tr.dataset.account));
  assert.deepEqual(ids, res.items.map((a) => a.id));
  assert.match(await page.locator('#accounts-table caption').textContent(), new RegExp(`^${res.total} accounts? flagged`));
  await page.locator('#account-stalled').fill('60');
  await page.locator('#account-stalled').dispatchEvent('change');
  await page.waitForFunction(() => /stalled 60\+ days/.test(document.querySelector('#accounts-table caption, .card p')?.textContent || ''));
  await settled(page);
  const stalled = await api('/v1/accounts?flag=usage_decline&stalled_days=60&sort=name&order=asc&page=1&per_page=25');
  const ids2 = await page.$$eval('#accounts-table tbody tr', (trs) => trs.map((tr) => tr.dataset.account));
  assert.deepEqual(ids2, stalled.items.map((a) => a.id));
  // The stalled view shows what uplift recommends per frontier milestone, as the API says.
  for (const a of stalled.items.slice(0, 5)) {
    const shown = await page.$$eval(`#accounts-table tr[data-account="${a.id}"] ul.advice li`,
      (lis) => lis.map((li) => [li.dataset.milestone, li.dataset.action, li.textContent]));
    assert.deepEqual(shown.map(([m, act]) => [m, act]), a.recommended.map((r) => [r.milestone, r.action]), a.id);
    a.recommended.forEach((r, i) => { for (const item of r.items) assert.ok(shown[i][2].includes(item), `${a.id}: ${item} shown`); });
  }
  assert.ok(stalled.items.some((a) => a.recommended.length > 0), 'some stalled account has advice to show');
  assert.deepEqual(page.errors, []);
});

test('accounts: the CSM and tier pickers filter exactly as the API does', async () => {
  const stages = await api('/v1/stages');
  const csm = stages.by_csm.map((r) => r.csm).filter(Boolean).sort()[0];
  await page.goto(`${BASE}/#/accounts?sort=name&order=asc`);
  await page.locator('#accounts-table').waitFor();
  await settled(page);
  await page.locator('#account-csm').selectOption(csm);
  await page.waitForFunction((c) => (document.querySelector('#accounts-table caption')?.textContent || '').includes(`of ${c}`), csm);
  await settled(page);
  const want = await api(`/v1/accounts?csm=${encodeURIComponent(csm)}&sort=name&order=asc&page=1&per_page=25`);
  const ids = await page.$$eval('#accounts-table tbody tr', (trs) => trs.map((tr) => tr.dataset.account));
  assert.deepEqual(ids, want.items.map((a) => a.id));
  assert.match(await page.locator('#accounts-table caption').textContent(), new RegExp(`^${want.total} accounts? of `));
  assert.deepEqual(page.errors, []);
});
