#!/usr/bin/env python3
"""Collects bench/results/*.json into summary.json and prints uplift vs reference as a table.
   bench/summarize.py [FOLDER] [--markdown] [--names a,b]  (--names: only these benches' files)   (--markdown: the table as Markdown, for the README)"""
import json, os, platform, re, sys, glob

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

def main(folder, markdown=False, names=None):
    rows = []
    for path in sorted(glob.glob(os.path.join(folder, "*.json"))):
        if os.path.basename(path) == "summary.json":
            continue
        if names is not None and os.path.basename(path)[:-5] not in names:
            continue  # not run this time: its figures are not this run's
        try:
            data = json.load(open(path))
        except (OSError, ValueError) as e:
            print(f"{path}: unreadable: {e}", file=sys.stderr); continue
        for c in data.get("comparisons", []):
            rows.append({"benchmark": data.get("benchmark", os.path.basename(path)[:-5]),
                         "scale": data.get("scale", "?"), **c})
    summary = {"machine": machine(), "rows": rows}
    json.dump(summary, open(os.path.join(folder, "summary.json"), "w"), indent=2)
    print(f"machine: {summary['machine']['cpu']}, {summary['machine']['cores']} cores, "
          f"{summary['machine']['memory_gib']} GiB")
    hdr = ("benchmark", "metric", "uplift", "reference", "ratio", "goal", "met")
    table = [hdr]
    for r in rows:
        fmt = lambda v: (f"{v:,.0f}" if abs(v) >= 1000 else f"{v:,.3g}" if abs(v) < 10 else f"{v:,.1f}") \
            if isinstance(v, (int, float)) and not isinstance(v, bool) else str(v)
        unit = r.get("unit", "")
        ref = r.get("reference")
        table.append((f"{r['benchmark']} ({r['scale']})", r.get("metric", ""),
                      f"{fmt(r.get('uplift'))} {unit}",
                      f"{fmt(ref)} {unit} [{r.get('reference_tool', '')}]" if ref is not None else "-",
                      (f"{r['ratio']:.3g}x" if isinstance(r.get("ratio"), (int, float)) else "-"),
                      str(r.get("goal", "")),
                      {True: "yes", False: "NO"}.get(goal_met(r), "")))
    if markdown:
        for i, row in enumerate(table):
            print("| " + " | ".join(str(c).replace("|", "\\|") for c in row) + " |")
            if i == 0:
                print("|" + "---|" * len(hdr))
        return
    widths = [max(len(str(row[i])) for row in table) for i in range(len(hdr))]
    for i, row in enumerate(table):
        print(" | ".join(str(c).ljust(w) for c, w in zip(row, widths)))
        if i == 0:
            print("-+-".join("-" * w for w in widths))

if __name__ == "__main__":
    argv = sys.argv[1:]
    names = None
    if "--names" in argv:
        i = argv.index("--names")
        names = set(n for n in argv[i + 1].split(",") if n)
        del argv[i:i + 2]
    args = [a for a in argv if a != "--markdown"]
    main(args[0] if args else "bench/results", markdown="--markdown" in argv, names=names)
