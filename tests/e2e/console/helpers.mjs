// Shared set-up for the console browser tests: a headless Debian chromium driven by
// playwright-core, the server under test (CONSOLE_URL) and an admin key (CONSOLE_KEY), both
// provided by tests/e2e/console.test.sh. Collects console errors so every test can assert none.
import { chromium } from 'playwright-core';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export const BASE = process.env.CONSOLE_URL;
export const KEY = process.env.CONSOLE_KEY;
export const SHOTS = process.env.CONSOLE_SCREENSHOTS || path.resolve('build/console-screenshots');
if (!BASE || !KEY) throw new Error('CONSOLE_URL and CONSOLE_KEY must be set (run tests/e2e/console.test.sh)');

/** GET an API path with the admin key; returns parsed JSON (throws on non-2xx). */
export async function api(p, { method = 'GET', body } = {}) {
  const res = await fetch(new URL(p, BASE), {
    method, headers: { Authorization: `Bearer ${KEY}`, ...(body ? { 'Content-Type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${p} → ${res.status} ${await res.text()}`);
  return res.json();
}

export async function launch() {
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'uplift-console-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'],
    viewport: { width: 1366, height: 768 },
    acceptDownloads: true,
  });
  context.setDefaultTimeout(15000);
  const close = async () => {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, close };
}

/** A new page that records console errors and uncaught exceptions in page.errors. */
export async function newPage(context) {
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(`console: ${m.text()}`); });
  page.on('pageerror', (e) => page.errors.push(`pageerror: ${e.message}`));
  return page;
}

export async function signIn(page, key = KEY) {
  await page.goto(BASE);
  await page.getByLabel('Admin key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.waitForURL(/#\/overview/);
  await page.locator('svg.funnel').waitFor();
}

/** Wait until the console has nothing loading. */
export async function settled(page) {
  await page.waitForFunction(() => !document.getElementById('status').textContent.includes('…'));
}

export async function screenshot(page, name) {
  fs.mkdirSync(SHOTS, { recursive: true });
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/**
 * Accessibility checks that need no extra tools: every form control has a label, and every
 * visible text has a contrast ratio of at least 4.5:1 against its effective background.
 * Returns a list of problems (empty when fine).
 */
export async function a11yProblems(page) {
  return page.evaluate(() => {
    const problems = [];
    for (const el of document.querySelectorAll('input, select, textarea')) {
      if (el.type === 'hidden') continue;
      const labelled = (el.id && document.querySelector(`label[for="${CSS.escape(el.id)}"]`)) || el.closest('label') ||
        el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      if (!labelled) problems.push(`no label: ${el.outerHTML.slice(0, 80)}`);
    }
    const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => {
      const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
      return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b);
    };
    const bgOf = (el) => {
      for (let e = el; e; e = e.parentElement) {
        if (e instanceof SVGElement && e.tagName !== 'svg') continue;
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length >= 3 && (c.length === 3 || c[3] > 0.5)) return c;
      }
      return [255, 255, 255];
    };
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    const seen = new Set();
    while (walker.nextNode()) {
      const el = walker.currentNode.parentElement;
      if (!el || seen.has(el) || !walker.currentNode.textContent.trim()) continue;
      seen.add(el);
      if (el.closest('title, desc, script, style, noscript, [hidden], .visually-hidden, .skip, option')) continue;
      const r = el.getBoundingClientRect();
      if (!r.width || !r.height) continue;
      const cs = getComputedStyle(el);
      const fg = rgb(el instanceof SVGElement ? cs.fill : cs.color);
      const rect = el.closest('g.node')?.querySelector('rect');
      const bg = rect ? rgb(getComputedStyle(rect).fill) : bgOf(el);
      const [a, b] = [lum(fg.slice(0, 3)), lum(bg.slice(0, 3))].sort((x, y) => y - x);
      const ratio = (a + 0.05) / (b + 0.05);
      if (ratio < 4.5) problems.push(`contrast ${ratio.toFixed(2)} for "${walker.currentNode.textContent.trim().slice(0, 30)}" (${cs.color} on ${bg})`);
    }
    return problems;
  });
}
