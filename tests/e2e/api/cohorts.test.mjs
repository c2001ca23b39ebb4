// Cohorts and the ROI report over a real `uplift serve` on demo data (tests/e2e/api_cohorts.test.sh):
// preview, create, CSV == JSON invitees, the seeded holdout persisted, immutability after send,
// validation errors that name the field, and GET /v1/reports/roi equal to `uplift report`.
// Every answer is validated against api/openapi.yaml by lib.mjs.
//
// COHORTS_PHASE=restart runs only the checks after the server was restarted; the first phase
// leaves what it created in $COHORTS_STATE for them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { api, env, eventually, isProblem } from './lib.mjs';

const PROGRAM = 'data_manager_accelerator';
const QUARTER = '2026Q3';
const STATE = process.env.COHORTS_STATE;
const RESTART = process.env.COHORTS_PHASE === 'restart';
const admin = (method, path, opts = {}) => api(method, path, { key: env.admin, ...opts });

/** RFC 4180: quoted fields may hold commas, doubled quotes and line breaks; records end in CRLF. */
export function parseCsv(text) {
  const rows = [];
  let row = [], cell = '', quoted = false, i = 0;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { cell += '"'; i += 2; continue; }
      if (c === '"') { quoted = false; i++; continue; }
      cell += c; i++; continue;
    }
    if (c === '"' && cell === '') { quoted = true; i++; continue; }
    if (c === ',') { row.push(cell); cell = ''; i++; continue; }
    if (c === '\r' && text[i + 1] === '\n') { row.push(cell); rows.push(row); row = []; cell = ''; i += 2; continue; }
    assert.ok(c !== '\n' && c !== '\r' && c !== '"', `bare ${JSON.stringify(c)} outside quotes at byte ${i}`);
    cell += c; i++;
  }
  assert.equal(cell, '', 'the last record ends with CRLF');
  assert.equal(row.length, 0);
  return rows;
}

const HEADER = ['account', 'account_name', 'csm', 'learner', 'email', 'role', 'reason', 'crm_account_id', 'crm_contact_id',
  'program', 'cohort'];
const cohortFields = (c) => ({ id: c.id, program: c.program, seed: c.seed, capacity: c.capacity,
  holdout_fraction: c.holdout_fraction, eligible: c.eligible, invitees: c.invitees, holdout: c.holdout });

