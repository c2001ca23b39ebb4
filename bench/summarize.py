#!/usr/bin/env python3
"""Collects bench/results/*.json into summary.json and prints uplift vs reference as a table, each
row with the time it was measured.
   bench/summarize.py [FOLDER] [--markdown] [--names a,b]
       every results file in FOLDER (--names: only these), e.g. the committed ones for the README
       (--markdown); a file without "measured_at" shows when it was committed or modified.
   bench/summarize.py FOLDER --run STATUS_FILE --run-started EPOCH [--scale S] [--not-run a,b]
       what bench/run calls: one bench/run's benches only, from STATUS_FILE's lines
       (name TAB ok|failed|skipped TAB reason). Failed and skipped benches show as such, and a file
       whose measured_at is older than the run is shown as failed, never with its figures."""
import datetime, glob, json, os, platform, re, sys

def machine():
    cpu = "unknown"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip(); break
    except OSError:
        pass
    mem = 0
    try:
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                mem = int(line.split()[1]) // 1024 // 1024; break
    except OSError:
        pass
    return {"cpu": cpu, "cores": os.cpu_count(), "memory_gib": mem, "os": platform.platform()}

def goal_met(r):
    """The row's own verdict, else one read from a plain ratio goal such as ">= 1.0x"."""
    if isinstance(r.get("met"), bool):
        return r["met"]
    m = re.fullmatch(r"\s*([<>]=)\s*([0-9.]+)x\s*", str(r.get("goal", "")))
    if m and isinstance(r.get("ratio"), (int, float)):
        return r["ratio"] >= float(m[2]) if m[1] == ">=" else r["ratio"] <= float(m[2])
    return None

def iso(epoch):
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")

def load(path):
    try:
        return json.load(open(path)), None
    except (OSError, ValueError) as e:
        return None, f"unreadable results: {e}"

def bench_rows(data, name, status=None, reason=None, measured=None, scale="?"):
    """The table rows of one bench: its comparisons, or one row saying it failed or was skipped."""
    base = {"benchmark": name, "scale": (data or {}).get("scale", scale), "status": status or "ok",
            "measured_at": measured}
    if status in ("failed", "skipped"):
        row = {"metric": f"{'FAILED' if status == 'failed' else 'skipped'} ({reason})", "uplift": None,
               "goal": "runs" if status == "failed" else ""}
        if status == "failed":
            row["met"] = False
        return [{**base, **row}]
    return [{**base, **c} for c in data.get("comparisons", [])]

def this_run(folder, status_file, run_started, scale="?"):
    """Rows for the benches of one bench/run, from its status lines (name, ok|failed|skipped, reason).
    A bench marked ok whose file lacks a measured_at from this run is shown as failed: an earlier
    run's figures never appear as this run's."""
    rows, run = [], []
    for line in open(status_file):
        name, status, reason = (line.rstrip("\n").split("\t") + ["", ""])[:3]
        if not name:
            continue
        data, err = (None, None) if status == "skipped" and not os.path.exists(
            os.path.join(folder, name + ".json")) else load(os.path.join(folder, name + ".json"))
        measured = (data or {}).get("measured_at")
        if status == "ok":
            if err:
                status, reason = "failed", err
            elif not measured or (run_started is not None and measured < iso(run_started)):
                status, reason = "failed", f"results not from this run (measured_at {measured or 'missing'})"
            elif not data.get("comparisons"):
                status, reason = "failed", "no comparisons in the results"
        if status == "skipped" and data and data.get("status") != "skipped":
            data, measured = None, None  # a file from an earlier run of a bench skipped now
        if status == "failed" and not (data and data.get("status") == "failed"):
            measured = measured if data and data.get("failed") else None
        run.append({"benchmark": name, "status": status, "reason": reason or None, "measured_at": measured})
        rows += bench_rows(data, name, status, reason, measured, scale)
    return rows, run

def file_time(path):
    """When a results file without measured_at was written: the commit that last changed it if it
    is committed unchanged (a checkout's modification times say only when it was checked out),
    else its modification time."""
    import subprocess
    d, f = os.path.split(os.path.abspath(path))
    try:
        if subprocess.run(["git", "diff", "--quiet", "HEAD", "--", f], cwd=d, capture_output=True).returncode == 0:
            out = subprocess.run(["git", "log", "-1", "--format=%ct", "--", f], cwd=d,
                                 capture_output=True, text=True).stdout.strip()
            if out:
                return iso(int(out)) + " (commit)"
    except OSError:
        pass
    return iso(os.path.getmtime(path)) + " (file)"

