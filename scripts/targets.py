#!/usr/bin/python3
"""Issue 14's targets for the flagship, measured and printed (exit 1 if one is missed).

  /usr/bin/python3 scripts/targets.py --bin build/smartpower                # full: 200 runs
  /usr/bin/python3 scripts/targets.py --bin build/smartpower --fast         # CI: the 200 runs of the docs, no prior draws
  /usr/bin/python3 scripts/targets.py --bin build/smartpower --prior 200    # + informativeness

Targets (docs/calibration.md): every claim of scenarios/claims.toml holds in >= 90 % of
the noisy runs; Kazakhstan's trade with each of RUS, CHN, TUR has a median absolute log
error <= 0.25 over the data years of scenarios/checks/data.toml; KZ-TR trade within a
factor of 2 in 1992-2000; the 2021 shares among the three within 5 points; the partner
ranking on each hard lever (Russia and China above Turkiye) right in >= 90 % of the years
1995-2021; with --prior N, at least 8 claims or data checks pass at < 80 % of N parameter
sets drawn from the [calibration] box (uniform, or log-uniform where `log = true`).
The model values are the ensemble mean of `smartpower run --runs R` (annual: the mean of
the year's four quarters; the run ends at 2021.75, so 2021 has its four too). Throughput is measured separately
(`smartpower bench`).
"""
from __future__ import annotations

import argparse
import csv
import math
import os
import random
import re
import statistics
import subprocess
import sys
import tempfile
import tomllib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARTNERS = ("RUS", "CHN", "TUR")
HARD = ("trade", "investment", "energy", "military")


def claims(binary, scenario, claims_file, runs, threads, seed=None, extra=()):
    """{id: pass share} from `smartpower claims` (exit 0 or 1); `extra`: more options (e.g.
    ["--posterior", FILE])."""
    cmd = [binary, "claims", scenario, "--claims", claims_file, "--runs", str(runs), "--threads", str(threads), "-q"]
    if seed is not None:
        cmd += ["--seed", str(seed)]
    cmd += list(extra)
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    out = {}
    for line in p.stdout.splitlines():
        m = re.match(r"^([A-Z]\d\d)\s.*?\s(PASS|FAIL)\s+(?:(\d+)%)?", line)
        if m:  # one run, or a claim on the ensemble mean: the verdict is the run's or the mean's
            out[m.group(1)] = int(m.group(3)) / 100.0 if m.group(3) else (1.0 if m.group(2) == "PASS" else 0.0)
        m = re.match(r"^([A-Z]\d\d)\s.*?\s(?:PASS|FAIL)\s+mean; runs (\d+)%", line)
        if m:
            ON_MEAN[m.group(1)] = int(m.group(2)) / 100.0
    return out


# Claims read on the ensemble mean (`on = "mean"`), with the share of runs in which they held,
# as the last claims() call saw them.
ON_MEAN = {}


def mean_note(ids):
    """' (C14 on the ensemble mean, 88 % of runs)' for the claims of `ids` read on the mean."""
    on = [f"{c} {100 * ON_MEAN[c]:.0f} %" for c in sorted(ids) if c in ON_MEAN]
    return f" (on the ensemble mean: {', '.join(on)} of runs)" if on else ""


def mean_series(binary, scenario, runs, threads, tmp):
    """{(metric, actor, partner, lever): {time: value}} of the ensemble mean."""
    out_dir = os.path.join(tmp, "run")
    cmd = [binary, "run", scenario, "--runs", str(runs), "--threads", str(threads), "--series",
           "mean" if runs > 1 else "all", "--out", out_dir, "-q"]
    subprocess.run(cmd, check=True, capture_output=True)
    series = {}
    with open(os.path.join(out_dir, "timeseries.csv"), newline="") as f:
        for row in csv.DictReader(f):
            if row["run"] not in ("mean", "0"):
                continue
            if row["metric"] not in ("flow", "lever_dependence") or row["actor"] != "KAZ":
                continue
            key = (row["metric"], row["actor"], row["partner"], row["lever"])
            series.setdefault(key, {})[round(float(row["time"]), 6)] = float(row["value"])
    return series


