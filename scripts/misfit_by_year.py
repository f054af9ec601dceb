#!/usr/bin/env python3
"""Where a trade-series data check or a ranking check fails, year by year.

The series checks D01-D03 (scenarios/checks/data.toml) ask that a run's Kazakhstan-partner
trade lie within a factor of 2 of the observed value in every year; a run fails on its
worst year. This script runs a scenario (each run with a posterior draw when --posterior is
given, as `claims --posterior` does) and prints, for every observed year of each check:

- the observed value (each flow as its importer reports it, the series the check uses) and
  the two one-sided totals it is built from the other way round: the trade as Kazakhstan
  reports it and as the partner reports it (IMF DOTS, scenarios/data/kazakhstan_series.csv,
  sides `imf_dots_kaz_reporter` and `imf_dots_<partner>_reporter`);
- the model's annual flow (the mean of the year's four quarters, as the check reads it)
  across the runs: its median and 5-95 % range;
- the median log error ln(model / observed), the share of runs within the check's
  tolerance that year, and whether the model's median lies between the two sides' totals.

A year whose median error is near the tolerance is misfit, not noise; a year where the two
customs services disagree by more than the tolerance is one the data cannot pin down.

A ranking check (kind "compare" over a span of years, such as D09-D11: Russia and China
each above Turkiye on one lever at every instant) is read per instant of the same runs:
for each year in which some run fails, the share of runs in which every comparison holds at
every instant of that year, and which left-hand side falls below; then the year each
failing run fails first and what dropping one year would give.

    /usr/bin/python3 scripts/misfit_by_year.py --posterior scenarios/posterior.csv --checks D03
    /usr/bin/python3 scripts/misfit_by_year.py --posterior scenarios/posterior.csv --checks D09,D11

--verify also runs `smartpower claims` on the same runs (scenario, posterior, seed) and
exits 1 unless every check's share of passing runs is the one this script counts (CTest
runs it so: the table reads the runs the checks read).

Figures: docs/calibration.md ("Which years fail").
"""
import argparse
import collections
import csv
import math
import os
import re
import subprocess
import sys
import tempfile
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import targets  # noqa: E402  (claims(): `smartpower claims` read as {id: pass share})

ROOT = targets.ROOT


SELECTOR = re.compile(r"(\w+)\[(\w*),(\w*),(\w*)\]")  # metric[actor,partner,lever]


def checks_of(path, ids):
    """The checks named in `ids`: ({id: (partner, [(year, observed)], tolerance)} for the
    log-error trade-flow data checks, {id: [(left, right, greater, t0, t1)]} for the claims
    made only of compare checks over a span, each side a (metric, actor, partner, lever))."""
    with open(path, "rb") as f:
        doc = tomllib.load(f)
    series, rankings = {}, {}
    for claim in doc.get("claims", []):
        if ids and claim["id"] not in ids:
            continue
        checks = claim.get("checks", [])
        for check in checks:
            m = re.fullmatch(r"flow\[KAZ,(\w+),trade\]", check.get("metric", ""))
            if check.get("kind") == "data" and m and check.get("error") == "log":
                series[claim["id"]] = (m.group(1), [(int(y), v) for y, v in check["points"]], check["tolerance"])
        sides = [(SELECTOR.fullmatch(c.get("left", "")), SELECTOR.fullmatch(c.get("right", ""))) for c in checks]
        if checks and all(c.get("kind") == "compare" and "over" in c and "variant" not in c and l and r
                          for c, (l, r) in zip(checks, sides)):
            rankings[claim["id"]] = [(l.groups(), r.groups(), c["op"] == ">", *map(float, c["over"]))
                                     for c, (l, r) in zip(checks, sides)]
    missing = sorted(set(ids) - set(series) - set(rankings)) if ids else []
    if missing:
        sys.exit(f"misfit_by_year: {path}: no log-error trade-flow data check and no ranking (compare over a span) "
                 f"check with id {', '.join(missing)}")
    return series, rankings


def customs_sides(path):
    """{(partner, side, year): value} for the IMF DOTS one-sided trade totals."""
    sides = {}
    with open(path, newline="") as f:
        for row in csv.DictReader(f):
            m = re.fullmatch(r"imf_dots_(\w+)_reporter", row["side"])
            if row["series"] == "trade" and row["actor"] == "KAZ" and m:
                who = "KAZ" if m.group(1) == "kaz" else "partner"
                sides[(row["partner"], who, int(row["year"]))] = float(row["value"])
    return sides


