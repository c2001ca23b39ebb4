// 360Learning-style deliveries signed by the standardwebhooks library (run by
// tests/e2e/webhooks_signed.test.sh: learner jane-360 <Jane@Example.com>, source "360learning"
// configured from tests/data/vendors/standard-webhooks/360learning.source.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { Webhook } from 'standardwebhooks';

const url = `${process.env.API_URL}/v1/webhooks/360learning`;
const signer = new Webhook(process.env.UPLIFT_360LEARNING_SECRET);
const payload = (name) => readFileSync(`${process.env.VENDOR_DIR}/360learning.${name}.json`, 'utf8');
let n = 0;
const newId = () => `msg_${Date.now()}_${++n}`;

// Sends `body` as 360Learning does (via Svix): the three Standard Webhooks headers.
async function deliver(body, { id = newId(), at = new Date(), sign = (i, t, b) => signer.sign(i, t, b), send = body } = {}) {
  const headers = { 'Content-Type': 'application/json', 'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': sign(id, at, body) };
  const r = await fetch(url, { method: 'POST', headers, body: send });
  return { status: r.status, body: await r.json(), id };
}
async function get(path) {
  const r = await fetch(process.env.API_URL + path, { headers: { Authorization: `Bearer ${process.env.KEY_READ}` } });
  return r.json();
}
const completions = async (content) => (await get('/v1/learners/jane-360')).completions.filter((c) => c.content === content);

let closed;
test('a completion for a 360Learning user id nobody holds yet waits in the unresolved queue', async () => {
  closed = await deliver(payload('course.attempt.closed'));
  assert.equal(closed.status, 200, JSON.stringify(closed.body));
  assert.deepEqual([closed.body.accepted, closed.body.unresolved, closed.body.source], [0, 1, '360learning']);
  const queue = await get('/v1/unresolved');
  const mine = queue.items.filter((i) => i.source === '360learning');
  assert.equal(mine.length, 1);
  assert.deepEqual(mine[0].aliases, ['360learning:684c154ab06eb32565e5cbc0']);
});

test('user.created teaches Jane the id: the queued completion lands on her, later ones at once', async () => {
  const created = await deliver(payload('user.created'));
  assert.equal(created.status, 200, JSON.stringify(created.body));
  const deadline = Date.now() + 20000;
  while ((await completions('507f1f77bcf86cd799439011')).length === 0) {
    assert.ok(Date.now() < deadline, 'the queued completion was not applied');
    await new Promise((ok) => setTimeout(ok, 100));
  }
  const jane = await get('/v1/learners/jane-360');
  assert.ok(jane.aliases.includes('360learning:684c154ab06eb32565e5cbc0'), JSON.stringify(jane));
  assert.equal((await get('/v1/unresolved')).items.filter((i) => i.source === '360learning').length, 0);

  const path = await deliver(payload('path.session.user.status.updated'));
  assert.deepEqual([path.status, path.body.accepted], [200, 1], JSON.stringify(path.body));
  assert.deepEqual((await completions('65a1b2c3d4e5f60718293a4b')).map((c) => c.status), ['passed']);
  const cert = await deliver(payload('user.certificate.awarded'));
  assert.deepEqual([cert.status, cert.body.accepted], [200, 1], JSON.stringify(cert.body));
});

test('the same delivery again (Svix retries keep the webhook-id) is a duplicate', async () => {
  const again = await deliver(payload('course.attempt.closed'), { id: closed.id });
  assert.equal(again.status, 200);
  assert.deepEqual([again.body.accepted, again.body.duplicates], [0, 1]);
  assert.equal((await completions('507f1f77bcf86cd799439011')).length, 1);
});

test('an event type the mapping does not list is acknowledged and counted as ignored', async () => {
  const r = await deliver(readFileSync(`${process.env.VENDOR_DIR}/spec-example.contact.created.json`, 'utf8'));
  assert.deepEqual([r.status, r.body.accepted, r.body.ignored], [200, 0, 1]);
});

test('tampered, replayed, unsigned and wrongly-signed deliveries are refused', async () => {
  const body = payload('course.attempt.closed.in-path');
  const tampered = await deliver(body, { send: body.replace('507f191e810c19729de860ea', '507f191e810c19729de860eb') });
  assert.equal(tampered.status, 401);
  assert.match(tampered.body.detail, /does not match/);
  const old = await deliver(body, { at: new Date(Date.now() - 10 * 60 * 1000) });  // 10 minutes old, validly signed
  assert.equal(old.status, 401);
  assert.match(old.body.detail, /too old/);
  const other = new Webhook(`whsec_${randomBytes(32).toString('base64')}`);
  const wrong = await deliver(body, { sign: (i, t, b) => other.sign(i, t, b) });
  assert.equal(wrong.status, 401);
  const unsigned = await fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  assert.equal(unsigned.status, 401);
  const nowhere = await fetch(`${process.env.API_URL}/v1/webhooks/moodle`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body });
  assert.equal(nowhere.status, 404);
  assert.equal((await completions('507f191e810c19729de860ea')).length, 0);  // nothing refused was stored
  const ok = await deliver(body);
  assert.equal(ok.status, 200);
  assert.equal((await completions('507f191e810c19729de860ea')).length, 1);
});

test('an id for a person uplift does not know yet waits too, and both land once the learner exists', async () => {
  const user = JSON.parse(payload('user.created'));
  user.type = 'user.updated';
  user.data.userId = 'aaaaaaaaaaaaaaaaaaaaaaaa';
  user.data.mail = 'bob.360@example.com';
  const alias = await deliver(JSON.stringify(user));
  assert.deepEqual([alias.status, alias.body.unresolved], [200, 1], JSON.stringify(alias.body));
  const attempt = JSON.parse(payload('course.attempt.closed'));
  attempt.data.userId = 'aaaaaaaaaaaaaaaaaaaaaaaa';
  attempt.data.courseId = 'bbbbbbbbbbbbbbbbbbbbbbbb';
  const done = await deliver(JSON.stringify(attempt));
  assert.deepEqual([done.status, done.body.unresolved], [200, 1]);
  const rec = { kind: 'learner', id: 'bob-360', account: process.env.ACCOUNT, email: 'bob.360@example.com', role: 'legal' };
  const r = await fetch(`${process.env.API_URL}/v1/records`, { method: 'POST', body: JSON.stringify(rec) + '\n',
    headers: { Authorization: `Bearer ${process.env.KEY_INGEST}`, 'Content-Type': 'application/x-ndjson' } });
  assert.equal(r.status, 200);
  const deadline = Date.now() + 20000;
  for (;;) {
    const bob = await get('/v1/learners/bob-360');
    if (bob.completions?.some((c) => c.content === 'bbbbbbbbbbbbbbbbbbbbbbbb')) {
      assert.ok(bob.aliases.includes('360learning:aaaaaaaaaaaaaaaaaaaaaaaa'));
      assert.equal(bob.role, 'legal');  // taught an id, not overwritten
      break;
    }
    assert.ok(Date.now() < deadline, 'the queued alias and completion were not applied');
    await new Promise((ok) => setTimeout(ok, 100));
  }
  assert.equal((await get('/v1/unresolved')).items.filter((i) => i.source === '360learning').length, 0);
});
