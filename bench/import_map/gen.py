"""A Salesforce renewal report export of N rows (maps/salesforce-renewals.json's shape) and the
uplift accounts it names by 18-character Salesforce id.
  gen.py ROWS OUT_PREFIX   → OUT_PREFIX.csv, OUT_PREFIX.accounts.ndjson
Rows are unique by (account, close date); 1 in 20 is an open stage (skipped by the map)."""
import json, random, sys
from datetime import date, timedelta

rows, out = int(sys.argv[1]), sys.argv[2]
accounts = max(1, min(20000, rows // 10))
rng = random.Random(18)
CHARS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

def id18(i15):
    suffix = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
    out = i15
    for c in range(3):
        bits = sum(1 << k for k in range(5) if i15[c * 5 + k].isupper())
        out += suffix[bits]
    return out

ids = []
with open(out + ".accounts.ndjson", "w") as f:
    for a in range(accounts):
        sf = id18("0015g" + "".join(rng.choice(CHARS) for _ in range(10)))
        ids.append(sf)
        f.write(json.dumps({"kind": "account", "id": f"acct{a:05d}", "name": f"Account {a}",
                            "aliases": [f"salesforce:{sf}"]}) + "\n")
base = date(2024, 1, 1)
with open(out + ".csv", "w") as f:
    f.write('"Account Name","Account ID","Opportunity Name","Type","Stage","Close Date","Prior Year ARR","Amount","Opportunity Owner"\n')
    for i in range(rows):
        a = i % accounts
        d = base + timedelta(days=i // accounts)
        before = rng.randrange(5, 500) * 1000
        stage = "Negotiation/Review" if i % 20 == 19 else ("Closed Lost" if i % 7 == 0 else "Closed Won")
        after = 0 if stage == "Closed Lost" else before + rng.randrange(-5, 10) * 1000
        f.write(f'"Account {a}","{ids[a]}","Account {a} - Renewal {d.year}","Renewal","{stage}",'
                f'"{d.month}/{d.day}/{d.year}","${before:,.2f}","${after:,.2f}","Owner {a % 37}"\n')
