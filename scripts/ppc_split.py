#!/usr/bin/env python3
"""Which parameters the failing posterior-predictive draws have (issue 15).

A claim or check that holds in fewer than 90 % of posterior-predictive runs fails in some
draws and not in others. This script splits the posterior at each parameter's weighted
median into a lower and an upper half (each half's weights renormalised by `smartpower`
when it draws), runs `smartpower claims --posterior HALF` on both with the same runs and
seed, and prints, as Markdown, each check's pass rate in the lower and the upper half for
the parameters where some check differs by at least --gap between the halves (marked **).

Each rate is over --runs runs (binomial error about 3.5 points at 200 runs and 80 %, so a
difference of 15 points is about three of its standard errors); a parameter correlated with
another that matters shows up too: the table says where the failing draws sit, not why.

    /usr/bin/python3 scripts/ppc_split.py --posterior scenarios/posterior.csv --checks D09,D11

Figures: docs/calibration.md ("Which parameters the failing draws have").
"""
import argparse
import csv
import os
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import identifiability  # noqa: E402  (load_posterior, wquantile, posterior_predictive: the docs tables' reading)
import targets  # noqa: E402  (ROOT)

ROOT = targets.ROOT


def halves(posterior, out_dir):
    """[(path, lower CSV, upper CSV, rows in each)]: the posterior's rows split at each
    parameter's weighted median (lower: value <= median), rows written as they were read."""
    paths, weights, _, values = identifiability.load_posterior(posterior)
    with open(posterior, newline="") as f:
        rows = list(csv.reader(f))
    header, body = rows[0], rows[1:]
    out = []
    for d, path in enumerate(paths):
        med = identifiability.wquantile([v[d] for v in values], weights, 0.5)
        parts = ([], [])
        for row, v in zip(body, values):
            parts[v[d] > med].append(row)
        files = []
        for name, part in zip(("lower", "upper"), parts):
            files.append(os.path.join(out_dir, f"{d}_{name}.csv"))
            with open(files[-1], "w", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(header)
                w.writerows(part)
        out.append((path, files[0], files[1], len(parts[0]), len(parts[1])))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "smartpower"))
    ap.add_argument("--scenario", default=os.path.join(ROOT, "scenarios", "baseline.toml"))
    ap.add_argument("--posterior", default=os.path.join(ROOT, "scenarios", "posterior.csv"))
    ap.add_argument("--claims", nargs="+", default=[os.path.join(ROOT, "scenarios", "claims.toml"),
                                                    os.path.join(ROOT, "scenarios", "checks", "data.toml")],
                    help="claims files, concatenated as scripts/posterior.sh does")
    ap.add_argument("--checks", default="C01,C09,D01,D02,D03,D09,D11", help="comma-separated claim or check ids")
    ap.add_argument("--parameters", default="", help="comma-separated parameter paths (default: all)")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--jobs", type=int, default=2, help="claims runs at once (each on one thread)")
    ap.add_argument("--gap", type=float, default=0.15, help="show a parameter if some check differs by this much")
    a = ap.parse_args()
    if not (os.path.isfile(a.bin) and os.access(a.bin, os.X_OK)):
        sys.exit(f"ppc_split: no smartpower binary at {a.bin} (build first, or pass --bin)")
    for f in [a.scenario, a.posterior] + a.claims:
        if not os.path.isfile(f):
            sys.exit(f"ppc_split: no file {f}")
    if a.runs < 1 or a.jobs < 1:
        sys.exit("ppc_split: --runs and --jobs must be at least 1")
    ids = [c for c in a.checks.split(",") if c]
    wanted = [p for p in a.parameters.split(",") if p]
    with tempfile.TemporaryDirectory() as tmp:
        split = halves(a.posterior, tmp)
        known = [s[0] for s in split]
        unknown = sorted(set(wanted) - set(known))
        if unknown:
            sys.exit(f"ppc_split: {a.posterior} has no column {', '.join(unknown)}")
        if wanted:
            split = [s for s in split if s[0] in wanted]
        for path, _, _, lo_n, hi_n in split:
            if lo_n == 0 or hi_n == 0:
                sys.exit(f"ppc_split: {path}: its weighted median is its {'smallest' if hi_n else 'largest'} value "
                         "(one half is empty): no halves to compare")

        def rates(f):
            return identifiability.posterior_predictive(a.bin, a.scenario, f, a.claims, a.runs, a.seed, 1)

        with ThreadPoolExecutor(a.jobs) as ex:
            got = list(ex.map(rates, [f for s in split for f in s[1:3]]))
    missing = sorted({c for r in got for c in ids if c not in r})
    if missing:
        sys.exit(f"ppc_split: the claims files have no claim or check {', '.join(missing)}")
    print(f"Pass rate in the lower / upper half of {os.path.relpath(a.posterior, ROOT)} split at each parameter's "
          f"weighted median ({a.runs} runs of `claims --posterior HALF` each, seed {a.seed}); ** marks a difference of "
          f"at least {100 * a.gap:.0f} points.\n")
    print("| parameter (rows lower / upper) | " + " | ".join(ids) + " |")
    print("|---|" + "---:|" * len(ids))
    shown = 0
    for k, (path, _, _, lo_n, hi_n) in enumerate(split):
        lo, hi = got[2 * k], got[2 * k + 1]
        if not any(abs(hi[c] - lo[c]) >= a.gap for c in ids) and not wanted:
            continue
        shown += 1
        cells = [f"{100 * lo[c]:.0f} / {100 * hi[c]:.0f}" + (" **" if abs(hi[c] - lo[c]) >= a.gap else "") for c in ids]
        print(f"| `{path}` ({lo_n} / {hi_n}) | " + " | ".join(cells) + " |")
    print(f"\n{shown} of {len(split)} parameters shown.")


if __name__ == "__main__":
    main()
