// Every endpoint × (no key, wrong scope, revoked key, right scope): a data-driven table.
// "right" must get past auth (any answer but 401/403); the others get 401 / 403 problems.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, env, isProblem } from './lib.mjs';

const ndjson = '{"kind":"account","id":"matrix-acct","name":"Matrix"}\n';
const seg = { type: 'track', userId: 'u', event: 'x', messageId: 'm-matrix', context: { groupId: 'matrix-acct' } };
const stmt = {
  actor: { mbox: 'mailto:matrix@example.com' }, verb: { id: 'http://adlnet.gov/expapi/verbs/completed' },
  object: { id: 'https://lms.example.com/courses/c1' },
};
const xapiH = { 'X-Experience-API-Version': '1.0.3' };

// [method, path, access, request options]
export const ENDPOINTS = [
  ['POST', '/v1/records', 'ingest', { raw: ndjson, headers: { 'Content-Type': 'application/x-ndjson' } }],
  ['POST', '/v1/batch', 'ingest', { json: { batch: [seg] } }],
  ['POST', '/v1/track', 'ingest', { json: seg }],
  ['POST', '/v1/identify', 'ingest', { json: { type: 'identify', userId: 'u', traits: {} } }],
  ['POST', '/v1/group', 'ingest', { json: { type: 'group', userId: 'u', groupId: 'matrix-acct', traits: {} } }],
  ['POST', '/v1/t', 'ingest', { json: seg }],
  ['POST', '/v1/i', 'ingest', { json: { type: 'identify', userId: 'u' } }],
  ['POST', '/v1/g', 'ingest', { json: { type: 'group', userId: 'u', groupId: 'matrix-acct' } }],
  ['POST', '/xapi/statements', 'ingest', { json: stmt, headers: xapiH }],
  ['PUT', '/xapi/statements?statementId=6f9619ff-8b86-d011-b42d-00cf4fc964ff', 'ingest', { json: stmt, headers: xapiH }],
  ['GET', '/xapi/statements?statementId=6f9619ff-8b86-d011-b42d-00cf4fc964ff', 'ingest', { headers: xapiH }],
  ['POST', '/v1/webhooks/skilljar', 'ingest', { json: { event_type: 'COURSE_COMPLETION', timestamp: '2026-03-01T12:00:00Z', user: { id: 'matrix-learner' }, course: { id: 'c1' } } }],
  ['POST', '/v1/webhooks/docebo', 'ingest', { json: { message_id: 'm-matrix', event: 'course.enrollment.completed', payload: { user_id: 1, username: 'matrix@example.com', course_id: 2, completion_date: '2026-03-01 12:00:00' } } }],
  ['GET', '/v1/accounts', 'analyst', {}],
  ['GET', '/v1/accounts/matrix-acct', 'analyst', {}],
  ['GET', '/v1/learners', 'analyst', {}],
  ['GET', '/v1/learners/nobody', 'lms', {}],
  ['GET', '/v1/stages', 'analyst', {}],
  ['GET', '/v1/milestones', 'lms', {}],
  ['GET', '/v1/learners/nobody/recommendations?limit=5', 'lms', {}],
  ['GET', '/v1/learners/nobody/path', 'lms', {}],
  ['GET', '/v1/learners/nobody/segments', 'lms', {}],
  ['GET', '/v1/segments', 'analyst', {}],
  ['GET', '/v1/segments/none/learners', 'analyst', {}],
  ['GET', '/v1/keys', 'admin', {}],
  ['POST', '/v1/admin/reload', 'admin', { raw: '' }],
  ['POST', '/v1/keys', 'admin', { json: { name: 'matrix-key', scope: 'lms' } }],
  ['DELETE', '/v1/keys/nobody', 'admin', {}],
];
// Endpoints other helpers' modules provide are added when they exist in the spec.
const OPTIONAL = [
  ['GET', '/v1/programs', 'admin', {}],
  ['GET', '/v1/cohorts', 'admin', {}],
  ['POST', '/v1/cohorts', 'admin', { json: { program: 'none', preview: true } }],
  ['GET', '/v1/cohorts/none', 'admin', {}],
  ['DELETE', '/v1/cohorts/none', 'admin', {}],
  ['POST', '/v1/cohorts/none/send', 'admin', {}],
  ['GET', '/v1/cohorts/none/invitees.csv', 'admin', {}],
  ['GET', '/v1/cohorts/none/invitees.json', 'admin', {}],
  ['GET', '/v1/cohorts/none/holdout.csv', 'admin', {}],
  ['POST', '/v1/cohorts/none/close', 'admin', {}],
  ['GET', '/v1/reports/roi?quarter=2026Q1', 'admin', {}],
  ['GET', '/v1/reports/roi.html?quarter=2026Q1', 'admin', {}],
  ['GET', '/v1/alerts', 'analyst', {}],
  ['GET', '/v1/alerts/none', 'analyst', {}],
  ['POST', '/v1/alerts/none/redeliver', 'admin', {}],
  ['GET', '/v1/triggers', 'analyst', {}],
  ['GET', '/v1/unresolved', 'analyst', {}],
];
import { spec } from './lib.mjs';
for (const e of OPTIONAL) if (spec.paths[e[1].split('?')[0].replace(/nobody|none/, '{id}')]) ENDPOINTS.push(e);

