#!/usr/bin/env python3
"""Deterministic product-usage events for the import benchmark: the same rows as NDJSON
(uplift's import format) and as CSV (for sqlite3's .import).  gen.py ROWS OUT_PREFIX"""
import sys

def main(rows, prefix):
    names = ["login", "workflow_published", "group_created", "contract_uploaded", "ai_review_run",
             "data_manager_edit", "integration_connected", "report_viewed"]
    base = 1767225600  # 2026-01-01T00:00:00Z
    with open(prefix + ".ndjson", "w") as nd, open(prefix + ".csv", "w") as csv:
        csv.write("id,account,name,ts,learner,group_id\n")
        buf_nd, buf_csv = [], []
        for i in range(1, rows + 1):
            acct = (i * 7919) % 5000
            t = base + i * 7
            days, rem = divmod(t, 86400)
            # civil-from-days (Howard Hinnant), to avoid datetime's per-row cost
            z = days + 719468
            era = z // 146097
            doe = z - era * 146097
            yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
            y = yoe + era * 400
            doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
            mp = (5 * doy + 2) // 153
            d = doy - (153 * mp + 2) // 5 + 1
            m = mp + 3 if mp < 10 else mp - 9
            y += m <= 2
            ts = f"{y:04d}-{m:02d}-{d:02d}T{rem // 3600:02d}:{rem // 60 % 60:02d}:{rem % 60:02d}Z"
            ev, name = f"ev-{i:09d}", names[i % 8]
            learner, group = f"u-{acct:04d}-{i % 13}", f"g{i % 17}"
            buf_nd.append(f'{{"kind":"event","id":"{ev}","account":"acct-{acct:04d}","name":"{name}",'
                          f'"ts":"{ts}","learner":"{learner}","props":{{"group_id":"{group}"}}}}\n')
            buf_csv.append(f"{ev},acct-{acct:04d},{name},{ts},{learner},{group}\n")
            if len(buf_nd) >= 50000:
                nd.write("".join(buf_nd)); csv.write("".join(buf_csv)); buf_nd, buf_csv = [], []
        nd.write("".join(buf_nd)); csv.write("".join(buf_csv))

if __name__ == "__main__":
    main(int(sys.argv[1]), sys.argv[2])
