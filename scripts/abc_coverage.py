#!/usr/bin/env python3
"""Coverage study of `smartpower calibrate --method abc` over many known truths (issue 15).

The CTest check (tests/test_abc.cpp) calibrates one toy scenario on pseudo-data from one
known parameter set. This script repeats that over --truths parameter sets drawn from the
prior and asks how often each parameter's posterior 90 % interval holds the truth: about
90 % means the intervals are calibrated, more means they are too wide (conservative),
less means too narrow (overconfident).

The toy: two actors without budgets and one soft lever, 2000-2002, so A's culture stock
toward B decays from S0 at the lever's decay rate. Both are free (S0 in [1, 10] on the log
scale, the decay in [0.05, 0.8]). For truth k the pseudo-data are the engine's own series
at the truth (`smartpower run`), at the 8 quarters 2000.25-2002, each multiplied by
exp(e), e ~ N(0, --noise^2) (measurement error; 0 = exact data). The data check asks each
point within --tolerance (relative), and the ABC distance adds its mean squared error.

    /usr/bin/python3 scripts/abc_coverage.py --bin build/smartpower --truths 100 --generations 4 8 12 16 --floor 0.9

prints, per number of generations, the coverage of the 90 % intervals and their mean
width over the prior's, per parameter. With --floor Q it also calibrates with
`--min-tolerance` set to the Q-quantile of the distance the truth itself has from its
noisy data (by Monte Carlo over the measurement error, with the data check's distance:
mean squared relative error plus the shortfall below the data margin), up to 60
generations. Figures: docs/calibration.md ("Coverage over many truths").
"""
import argparse
import csv
import math
import os
import random
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import identifiability  # noqa: E402  (load_posterior, wquantile: the docs tables' own reading)

SCENARIO = """[scenario]
name = "decay only (coverage study)"
start = 2000.0
end = 2002.0
dt = 0.25

[[levers]]
id = "culture"
kind = "soft"
decay = {decay!r}

[[actors]]
id = "A"
budget = 0.0
capabilities = {{ economy = 1.0, military = 1.0, population = 1.0 }}

[[actors]]
id = "B"
budget = 0.0
capabilities = {{ economy = 1.0, military = 1.0, population = 1.0 }}

[relations.A.B]
stocks = {{ culture = {stock!r} }}
"""

BOX = """
[[calibration.parameters]]
path = "relations.A.B.stocks.culture"
lo = 1.0
hi = 10.0
log = true

[[calibration.parameters]]
path = "levers.culture.decay"
lo = 0.05
hi = 0.8
"""

PARAMS = [("relations.A.B.stocks.culture", 1.0, 10.0, True), ("levers.culture.decay", 0.05, 0.8, False)]
TIMES = [2000.25, 2000.5, 2000.75, 2001.0, 2001.25, 2001.5, 2001.75, 2002.0]


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.exit(f"abc_coverage: {' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")


