// DuckDB reference for bench/serve: loads the saved milestone states (account, stage) and the
// account records (name, ARR, tier) exported from the same store, then times the two queries the
// console's pages need — the stage counts and the first page of accounts sorted by ARR — 200
// times each. Prints one JSON object with load seconds and p50/p99 per query, in ms.
//   node duckdb.mjs STATES_CSV ACCOUNTS_CSV
import { DuckDBInstance } from '@duckdb/node-api';

const [states, accounts] = process.argv.slice(2);
const instance = await DuckDBInstance.create(':memory:');
const conn = await instance.connect();
const now = () => Number(process.hrtime.bigint()) / 1e6;

let t = now();
await conn.run(`CREATE TABLE states AS SELECT * FROM read_csv('${states}', header = true,
  columns = {'account': 'VARCHAR', 'stage': 'VARCHAR'})`);
await conn.run(`CREATE TABLE accounts AS SELECT * FROM read_csv('${accounts}', header = true,
  columns = {'account': 'VARCHAR', 'name': 'VARCHAR', 'arr': 'DOUBLE', 'tier': 'VARCHAR'})`);
const load_s = (now() - t) / 1000;

const queries = {
  stage_counts: `SELECT stage, count(*) AS n FROM states GROUP BY stage`,
  account_page: `SELECT a.account, a.name, a.arr, s.stage FROM accounts a LEFT JOIN states s USING (account)
                 ORDER BY a.arr DESC NULLS LAST, a.account LIMIT 100`,
};
const out = { load_s: Math.round(load_s * 1000) / 1000 };
for (const [name, sql] of Object.entries(queries)) {
  const times = [];
  let rows = 0;
  for (let i = 0; i < 200; i++) {
    t = now();
    const r = await conn.runAndReadAll(sql);
    rows = r.getRows().length;
    times.push(now() - t);
  }
  times.sort((a, b) => a - b);
  const pct = (p) => Math.round(times[Math.min(times.length - 1, Math.floor(times.length * p / 100))] * 1000) / 1000;
  out[name] = { rows, p50_ms: pct(50), p99_ms: pct(99) };
}
console.log(JSON.stringify(out));