def all_files(folder, names):
    """Rows from every results file (or those named): for the README's table of committed results.
    Each row's time is the file's measured_at, else the time of the commit that wrote it or its
    modification time (marked "commit" / "file")."""
    rows = []
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        name = os.path.basename(path)[:-5]
        if name == "summary":
            continue
        if names is not None and name not in names:
            continue  # not run this time: its figures are not this run's
        data, err = load(path)
        if err:
            print(f"{path}: {err}", file=sys.stderr); continue
        measured = data.get("measured_at") or file_time(path)
        status = data.get("status") or ("failed" if data.get("failed") else "ok")
        if status == "ok":
            rows += [{"benchmark": data.get("benchmark", name), "scale": data.get("scale", "?"), "status": "ok",
                      "measured_at": measured, **c} for c in data.get("comparisons", [])]
        else:
            rows += bench_rows(data, data.get("benchmark", name), status,
                               data.get("reason") or "see its log", measured)
    return rows

def main(folder, markdown=False, names=None, status_file=None, run_started=None, not_run=(), scale="?"):
    run = None
    if status_file:
        rows, run = this_run(folder, status_file, run_started, scale)
    else:
        rows = all_files(folder, names)
    summary = {"machine": machine(), "rows": rows}
    if run is not None:
        summary["run"] = {"started_at": iso(run_started) if run_started is not None else None, "scale": scale,
                          "benches": run, "not_run": list(not_run)}
    json.dump(summary, open(os.path.join(folder, "summary.json"), "w"), indent=2)
    print(f"machine: {summary['machine']['cpu']}, {summary['machine']['cores']} cores, "
          f"{summary['machine']['memory_gib']} GiB")
    if run is not None:
        print(f"run started {summary['run']['started_at']}: "
              + ", ".join(f"{s}: {sum(b['status'] == s for b in run)}" for s in ("ok", "failed", "skipped")))
    hdr = ("benchmark", "metric", "uplift", "reference", "ratio", "goal", "met", "measured (UTC)")
    table = [hdr]
    for r in rows:
        fmt = lambda v: (f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.3g}" if abs(v) < 10 else f"{v:,.1f}") \
            if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
        unit = r.get("unit", "")
        ref = r.get("reference")
        up = r.get("uplift")
        table.append((f"{r['benchmark']} ({r['scale']})", r.get("metric", ""),
                      "-" if up is None else f"{fmt(up)} {unit}".strip(),
                      f"{fmt(ref)} {unit} [{r.get('reference_tool', '')}]" if ref is not None else "-",
                      (f"{r['ratio']:.3g}x" if isinstance(r.get("ratio"), (int, float)) else "-"),
                      str(r.get("goal", "")),
                      {True: "yes", False: "NO"}.get(goal_met(r), ""),
                      (r.get("measured_at") or "-").replace("T", " ")))
    if markdown:
        for i, row in enumerate(table):
            print("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
            if i == 0:
                print("|" + "---|" * len(hdr))
    else:
        widths = [max(len(str(row[i])) for row in table) for i in range(len(hdr))]
        for i, row in enumerate(table):
            print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths)).rstrip())
            if i == 0:
                print("-+-".join("-" * w for w in widths))
    if not_run:
        print(f"not run (not named in --only): {', '.join(not_run)}")

if __name__ == "__main__":
    argv = sys.argv[1:]
    opts = {}
    for opt in ("--names", "--run", "--run-started", "--not-run", "--scale"):
        if opt in argv:
            i = argv.index(opt)
            opts[opt] = argv[i + 1]
            del argv[i:i + 2]
    names = set(n for n in opts["--names"].split(",") if n) if "--names" in opts else None
    args = [a for a in argv if a != "--markdown"]
    main(args[0] if args else "bench/results", markdown="--markdown" in argv, names=names,
         status_file=opts.get("--run"),
         run_started=float(opts["--run-started"]) if "--run-started" in opts else None,
         not_run=[n for n in opts.get("--not-run", "").split(",") if n], scale=opts.get("--scale", "?"))
