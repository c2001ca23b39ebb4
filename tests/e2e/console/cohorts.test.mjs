// Cohort builder: preview (nothing saved) with reasons, create, and download + parse the invitee CSV.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { BASE, api, launch, newPage, signIn, settled, screenshot, a11yProblems } from './helpers.mjs';

let browser, page;
before(async () => { browser = await launch(); page = await newPage(browser.context); await signIn(page); });
after(async () => { await browser.close(); });

function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i++; } else if (c === '"') quoted = false; else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(cell); cell = ''; } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(cell); rows.push(row); row = []; cell = '';
    } else cell += c;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  return rows;
}

test('preview shows eligible accounts with reasons, then a created cohort downloads as CSV', async () => {
  await page.goto(`${BASE}/#/cohorts`);
  await page.getByLabel('Program').waitFor();
  await settled(page);
  const programs = await page.$$eval('#program option', (os) => os.map((o) => o.value));
  assert.ok(programs.length > 0, 'programs are offered');
  await page.getByLabel('Capacity (invitees)').fill('10');
  await page.getByLabel('Holdout fraction').fill('0.25');
  await page.getByLabel('Random seed').fill('7');
  assert.equal(await page.getByRole('button', { name: 'Create cohort' }).isDisabled(), true, 'create needs a preview first');
  await page.getByRole('button', { name: 'Preview eligible accounts' }).click();
  await page.getByRole('heading', { name: /Preview/ }).waitFor();
  const expected = await api('/v1/cohorts', { method: 'POST', body: { program: programs[0], capacity: 10, holdout_fraction: 0.25, seed: 7, preview: true } });
  const shownInvitees = await page.$$eval('#preview-h ~ table tbody tr', (trs) => trs.map((tr) => tr.dataset.account));
  const apiInvitees = expected.invitees.map((r) => r.account ?? r.account_id ?? r.id);
  assert.deepEqual(shownInvitees, apiInvitees);
  assert.ok(shownInvitees.length > 0 && shownInvitees.length <= 10);
  const reasons = await page.$$eval('#preview-h ~ table tbody tr', (trs) => trs.map((tr) => tr.querySelectorAll('td:last-child li').length));
  assert.ok(reasons.every((n) => n > 0), `each invitee says why: ${reasons}`);
  // Power before the cohort runs: the preview shows the API's minimum detectable effect.
  assert.ok(expected.power && 'mde_pct' in expected.power, 'the preview carries its power');
  const shown = await page.locator('.figures').textContent();
  if (expected.power.mde_pct == null) assert.match(shown, /minimum detectable lift: /);
  else assert.ok(shown.includes(`${expected.power.mde_pct.toFixed(1)} %`), `MDE ${expected.power.mde_pct} shown in: ${shown}`);
  await screenshot(page, '06-cohort-preview');

  await page.getByRole('button', { name: 'Create cohort' }).click();
  await page.getByRole('heading', { name: /Cohort .* created/ }).waitFor();
  const heading = await page.locator('#preview-h').textContent();
  const cohortId = heading.match(/Cohort (.*) created/)[1];
  const listed = await api('/v1/cohorts');
  const items = listed.items || listed.cohorts || listed;
  assert.ok(items.some((c) => String(c.id) === cohortId), `cohort ${cohortId} is listed by the API`);

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.locator('#preview-h ~ p button[data-download]').click(),
  ]);
  assert.match(download.suggestedFilename(), /\.csv$/);
  const rows = parseCsv(fs.readFileSync(await download.path(), 'utf8')).filter((r) => r.some((c) => c !== ''));
  const header = rows[0];
  const col = header.findIndex((h) => /^account(_id)?$/.test(h));
  assert.ok(col >= 0, `CSV header names the account column: ${header}`);
  const csvAccounts = rows.slice(1).map((r) => r[col]);
  assert.deepEqual([...new Set(csvAccounts)].sort(), [...apiInvitees].sort(), 'the CSV lists the invitees');
  await screenshot(page, '07-cohort-created');
  assert.deepEqual(await a11yProblems(page), []);
  assert.deepEqual(page.errors, []);
});

test('a refused cohort request is explained with the server\'s detail', async () => {
  // The form validates too; drop its limit so the server's own refusal is what is shown.
  await page.locator('#capacity').evaluate((el) => el.removeAttribute('min'));
  await page.getByLabel('Capacity (invitees)').fill('-3');
  await page.getByRole('button', { name: 'Preview eligible accounts' }).click();
  const err = page.locator('#error');
  await err.waitFor();
  const text = await err.textContent();
  assert.match(text, /refused/);
  assert.ok(text.length > 30, `detail shown: ${text}`);
  page.errors = page.errors.filter((e) => !/status of 4\d\d/.test(e));
  assert.deepEqual(page.errors, []);
});

test('a cohort is closed from the list: after confirming, its status is closed and the API agrees', async () => {
  const listed = (await api('/v1/cohorts')).items;
  // Demo cohorts whose last session was attended closed by themselves: said so, no close button.
  const auto = listed.find((c) => c.closed_after_last_session);
  const programs = (await api('/v1/programs')).items;
  const made = await api('/v1/cohorts', { method: 'POST', body: { program: programs[0].id, id: 'console-close', capacity: 2 } });
  await api(`/v1/cohorts/${made.id}/send`, { method: 'POST', body: {} });
  const open = { id: made.id };
  await page.goto(`${BASE}/#/cohorts`);
  await page.reload();  // the page may show #/cohorts already: load the list with the new cohort
  if (auto) {
    const row = page.locator(`tr[data-cohort="${auto.id}"]`);
    await row.waitFor();
    assert.match(await row.textContent(), /closed after its last session/);
    assert.equal(await row.locator('button[data-close]').count(), 0, 'nothing to close');
  }
  await page.locator(`tr[data-cohort="${open.id}"] button[data-close]`).waitFor();
  page.once('dialog', (d) => d.accept());
  await page.locator(`tr[data-cohort="${open.id}"] button[data-close]`).click();
  await page.waitForFunction((id) => /closed/i.test(document.querySelector(`tr[data-cohort="${id}"]`)?.textContent || '')
    && !document.querySelector(`tr[data-cohort="${id}"] button[data-close]`), open.id);
  assert.equal((await api(`/v1/cohorts/${encodeURIComponent(open.id)}`)).status, 'closed');
  assert.deepEqual(page.errors, []);
});
