// The learning API against a real server holding the demo data plus a small fixture with one
// account per audience (api/fixtures/recommend_audiences.ndjson): segments, a segment's learners,
// a learner's segments, recommendations and paths. Every answer is validated against
// api/openapi.yaml by lib.mjs. What is expected comes from the records and the config files
// (segments/default.json, content_maps/default.json), never from the server's own answers.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import { join } from 'node:path';
import XAPI from '@xapi/xapi';
import { api, env, isProblem } from './lib.mjs';

const root = process.env.UPLIFT_SOURCE_DIR;
const catalog = JSON.parse(readFileSync(join(root, 'content_maps', 'default.json'), 'utf8'));
const segmentFile = JSON.parse(readFileSync(join(root, 'segments', 'default.json'), 'utf8'));
const items = new Map(catalog.items.map((i) => [i.id, i]));

// Every record the server was given (the harness posts these files before the tests run).
const recordFiles = (process.env.RECOMMEND_RECORDS || '').split(':').filter(Boolean);
assert.ok(recordFiles.length > 0, 'RECOMMEND_RECORDS must list the NDJSON files that were posted');
const records = recordFiles.flatMap((f) => readFileSync(f, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l)));
const accounts = new Map(records.filter((r) => r.kind === 'account').map((r) => [r.id, r]));
const learners = new Map(records.filter((r) => r.kind === 'learner').map((r) => [r.id, r]));
const done = new Map();  // learner → items completed or passed
function markDone(learner, content) {
  if (!done.has(learner)) done.set(learner, new Set());
  done.get(learner).add(content);
}
for (const r of records) if (r.kind === 'completion' && ['completed', 'passed', undefined].includes(r.status)) markDone(r.learner, r.content);

const audienceOf = (l) => l.audience || accounts.get(l.account)?.audience || 'customer';
const AUDIENCES = ['customer', 'trial', 'partner', 'employee'];

// The catalog's promises for one learner: audience (no `audiences` = customer-only), role (an
// item with roles only for those roles; a learner without a role sees only role-free items).
function visibilityProblem(learnerId, itemId) {
  const l = learners.get(learnerId);
  const item = items.get(itemId);
  if (!item) return `${itemId} is not in the catalog`;
  const audiences = item.audiences || ['customer'];
  if (!audiences.includes(audienceOf(l))) return `${itemId} (audiences ${audiences}) shown to ${audienceOf(l)} learner ${learnerId}`;
  if (item.roles && !item.roles.includes(l.role)) return `${itemId} (roles ${item.roles}) shown to ${learnerId} (role ${l.role})`;
  return null;
}

const lms = { key: env.lms };
const analyst = { key: env.analyst };
const recs = (id, limit = 50) => api('GET', `/v1/learners/${encodeURIComponent(id)}/recommendations?limit=${limit}`, lms);
const path = (id) => api('GET', `/v1/learners/${encodeURIComponent(id)}/path`, lms);
const ids = (res) => res.body.items.map((i) => i.id);

test('the fixture covers every audience (so the isolation checks below are not vacuous)', () => {
  const seen = new Set([...learners.values()].map(audienceOf));
  assert.deepEqual([...seen].sort(), [...AUDIENCES].sort());
});

test('every learner of every audience: recommendations and paths never leave the audience, role or prerequisites', async () => {
  let checked = 0;
  const perAudience = Object.fromEntries(AUDIENCES.map((a) => [a, 0]));
  for (const [id, l] of learners) {
    const r = await recs(id);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.learner, id);
    assert.equal(r.body.audience, audienceOf(l), `audience of ${id}`);
    const completed = done.get(id) || new Set();
    for (const it of r.body.items) {
      const why = visibilityProblem(id, it.id);
      assert.equal(why, null, why);
      assert.ok(!completed.has(it.id), `${id} already completed ${it.id}`);
      for (const p of items.get(it.id).prerequisites || []) assert.ok(completed.has(p), `${it.id} needs ${p}, not completed by ${id}`);
      assert.equal(it.title, items.get(it.id).title);
      assert.equal(it.minutes, items.get(it.id).minutes);
    }
    const scores = r.body.items.map((i) => i.score);
    assert.deepEqual(scores, [...scores].sort((a, b) => b - a), `${id}: items not ranked by score`);
    const p = await path(id);
    assert.equal(p.status, 200, p.text);
    for (const pth of p.body.paths) {
      for (const step of pth.items) {
        const why = visibilityProblem(id, step.id);
        assert.equal(why, null, `path ${pth.path}: ${why}`);
      }
      assert.equal(pth.done, pth.items.filter((s) => s.status === 'done').length);
    }
    perAudience[audienceOf(l)] += r.body.items.length;
    checked++;
  }
  assert.equal(checked, learners.size);
  for (const a of AUDIENCES) assert.ok(perAudience[a] > 0, `no ${a} learner got any recommendation: the check proved nothing`);
});