def run_series(binary, scenario, posterior, runs, seed, threads, wanted):
    """({(partner, run, year): mean of the year's quarterly flow[KAZ,partner,trade]},
    {(metric, actor, partner, lever): {(run, time): value}} for the series in `wanted`)."""
    with tempfile.TemporaryDirectory() as out:
        cmd = [binary, "run", scenario, "--runs", str(runs), "--seed", str(seed), "--threads", str(threads),
               "--series", "all", "--quiet", "--out", os.path.join(out, "o")]
        if posterior:
            cmd += ["--posterior", posterior]
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode != 0:
            sys.exit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
        sums = collections.defaultdict(float)
        counts = collections.Counter()
        other = {w: {} for w in wanted}
        with open(os.path.join(out, "o", "timeseries.csv"), newline="") as f:
            for row in csv.reader(f):
                if row[2] == "flow" and row[3] == "KAZ" and row[5] == "trade":
                    key = (row[4], int(row[0]), math.floor(float(row[1]) + 1e-9))
                    sums[key] += float(row[6])
                    counts[key] += 1
                series = other.get((row[2], row[3], row[4], row[5]))
                if series is not None:
                    series[(int(row[0]), float(row[1]))] = float(row[6])
    return {k: sums[k] / counts[k] for k in sums}, other


def quantile(sorted_values, q):
    return sorted_values[min(len(sorted_values) - 1, int(q * len(sorted_values)))]


def fmt(v):
    return "–" if v is None else f"{v:.3g}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build", "smartpower"))
    ap.add_argument("--scenario", default=os.path.join(ROOT, "scenarios", "baseline.toml"))
    ap.add_argument("--posterior", default=None, help="posterior CSV: each run takes a draw from it")
    ap.add_argument("--checks-file", default=os.path.join(ROOT, "scenarios", "checks", "data.toml"))
    ap.add_argument("--data", default=os.path.join(ROOT, "scenarios", "data", "kazakhstan_series.csv"))
    ap.add_argument("--checks", default="D01,D02,D03", help="comma-separated check ids")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--flag", type=float, default=0.97, help="mark years within the tolerance in fewer runs than this")
    ap.add_argument("--verify", action="store_true", help="check the pass counts against `smartpower claims` on the same runs")
    a = ap.parse_args()
    if not (os.path.isfile(a.bin) and os.access(a.bin, os.X_OK)):
        sys.exit(f"misfit_by_year: no smartpower binary at {a.bin} (build first, or pass --bin)")
    if a.runs < 1:
        sys.exit("misfit_by_year: --runs must be at least 1")
    for f in [a.scenario, a.checks_file, a.data] + ([a.posterior] if a.posterior else []):
        if not os.path.isfile(f):
            sys.exit(f"misfit_by_year: no file {f}")
    checks, rankings = checks_of(a.checks_file, [c for c in a.checks.split(",") if c])
    sides = customs_sides(a.data)
    wanted = {side for parts in rankings.values() for left, right, *_ in parts for side in (left, right)}
    flows, other = run_series(a.bin, a.scenario, a.posterior, a.runs, a.seed, a.threads, wanted)
    source = f"{a.runs} runs of {os.path.relpath(a.scenario, ROOT)}" + (
        f", each with a draw from {os.path.relpath(a.posterior, ROOT)}" if a.posterior else "") + f", seed {a.seed}"
    held = {}
    print(f"Per-year misfit of the {'trade-series checks' if checks else 'ranking checks'}"
          f"{' and ranking checks' if checks and rankings else ''} over {source}.\n")
    for cid, (partner, points, tol) in checks.items():
        print(f"{cid}: trade with {partner} within |ln(model / observed)| <= {tol:g} every year\n")
        print("| year | observed (importer-reported) | KZ reports | partner reports | model median (5–95 %) "
              "| median ln error | within tolerance | model median between the sides |")
        print("|---:|---:|---:|---:|---:|---:|---:|:--:|")
        # errs[r][k]: run r's log error at the check's k-th year, computed once for the
        # table, the failing runs' worst years and the years' costs.
        values, errs = [], []
        for r in range(a.runs):
            row = []
            for year, obs in points:
                v = flows.get((partner, r, year))
                if v is None:
                    sys.exit(f"misfit_by_year: the run has no flow[KAZ,{partner},trade] in {year}")
                row.append(v)
            values.append(row)
            errs.append([math.log(v / obs) if v > 0 else -math.inf for v, (_, obs) in zip(row, points)])
        for k, (year, obs) in enumerate(points):
            vals = sorted(v[k] for v in values)
            col = sorted(e[k] for e in errs)
            inside = sum(abs(e) <= tol for e in col) / len(col)
            med = quantile(vals, 0.5)
            kz, pt = sides.get((partner, "KAZ", year)), sides.get((partner, "partner", year))
            between = "–" if kz is None or pt is None else ("yes" if min(kz, pt) <= med <= max(kz, pt) else "no")
            mark = " **<**" if inside < a.flag else ""
            print(f"| {year} | {obs:.3g} | {fmt(kz)} | {fmt(pt)} | {med:.3g} ({quantile(vals, 0.05):.3g}–"
                  f"{quantile(vals, 0.95):.3g}) | {quantile(col, 0.5):+.2f} | {inside:.0%}{mark} | {between} |")
        # The year each failing run fails on first (its worst year), to say which years decide.
        worst = collections.Counter()
        for e in errs:
            err, k = max((abs(x), k) for k, x in enumerate(e))
            if err > tol:
                worst[points[k][0]] += 1
        # What one year costs: the runs that would hold if that year alone were not checked.
        years = [y for y, _ in points]
        costs = [(sum(all(abs(x) <= tol for k, x in enumerate(e) if years[k] != y) for e in errs), y)
                 for y, _ in worst.most_common(3)]
        held[cid] = outcome(cid, a.runs, worst, "worst", costs)
    for cid, parts in rankings.items():
        held[cid] = rankings_by_year(cid, parts, other, a.runs)
    if a.verify:
        verify(a, held)


