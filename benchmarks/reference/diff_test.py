#!/usr/bin/python3
"""Differential test: smartpower (C++) vs the NumPy reference, noise off.

Writes a noise-off variant of the scenario (a small TOML that `extends` it with
[overrides] "model.noise" = 0.0), runs `smartpower run` on it and the reference on its
resolved TOML (`smartpower resolve`), and compares every metric at every instant:
pass if |a - b| <= 1e-9 * max(1, |a|, |b|). Rows present on one side only also fail.

Usage: /usr/bin/python3 benchmarks/reference/diff_test.py --bin build/smartpower \
           --scenario scenarios/baseline.toml [--lens NAME] [--rtol 1e-9]
Exit 0 on pass, 1 on mismatch.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import os
import subprocess
import sys
import tempfile
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smartpower_ref as ref  # noqa: E402


def toml_str(s: str) -> str:
    return json.dumps(s)  # a JSON string is a valid TOML basic string


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", required=True, help="path to the smartpower binary")
    ap.add_argument("--scenario", required=True, help="scenario TOML")
    ap.add_argument("--lens", default=None, help="optional theory lens (passed to both)")
    ap.add_argument("--rtol", type=float, default=1e-9)
    args = ap.parse_args()

    binary = os.path.abspath(args.bin)
    scen = os.path.abspath(args.scenario)
    with tempfile.TemporaryDirectory(prefix="sp_diff_") as tmp:
        variant = os.path.join(tmp, "noise_off.toml")
        with open(variant, "w") as f:
            f.write(f"extends = {toml_str(scen)}\n\n[overrides]\n\"model.noise\" = 0.0\n")
        lens = ["--lens", args.lens] if args.lens else []
        res = subprocess.run([binary, "resolve", variant, *lens], capture_output=True,
                             text=True)
        if res.returncode != 0:
            print(f"smartpower resolve failed:\n{res.stderr}", file=sys.stderr)
            return 2
        resolved = tomllib.loads(res.stdout)
        outdir = os.path.join(tmp, "out")
        run = subprocess.run([binary, "run", variant, *lens, "--out", outdir, "--quiet"],
                             capture_output=True, text=True)
        if run.returncode != 0:
            print(f"smartpower run failed:\n{run.stderr}", file=sys.stderr)
            return 2

        model, times, mets = ref.trajectory(resolved)
        start, dt = model.start, model.dt

        def step_of(t: float) -> int:
            return int(round((t - start) / dt))

        refvals = {}
        for (_run, ts, name, a, p, l, v) in ref.rows(model, times, mets):
            refvals[(step_of(float(ts)), name, a, p, l)] = v

        cpp = {}
        with open(os.path.join(outdir, "timeseries.csv"), newline="") as f:
            for r in csv.DictReader(f):
                key = (step_of(float(r["time"])), r["metric"], r["actor"], r["partner"],
                       r["lever"])
                if key in cpp:
                    print(f"duplicate C++ row {key}", file=sys.stderr)
                cpp[key] = float(r["value"])

    compared, worst, worst_key = 0, 0.0, None
    mismatches = []
    for key, a in cpp.items():
        if key not in refvals:
            mismatches.append((key, a, None))
            continue
        b = refvals[key]
        compared += 1
        diff = abs(a - b)
        scale = max(1.0, abs(a), abs(b))
        rel = diff / scale if math.isfinite(diff) else math.inf
        if not (math.isfinite(a) and math.isfinite(b)):
            rel = 0.0 if (a == b or (math.isnan(a) and math.isnan(b))) else math.inf
        if rel > worst:
            worst, worst_key = rel, key
        if not rel <= args.rtol:
            mismatches.append((key, a, b))
    for key, b in refvals.items():
        if key not in cpp:
            mismatches.append((key, None, b))

    print(f"compared {compared} values ({len(cpp)} C++ rows, {len(refvals)} reference rows); "
          f"worst relative difference {worst:.3e}"
          + (f" at {worst_key[1]} {worst_key[2]},{worst_key[3]},{worst_key[4]} "
             f"t={start + dt * worst_key[0]:g}" if worst_key else ""))
    if mismatches:
        mismatches.sort(key=lambda m: (m[0][0], m[0][1:]))
        print(f"FAIL: {len(mismatches)} mismatches (tolerance {args.rtol:g} relative); "
              f"first 20 by time:")
        print(f"  {'metric':<17}{'actor':<7}{'partner':<9}{'lever':<14}{'time':>9}"
              f"  {'smartpower':>24}  {'reference':>24}")
        for (step, name, a, p, l), x, y in mismatches[:20]:
            fx = "missing" if x is None else repr(x)
            fy = "missing" if y is None else repr(y)
            print(f"  {name:<17}{a:<7}{p:<9}{l:<14}{start + dt * step:>9g}  {fx:>24}  {fy:>24}")
        return 1
    print("PASS")
    return 0


if __name__ == "__main__":
    sys.exit(main())
