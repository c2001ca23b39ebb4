#!/usr/bin/env python3
"""Writes N product-usage events twice: as uplift NDJSON and as the same rows in TSV for
MariaDB's LOAD DATA. Deterministic (no randomness): ids ev-00000001..., 1 % duplicates are not
included so both sides load exactly N rows."""
import json, sys

n, ndjson_path, tsv_path = int(sys.argv[1]), sys.argv[2], sys.argv[3]
names = ["workflow_published", "group_created", "user_invited", "ai_review_run", "integration_connected",
         "data_manager_edit", "report_viewed", "template_saved"]
base_ms = 1767225600000  # 2026-01-01T00:00:00Z
with open(ndjson_path, "w") as nd, open(tsv_path, "w") as tsv:
    for i in range(n):
        eid = f"ev-{i:08d}"
        account = f"acct-{i % 5000:05d}"
        learner = f"u-{i % 50000:06d}"
        name = names[i % len(names)]
        ts_ms = base_ms + i * 1000
        secs = ts_ms // 1000
        # RFC 3339 without importing datetime per row: precomputed by divmod.
        days, rem = divmod(secs - 1767225600, 86400)
        hh, rem = divmod(rem, 3600)
        mm, ss = divmod(rem, 60)
        # 2026-01-01 + days: keep within January..December by a simple month table
        month_lengths = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]
        y, m, d = 2026, 0, days
        while d >= month_lengths[m % 12]:
            d -= month_lengths[m % 12]
            m += 1
            if m % 12 == 0:
                y += 1
        ts = f"{y}-{m % 12 + 1:02d}-{d + 1:02d}T{hh:02d}:{mm:02d}:{ss:02d}Z"
        props = {"group_id": f"g{i % 97}", "source": "bench"}
        nd.write(json.dumps({"kind": "event", "id": eid, "account": account, "name": name, "ts": ts,
                             "learner": learner, "props": props}, separators=(",", ":")) + "\n")
        tsv.write(f"{eid}\t{account}\t{name}\t{ts_ms}\t{learner}\t1\t"
                  f"{json.dumps(props, separators=(',', ':'), sort_keys=True)}\n")
