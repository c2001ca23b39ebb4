// A local alert receiver for the trigger tests (127.0.0.1 only).
//   node receiver.mjs PORT_FILE PLAN_JSON
// Serves:
//   POST /slack/...   a Slack incoming webhook: checks the Block Kit structure (block types,
//                     Slack's text limits) and records the message; 400 when the structure is wrong
//   POST /hook/...    a Standard Webhooks receiver: verifies webhook-id/-timestamp/-signature with
//                     the `standardwebhooks` library (secret from $HOOK_SECRET); 400 when it fails
//   GET  /_received   what was recorded: [{path, id, ok, why, at, conn, body}] (conn: the number of
//                     the TCP connection it came on, counted from 1 as they are accepted)
//   GET  /_count?contains=TEXT   how many were recorded ok and how many not ({ok, failed}),
//                     counting only requests whose body contains TEXT when given (cheap enough to
//                     poll while thousands arrive, where /_received serializes them all)
//   POST /_plan       replaces the failure plan
//   POST /_reset      forgets what was recorded (the connection count goes on)
// PLAN_JSON: {"<path prefix>": ["500", "timeout", "reset", "ok", ...]} — the first requests to a
// path answer in that order (then 200); "always500" answers 500 forever; "slow:MS" waits.
// $SLOW_MS delays every answer (deliveries are in flight when a test kills the sender).
// $KEEPALIVE_MS: the server's keepAliveTimeout (Node's default: 5 s); Node closes an idle
// keep-alive connection about a second after it.
import http from 'node:http';
import fs from 'node:fs';
import { Webhook } from 'standardwebhooks';

const [portFile, planArg] = process.argv.slice(2);
let plan = JSON.parse(planArg || '{}');
const received = [];
const hook = new Webhook(process.env.HOOK_SECRET);

function blockKitProblem(msg) {
  if (typeof msg.text !== 'string' || msg.text.length === 0) return 'text (the notification fallback) missing';
  if (!Array.isArray(msg.blocks) || msg.blocks.length === 0 || msg.blocks.length > 50) return 'blocks: 1-50 expected';
  for (const [i, b] of msg.blocks.entries()) {
    const at = `blocks[${i}]`;
    if (b.type === 'header') {
      if (b.text?.type !== 'plain_text' || !b.text.text || b.text.text.length > 150) return `${at}: header needs plain_text ≤150`;
    } else if (b.type === 'section') {
      if (!b.text && !b.fields) return `${at}: section needs text or fields`;
      if (b.text && (!['mrkdwn', 'plain_text'].includes(b.text.type) || !b.text.text || b.text.text.length > 3000))
        return `${at}: section text ≤3000`;
      if (b.fields && (b.fields.length > 10 || b.fields.some((f) => !f.text || f.text.length > 2000)))
        return `${at}: ≤10 fields of ≤2000`;
    } else if (b.type === 'context') {
      if (!Array.isArray(b.elements) || b.elements.length === 0 || b.elements.length > 10) return `${at}: context 1-10 elements`;
    } else if (!['divider', 'actions'].includes(b.type)) {
      return `${at}: unknown block type ${b.type}`;
    }
  }
  return null;
}

const server = http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', async () => {
    if (req.method === 'GET' && req.url.startsWith('/_count')) {
      const contains = new URL(req.url, 'http://x').searchParams.get('contains');
      let ok = 0, failed = 0;
      for (const e of received) if (contains === null || e.raw.includes(contains)) e.ok ? ok++ : failed++;
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ ok, failed }));
    }
    if (req.method === 'GET' && req.url === '/_received') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify(received));
    }
    if (req.method === 'POST' && req.url === '/_reset') {
      received.length = 0;
      res.writeHead(204);
      return res.end();
    }
    if (req.method === 'POST' && req.url === '/_plan') {
      plan = JSON.parse(body);
      res.writeHead(204);
      return res.end();
    }
    const prefix = Object.keys(plan).find((p) => req.url.startsWith(p));
    let step = 'ok';
    if (prefix) {
      const steps = plan[prefix];
      step = steps[0] === 'always500' ? 'always500' : steps.length ? steps.shift() : 'ok';
    }
    if (process.env.SLOW_MS) await new Promise((r) => setTimeout(r, Number(process.env.SLOW_MS)));
    if (step.startsWith('slow:')) await new Promise((r) => setTimeout(r, Number(step.slice(5))));
    if (step === 'reset') return req.socket.destroy();
    if (step === 'timeout') return; // never answers: the sender's timeout fires
    if (step === '500' || step === 'always500') {
      res.writeHead(500);
      return res.end('scheduled failure');
    }
    const entry = { path: req.url, at: Date.now(), conn: req.socket.connNumber, ok: true, why: null, id: null, body: null };
    try {
      entry.body = JSON.parse(body);
    } catch {
      entry.ok = false;
      entry.why = 'not JSON';
    }
    if (entry.ok && req.url.startsWith('/hook')) {
      try {
        hook.verify(body, req.headers);
        entry.id = req.headers['webhook-id'];
        if (entry.body.type !== 'alert.fired' || entry.body.data?.id !== entry.id) {
          entry.ok = false;
          entry.why = 'envelope: type/data.id';
        }
      } catch (e) {
        entry.ok = false;
        entry.why = 'signature: ' + e.message;
      }
    } else if (entry.ok && req.url.startsWith('/slack')) {
      const why = blockKitProblem(entry.body);
      if (why) {
        entry.ok = false;
        entry.why = why;
      }
      const ctx = entry.body.blocks?.find((b) => b.type === 'context')?.elements?.[0]?.text ?? '';
      entry.id = (ctx.match(/alr_[0-9a-f]{16}/) || [null])[0];
    }
    Object.defineProperty(entry, 'raw', { value: body });  // for /_count, not in /_received
    received.push(entry);
    res.writeHead(entry.ok ? 200 : 400);
    res.end(entry.ok ? 'ok' : entry.why);
  });
});
let connections = 0;
server.on('connection', (socket) => { socket.connNumber = ++connections; });
if (process.env.KEEPALIVE_MS) server.keepAliveTimeout = Number(process.env.KEEPALIVE_MS);
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  fs.writeFileSync(portFile, String(server.address().port));
});