def series(binary, scenario, out):
    run([binary, "run", scenario, "--out", out, "--quiet"])
    values = {}
    with open(os.path.join(out, "timeseries.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["metric"] == "stock" and row["actor"] == "A" and row["partner"] == "B" and row["lever"] == "culture":
                values[float(row["time"])] = float(row["value"])
    return [values[t] for t in TIMES]


def truth_distance_quantile(noise, tolerance, q, draws=100_000, seed=12345, margin=0.5):
    """The q-quantile of the ABC distance (one run) between the truth and its noisy data:
    each point's relative error |v - o| / o with o = v exp(e) is |exp(-e) - 1|; the distance
    is their mean square plus the shortfall max(0, margin - (tolerance - worst) / tolerance)
    (the claims file's default data_margin, 0.5)."""
    rng = random.Random(seed)
    ds = []
    for _ in range(draws):
        errs = [abs(math.exp(-rng.gauss(0.0, noise)) - 1.0) for _ in TIMES]
        worst = max(errs)
        ds.append(sum(e * e for e in errs) / len(errs) + max(0.0, margin - (tolerance - worst) / tolerance))
    ds.sort()
    return ds[min(len(ds) - 1, int(q * len(ds)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default="build/smartpower")
    ap.add_argument("--truths", type=int, default=50)
    ap.add_argument("--generations", type=int, nargs="+", default=[6, 10])
    ap.add_argument("--particles", type=int, default=200)
    ap.add_argument("--noise", type=float, default=0.05, help="sd of the log measurement error of each point")
    ap.add_argument("--tolerance", type=float, default=0.2, help="the data check's relative tolerance")
    ap.add_argument("--floor", type=float, default=None,
                    help="also calibrate with --min-tolerance at this quantile of the truth's own distance")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    if a.truths < 1 or a.particles < 2 or min(a.generations) < 1 or a.noise < 0:
        sys.exit("abc_coverage: --truths >= 1, --particles >= 2, --generations >= 1, --noise >= 0")
    binary = os.path.abspath(a.bin)
    settings = [(g, None) for g in a.generations]
    floor = None
    if a.floor is not None:
        if not (0 < a.floor < 1) or a.noise <= 0:
            sys.exit("abc_coverage: --floor needs a quantile in (0, 1) and --noise > 0")
        floor = truth_distance_quantile(a.noise, a.tolerance, a.floor)
        settings.append((60, floor))
    reached = []  # generations the floor runs took
    # covered[g][d], width[g][d]: counts and summed width ratios per generations setting.
    covered = {st: [0] * len(PARAMS) for st in settings}
    width = {st: [0.0] * len(PARAMS) for st in settings}
    with tempfile.TemporaryDirectory() as tmp:
        for k in range(a.truths):
            rng = random.Random(a.seed * 1_000_003 + k)
            stock = math.exp(rng.uniform(math.log(1.0), math.log(10.0)))
            decay = rng.uniform(0.05, 0.8)
            truth = [stock, decay]
            d = os.path.join(tmp, str(k))
            os.mkdir(d)
            with open(os.path.join(d, "truth.toml"), "w") as f:
                f.write(SCENARIO.format(stock=stock, decay=decay))
            clean = series(binary, os.path.join(d, "truth.toml"), os.path.join(d, "truth"))
            observed = [v * math.exp(rng.gauss(0.0, a.noise)) for v in clean]
            with open(os.path.join(d, "toy.toml"), "w") as f:
                # The model to calibrate: the truth's structure at other starting values.
                f.write(SCENARIO.format(stock=3.0, decay=0.3) + BOX)
            points = ", ".join(f"[{t!r}, {v!r}]" for t, v in zip(TIMES, observed))
            with open(os.path.join(d, "data.toml"), "w") as f:
                f.write('[[claims]]\nid = "D1"\ntext = "A\'s culture stock toward B"\nsection = "coverage"\n'
                        '[[claims.checks]]\nkind = "data"\nmetric = "stock[A,B,culture]"\n'
                        f"points = [{points}]\ntolerance = {a.tolerance!r}\n")
            for g, fl in settings:
                post = os.path.join(d, f"post{g}{'f' if fl else ''}.csv")
                cmd = [binary, "calibrate", os.path.join(d, "toy.toml"), "--claims", os.path.join(d, "data.toml"),
                       "--method", "abc", "--particles", str(a.particles), "--generations", str(g), "--runs", "1",
                       "--seed", str(a.seed + k), "--threads", str(a.threads), "--quiet", "--out", post]
                if fl:
                    cmd += ["--min-tolerance", repr(fl)]
                r = subprocess.run(cmd, capture_output=True, text=True)
                if r.returncode != 0:
                    sys.exit(f"abc_coverage: {' '.join(cmd)} failed ({r.returncode}):\n{r.stdout}{r.stderr}")
                if fl:
                    for line in r.stdout.splitlines():
                        if line.startswith("posterior of "):
                            reached.append(int(line.split(" after ")[1].split()[0]))
                paths, weights, _, values = identifiability.load_posterior(post)
                for i, (path, lo, hi, log) in enumerate(PARAMS):
                    xs = [v[paths.index(path)] for v in values]
                    q05, q95 = identifiability.wquantile(xs, weights, 0.05), identifiability.wquantile(xs, weights, 0.95)
                    covered[(g, fl)][i] += q05 <= truth[i] <= q95
                    span = (math.log(q95) - math.log(q05)) / (math.log(hi) - math.log(lo)) if log else (q95 - q05) / (hi - lo)
                    width[(g, fl)][i] += span
            print(f"\rtruth {k + 1}/{a.truths}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    print(f"Coverage of the posterior 90 % intervals over {a.truths} truths drawn from the prior "
          f"({a.particles} particles, measurement error sd {a.noise} in log, data tolerance {a.tolerance}):\n")
    print("| generations | parameter | truth inside the 90 % interval | mean width / prior |")
    print("|---|---|---|---|")
    for st in settings:
        g, fl = st
        label = str(g) if fl is None else (f"floor {format(fl, '.4g')} ({min(reached)}-{max(reached)} generations)"
                                           if reached else f"floor {format(fl, '.4g')}")
        for i, (path, *_rest) in enumerate(PARAMS):
            print(f"| {label} | `{path}` | {covered[st][i]} of {a.truths} ({100 * covered[st][i] / a.truths:.0f} %) "
                  f"| {width[st][i] / a.truths:.3f} |")
    if floor is not None:
        print(f"\nfloor: --min-tolerance {format(floor, '.4g')}, the {a.floor} quantile of the truth's own distance "
              f"from data with measurement error sd {a.noise}")


if __name__ == "__main__":
    main()
