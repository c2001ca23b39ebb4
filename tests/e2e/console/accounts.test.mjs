// Accounts: the table matches GET /v1/accounts (search, sort, paging), and an account page
// draws exactly the milestones GET /v1/accounts/{id} reports, with learners' recommendations.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, api, launch, newPage, signIn, settled, screenshot, a11yProblems } from './helpers.mjs';

let browser, page;
before(async () => { browser = await launch(); page = await newPage(browser.context); await signIn(page); });
after(async () => { await browser.close(); });

const rowIds = () => page.$$eval('#accounts-table tbody tr', (trs) => trs.map((tr) => tr.dataset.account));

test('the first page lists the accounts the API returns, sorted by ARR', async () => {
  await page.goto(`${BASE}/#/accounts`);
  await page.locator('#accounts-table').waitFor();
  await settled(page);
  const res = await api('/v1/accounts?sort=arr&order=desc&page=1&per_page=25');
  assert.deepEqual(await rowIds(), res.items.map((a) => a.id));
  const caption = await page.locator('#accounts-table caption').textContent();
  assert.match(caption, new RegExp(`^${res.total} accounts`));
  await screenshot(page, '03-accounts');
  assert.deepEqual(page.errors, []);
});

test('sorting by a column and paging follow the API order', async () => {
  await page.locator('button[data-sort="name"]').click();
  await page.waitForFunction(() => document.querySelector('th[aria-sort] button[data-sort="name"]'));
  await settled(page);
  const asc = await api('/v1/accounts?sort=name&order=asc&page=1&per_page=25');
  assert.deepEqual(await rowIds(), asc.items.map((a) => a.id));
  assert.equal(await page.locator('th[aria-sort="ascending"] button[data-sort="name"]').count(), 1);
  await page.getByRole('button', { name: 'Next →' }).click();
  await page.waitForFunction(() => /page 2 of/.test(document.querySelector('#accounts-table caption')?.textContent));
  const p2 = await api('/v1/accounts?sort=name&order=asc&page=2&per_page=25');
  assert.deepEqual(await rowIds(), p2.items.map((a) => a.id));
});

test('search narrows the list to matching accounts', async () => {
  const first = (await api('/v1/accounts?per_page=1')).items[0];
  const term = first.name || first.id;
  await page.getByLabel('Search accounts').fill(term);
  await page.getByLabel('Search accounts').press('Enter');
  await page.waitForFunction((id) => [...document.querySelectorAll('#accounts-table tbody tr')].some((tr) => tr.dataset.account === id), first.id);
  await settled(page);
  const res = await api(`/v1/accounts?q=${encodeURIComponent(term)}&sort=name&order=asc&per_page=25`);
  assert.deepEqual(await rowIds(), res.items.map((a) => a.id));
  assert.deepEqual(page.errors, []);
});

test('an account page draws the milestones the API reports', async () => {
  // Pick an account with at least one reached and one unreached milestone.
  const list = (await api('/v1/accounts?sort=arr&order=desc&per_page=50')).items;
  let account;
  for (const a of list) {
    const full = await api(`/v1/accounts/${encodeURIComponent(a.id)}`);
    if (full.milestones.some((m) => m.achieved) && full.milestones.some((m) => !m.achieved)) { account = full; break; }
  }
  assert.ok(account, 'some account is partway through its milestones');
  await page.goto(`${BASE}/#/accounts/${encodeURIComponent(account.id)}`);
  await page.locator('svg.milestone-graph').waitFor();
  const nodes = await page.$$eval('svg.milestone-graph g.node', (gs) => Object.fromEntries(gs.map((g) => [g.dataset.milestone,
    { status: g.dataset.status, text: g.querySelector('.node-status').textContent }])));
  for (const m of account.milestones) {
    const node = nodes[m.id];
    assert.ok(node, `milestone ${m.id} is drawn`);
    if (m.achieved) {
      assert.equal(node.status, 'reached', m.id);
      assert.equal(node.text, `✔ reached ${m.achieved_at.slice(0, 10)}`, m.id);
    } else {
      assert.notEqual(node.status, 'reached', m.id);
      if (m.progress && m.progress.current > 0) assert.match(node.text, new RegExp(`${m.progress.current}/${m.progress.target}`), m.id);
    }
  }
  assert.equal(Object.keys(nodes).length, (await api('/v1/milestones')).milestones.length);
  const stageText = await page.locator('.figure.stage .figure-value').textContent();
  assert.equal(stageText, account.stage.replaceAll('_', ' '));
  await screenshot(page, '04-account');

  // Learners and their recommendations.
  await page.locator('#learners-h ~ p').first().waitFor();
  const learners = (account.learners || []).map((l) => (typeof l === 'string' ? l : l.id));
  const shownLearners = await page.locator('details.learner').evaluateAll((ds) => ds.map((d) => d.dataset.learner));
  assert.deepEqual([...shownLearners].sort(), [...learners].sort(), 'every learner of the account is listed');
  if (learners.length) {
    const learner = page.locator('details.learner').first();
    await learner.locator('summary').click();
    await learner.locator('.learner-recs :is(ol, p:not(.muted))').first().waitFor();
    const recs = await api(`/v1/learners/${encodeURIComponent(await learner.getAttribute('data-learner'))}/recommendations?limit=5`);
    const shown = await learner.locator('.recs > li').evaluateAll((lis) => lis.map((li) => li.dataset.content));
    assert.deepEqual(shown, recs.items.map((r) => r.id));
    await screenshot(page, '05-account-learner');
  }
  assert.deepEqual(await a11yProblems(page), []);
  assert.deepEqual(page.errors, []);
});

test('an unknown account shows the API error in plain words', async () => {
  await page.goto(`${BASE}/#/accounts/no-such-account-xyz`);
  const err = page.locator('#error');
  await err.waitFor();
  assert.match(await err.textContent(), /Not found/);
  // The 404 response itself is logged by the browser; nothing else may be.
  assert.deepEqual(page.errors.filter((e) => !/404/.test(e)), []);
  page.errors.length = 0;
});