def annual(s, year):
    vals = [v for t, v in s.items() if year - 1e-6 <= t < year + 1 - 1e-6]
    return sum(vals) / len(vals)


def data_points():
    """Trade points of scenarios/checks/data.toml: {partner: [(year, value)]}."""
    with open(os.path.join(ROOT, "scenarios/checks/data.toml"), "rb") as f:
        doc = tomllib.load(f)
    pts = {p: {} for p in PARTNERS}
    shares = {}
    for c in doc["claims"]:
        for ch in c["checks"]:
            m = re.match(r"flow\[KAZ,(\w+),trade\]", ch.get("metric", ""))
            if ch["kind"] == "data" and m and "per" not in ch:
                for y, v in ch["points"]:
                    pts[m.group(1)].setdefault(float(y), float(v))
            elif ch["kind"] == "data" and m:
                shares[m.group(1)] = float(ch["points"][0][1])
    return {p: sorted(v.items()) for p, v in pts.items()}, shares


def pass_rates(binary, scenario, draws, claims_files, seed, threads):
    """Pass rate of every claim/check over parameter sets: `draws` yields, per draw, a list
    of (path, value) overrides of `scenario`; draw d runs once with seed + d."""
    passes = {}
    with tempfile.TemporaryDirectory() as tmp:
        combined = os.path.join(tmp, "all.toml")
        with open(combined, "w") as out:
            for cf in claims_files:
                out.write(open(cf).read() + "\n")
        for d, overrides in enumerate(draws):
            lines = [f'extends = "{os.path.abspath(scenario)}"', "[overrides]"]
            lines += [f'"{path}" = {v!r}' for path, v in overrides]
            path = os.path.join(tmp, f"draw{d}.toml")
            with open(path, "w") as f:
                f.write("\n".join(lines) + "\n")
            for cid, share in claims(binary, path, combined, 1, threads, seed=seed + d).items():
                passes.setdefault(cid, []).append(share >= 1.0)
    return {cid: sum(v) / len(v) for cid, v in passes.items()}


