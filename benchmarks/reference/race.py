#!/usr/bin/python3
"""Times the NumPy reference's noisy ensemble and prints one line of JSON with its
throughput in run-steps per second (runs * steps / seconds), for a bench script to
compare with smartpower's own.

Usage: /usr/bin/python3 benchmarks/reference/race.py --bin build/smartpower \
           --scenario scenarios/baseline.toml --runs 200 [--repeat 3] [--series mean]
       (or --resolved FILE.toml instead of --bin/--scenario)

The scenario is resolved once (`smartpower resolve`, not timed); the best of --repeat
timed ensembles is reported. series=mean (default) also accumulates the per-instant mean
and sd of every metric over runs, like `smartpower run --runs R` (its --series auto);
series=none keeps only the final instant of each run.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
import tomllib

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import smartpower_ref as ref  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", help="smartpower binary (to resolve --scenario)")
    ap.add_argument("--scenario", help="scenario TOML")
    ap.add_argument("--resolved", help="an already resolved scenario TOML")
    ap.add_argument("--lens", default=None)
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=None)
    ap.add_argument("--repeat", type=int, default=3, help="timed repetitions; the best counts")
    ap.add_argument("--series", choices=("mean", "none"), default="mean")
    args = ap.parse_args()

    if args.resolved:
        with open(args.resolved, "rb") as f:
            doc = tomllib.load(f)
        source = args.resolved
    elif args.bin and args.scenario:
        cmd = [os.path.abspath(args.bin), "resolve", args.scenario]
        if args.lens:
            cmd += ["--lens", args.lens]
        doc = tomllib.loads(subprocess.run(cmd, check=True, capture_output=True,
                                           text=True).stdout)
        source = args.scenario
    else:
        ap.error("give --resolved, or --bin and --scenario")

    steps = ref.Model(doc).T
    best = float("inf")
    for _ in range(max(1, args.repeat)):
        t0 = time.perf_counter()
        ref.ensemble(doc, args.runs, args.seed, series=args.series)
        best = min(best, time.perf_counter() - t0)
    print(json.dumps({
        "impl": "numpy-reference",
        "scenario": source,
        "runs": args.runs,
        "steps": steps,
        "series": args.series,
        "seconds": best,
        "run_steps_per_second": args.runs * steps / best,
        "python": platform.python_version(),
        "numpy": np.__version__,
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main())
