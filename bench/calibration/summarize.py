#!/usr/bin/env python3
"""Merges uplift_calibrate outputs into bench/results/calibration.json with goal verdicts, or
   prints that file as a Markdown table (--table FILE)."""
import json, sys, platform, os

GOALS = "coverage 93-97 % (200 and 2,000 accounts); |bias| < 0.5 points at 2,000; false positives at lift 0 <= 6 %"

def verdicts(s):
    u = s["usage_did"]
    out = []
    if not u.get("estimable"):
        return out
    if s["accounts"] >= 200:
        out.append({"metric": f"usage DiD 95% CI coverage ({s['design']}, {s['accounts']} accounts, lift {s['lift_pct']:g}%)",
                    "unit": "%", "uplift": round(u["coverage_pct"], 1), "reference": 95, "reference_tool": "nominal",
                    "goal": "93-97 %", "met": 93 <= u["coverage_pct"] <= 97})
    if s["accounts"] >= 2000:
        out.append({"metric": f"usage DiD mean bias ({s['design']}, {s['accounts']} accounts, lift {s['lift_pct']:g}%)",
                    "unit": "points", "uplift": round(u["bias"], 2), "reference": 0, "reference_tool": "planted truth",
                    "goal": "|bias| < 0.5", "met": abs(u["bias"]) < 0.5,
                    "note": f"Monte Carlo error ±{u['bias_mcse']:.2f}"})
    if s["lift_pct"] == 0 and s["accounts"] >= 200:
        out.append({"metric": f"false positives at lift 0 ({s['design']}, {s['accounts']} accounts)",
                    "unit": "%", "uplift": round(u["significant_pct"], 1), "reference": 5, "reference_tool": "nominal",
                    "goal": "<= 6 %", "met": u["significant_pct"] <= 6})
    return out

def merge(scale, resamples, seconds, files):
    settings = []
    for f in files:
        settings += json.load(open(f))["settings"]
    settings.sort(key=lambda s: (s["design"], s["accounts"], s["lift_pct"]))
    comparisons = [v for s in settings for v in verdicts(s)]
    return {"benchmark": "calibration", "scale": scale, "resamples": int(resamples), "seconds": int(seconds),
            "goals": GOALS, "settings": settings, "comparisons": comparisons,
            "machine": {"cores": os.cpu_count(), "os": platform.platform()}}

def table(path):
    d = json.load(open(path))
    print(f"Calibration ({d['scale']}, {d['resamples']} resamples per interval); goals: {d['goals']}\n")
    print("| design | accounts | lift | datasets | estimable | low confidence | coverage | bias ± MC error | RMSE | CI width / (3.92·sd) | significant | placebo flagged |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for s in d["settings"]:
        u = s["usage_did"]
        if not u.get("estimable"):
            print(f"| {s['design']} | {s['accounts']} | {s['lift_pct']:g}% | {s['datasets']} | 0 | | | | | | | |")
            continue
        low = 100.0 * s['low_confidence'] / max(1, u['runs'])
        print(f"| {s['design']} | {s['accounts']:,} | {s['lift_pct']:g}% | {s['datasets']} | {u['estimable_pct']:.0f}% | "
              f"{low:.0f}% | {u['coverage_pct']:.1f}% | {u['bias']:+.2f} ± {u['bias_mcse']:.2f} | {u['rmse']:.1f} | "
              f"{u['width_over_3.92_sd']:.2f} | {u['significant_pct']:.1f}% | {s['placebo_failed']} |")
    met = [c["met"] for c in d["comparisons"]]
    print(f"\n{sum(met)} of {len(met)} goal checks met.")
    for c in d["comparisons"]:
        if not c["met"]:
            print(f"- not met: {c['metric']}: {c['uplift']} {c['unit']} (goal {c['goal']}{'; ' + c['note'] if c.get('note') else ''})")

if __name__ == "__main__":
    if sys.argv[1] == "--table":
        table(sys.argv[2])
    else:
        json.dump(merge(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]), sys.stdout, indent=1)
