// Closed-loop HTTP load for the server benchmarks' Node clients (bench/api_ingest, bench/webhooks).
// It promises: every request is a plain node:http request over a caller-owned keep-alive agent;
// closedLoop sends items 0..count-1 in order over `concurrency` workers, each waiting for its
// answer before the next, and starts no new item after `maxSeconds` (so a slow server bounds the
// phase's time, not its count); latencies are wall-clock per request in milliseconds.
import http from 'node:http';

export const round = (x, d = 3) => (x == null ? null : Math.round(x * 10 ** d) / 10 ** d);

// The p-th percentile (nearest rank) of an ascending array; null when empty.
export function pct(sorted, p) {
  if (!sorted.length) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

// p50/p99/max (ms, 3 decimals) of an ascending array of latencies.
export const latencySummary = (sorted) => ({ p50: round(pct(sorted, 50)), p99: round(pct(sorted, 99)),
                                             max: round(sorted[sorted.length - 1]) });

// One request; resolves with the status and the body as text, rejects on a transport error or
// after 30 s without an answer.
export function request(agent, url, method, path, headers, body) {
  return new Promise((resolve, reject) => {
    const req = http.request(url + path, { agent, method, headers }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.setTimeout(30000, () => req.destroy(new Error(`timeout ${method} ${path}`)));
    req.on('error', reject);
    req.end(body);
  });
}

// Runs send(i) for i = 0..count-1 over `concurrency` workers (see the header). Resolves with the
// elapsed seconds, how many were sent and their latencies, ascending.
export async function closedLoop({ count, concurrency, maxSeconds, send }) {
  const maxMs = maxSeconds * 1000, lat = [];
  let next = 0;
  const t0 = performance.now();
  async function worker() {
    while (next < count && performance.now() - t0 < maxMs) {
      const i = next++;
      const s = performance.now();
      await send(i);
      lat.push(performance.now() - s);
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - t0) / 1000;
  lat.sort((a, b) => a - b);
  return { seconds, sent: lat.length, latencies: lat };
}