// Least privilege: an LMS key reads only the learner-facing routes; account lists, ARR, CSMs and
// other learners' emails need an analyst (read-only) or admin key.
const WRONG = { ingest: ['lms', 'analyst'], lms: ['ingest'], analyst: ['lms', 'ingest'], admin: ['lms', 'analyst', 'ingest'] };
const RIGHT = { ingest: ['ingest', 'admin'], lms: ['lms', 'analyst', 'admin'], analyst: ['analyst', 'admin'], admin: ['admin'] };

for (const [method, path, access, opts] of ENDPOINTS) {
  test(`${method} ${path} (${access})`, async () => {
    isProblem(await api(method, path, { ...opts }), 401);
    const noKey = await api(method, path, { ...opts });
    assert.ok(noKey.headers.get('www-authenticate'), 'a 401 carries WWW-Authenticate');
    isProblem(await api(method, path, { ...opts, key: env.revoked }), 401);
    isProblem(await api(method, path, { ...opts, key: 'upl_notarealkeynotarealkeynotarealkeynotareal' }), 401);
    for (const scope of WRONG[access]) isProblem(await api(method, path, { ...opts, key: env[scope] }), 403);
    for (const scope of RIGHT[access]) {
      const res = await api(method, path, { ...opts, key: env[scope] });
      assert.ok(![401, 403].includes(res.status), `${scope} key got ${res.status}: ${res.text.slice(0, 200)}`);
      assert.ok(res.status < 500, `${scope} key got ${res.status}: ${res.text.slice(0, 200)}`);
    }
  });
}

test('Basic auth with the key as user name (the Segment convention) works', async () => {
  const basic = 'Basic ' + Buffer.from(env.lms + ':').toString('base64');
  const res = await api('GET', '/v1/milestones', { headers: { Authorization: basic } });
  assert.equal(res.status, 200);
});

test('a key revoked while the server runs stops working', async () => {
  const { execFileSync } = await import('node:child_process');
  const key = execFileSync(env.bin, ['keys', 'create', '--db', env.db, '--scope', 'analyst', '--name', 'short-lived', '--quiet'])
    .toString().trim();
  assert.equal((await api('GET', '/v1/stages', { key })).status, 200, 'a new key works at once');
  execFileSync(env.bin, ['keys', 'revoke', '--db', env.db, 'short-lived']);
  const { eventually } = await import('./lib.mjs');
  const refused = await eventually(async () => (await api('GET', '/v1/stages', { key })).status === 401, 15000);
  assert.ok(refused, 'the revoked key was still accepted after 15 s');
});

test('public endpoints need no key', async () => {
  for (const p of ['/healthz', '/readyz', '/metrics', '/xapi/about']) {
    const res = await api('GET', p);
    assert.equal(res.status, 200, p);
  }
});
