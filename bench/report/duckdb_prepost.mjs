// Reference for bench/report: DuckDB computes the pre/post aggregates the ROI report starts from
// for the accelerator cohort — participants' first session, 30-day windows of the target event,
// participants whose post-period ends by the as-of date (the naive figure's sums; the report
// checks them) — and the holdout's plain sums around the participants' median first-session date
// (reported only: the report's control is date-mixed, users only and reweighted to the
// participants' tiers, which this query does not reproduce).
//   node duckdb_prepost.mjs DEMO_DIR PROGRAM EVENT [AS_OF_DATE]  → prints {"load_s", "query_s", "arms": [...]}
import { DuckDBInstance } from '@duckdb/node-api';
import fs from 'node:fs';
import path from 'node:path';

const [dir, program = 'data_manager_accelerator', event = 'data_manager_edit', asOf = '2026-09-30'] = process.argv.slice(2);
const cohorts = JSON.parse(fs.readFileSync(path.join(dir, 'cohorts.json'), 'utf8')).filter((c) => c.program === program);
const holdout = cohorts.flatMap((c) => c.holdout);
const q = (s) => `'${s.replaceAll("'", "''")}'`;

const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const t0 = performance.now();
await con.run(`CREATE TABLE ev AS SELECT account, name, CAST(ts AS TIMESTAMPTZ) AS ts
  FROM read_json(${q(path.join(dir, 'events.ndjson'))}, format='newline_delimited',
                 columns={account: 'VARCHAR', name: 'VARCHAR', ts: 'VARCHAR'})`);
await con.run(`CREATE TABLE att AS SELECT learner, program, CAST(ts AS TIMESTAMPTZ) AS ts, coalesce(attended, true) AS attended
  FROM read_json(${q(path.join(dir, 'attendance.ndjson'))}, format='newline_delimited',
                 columns={learner: 'VARCHAR', program: 'VARCHAR', ts: 'VARCHAR', attended: 'BOOLEAN'})`);
await con.run(`CREATE TABLE lrn AS SELECT id, account FROM read_json(${q(path.join(dir, 'learners.ndjson'))},
  format='newline_delimited', columns={id: 'VARCHAR', account: 'VARCHAR'})`);
await con.run(`CREATE TABLE hold(account VARCHAR)`);
if (holdout.length) await con.run(`INSERT INTO hold VALUES ${holdout.map((h) => `(${q(h)})`).join(',')}`);
await con.run(`SET TimeZone='UTC'`);
const t1 = performance.now();
const reader = await con.runAndReadAll(`
  WITH part AS (
    SELECT l.account, min(a.ts AT TIME ZONE 'UTC')::DATE AS ref
    FROM att a JOIN lrn l ON a.learner = l.id
    WHERE a.program = ${q(program)} AND a.attended AND (a.ts AT TIME ZONE 'UTC')::DATE <= DATE ${q(asOf)}
    GROUP BY l.account),
  med AS (SELECT CAST(quantile_disc(ref, 0.5) AS DATE) AS ref FROM part),
  units AS (
    SELECT account, ref, 'participants' AS arm FROM part WHERE ref + 29 <= DATE ${q(asOf)}
    UNION ALL
    SELECT h.account, (SELECT ref FROM med), 'holdout' FROM hold h WHERE h.account NOT IN (SELECT account FROM part)),
  per AS (
    SELECT u.arm, u.account,
      count(e.ts) FILTER (WHERE (e.ts AT TIME ZONE 'UTC')::DATE >= u.ref - 30 AND (e.ts AT TIME ZONE 'UTC')::DATE < u.ref) AS pre,
      count(e.ts) FILTER (WHERE (e.ts AT TIME ZONE 'UTC')::DATE >= u.ref AND (e.ts AT TIME ZONE 'UTC')::DATE < u.ref + 30) AS post
    FROM units u LEFT JOIN ev e ON e.account = u.account AND e.name = ${q(event)}
    GROUP BY u.arm, u.account)
  SELECT arm, count(*)::INTEGER AS accounts, sum(pre)::DOUBLE AS pre, sum(post)::DOUBLE AS post FROM per GROUP BY arm ORDER BY arm`);
const t2 = performance.now();
const arms = reader.getRowObjects().map((r) => ({ arm: r.arm, accounts: Number(r.accounts), pre: Number(r.pre), post: Number(r.post) }));
console.log(JSON.stringify({ load_s: (t1 - t0) / 1000, query_s: (t2 - t1) / 1000, arms }));