// Raw HTTP/1.1 on one socket: what arrives, split into answers by Content-Length.
function rawClient(url) {
  const { port } = new URL(url);
  const sock = net.connect(Number(port), '127.0.0.1');
  const c = { sock, bytes: Buffer.alloc(0), closed: false };
  sock.on('data', (d) => { c.bytes = Buffer.concat([c.bytes, d]); });
  sock.on('close', () => { c.closed = true; });
  sock.on('error', () => {});
  c.connected = new Promise((resolve) => sock.once('connect', resolve));
  c.answers = () => {
    const out = [];
    let at = 0;
    for (;;) {
      const end = c.bytes.indexOf('\r\n\r\n', at);
      if (end < 0) return out;
      const head = c.bytes.subarray(at, end).toString('latin1');
      const length = Number((head.match(/\r\ncontent-length: *(\d+)/i) || [])[1]);
      if (end + 4 + length > c.bytes.length) return out;
      out.push({ status: Number(head.slice(9, 12)), head, body: c.bytes.subarray(end + 4, end + 4 + length).toString('utf8') });
      at = end + 4 + length;
    }
  };
  return c;
}

test('learner reads arriving together on many connections: each answered on its own connection, in order, as when asked alone', async () => {
  // The front door sends the answers it made on one wake-up together, 16 at a time. To give it
  // more than that at once, the server is stopped (SIGSTOP) while every connection writes its
  // requests and continued after: each lane then wakes to all of its connections ready — 100
  // connections with one request each, more than 16 a lane at the most lanes a server runs (4).
  // Every answer must still reach its own connection whole, and a close asked for follows the
  // answer. Two requests pipelined on one connection are a worker's to answer (the front door
  // answers a connection holding exactly one): they must come back in order all the same.
  const learnerIds = [...learners.keys()].sort();
  assert.ok(learnerIds.length >= 100, `only ${learnerIds.length} learners in the records`);
  const plans = [];
  for (let i = 0; plans.length < 150; i += 1) {
    const kind = ['one', 'close', 'pipelined'][plans.length % 3];
    const id = (k) => learnerIds[(2 * i + k) % learnerIds.length];
    plans.push({ kind, ids: kind === 'pipelined' ? [id(0), id(1)] : [id(0)], client: rawClient(env.url) });
  }
  const alone = new Map();
  for (const id of new Set(plans.flatMap((p) => p.ids))) alone.set(id, (await recs(id, 5)).body);
  const ask = (id, close) => `GET /v1/learners/${encodeURIComponent(id)}/recommendations?limit=5 HTTP/1.1\r\n` +
    `Host: x\r\nAuthorization: Bearer ${env.lms}\r\n${close ? 'Connection: close\r\n' : ''}\r\n`;
  const waitFor = async (what, done) => {
    const end = Date.now() + 15000;
    while (!done()) {
      assert.ok(Date.now() < end, `${what} within 15 s`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  // Each connection is accepted and dealt to a lane first: one answered request apiece.
  await Promise.all(plans.map((p) => p.client.connected));
  for (const p of plans) p.client.sock.write(ask(p.ids[0], false));
  await waitFor('every connection answered once', () => plans.every((p) => p.client.answers().length === 1));
  for (const p of plans) p.client.bytes = Buffer.alloc(0);
  const server = Number(process.env.API_PID);
  assert.ok(server > 0, 'API_PID is not set');
  process.kill(server, 'SIGSTOP');
  try {
    for (const p of plans) p.client.sock.write(p.ids.map((id) => ask(id, p.kind === 'close')).join(''));
    await new Promise((r) => setTimeout(r, 300));  // every request in the server's socket buffers
  } finally {
    process.kill(server, 'SIGCONT');
  }
  await waitFor('every connection got its answers',
    () => plans.every((p) => p.client.answers().length >= p.ids.length && (p.kind !== 'close' || p.client.closed)));
  for (const p of plans) {
    const got = p.client.answers();
    assert.equal(got.length, p.ids.length, `${p.kind} ${p.ids}: ${got.length} answers`);
    p.ids.forEach((id, k) => {
      assert.equal(got[k].status, 200, `${id}: ${got[k].head}`);
      assert.deepEqual(JSON.parse(got[k].body), alone.get(id), `${p.kind} connection, answer ${k + 1}: not ${id}'s`);
    });
    if (p.kind === 'close') assert.match(got[0].head, /\r\nConnection: close/i);
    else assert.equal(p.client.closed, false, `${p.kind} ${p.ids}: a kept connection was closed`);
    p.client.sock.destroy();
  }
});

test('audience examples: trial and partner learners get their Panorama, never customer-only content', async () => {
  const trial = ids(await recs('rx-trial-user'));
  assert.ok(trial.includes('trial-quickstart'), trial.join());
  for (const customerOnly of ['requesting-contracts', 'contracts-at-scale', 'groups-and-permissions']) assert.ok(!trial.includes(customerOnly));
  const partner = ids(await recs('rx-partner-ops'));
  assert.ok(partner.includes('partner-implementation-guide'), partner.join());
  assert.ok(!partner.includes('partner-certification'), 'partner-certification needs the guide first');
  assert.ok(partner.includes('integrations-101'), 'sales_ops partners may take integrations-101');
  const employee = ids(await recs('rx-emp-legal'));
  assert.ok(employee.includes('employee-product-bootcamp'), employee.join());
  // A learner-level audience overrides the account's: staff in a customer account see employee content.
  const staff = await recs('rx-cust-staff');
  assert.equal(staff.body.audience, 'employee');
  assert.ok(ids(staff).includes('employee-product-bootcamp'), ids(staff).join());
  // Without a role only role-free items remain.
  for (const id of ids(await recs('rx-cust-norole'))) assert.equal(items.get(id).roles, undefined, id);
});

test('reasons are machine-readable: frontier progress, path position, in progress', async () => {
  const admin = await recs('rx-cust-admin');
  const onboarding = admin.body.items.find((i) => i.id === 'admin-onboarding');
  assert.ok(onboarding, ids(admin).join());
  assert.ok(onboarding.reasons.some((r) => r.frontier === 'workflow_published'), JSON.stringify(onboarding.reasons));
  assert.ok(onboarding.reasons.some((r) => r.path === 'admin_onboarding' && r.position === 1 && r.next === true &&
    r.segment === 'new_admins'), JSON.stringify(onboarding.reasons));
  assert.ok(admin.body.frontier.includes('three_groups'));
  assert.ok(!ids(admin).includes('groups-and-permissions'), 'prerequisite admin-onboarding not completed yet');
  const trialAdmin = await recs('rx-trial-admin');
  const started = trialAdmin.body.items.find((i) => i.id === 'trial-quickstart');
  assert.ok(started, ids(trialAdmin).join());
  assert.ok(started.reasons.some((r) => r.in_progress === true), JSON.stringify(started.reasons));
});

test('an xAPI completion (@xapi/xapi) changes the next answer at once, and unlocks what it was a prerequisite of', async () => {
  const before = await recs('rx-cust-admin', 5);
  assert.equal(before.body.items[0].id, 'admin-onboarding', ids(before).join());
  const xapi = new XAPI({ endpoint: `${env.url}/xapi/`, auth: XAPI.toBasicAuth(env.ingest, '') });
  const sent = await xapi.sendStatement({ statement: {
    actor: { objectType: 'Agent', mbox: 'mailto:admin@rx-cust.test' }, verb: XAPI.Verbs.COMPLETED,
    timestamp: '2026-10-05T09:00:00Z',
    object: { objectType: 'Activity', id: 'https://lms.example.com/courses/admin-onboarding' },
  } });
  assert.equal(sent.status, 200);
  markDone('rx-cust-admin', 'admin-onboarding');

  const after = await recs('rx-cust-admin', 5);
  assert.ok(!ids(after).includes('admin-onboarding'), ids(after).join());
  const groups = after.body.items.find((i) => i.id === 'groups-and-permissions');
  assert.ok(groups, `groups-and-permissions should be unlocked: ${ids(after).join()}`);
  assert.ok(groups.reasons.some((r) => r.frontier === 'three_groups' && r.progress === '2/3'), JSON.stringify(groups.reasons));
  const p = await path('rx-cust-admin');
  const onboarding = p.body.paths.find((x) => x.path === 'admin_onboarding');
  assert.deepEqual(onboarding.items.map((s) => [s.id, s.status]).slice(0, 3),
    [['admin-onboarding', 'done'], ['workflow-basics', 'next'], ['groups-and-permissions', 'todo']]);
  assert.equal(onboarding.done, 1);
});

test('a webhook completion posted with curl (timestamped after the data) also changes the next answer', async () => {
  assert.ok(ids(await recs('rx-trial-user')).includes('workflow-basics'));
  const payload = JSON.stringify({ event_type: 'COURSE_COMPLETION', timestamp: '2026-11-20T08:30:00Z',
    user: { id: 'rx-trial-user', email: 'user@rx-trial.test' }, course: { id: 'workflow-basics', title: 'Workflow basics' } });
  const out = execFileSync('curl', ['-sS', '-w', '\n%{http_code}', '-X', 'POST', `${env.url}/v1/webhooks/skilljar`,
    '-H', `Authorization: Bearer ${env.ingest}`, '-H', 'Content-Type: application/json', '--data-binary', payload]).toString();
  assert.equal(out.trimEnd().split('\n').at(-1), '200', out);
  markDone('rx-trial-user', 'workflow-basics');
  const after = await recs('rx-trial-user');
  assert.ok(!ids(after).includes('workflow-basics'), ids(after).join());
  assert.ok(ids(after).includes('trial-quickstart'));
});

test('a canonical completion record (POST /v1/records) changes the next answer and unlocks the next item', async () => {
  const before = ids(await recs('rx-partner-ops'));
  assert.ok(before.includes('partner-implementation-guide') && !before.includes('partner-certification'), before.join());
  const line = JSON.stringify({ kind: 'completion', learner: 'rx-partner-ops', content: 'partner-implementation-guide',
    status: 'passed', ts: '2026-10-06T12:00:00Z' }) + '\n';
  const res = await api('POST', '/v1/records', { key: env.ingest, raw: line, headers: { 'Content-Type': 'application/x-ndjson' } });
  assert.equal(res.body.accepted, 1, res.text);
  markDone('rx-partner-ops', 'partner-implementation-guide');
  const after = ids(await recs('rx-partner-ops'));
  assert.ok(!after.includes('partner-implementation-guide'), after.join());
  assert.ok(after.includes('partner-certification'), `passing the guide unlocks the certification: ${after.join()}`);
});

test('GET /v1/segments: the catalog in file order with its rules and member counts', async () => {
  const res = await api('GET', '/v1/segments', { key: env.admin });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.segments.map((s) => s.id), segmentFile.segments.map((s) => s.id));
  for (const s of segmentFile.segments) {
    const got = res.body.segments.find((x) => x.id === s.id);
    assert.equal(got.title, s.title);
  }
  // The Panorama segments are pure audience rules: their counts follow from the records alone.
  for (const [seg, audience] of [['trial_prospects', 'trial'], ['partners', 'partner'], ['employees', 'employee']]) {
    const want = [...learners.values()].filter((l) => audienceOf(l) === audience).length;
    assert.equal(res.body.segments.find((s) => s.id === seg).learners, want, seg);
    assert.deepEqual(res.body.segments.find((s) => s.id === seg).rule, segmentFile.segments.find((s) => s.id === seg).rule);
  }
});

test('GET /v1/segments/{id}/learners pages through every member in id order', async () => {
  const want = [...learners.values()].filter((l) => audienceOf(l) === 'employee').map((l) => l.id).sort();
  assert.ok(want.length >= 3);
  const got = [];
  for (let page = 1; page <= want.length + 1; page++) {
    const res = await api('GET', `/v1/segments/employees/learners?per_page=2&page=${page}`, analyst);
    assert.equal(res.status, 200);
    assert.equal(res.body.total, want.length);
    assert.equal(res.body.segment, 'employees');
    if (!res.body.items.length) break;
    for (const l of res.body.items) assert.equal(l.audience, 'employee');
    got.push(...res.body.items.map((l) => l.id));
  }
  assert.deepEqual(got, want);
});

test('GET /v1/learners/{id}/segments: each segment with its rule and the conditions that matched', async () => {
  const res = await api('GET', '/v1/learners/rx-cust-admin/segments', lms);
  assert.equal(res.status, 200);
  const names = res.body.segments.map((s) => s.segment);
  assert.ok(names.includes('new_admins') && names.includes('onboarding_admins'), names.join());
  const na = res.body.segments.find((s) => s.segment === 'new_admins');
  assert.deepEqual(na.rule, segmentFile.segments.find((s) => s.id === 'new_admins').rule);
  const role = na.matched.find((w) => w.field === 'role');
  assert.deepEqual([role.op, role.actual], ['in', 'admin']);
  assert.ok(na.matched.some((w) => w.field === 'tenure_days'));
  // Staff admins with the employee audience are not "new admins" (customer-only) but are in the
  // segments open to employees: onboarding_admins (customer or employee) and the Panorama.
  const staff = await api('GET', '/v1/learners/rx-cust-staff/segments', lms);
  assert.deepEqual(staff.body.segments.map((s) => s.segment), ['onboarding_admins', 'employees']);
});

test('unknown learner or segment → 404 problem; bad limit / paging → 400 problem', async () => {
  for (const p of ['/v1/learners/nobody/recommendations', '/v1/learners/nobody/path', '/v1/learners/nobody/segments',
    '/v1/segments/nope/learners']) {
    const res = await api('GET', p, p.startsWith('/v1/segments') ? analyst : lms);
    isProblem(res, 404);
    assert.match(res.body.detail, /nobody|nope/);
  }
  for (const q of ['limit=0', 'limit=51', 'limit=abc', 'limit=-1', 'limit=2.5']) {
    const res = await api('GET', `/v1/learners/rx-cust-admin/recommendations?${q}`, lms);
    isProblem(res, 400);
    assert.match(res.body.detail, /limit/);
  }
  isProblem(await api('GET', '/v1/segments/employees/learners?per_page=0', analyst), 400);
  isProblem(await api('GET', '/v1/segments/employees/learners?page=x', analyst), 400);
  const limited = await recs('rx-cust-admin', 2);
  assert.equal(limited.body.items.length, 2);
  assert.deepEqual(limited.body.items.map((i) => i.rank), [1, 2]);
});

test('`uplift recommend LEARNER` prints the same items with the same reasons as the API', async () => {
  const sample = ['rx-cust-admin', 'rx-trial-admin', 'rx-partner-ops', 'rx-emp-legal',
    ...[...learners.keys()].filter((id) => !id.startsWith('rx-')).slice(0, 6)];
  const cli = (args) => execFileSync(env.bin, ['recommend', ...args, '--db', env.db], { env: process.env }).toString();
  for (const id of sample) {
    const res = await recs(id, 5);
    assert.deepEqual(JSON.parse(cli([id, '--json'])), res.body, `${id}: --json differs from the API`);
    // The human-readable form: one block per item, in the API's order, with every reason.
    const text = cli([id]);
    const ranked = [...text.matchAll(/^\s*(\d+)\. (\S+)\s+(-?\d+)/gm)].map((m) => [Number(m[1]), m[2], Number(m[3])]);
    assert.deepEqual(ranked, res.body.items.map((i) => [i.rank, i.id, i.score]), `${id}: text ranking\n${text}`);
    for (const it of res.body.items) {
      for (const r of it.reasons) {
        const word = r.frontier ?? r.path ?? r.collection ?? (r.in_progress ? 'in progress' : null);
        assert.ok(text.includes(word), `${id}: reason ${JSON.stringify(r)} missing from\n${text}`);
      }
    }
    const p = await path(id);
    const cliPath = JSON.parse(cli([id, '--path', '--json']));
    assert.deepEqual(cliPath, p.body, `${id}: --path --json differs from the API`);
  }
});
