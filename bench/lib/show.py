#!/usr/bin/env python3
"""Prints the comparisons of one bench/results/<name>.json, one line each (for run.sh logs)."""
import json, sys

for c in json.load(open(sys.argv[1]))["comparisons"]:
    ratio = f"{c['ratio']}x" if c.get("ratio") is not None else "-"
    ref = f"{c['reference']} [{c.get('reference_tool', '')}]" if c.get("reference") is not None else "-"
    met = "" if "met" not in c else ("  (goal met)" if c["met"] else "  (goal NOT met)")
    print(f"  {c['metric']}: uplift {c['uplift']} {c['unit']}, reference {ref}, ratio {ratio}, goal {c.get('goal', '')}{met}")
