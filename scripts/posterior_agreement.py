#!/usr/bin/env python3
"""Do independent ABC-SMC runs agree? Several posteriors of the same model, side by side.

One `calibrate --method abc` run is one population of particles. Where the region of
parameter sets within the tolerance has several parts that a random-walk move cannot
cross, a population settles in one of them, and which one depends on the run's random
path (its seed, its number of moves). Its 90 % intervals then describe that part only,
and a second run can disagree. This script reads K >= 2 posterior CSVs (weight,distance,
<one column per parameter>, the same parameters in the same order) and prints, as
Markdown, for each parameter:

  - each run's weighted median and 90 % interval (on the search scale of the scenario's
    [[calibration.parameters]]: log for log parameters);
  - the potential scale reduction R-hat of Gelman and Rubin (1992) on the weighted runs:
    sqrt(((n-1)/n W + B/n) / W), with W the mean of the runs' weighted variances, B/n the
    variance of their weighted means, and n the mean number of distinct particles; near 1
    when the runs sample the same distribution, above 1.1 when they do not;
  - whether every run's median lies inside every other run's 90 % interval;

then the count of parameters with R-hat above 1.1 and, with --pool OUT, writes the pooled
posterior: every run's particles with each run's weights scaled to sum to 1/K (a mixture
of the runs, each standing for an equal share, as if each had found its part of the region
with equal probability), rows in run order, numbers written as the runs wrote them.

    /usr/bin/python3 scripts/posterior_agreement.py A.csv B.csv [C.csv ...] [--pool OUT]

Figures: docs/calibration.md ("Do two runs agree?").
"""
import argparse
import csv
import math
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import identifiability  # noqa: E402  (load_posterior, box, wquantile, scale: the docs tables' reading)

ROOT = identifiability.ROOT


def weighted_moments(xs, ws):
    mean = sum(w * x for x, w in zip(xs, ws))
    var = sum(w * (x - mean) ** 2 for x, w in zip(xs, ws))
    return mean, var


def rhat(runs):
    """Gelman-Rubin on weighted runs: runs = [(values, weights, distinct)]."""
    moments = [weighted_moments(xs, ws) for xs, ws, _ in runs]
    n = sum(d for _, _, d in runs) / len(runs)
    W = sum(v for _, v in moments) / len(moments)
    means = [m for m, _ in moments]
    grand = sum(means) / len(means)
    B_over_n = sum((m - grand) ** 2 for m in means) / (len(means) - 1)
    if W <= 0:
        return math.inf if B_over_n > 0 else 1.0
    return math.sqrt(((n - 1) / n * W + B_over_n) / W)


def pool(files, out):
    """Every run's rows, each run's weights scaled to sum to 1/K; the runs' own text for the rest."""
    head = None
    rows = []
    for f in files:
        with open(f, newline="") as fh:
            r = list(csv.reader(fh))
        if head is None:
            head = r[0]
        total = sum(float(x[0]) for x in r[1:])
        for x in r[1:]:
            rows.append([repr(float(x[0]) / total / len(files))] + x[1:])
    tmp = out + ".tmp"
    with open(tmp, "w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(head)
        w.writerows(rows)
    os.replace(tmp, out)
    return len(rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("posteriors", nargs="+", help="posterior CSVs from independent runs (at least 2)")
    ap.add_argument("--scenario", default=os.path.join(ROOT, "scenarios", "flagship.toml"),
                    help="the scenario whose [[calibration.parameters]] give each parameter's scale")
    ap.add_argument("--names", default="", help="comma-separated column names for the runs (default: run 1, run 2, ...)")
    ap.add_argument("--threshold", type=float, default=1.1, help="R-hat above this: the runs disagree")
    ap.add_argument("--pool", default=None, help="write the pooled posterior here")
    a = ap.parse_args()
    if len(a.posteriors) < 2:
        sys.exit("posterior_agreement: give at least two posterior CSVs")
    names = [s for s in a.names.split(",") if s] or [f"run {k + 1}" for k in range(len(a.posteriors))]
    if len(names) != len(a.posteriors):
        sys.exit(f"posterior_agreement: --names has {len(names)} names for {len(a.posteriors)} posteriors")
    for p in a.posteriors + [a.scenario]:
        if not os.path.isfile(p):
            sys.exit(f"posterior_agreement: no file {p}")
    loaded = [identifiability.load_posterior(p) for p in a.posteriors]
    paths = loaded[0][0]
    for p, (other, *_rest) in zip(a.posteriors[1:], loaded[1:]):
        if other != paths:
            sys.exit(f"posterior_agreement: {p} has other parameters than {a.posteriors[0]}")
    box = identifiability.box(a.scenario)
    missing = [p for p in paths if p not in box]
    if missing:
        sys.exit(f"posterior_agreement: {a.scenario} has no [[calibration.parameters]] entry for {', '.join(missing)}")

    print("| parameter | " + " | ".join(f"{n}: median (90 %)" for n in names) + " | R-hat | medians inside every other run's 90 % |")
    print("|---|" + "---:|" * len(names) + "---:|:--:|")
    disagree = 0
    for d, path in enumerate(paths):
        log = box[path][2]
        runs, cells, intervals = [], [], []
        for _, ws, _, vals in loaded:
            xs = [identifiability.scale(v[d], log) for v in vals]
            distinct = len({v[d] for v in vals})
            runs.append((xs, ws, distinct))
            lo, med, hi = (identifiability.wquantile(xs, ws, q) for q in (0.05, 0.5, 0.95))
            intervals.append((lo, med, hi))
            back = (lambda x: math.exp(x)) if log else (lambda x: x)
            cells.append(f"{back(med):.3g} ({back(lo):.3g}–{back(hi):.3g})")
        r = rhat(runs)
        inside = all(lo <= intervals[i][1] <= hi for i in range(len(intervals))
                     for k, (lo, _, hi) in enumerate(intervals) if k != i)
        flag = r > a.threshold
        disagree += flag
        print(f"| `{path}` | " + " | ".join(cells) + f" | {'**' if flag else ''}{r:.2f}{'**' if flag else ''} | "
              f"{'yes' if inside else 'no'} |")
    print(f"\n{disagree} of {len(paths)} parameters with R-hat above {a.threshold:g} over {len(a.posteriors)} runs"
          + (": the runs do not sample the same distribution." if disagree else "."))
    if a.pool:
        n = pool(a.posteriors, a.pool)
        print(f"wrote {a.pool}: {n} particles, each run's weights summing to 1/{len(a.posteriors)}")


if __name__ == "__main__":
    main()
