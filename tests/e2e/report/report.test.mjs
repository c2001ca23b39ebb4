// Checks the report files written by tests/e2e/report.test.sh: the JSON against the schema (ajv)
// and the planted truth, the HTML in a real headless chromium (charts render, no console errors).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Ajv from 'ajv';
import { chromium } from 'playwright-core';

const report = JSON.parse(fs.readFileSync(process.env.REPORT_JSON, 'utf8'));
const truth = JSON.parse(fs.readFileSync(process.env.TRUTH_JSON, 'utf8'));

test('report JSON validates against tests/data/report.schema.json', () => {
  const schema = JSON.parse(fs.readFileSync(process.env.SCHEMA, 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: false }).compile(schema);
  assert.ok(validate(report), JSON.stringify(validate.errors, null, 2));
});

test('report JSON agrees with what the generator planted', () => {
  const p = report.programs.find((x) => x.program === truth.program && x.cohort);
  assert.ok(p, 'the accelerator cohort is in the report');
  assert.equal(p.participants, truth.accelerator.participant_accounts);
  assert.equal(p.usage_lift.control, 'holdout');
  assert.ok(p.usage_lift.naive_pct > p.usage_lift.did_pct, 'naive includes the trend');
  const total = report.stages.reduce((n, s) => n + s.accounts, 0);
  assert.ok(total > 0);
});

test('the HTML report renders its charts in chromium without console errors', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'uplift-report-'));
  const context = await chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium', headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
  try {
    const page = await context.newPage();
    const errors = [];
    page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
    page.on('pageerror', (e) => errors.push(String(e)));
    page.on('request', (r) => { if (!r.url().startsWith('file:')) errors.push(`external request ${r.url()}`); });
    await page.goto('file://' + process.env.REPORT_HTML);
    assert.match(await page.textContent('#summary'), /accelerator training/);
    const charts = await page.$$eval('svg.chart', (els) => els.map((e) => {
      const b = e.getBoundingClientRect();
      return { w: b.width, h: b.height, bars: e.querySelectorAll('rect').length };
    }));
    assert.ok(charts.length >= 4, `expected at least 4 charts, got ${charts.length}`);
    for (const c of charts) assert.ok(c.w > 0 && c.h > 0, 'chart has a size');
    assert.ok(charts.some((c) => c.bars > 0), 'bars are drawn');
    assert.ok(await page.$('#lift-charts .ci'), 'the causal bar has a 95% error bar');
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
    fs.rmSync(dir, { recursive: true, force: true });
  }
});
