#!/usr/bin/env python3
"""Marks one bench/results/<name>.json with when and how this run measured it (bench/run calls it
after every bench, so every result it summarizes carries these fields).

  stamp.py FILE --started EPOCH [--run-started EPOCH]
      the bench finished: adds "status": "ok", "measured_at" (UTC, ISO 8601: when its results were
      written), "started_at", "duration_s" and "run_started_at" to the bench's own JSON.
  stamp.py FILE --started EPOCH [--run-started EPOCH] --name NAME --scale S --failed REASON
  stamp.py FILE ... --skipped REASON
      the bench failed or skipped itself: FILE is replaced by a result that says so, with one
      comparison row ("FAILED (...)" / "skipped (...)") so that older readers show it too.
"""
import argparse, datetime, json, os, sys


def iso(epoch):
    return datetime.datetime.fromtimestamp(float(epoch), datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("file")
    ap.add_argument("--started", required=True, type=float)
    ap.add_argument("--run-started", type=float)
    ap.add_argument("--name")
    ap.add_argument("--scale")
    ap.add_argument("--failed")
    ap.add_argument("--skipped")
    a = ap.parse_args()
    now = datetime.datetime.now(datetime.timezone.utc).timestamp()
    stamp = {"measured_at": iso(now), "started_at": iso(a.started), "duration_s": round(now - a.started, 1)}
    if a.run_started is not None:
        stamp["run_started_at"] = iso(a.run_started)
    if a.failed is not None or a.skipped is not None:
        failed = a.failed is not None
        reason = a.failed if failed else a.skipped
        data = {"benchmark": a.name or os.path.basename(a.file)[:-5], "scale": a.scale or "?",
                "status": "failed" if failed else "skipped", "failed": failed, "reason": reason, **stamp,
                "comparisons": [{"metric": f"{'FAILED' if failed else 'skipped'} ({reason})", "uplift": None,
                                 "goal": "runs", **({"met": False} if failed else {})}]}
    else:
        data = json.load(open(a.file))  # unreadable JSON raises: bench/run then records a failure
        if not isinstance(data, dict) or not isinstance(data.get("comparisons"), list):
            sys.exit(f"{a.file}: no comparisons list")
        # measured when its results were written (this run removed any older file first)
        stamp["measured_at"] = iso(os.path.getmtime(a.file))
        stamp["duration_s"] = round(os.path.getmtime(a.file) - a.started, 1)
        data.update({"status": "ok", **stamp})
    tmp = a.file + ".tmp"
    with open(tmp, "w") as f:
        json.dump(data, f, indent=2)
        f.write("\n")
    os.replace(tmp, a.file)


if __name__ == "__main__":
    main()
