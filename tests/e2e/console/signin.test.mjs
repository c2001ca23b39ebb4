// Sign-in: a wrong key is explained, a good key is kept in sessionStorage only, sign-out forgets it.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, KEY, launch, newPage, signIn, screenshot, a11yProblems } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser.close(); });

test('a wrong key shows a plain-language sign-in error and keeps the user signed out', async () => {
  const page = await newPage(browser.context);
  await page.goto(BASE);
  await page.getByLabel('Admin key').fill('not-a-real-key');
  await page.getByRole('button', { name: 'Sign in' }).click();
  const msg = page.locator('#signin-error');
  await assert.doesNotReject(msg.getByText('Sign-in failed').waitFor());
  const text = await msg.textContent();
  assert.match(text, /did not accept this key/);
  assert.equal(await page.locator('#nav').isHidden(), true, 'navigation stays hidden');
  assert.equal(await page.evaluate(() => sessionStorage.length + localStorage.length), 0, 'nothing stored');
  assert.equal(await page.getByLabel('Admin key').getAttribute('aria-invalid'), 'true');
  await screenshot(page, '01-signin-error');
  // The failed 401 request is the only console error allowed here.
  assert.deepEqual(page.errors.filter((e) => !/401/.test(e)), []);
  await page.close();
});

test('an empty key is refused before any request', async () => {
  const page = await newPage(browser.context);
  await page.goto(BASE);
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.match(await page.locator('#signin-error').textContent(), /Paste your admin key/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a good key signs in, lives only in sessionStorage, never in the URL; sign-out forgets it', async () => {
  const page = await newPage(browser.context);
  await signIn(page);
  assert.ok(!page.url().includes(KEY), 'key not in URL');
  const stored = await page.evaluate(() => ({ session: Object.values(sessionStorage), local: localStorage.length }));
  assert.deepEqual(stored, { session: [KEY], local: 0 });
  assert.deepEqual(await a11yProblems(page), []);
  await page.getByRole('button', { name: 'Sign out' }).click();
  await page.getByLabel('Admin key').waitFor();
  assert.match(await page.locator('#signin-error').textContent(), /signed out/);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a revoked or wrong stored key sends the user back to sign-in with an explanation', async () => {
  const page = await newPage(browser.context);
  await page.goto(BASE);
  await page.evaluate(() => sessionStorage.setItem('uplift.admin_key', 'stale-key'));
  await page.goto(`${BASE}/#/accounts`);
  await page.getByLabel('Admin key').waitFor();
  assert.match(await page.locator('#signin-error').textContent(), /stopped accepting your key/);
  assert.equal(await page.evaluate(() => sessionStorage.length), 0);
  await page.close();
});