if (!RESTART) {
  const shared = {};

  test('programs come from the content maps', async () => {
    const res = await admin('GET', '/v1/programs');
    assert.equal(res.status, 200);
    const p = res.body.items.find((x) => x.id === PROGRAM);
    assert.ok(p, `program ${PROGRAM} is listed`);
    assert.equal(p.target_event, 'data_manager_edit');
    assert.equal(p.eligibility.reached, 'foundational');
  });

  test('a preview saves nothing, explains every eligible account and is the same when repeated', async () => {
    const before = (await admin('GET', '/v1/cohorts')).body.total;
    const body = { program: PROGRAM, capacity: 10, holdout_fraction: 0.25, seed: 7, preview: true };
    const res = await admin('POST', '/v1/cohorts', { json: body });
    assert.equal(res.status, 200);
    const p = res.body;
    assert.equal(p.preview, true);
    assert.equal((await admin('GET', '/v1/cohorts')).body.total, before, 'nothing saved');
    // Pool = best ceil(10 / 0.75) = 14 eligible; holdout = round(0.25 × 14) = 4; the other 10 invited.
    assert.ok(p.eligible.length >= 14, `enough eligible accounts in the demo data (${p.eligible.length})`);
    assert.equal(p.holdout.length, 4);
    assert.equal(p.invitees.length, 10);
    const invited = p.invitees.map((i) => i.account);
    const pool = p.eligible.slice(0, 14);
    assert.deepEqual([...invited, ...p.holdout].sort(), [...pool].sort(), 'invitees + holdout = the top of the ranking');
    assert.deepEqual(invited, pool.filter((a) => invited.includes(a)), 'invitees keep rank order');
    for (const i of p.invitees) {
      assert.ok(i.learners.length > 0, `${i.account} has learners to invite`);
      assert.match(i.reason, /foundational reached \d+ days ago/);
    }
    assert.deepEqual(p.eligible_accounts.map((r) => r.account), p.eligible);
    for (const r of p.eligible_accounts) {
      const want = invited.includes(r.account) ? 'invited' : p.holdout.includes(r.account) ? 'holdout' : 'beyond_capacity';
      assert.equal(r.selection, want, r.account);
      assert.ok(r.reason.length > 10);
    }
    const accounts = (await admin('GET', '/v1/accounts?per_page=1&audience=all')).body.total;  // the preview counts every audience's exclusions
    const excluded = Object.values(p.excluded).reduce((a, b) => a + b, 0);
    assert.equal(excluded + p.eligible.length, accounts, 'every account is either eligible or counted under a reason');
    const again = await admin('POST', '/v1/cohorts', { json: body });
    assert.deepEqual(again.body, p, 'same request, same preview');
    const otherSeed = await admin('POST', '/v1/cohorts', { json: { ...body, seed: 8 } });
    assert.deepEqual(otherSeed.body.eligible, p.eligible, 'the seed does not change eligibility');
    shared.preview = p;
  });

  test('creating saves exactly what the preview showed (201 + Location)', async () => {
    const res = await admin('POST', '/v1/cohorts', { json: { program: PROGRAM, capacity: 10, holdout_fraction: 0.25, seed: 7 } });
    assert.equal(res.status, 201);
    const c = res.body;
    assert.equal(res.headers.get('location'), `/v1/cohorts/${c.id}`);
    assert.equal(c.status, 'proposed');
    assert.deepEqual(cohortFields(c), cohortFields(shared.preview));
    const got = await admin('GET', res.headers.get('location'));
    assert.equal(got.status, 200);
    assert.deepEqual(cohortFields(got.body), cohortFields(c));
    const list = await admin('GET', `/v1/cohorts?program=${PROGRAM}`);
    const row = list.body.items.find((x) => x.id === c.id);
    assert.ok(row, 'listed');
    assert.equal(row.invitees_count, 10);
    assert.equal(row.holdout_count, 4);
    shared.cohort = c;
  });

  test('the invitee CSV is RFC 4180 and has the same rows as the JSON', async () => {
    const c = shared.cohort;
    // Give an invited account a name that needs quoting (comma, quotes, line break).
    const acct = (await admin('GET', `/v1/accounts/${encodeURIComponent(c.invitees[0].account)}`)).body;
    const tricky = 'Smith, "Jones"\nand Co';
    const rec = { kind: 'account', id: acct.id, name: tricky, plan: acct.plan, tier: acct.tier, csm: acct.csm, arr: acct.arr,
      renewal_date: acct.renewal_date, created_at: acct.created_at, audience: acct.audience };
    const ing = await api('POST', '/v1/records', { key: env.ingest, raw: JSON.stringify(rec) + '\n',
      headers: { 'Content-Type': 'application/x-ndjson' } });
    assert.equal(ing.status, 200, ing.text);

    const csv = await admin('GET', `/v1/cohorts/${c.id}/invitees.csv`);
    assert.equal(csv.status, 200);
    assert.match(csv.headers.get('content-type'), /^text\/csv/);
    assert.match(csv.headers.get('content-disposition'), new RegExp(`attachment; filename="cohort-${c.id}-invitees.csv"`));
    assert.ok(csv.text.includes('"Smith, ""Jones""\nand Co"'), 'the tricky name is quoted with doubled quotes');
    const rows = parseCsv(csv.text);
    assert.deepEqual(rows[0], HEADER);
    const json = await admin('GET', `/v1/cohorts/${c.id}/invitees.json`);
    assert.equal(json.status, 200);
    assert.deepEqual(rows.slice(1), json.body.items.map((r) => HEADER.map((h) => r[h])));
    assert.equal(json.body.items.find((r) => r.account === acct.id).account_name, tricky);
    const perAccount = c.invitees.flatMap((i) => i.learners.map((l) => [i.account, l]));
    assert.deepEqual(rows.slice(1).map((r) => [r[0], r[3]]), perAccount, 'one row per invited learner, in rank order');
    shared.csv = csv.text;
  });

  test('re-posting a proposed cohort replaces it; another cohort gets its own id and other accounts', async () => {
    const c = shared.cohort;
    const same = await admin('POST', '/v1/cohorts', { json: { program: PROGRAM, id: c.id, capacity: 10, holdout_fraction: 0.25, seed: 7 } });
    assert.equal(same.status, 200);
    assert.deepEqual(cohortFields(same.body), cohortFields(c));
    const second = await admin('POST', '/v1/cohorts', { json: { program: PROGRAM, capacity: 5 } });
    assert.equal(second.status, 201);
    assert.equal(second.body.id, `${c.id}-2`);
    const taken = new Set([...c.invitees.map((i) => i.account), ...c.holdout]);
    for (const a of second.body.eligible) assert.ok(!taken.has(a), `${a} is already in the open cohort ${c.id}`);
    assert.ok(second.body.excluded['in another open cohort'] >= taken.size);
    assert.equal((await admin('DELETE', `/v1/cohorts/${second.body.id}`)).status, 204);
    isProblem(await admin('GET', `/v1/cohorts/${second.body.id}`), 404);
  });

  test('once sent, a cohort never changes (409) and sending again is harmless', async () => {
    const c = shared.cohort;
    const sent = await admin('POST', `/v1/cohorts/${c.id}/send`);
    assert.equal(sent.status, 200);
    assert.equal(sent.body.status, 'sent');
    assert.deepEqual(cohortFields(sent.body), cohortFields(c));
    assert.equal((await admin('POST', `/v1/cohorts/${c.id}/send`)).status, 200);
    const change = await admin('POST', '/v1/cohorts', { json: { program: PROGRAM, id: c.id, capacity: 3, seed: 99 } });
    isProblem(change, 409);
    assert.match(change.body.detail, /sent and cannot change/);
    isProblem(await admin('DELETE', `/v1/cohorts/${c.id}`), 409);
    const after = await admin('GET', `/v1/cohorts/${c.id}`);
    assert.equal(after.body.status, 'sent');
    assert.deepEqual(cohortFields(after.body), cohortFields(c));
    assert.equal((await admin('GET', `/v1/cohorts/${c.id}/invitees.csv`)).text, shared.csv);
    writeFileSync(STATE, JSON.stringify({ cohort: after.body, csv: shared.csv }));
  });

  test('bad requests are refused with a problem that names the field', async () => {
    const cases = [
      [{}, 422, 'program'],
      [{ program: 'nope' }, 422, 'program'],
      [{ program: PROGRAM, capacity: 0 }, 422, 'capacity'],
      [{ program: PROGRAM, capacity: 'ten' }, 422, 'capacity'],
      [{ program: PROGRAM, holdout_fraction: 0.95 }, 422, 'holdout_fraction'],
      [{ program: PROGRAM, seed: -1 }, 422, 'seed'],
      [{ program: PROGRAM, as_of: '2026-02-30' }, 422, 'as_of'],
      [{ program: PROGRAM, id: '../x' }, 422, 'id'],
      [{ program: PROGRAM, preview: 'yes' }, 422, 'preview'],
      [{ program: PROGRAM, dry_run: true }, 422, 'dry_run'],
    ];
    for (const [json, status, field] of cases) {
      const res = await admin('POST', '/v1/cohorts', { json });
      isProblem(res, status);
      assert.equal(res.body.field, field, JSON.stringify(json));
      assert.ok(res.body.detail.startsWith(`${field}: `), res.body.detail);
    }
    const unknown = await admin('POST', '/v1/cohorts', { json: { program: 'nope' } });
    assert.match(unknown.body.detail, new RegExp(`programs: .*${PROGRAM}`), 'the known programs are listed');
    isProblem(await admin('POST', '/v1/cohorts', { raw: '{"program": ', headers: { 'Content-Type': 'application/json' } }), 400);
    isProblem(await admin('POST', '/v1/cohorts', { json: [PROGRAM] }), 400);
    isProblem(await admin('POST', '/v1/cohorts', { raw: 'program=x', headers: { 'Content-Type': 'application/x-www-form-urlencoded' } }), 415);
    isProblem(await admin('GET', '/v1/cohorts?status=done'), 400);
    for (const p of ['/v1/cohorts/nope', '/v1/cohorts/nope/invitees.csv', '/v1/cohorts/nope/invitees.json']) isProblem(await admin('GET', p), 404);
    isProblem(await admin('POST', '/v1/cohorts/nope/send'), 404);
  });

  test('GET /v1/reports/roi is the report `uplift report --format json` writes', async () => {
    const res = await admin('GET', `/v1/reports/roi?quarter=${QUARTER}`);
    assert.equal(res.status, 200);
    const cli = JSON.parse(execFileSync(env.bin, ['report', '--db', env.db, '--quarter', QUARTER, '--format', 'json']).toString());
    assert.deepEqual(res.body, cli);
    assert.ok(res.body.programs.length > 0, 'the demo quarter has programs');
    assert.ok(res.body.programs.some((p) => p.usage_lift.control === 'holdout'), 'the demo cohort has a holdout control');
  });

  test('a write after a report gives the report of the new data, never the one kept from before', async () => {
    // The server keeps the last reports by version, config, cohorts and quarter (RoiCache in
    // routes_reports.cpp); a new account record publishes a new version.
    const first = (await admin('GET', `/v1/reports/roi?quarter=${QUARTER}`)).body;
    const again = (await admin('GET', `/v1/reports/roi?quarter=${QUARTER}`)).body;
    assert.deepEqual(again, first);
    const probe = { kind: 'account', id: `roi-cache-probe-${process.pid}`, name: 'ROI cache probe', tier: 'smb',
                    arr: 1000, created_at: '2026-07-15T00:00:00Z' };
    const put = await api('POST', '/v1/records', { key: env.ingest, raw: JSON.stringify(probe) + '\n',
                                                   headers: { 'Content-Type': 'application/x-ndjson' } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const after = (await admin('GET', `/v1/reports/roi?quarter=${QUARTER}`)).body;
    const count = (r) => r.stages.reduce((n, s) => n + s.accounts, 0);
    assert.equal(count(after), count(first) + 1, 'the new account is counted');
    const cli = JSON.parse(execFileSync(env.bin, ['report', '--db', env.db, '--quarter', QUARTER, '--format', 'json']).toString());
    assert.deepEqual(after, cli);
  });

  test('requests for a report being computed wait for it: six at once after a write compute it once', async () => {
    const computed = async () => {
      const m = await api('GET', '/metrics');
      const line = m.text.split('\n').find((l) => l.startsWith('uplift_roi_reports_computed_total '));
      assert.ok(line, 'the metric is exported');
      return Number(line.split(' ')[1]);
    };
    const probe = { kind: 'account', id: `roi-flight-probe-${process.pid}`, name: 'ROI flight probe', tier: 'smb',
                    arr: 2000, created_at: '2026-07-16T00:00:00Z' };
    const put = await api('POST', '/v1/records', { key: env.ingest, raw: JSON.stringify(probe) + '\n',
                                                   headers: { 'Content-Type': 'application/x-ndjson' } });
    assert.equal(put.status, 200, JSON.stringify(put.body));
    const before = await computed();
    const answers = await Promise.all(Array.from({ length: 6 }, () => admin('GET', `/v1/reports/roi?quarter=${QUARTER}`)));
    for (const a of answers) {
      assert.equal(a.status, 200);
      assert.deepEqual(a.body, answers[0].body);
    }
    assert.equal(await computed(), before + 1, 'one computation for the six requests');
    const cli = JSON.parse(execFileSync(env.bin, ['report', '--db', env.db, '--quarter', QUARTER, '--format', 'json']).toString());
    assert.deepEqual(answers[0].body, cli);
  });

  test('the ROI report as HTML and CSV; a bad quarter or format is a 400', async () => {
    const html = await admin('GET', `/v1/reports/roi?quarter=${QUARTER}&format=html`);
    assert.equal(html.status, 200);
    assert.match(html.headers.get('content-type'), /^text\/html/);
    assert.match(html.text, /<svg/);
    assert.doesNotMatch(html.text, /<script/i);
    assert.match(html.headers.get('content-security-policy'), /default-src 'none'; style-src 'unsafe-inline'/);
    const page = await admin('GET', `/v1/reports/roi.html?quarter=${QUARTER}`);
    assert.equal(page.text, html.text);
    const csv = await admin('GET', `/v1/reports/roi?quarter=${QUARTER}&format=csv`);
    assert.equal(csv.status, 200);
    assert.equal(csv.text.split(/\r?\n/)[0], 'quarter,program,cohort,metric,value,ci95_low,ci95_high,control,note');
    for (const q of ['2026Q5', '2026-Q3', 'Q3', '20263']) {
      const bad = await admin('GET', `/v1/reports/roi?quarter=${q}`);
      isProblem(bad, 400);
      assert.match(bad.body.detail, /^quarter: /);
    }
    const fmt = await admin('GET', `/v1/reports/roi?quarter=${QUARTER}&format=pdf`);
    isProblem(fmt, 400);
    assert.match(fmt.body.detail, /^format: /);
  });
} else {
  test('after a restart the sent cohort, its holdout and its CSV are unchanged', async () => {
    const saved = JSON.parse(readFileSync(STATE, 'utf8'));
    const got = await admin('GET', `/v1/cohorts/${saved.cohort.id}`);
    assert.equal(got.status, 200);
    assert.deepEqual(got.body, saved.cohort);
    assert.equal((await admin('GET', `/v1/cohorts/${saved.cohort.id}/invitees.csv`)).text, saved.csv);
    isProblem(await admin('POST', '/v1/cohorts', { json: { program: PROGRAM, id: saved.cohort.id, capacity: 3 } }), 409);
  });

  test('closing a sent cohort frees its accounts for the next cohort and keeps the record', async () => {
    const saved = JSON.parse(readFileSync(STATE, 'utf8'));
    const id = saved.cohort.id;
    const members = [...saved.cohort.invitees.map((i) => i.account), ...saved.cohort.holdout];
    const before = await admin('POST', '/v1/cohorts', { json: { program: PROGRAM, preview: true, id: 'next-round' } });
    assert.equal(before.status, 200);
    assert.ok(before.body.excluded['in another open cohort'] >= members.length, 'the sent cohort blocks its accounts');
    for (const a of members) assert.ok(!before.body.eligible.includes(a), `${a} is blocked while the cohort is open`);

    const holdoutCsv = await admin('GET', `/v1/cohorts/${id}/holdout.csv`);
    assert.equal(holdoutCsv.status, 200);
    const hrows = parseCsv(holdoutCsv.text).filter((r) => r.some((c) => c !== ''));
    assert.deepEqual(hrows[0], ['account', 'account_name', 'csm', 'arr', 'renewal_date', 'crm_account_id', 'program', 'cohort']);
    assert.deepEqual(hrows.slice(1).map((r) => r[0]), saved.cohort.holdout, 'the holdout CSV lists the holdout, by id');
    assert.ok(hrows.slice(1).every((r) => r[6] === saved.cohort.program && r[7] === id), 'each row names the program and cohort');
    isProblem(await admin('GET', '/v1/cohorts/nope/holdout.csv'), 404);
    const closed = await admin('POST', `/v1/cohorts/${id}/close`);
    assert.equal(closed.status, 200);
    assert.equal(closed.body.status, 'closed');
    assert.deepEqual(closed.body.holdout, saved.cohort.holdout, 'the holdout stays the record of the experiment');
    assert.equal((await admin('POST', `/v1/cohorts/${id}/close`)).status, 200, 'closing again is harmless');
    isProblem(await admin('POST', `/v1/cohorts/${id}/send`), 409);
    isProblem(await admin('POST', '/v1/cohorts/nope/close'), 404);

    const after = await admin('POST', '/v1/cohorts', { json: { program: PROGRAM, preview: true, id: 'next-round' } });
    assert.ok((after.body.excluded['in another open cohort'] ?? 0) < before.body.excluded['in another open cohort'],
      'fewer accounts are blocked once the cohort is closed');
    const freed = members.filter((a) => after.body.eligible.includes(a));
    assert.ok(freed.length > 0, 'accounts of the closed cohort are eligible again');
    // The report still reads the closed cohort (its holdout is the control).
    const roi = await admin('GET', `/v1/reports/roi?quarter=${QUARTER}`);
    assert.ok(roi.body.programs.some((p) => p.usage_lift.control === 'holdout'));
    // The CLI closes too, and says what it did.
    const proposed = await admin('POST', '/v1/cohorts', { json: { program: PROGRAM, id: 'to-close' } });
    assert.equal(proposed.status, 201);
    const notRun = await admin('POST', '/v1/cohorts/to-close/close');
    isProblem(notRun, 409);
    assert.match(notRun.body.detail, /only proposed: .* delete it instead/);
    assert.equal((await admin('POST', '/v1/cohorts/to-close/send')).status, 200);
    const out = execFileSync(env.bin, ['cohorts', 'close', '--db', env.db, 'to-close']).toString();
    assert.match(out, /cohort to-close is closed/);
    assert.equal((await admin('GET', '/v1/cohorts/to-close')).body.status, 'closed');
  });

  test('a sent cohort closes by itself once an invitee attended the last session, and frees its accounts', async () => {
    const program = (await admin('GET', '/v1/programs')).body.items.find((x) => x.id === PROGRAM);
    const made = await admin('POST', '/v1/cohorts', { json: { program: PROGRAM, id: 'auto-close', capacity: 2, holdout_fraction: 0 } });
    assert.equal(made.status, 201);
    assert.equal((await admin('POST', '/v1/cohorts/auto-close/send')).status, 200);
    const invitee = made.body.invitees[0];
    const blocked = await admin('POST', '/v1/cohorts', { json: { program: PROGRAM, preview: true, id: 'after-auto' } });
    assert.ok(!blocked.body.eligible.includes(invitee.account), 'held while the cohort runs');
    // Attendance at the cohort's own instant (after it was created, not after the data's as-of).
    const attend = async (session) => {
      const rec = { kind: 'attendance', learner: invitee.learners[0], program: PROGRAM, session, ts: made.body.created_at,
        attended: true, cohort: 'auto-close' };
      const res = await api('POST', '/v1/records', { key: env.ingest, raw: JSON.stringify(rec) + '\n',
        headers: { 'Content-Type': 'application/x-ndjson' } });
      assert.ok(res.status < 300, `attendance stored: ${res.status} ${JSON.stringify(res.body)}`);
    };
    await attend(1);
    await eventually(async () => assert.equal((await admin('GET', '/v1/cohorts/auto-close')).body.phase, 'running'));
    assert.equal(program.sessions > 1, true, 'the program has more than one session');
    await attend(program.sessions);
    await eventually(async () => assert.equal((await admin('GET', '/v1/cohorts/auto-close')).body.phase, 'closed'));
    const got = (await admin('GET', '/v1/cohorts/auto-close')).body;
    assert.equal(got.status, 'sent', 'the stored record is unchanged');
    assert.equal(got.closed_after_last_session, made.body.created_at);
    const closedList = (await admin('GET', '/v1/cohorts?status=closed')).body.items.map((c) => c.id);
    assert.ok(closedList.includes('auto-close'), 'listed among the closed cohorts');
    assert.ok(!(await admin('GET', '/v1/cohorts?status=sent')).body.items.some((c) => c.id === 'auto-close'));
    const freed = await admin('POST', '/v1/cohorts', { json: { program: PROGRAM, preview: true, id: 'after-auto' } });
    assert.ok(!freed.body.eligible_accounts.some((r) => r.account === invitee.account && /another open cohort/.test(r.reason)));
    assert.ok((freed.body.excluded['in another open cohort'] ?? 0) < (blocked.body.excluded['in another open cohort'] ?? 0),
      'its accounts are no longer blocked');
  });

  test('churned accounts and renewals before the program ends are excluded, each counted', async () => {
    const p = await admin('POST', '/v1/cohorts', { json: { program: PROGRAM, preview: true, id: 'reasons' } });
    const reasons = Object.keys(p.body.excluded);
    assert.ok(reasons.some((r) => /^churned/.test(r)), `no churned exclusion among ${reasons}`);
    const accounts = (await admin('GET', '/v1/accounts?per_page=1&audience=all')).body.total;
    const excluded = Object.values(p.body.excluded).reduce((a, b) => a + b, 0);
    assert.equal(excluded + p.body.eligible.length, accounts, 'every account is eligible or counted under a reason');
    for (const r of p.body.eligible_accounts) assert.doesNotMatch(r.reason, /ARR 0; renewal in -/, `${r.account} is churned`);
  });
}
