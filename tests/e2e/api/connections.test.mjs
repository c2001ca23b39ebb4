// The front door under slow and greedy clients (issue 20, finding 1): slow clients hold no
// thread, connections are capped in all and per client, a request that would wait behind
// --max-queued others is answered 503 at once, health probes are answered whatever the threads
// do (and so are a learner's reads: recommendations, segments, path), idle connections are
// closed, and an early refusal is read by the client (lingering close).
// PHASE=slow runs against `serve --threads 4 --header-timeout 20 --request-timeout 25`;
// PHASE=caps against `--threads 1 --max-queued 1 --max-connections-per-client 8
// --max-connections 12 --header-timeout 2 --keep-alive-timeout 2 --request-timeout 10`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { env } from './lib.mjs';

const { port } = new URL(env.url);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// A raw connection that records what comes back and whether the server closed it.
function open() {
  const sock = net.connect(Number(port), '127.0.0.1');
  const c = { sock, data: '', closed: false, error: null };
  sock.on('data', (d) => { c.data += d.toString('latin1'); });
  sock.on('close', () => { c.closed = true; });
  sock.on('error', (e) => { c.error = e; });
  c.connected = new Promise((resolve) => sock.once('connect', resolve));
  return c;
}

async function until(pred, ms, what) {
  const end = Date.now() + ms;
  while (!pred()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

function status(text) {
  const m = text.match(/^HTTP\/1\.1 (\d{3})/);
  return m ? Number(m[1]) : 0;
}

// One request on a fresh connection, read to the server's close (Connection: close).
async function exchange(bytes, ms = 8000) {
  const c = open();
  await c.connected;
  c.sock.write(bytes);
  await until(() => c.closed || /\r\n\r\n[\s\S]*\}$/.test(c.data), ms, 'an answer');
  c.sock.destroy();
  const [head, body] = c.data.split('\r\n\r\n');
  return { status: status(c.data), head: head || '', body: body || '' };
}

const get = (path, key) =>
  `GET ${path} HTTP/1.1\r\nHost: x\r\n${key ? `Authorization: Bearer ${key}\r\n` : ''}Connection: close\r\n\r\n`;

if (process.env.PHASE === 'slow') {
  test('64 slow clients hold no thread: probes and API reads answer while they trickle (4 threads)', async () => {
    const slow = [];
    // 24 heads trickling a header byte a second.
    for (let i = 0; i < 24; i++) {
      const c = open();
      c.sock.write(`GET /v1/stages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${env.analyst}\r\nX-Slow: `);
      c.kind = 'head';
      slow.push(c);
    }
    // 16 bodies announced at 100 kB, arriving 10 bytes a second.
    for (let i = 0; i < 16; i++) {
      const c = open();
      c.sock.write(`POST /v1/records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${env.ingest}\r\n` +
                   'Content-Type: application/x-ndjson\r\nContent-Length: 100000\r\n\r\n');
      c.kind = 'body';
      slow.push(c);
    }
    // 16 keep-alive connections: one request answered, then the next one trickles.
    for (let i = 0; i < 16; i++) {
      const c = open();
      c.sock.write(`GET /v1/stages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${env.analyst}\r\n\r\nGET /v1/stages HTTP/1.1\r\nHo`);
      c.kind = 'keep-alive';
      slow.push(c);
    }
    // 8 that connect and say nothing.
    for (let i = 0; i < 8; i++) {
      const c = open();
      c.kind = 'idle';
      slow.push(c);
    }
    await Promise.all(slow.map((c) => c.connected));
    const ticker = setInterval(() => {
      for (const c of slow) {
        if (c.sock.destroyed) continue;
        if (c.kind === 'head' || c.kind === 'keep-alive') c.sock.write('x');
        if (c.kind === 'body') c.sock.write('          ');
      }
    }, 1000);
    try {
      const keepAlive = slow.filter((c) => c.kind === 'keep-alive');
      await until(() => keepAlive.every((c) => status(c.data) === 200), 10000, 'the first keep-alive answers');

      const worst = {};
      for (let round = 0; round < 5; round++) {
        for (const [path, key] of [['/healthz'], ['/readyz'], ['/v1/stages', env.analyst],
                                   ['/v1/accounts?per_page=5', env.analyst], ['/v1/milestones', env.lms]]) {
          const t0 = Date.now();
          // Bounded well below the slow clients' 20 s head deadline: a probe that had to wait
          // for a thread held by one of them could not answer in time.
          const r = await exchange(get(path, key), 5000);
          const ms = Date.now() - t0;
          assert.equal(r.status, 200, `${path}: ${r.status} ${r.body.slice(0, 200)}`);
          worst[path] = Math.max(worst[path] || 0, ms);
        }
        await sleep(300);
      }
      // The probes did not win because the slow clients were dropped: all 64 are still open.
      const closed = slow.filter((c) => c.closed);
      assert.equal(closed.length, 0, `${closed.length} slow connections were closed early: ${closed.map((c) => c.kind)}`);
      console.log(`# probe latency (worst of 5, ms) with 64 slow connections on 4 threads: ${JSON.stringify(worst)}`);
    } finally {
      clearInterval(ticker);
      for (const c of slow) c.sock.destroy();
    }
  });

  test('health probes answered by the front door keep HTTP/1.1 connections and close on request', async () => {
    for (const [bytes, closes] of [
      ['GET /healthz HTTP/1.0\r\n\r\n', true],
      ['GET /readyz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n', true],
      ['GET /healthz HTTP/1.0\r\nConnection: keep-alive\r\n\r\n', false],
      ['GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', false],
      // Header names and tokens in any case.
      ['GET /healthz HTTP/1.1\r\nHost: x\r\nCONNECTION: Close\r\n\r\n', true],
      ['GET /healthz HTTP/1.0\r\nconnection: TE, Keep-Alive\r\n\r\n', false],
    ]) {
      const c = open();
      await c.connected;
      c.sock.write(bytes);
      await until(() => status(c.data) === 200 && c.data.includes('}'), 5000, 'the probe answer');
      if (closes) await until(() => c.closed, 5000, `the server to close after ${JSON.stringify(bytes)}`);
      else {
        await sleep(300);
        assert.equal(c.closed, false, `closed after ${JSON.stringify(bytes)}`);
        c.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');  // and the connection still serves
        await until(() => (c.data.match(/HTTP\/1\.[01] 200/g) || []).length === 2, 5000, 'a second answer');
      }
      c.sock.destroy();
    }
  });

  test('after the slow clients leave, a keep-alive client is served on one connection', async () => {
    const c = open();
    await c.connected;
    for (let i = 0; i < 3; i++) {
      const before = (c.data.match(/HTTP\/1\.1 200/g) || []).length;
      c.sock.write(`GET /v1/stages HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${env.analyst}\r\n\r\n`);
      await until(() => (c.data.match(/HTTP\/1\.1 200/g) || []).length === before + 1, 5000, 'a keep-alive answer');
      await sleep(i * 100);  // within the worker's grace, then past it (handed back to the front door)
    }
    assert.equal(c.closed, false);
    c.sock.destroy();
  });
}

if (process.env.PHASE === 'caps') {
  const expectBody = '{"kind":"account","id":"queued-A","name":"Queued A"}\n';
  const expectHead = (id) =>
    `POST /v1/records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${env.admin}\r\nContent-Type: application/x-ndjson\r\n` +
    `Content-Length: ${expectBody.replace('queued-A', id).length}\r\nExpect: 100-continue\r\n\r\n`;

  test('a request that would wait behind --max-queued others is answered 503 at once; health and learner reads still answer', async () => {
    const learner = '{"kind":"account","id":"front-door-acct","name":"Front door"}\n' +
      '{"kind":"learner","id":"front-door-learner","account":"front-door-acct","role":"admin"}\n';
    const made = await exchange(`POST /v1/records HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${env.admin}\r\n` +
      `Content-Type: application/x-ndjson\r\nContent-Length: ${learner.length}\r\nConnection: close\r\n\r\n${learner}`);
    assert.equal(made.status, 200, made.body);
    // A takes the only thread (it waits for its body after 100 Continue); B waits in the queue.
    const a = open();
    await a.connected;
    a.sock.write(expectHead('queued-A'));
    await until(() => a.data.includes('100 Continue'), 5000, "A's 100 Continue");
    const b = open();
    await b.connected;
    b.sock.write(expectHead('queued-B'));
    await sleep(300);
    assert.ok(!b.data.includes('100 Continue'), 'B should wait for the thread');

    const busy = await exchange(get('/v1/stages', env.analyst));
    assert.equal(busy.status, 503, busy.body);
    assert.match(busy.head, /retry-after: 1/i);
    assert.match(busy.head, /content-type: application\/problem\+json/i);
    assert.match(busy.head, /x-content-type-options: nosniff/i);
    assert.match(JSON.parse(busy.body).detail, /waiting for the server/);
    const health = await exchange(get('/healthz'));
    assert.equal(health.status, 200);
    const ready = await exchange(get('/readyz'));
    assert.equal(ready.status, 200);
    // A learner's reads need no thread: the front door answers them itself (Lane::kFrontDoor),
    // with the same refusals a worker gives.
    for (const what of ['recommendations', 'segments', 'path']) {
      const r = await exchange(get(`/v1/learners/front-door-learner/${what}`, env.lms));
      assert.equal(r.status, 200, `${what}: ${r.body}`);
      assert.equal(JSON.parse(r.body).learner, 'front-door-learner');
      assert.match(r.head, /x-content-type-options: nosniff/i);
      assert.match(r.head, /^date: /im);
    }
    assert.equal((await exchange(get('/v1/learners/nobody/recommendations', env.lms))).status, 404);
    assert.equal((await exchange(get('/v1/learners/front-door-learner/recommendations'))).status, 401);
    assert.equal((await exchange(get('/v1/learners/front-door-learner/recommendations', env.ingest))).status, 403);
    assert.equal((await exchange(get('/v1/learners/front-door-learner/recommendations?limit=0', env.lms))).status, 400);

    // Nothing accepted is lost: A and B are served once the thread is free.
    a.sock.write(expectBody);
    await until(() => /HTTP\/1\.1 200/.test(a.data), 5000, "A's answer");
    await until(() => b.data.includes('100 Continue'), 5000, "B's 100 Continue");
    b.sock.write(expectBody.replace('queued-A', 'queued-B'));
    await until(() => /HTTP\/1\.1 200/.test(b.data), 5000, "B's answer");
    a.sock.destroy();
    b.sock.destroy();
    for (const id of ['queued-A', 'queued-B']) {
      const r = await exchange(get(`/v1/accounts/${id}`, env.analyst));
      assert.equal(r.status, 200, `${id} was not stored: ${r.body}`);
    }
  });

  test('connections beyond --max-connections-per-client get 503, health probes excepted; beyond --max-connections, 503 unread', async () => {
    const held = [];
    try {
      for (let i = 0; i < 8; i++) held.push(open());
      await Promise.all(held.map((c) => c.connected));
      // These 8 keep their connections open by trickling (a request each, answered by the front door).
      for (const c of held) c.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await sleep(100);
      const over = await exchange(get('/v1/stages', env.analyst));
      assert.equal(over.status, 503, over.body);
      assert.match(JSON.parse(over.body).detail, /too many connections from 127\.0\.0\.1 \(the limit is 8\)/);
      assert.match(over.head, /retry-after: 1/i);
      const probe = await exchange(get('/healthz'));
      assert.equal(probe.status, 200, 'a health probe over the per-client cap is still answered');

      for (let i = 0; i < 4; i++) held.push(open());
      await Promise.all(held.map((c) => c.connected));
      for (const c of held.slice(8)) c.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
      await sleep(100);
      // 12 open: the 13th is refused before anything is read from it.
      const c = open();
      await c.connected;
      await until(() => c.closed, 5000, 'the refusal at the connection cap');
      assert.equal(status(c.data), 503, c.data);
      assert.match(c.data, /connections open, its limit/);
    } finally {
      for (const c of held) c.sock.destroy();
    }
    // Once they are gone the server takes connections again.
    await sleep(300);
    const again = await exchange(get('/v1/stages', env.analyst));
    assert.equal(again.status, 200, again.body);
  });

  test('a client that stops reading its answers holds the only thread no longer than --request-timeout', async () => {
    // 20,000 pipelined requests whose answers (several MB) are never read: the thread blocks in
    // send() until the send timeout (10 s here) ends the connection.
    const hog = open();
    await hog.connected;
    hog.sock.pause();  // read nothing
    const one = `GET /v1/milestones HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${env.lms}\r\n\r\n`;
    hog.sock.write(one.repeat(20000));
    await sleep(1000);
    const t0 = Date.now();
    const r = await exchange(get('/v1/stages', env.analyst), 30000);
    assert.equal(r.status, 200, r.body);
    console.log(`# a request behind a client that stopped reading was served after ${Date.now() - t0} ms (send timeout 10 s)`);
    hog.sock.destroy();
  });

  test('a connection silent past --header-timeout, or idle past --keep-alive-timeout, is closed', async () => {
    const silent = open();
    await silent.connected;
    await until(() => silent.closed, 8000, 'the silent connection to be closed');
    const idle = open();
    await idle.connected;
    idle.sock.write('GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n');
    await until(() => status(idle.data) === 200, 5000, 'the answer');
    await until(() => idle.closed, 8000, 'the idle connection to be closed');
    // A head that trickles past 2 s is answered 408.
    const slowHead = open();
    await slowHead.connected;
    slowHead.sock.write('GET /v1/stages HTTP/1.1\r\nHost: x\r\n');
    const t = setInterval(() => { if (!slowHead.sock.destroyed) slowHead.sock.write('X-A: b\r\n'); }, 300);
    try {
      await until(() => slowHead.closed, 8000, 'the slow head to be cut off');
    } finally {
      clearInterval(t);
    }
    assert.equal(status(slowHead.data), 408, slowHead.data);
    assert.match(slowHead.data, /the request head did not arrive within 2 s/);
  });

  test('an early refusal of a large body is read by the client, not reset (lingering close)', async () => {
    const c = open();
    await c.connected;
    const size = 4 << 20;
    c.sock.write(`POST /v1/records HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-ndjson\r\nContent-Length: ${size}\r\n\r\n`);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    for (let sent = 0; sent < size && !c.closed && !c.error; sent += chunk.length) {
      if (!c.sock.write(chunk)) await new Promise((r) => { c.sock.once('drain', r); c.sock.once('close', r); });
    }
    await until(() => c.closed || c.error, 10000, 'the refusal');
    assert.equal(status(c.data), 401, `no 401 read (error: ${c.error && c.error.code}): ${c.data.slice(0, 200)}`);
    assert.equal(c.error, null, `the client saw ${c.error && c.error.code}`);
  });
}