def rankings_by_year(cid, parts, other, runs):
    """Prints where the ranking claim `cid` fails, year by year; returns the runs it holds in."""
    name = lambda side: f"{side[0]}[{','.join(side[1:])}]"
    print(f"{cid}: " + " and ".join(f"{name(l)} {'>' if g else '<'} {name(r)} at every instant {t0:g}-{t1:g}"
                                    for l, r, g, t0, t1 in parts) + "\n")
    # fails[r][year]: the left-hand sides that do not hold at some instant of that year.
    fails = [collections.defaultdict(set) for _ in range(runs)]
    for left, right, greater, t0, t1 in parts:
        lv, rv = other[left], other[right]
        times = sorted({t for (_, t) in lv if t0 - 1e-9 <= t <= t1 + 1e-9})
        if not times:
            sys.exit(f"misfit_by_year: the run has no {name(left)} between {t0:g} and {t1:g}")
        for r in range(runs):
            for t in times:
                x, y = lv[(r, t)], rv[(r, t)]
                if not (x > y if greater else x < y):
                    fails[r][math.floor(t + 1e-9)].add(left[2] or name(left))
    years = sorted({y for f in fails for y in f})
    if years:
        print("| year | runs in which it holds all year | falls short that year (runs) |")
        print("|---:|---:|:--|")
        for y in years:
            short = collections.Counter(who for f in fails for who in f.get(y, ()))
            ok = sum(y not in f for f in fails)
            print(f"| {y} | {ok / runs:.0%} | " + ", ".join(f"{w} ({n})" for w, n in short.most_common()) + " |")
    first = collections.Counter(min(f) for f in fails if f)
    costs = sorted(((sum(not (set(f) - {y}) for f in fails), y) for y in years), reverse=True)[:3]
    return outcome(cid, runs, first, "first failing", costs)


def outcome(cid, runs, deciding, kind, costs):
    """Prints how many runs a check holds in, the year each failing run fails on (`deciding`:
    year -> runs) and what dropping one year would give (`costs`: [(runs, year)]); returns
    the runs it holds in."""
    failed = sum(deciding.values())
    print(f"\n{cid} holds in {runs - failed} of {runs} runs ({(runs - failed) / runs:.0%}); "
          + (f"the failing runs' {kind} years: " + ", ".join(f"{y} ({n})" for y, n in deciding.most_common())
             if failed else "no run fails") + ".")
    if failed:
        print("Without one year: " + "; ".join(f"without {y}, {n} of {runs} ({n / runs:.0%})" for n, y in costs) + ".")
    print()
    return runs - failed


def verify(a, held):
    """Exit 1 unless `smartpower claims` on the same runs gives each check the share this
    script counted (claims prints the share as a whole per cent; scripts/targets.py reads it)."""
    rates = targets.claims(a.bin, a.scenario, a.checks_file, a.runs, a.threads, a.seed,
                           extra=["--posterior", a.posterior] if a.posterior else [])
    bad = []
    for cid, n in held.items():
        want = int(f"{100 * n / a.runs:.0f}")
        got = round(100 * rates[cid]) if cid in rates else None
        if got != want:
            bad.append(f"{cid}: claims says {'nothing' if got is None else f'{got}%'}, this script {want}% ({n} of {a.runs})")
    if bad:
        print("verify: the per-year table disagrees with `smartpower claims`:\n  " + "\n  ".join(bad), file=sys.stderr)
        sys.exit(1)
    print(f"verify: {', '.join(held)} hold in the same share of runs as `smartpower claims` says")


if __name__ == "__main__":
    main()