def prior_draws(binary, scenario_dir, flagship, baseline, claims_files, n, seed, threads):
    """Pass rate of every claim/check over n parameter sets from the [calibration] box."""
    with open(flagship, "rb") as f:
        params = tomllib.load(f)["calibration"]["parameters"]
    rng = random.Random(seed)

    def draws():
        for _ in range(n):
            row = []
            for p in params:
                lo, hi = float(p["lo"]), float(p["hi"])
                u = rng.random()
                v = math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo))) if p.get("log") else lo + u * (hi - lo)
                row.append((p["path"], v))
            yield row

    return pass_rates(binary, flagship, draws(), claims_files, seed, threads)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/smartpower"))
    ap.add_argument("--scenario", default=os.path.join(ROOT, "scenarios/baseline.toml"))
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--fast", action="store_true", help="CI: 200 runs (the documented figures, a few seconds), no prior draws")
    ap.add_argument("--prior", type=int, default=0, help="also measure informativeness over N prior draws")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ci", action="store_true",
                    help="exit 1 only on the targets the committed baseline meets (a regression guard; the others print as info)")
    a = ap.parse_args()
    runs = 200 if a.fast else a.runs
    claims_file = os.path.join(ROOT, "scenarios/claims.toml")
    data_file = os.path.join(ROOT, "scenarios/checks/data.toml")
    ok = True

    # Met by the committed baseline (docs/calibration.md); --ci guards only these.
    guarded = ("2021 shares", "ranking on", "discriminate")

    def verdict(good, text):
        nonlocal ok
        counts = not a.ci or text.startswith(guarded)
        ok = ok and (good or not counts)
        print(f"  [{'met ' if good else 'MISS' if counts else 'miss'}] {text}")

    print(f"targets for {os.path.relpath(a.scenario, ROOT)} ({runs} noisy runs)")
    cl = claims(a.bin, a.scenario, claims_file, runs, a.threads)
    low = {c: s for c, s in cl.items() if s < 0.9}
    verdict(not low, f"every claim holds in >= 90 % of runs: {len(cl) - len(low)} of {len(cl)}" + mean_note(cl)
            + ("" if not low else "; below: " + ", ".join(f"{c} {100 * s:.0f}%" for c, s in sorted(low.items()))))
    dc = claims(a.bin, a.scenario, data_file, runs, a.threads)
    lowd = {c: s for c, s in dc.items() if s < 0.9}
    print(f"  [info] data checks holding in >= 90 % of runs: {len(dc) - len(lowd)} of {len(dc)}" + mean_note(dc)
          + ("" if not lowd else "; below: " + ", ".join(f"{c} {100 * s:.0f}%" for c, s in sorted(lowd.items()))))

    with tempfile.TemporaryDirectory() as tmp:
        s = mean_series(a.bin, a.scenario, runs, a.threads, tmp)
    vol = {p: s[("flow", "KAZ", p, "trade")] for p in PARTNERS}
    pts, want = data_points()
    for p in PARTNERS:
        errs = []
        rows = []
        for y, v in pts[p]:
            m = annual(vol[p], int(y))
            errs.append(abs(math.log(m / v)))
            rows.append(f"{int(y)} {m:.3g}/{v:g}")
        med = statistics.median(errs)
        verdict(med <= 0.25, f"KZ-{p} trade: median |log error| {med:.3f} (<= 0.25) over {len(errs)} years: " + ", ".join(rows))
    tr = [(y, annual(vol["TUR"], int(y)), v) for y, v in pts["TUR"] if y <= 2000]
    verdict(all(0.5 <= m / v <= 2 for _, m, v in tr),
            "KZ-TR trade within a factor of 2 in 1992-2000: " + ", ".join(f"{int(y)} {m:.3g}/{v:g}" for y, m, v in tr))
    # 2021's trade: the mean of its four quarters (the data are annual), as D05-D07 read it.
    tot = sum(annual(vol[p], 2021) for p in PARTNERS)
    sh = {p: annual(vol[p], 2021) / tot for p in PARTNERS}
    verdict(all(abs(sh[p] - want[p]) <= 0.05 for p in PARTNERS),
            "2021 shares within 5 points: " + ", ".join(f"{p} {100 * sh[p]:.1f}% (data {100 * want[p]:.1f}%)" for p in PARTNERS))
    for lev in HARD:
        ld = {p: s[("lever_dependence", "KAZ", p, lev)] for p in PARTNERS}
        years = range(1995, 2022)
        right = [annual(ld["RUS"], y) > annual(ld["TUR"], y) and annual(ld["CHN"], y) > annual(ld["TUR"], y)
                 for y in years]
        frac = sum(right) / len(right)
        verdict(frac >= 0.9, f"ranking on {lev} (RUS and CHN above TUR) right in {100 * frac:.0f} % of 1995-2021")

    if a.prior:
        rates = prior_draws(a.bin, ROOT, os.path.join(ROOT, "scenarios/flagship.toml"), a.scenario,
                            [claims_file, data_file], a.prior, a.seed, a.threads)
        disc = [c for c, r in rates.items() if r < 0.8]
        print(f"\ninformativeness over {a.prior} draws from the [calibration] box (pass rate of one noisy run):")
        print("| check | pass rate | reading |\n|---|---|---|")
        for c in sorted(rates):
            r = rates[c]
            reading = "uninformative (> 95 %)" if r > 0.95 else ("discriminates (< 80 %)" if r < 0.8 else "weak")
            print(f"| {c} | {100 * r:.1f} % | {reading} |")
        verdict(len(disc) >= 8, f"at least 8 claims or data checks discriminate: {len(disc)} ({', '.join(sorted(disc))})")
    if a.ci:
        print("the guarded targets hold (lower-case 'miss': not met by the committed baseline either)" if ok
              else "a target the committed baseline met is now missed")
    else:
        print("all targets met" if ok else "some targets missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
