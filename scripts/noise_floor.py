#!/usr/bin/env python3
"""The ABC distance a correct model has from data that carry the world's noise (issue 15).

`calibrate --method abc` shrinks its tolerance generation after generation. Once the
tolerance is below the distance that the true parameters themselves would have from noisy
data, the posterior fits the data's own noise and its intervals are too narrow
(scripts/abc_coverage.py shows it on a toy: the truth inside the 90 % interval in 94-98 %
of 100 cases after 8 generations, 14-18 % after 16). This script estimates that floor for
a scenario and a claims file, with the scenario as the truth: for each of --truths seeds,
one run of the scenario becomes the "world" (every data check's observed values replaced
by that run's, as scripts/perfect_model.py does; the other claims unchanged), and the
scenario's own distance from it is computed over --runs runs with --seed, exactly as the
calibrator computes a particle's distance (`smartpower claims --objective`). It prints
the distances' quantiles next to the scenario's distance from the real data; pass the
0.9 quantile to `calibrate --method abc --min-tolerance`.

    /usr/bin/python3 scripts/noise_floor.py --bin build/smartpower --truths 50

Figures: docs/calibration.md ("Coverage over many truths").
"""
import argparse
import os
import re
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import perfect_model  # noqa: E402  (run_claims, run_values: the perfect model's pseudo-data)

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def objective(binary, scenario, claims_file, runs, seed, threads):
    cmd = [binary, "claims", scenario, "--claims", claims_file, "--runs", str(runs), "--seed", str(seed),
           "--threads", str(threads), "--objective", "-q"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode not in (0, 1):
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr.strip()}")
    m = re.search(r"^objective (\S+)", p.stdout, re.M)
    if not m:
        sys.exit(f"{' '.join(cmd)}: no objective line in its output")
    return float(m.group(1))


def with_pseudo_data(text, values):
    """The claims text with each data check's observed values replaced by `values[id]` (in
    point order over the claim's data checks); every `points = [...]` is one line."""
    out, cid, used = [], None, {}
    for line in text.splitlines():
        m = re.match(r'^id = "([A-Z]\d\d)"', line)
        if m:
            cid = m.group(1)
        m = re.match(r"^points = (\[.*\])\s*$", line)
        if m and cid in values:
            years = re.findall(r"\[\s*([0-9.]+)\s*,", m.group(1))
            start = used.get(cid, 0)
            vals = values[cid][start:start + len(years)]
            if len(vals) != len(years):
                sys.exit(f"noise_floor: {cid}: {len(years)} points but {len(vals)} model values from the truth run")
            used[cid] = start + len(years)
            line = "points = [" + ", ".join(f"[{y}, {v!r}]" for y, v in zip(years, vals)) + "]"
        out.append(line)
    return "\n".join(out) + "\n"


def quantile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(q * len(xs)))]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/smartpower"))
    ap.add_argument("--scenario", default=os.path.join(ROOT, "scenarios/baseline.toml"))
    ap.add_argument("--claims", nargs="+",
                    default=[os.path.join(ROOT, "scenarios/claims.toml"), os.path.join(ROOT, "scenarios/checks/data.toml")],
                    help="claims files, concatenated as scripts/posterior.sh does")
    ap.add_argument("--runs", type=int, default=32, help="runs per distance (the calibrator's --runs)")
    ap.add_argument("--seed", type=int, default=1, help="seed of those runs (the calibrator's --seed)")
    ap.add_argument("--truths", type=int, default=50)
    ap.add_argument("--truth-seed", type=int, default=1001)
    ap.add_argument("--threads", type=int, default=2)
    a = ap.parse_args()
    if a.truths < 2 or a.runs < 1:
        sys.exit("noise_floor: --truths >= 2, --runs >= 1")
    text = "".join(open(p, encoding="utf-8").read() for p in a.claims)
    ids = set(re.findall(r'^id = "([A-Z]\d\d)"', text, re.M))
    with tempfile.TemporaryDirectory() as tmp:
        real = os.path.join(tmp, "real.toml")
        with open(real, "w", encoding="utf-8") as f:
            f.write(text)
        d_real = objective(a.bin, a.scenario, real, a.runs, a.seed, a.threads)
        ds = []
        for k in range(a.truths):
            out = perfect_model.run_claims(a.bin, a.scenario, real, 1, a.truth_seed + k, a.threads)
            values = {c: v for c, v in perfect_model.run_values(out, ids).items() if v}
            pseudo = os.path.join(tmp, "pseudo.toml")
            with open(pseudo, "w", encoding="utf-8") as f:
                f.write(with_pseudo_data(text, values))
            ds.append(objective(a.bin, a.scenario, pseudo, a.runs, a.seed, a.threads))
            print(f"\rtruth {k + 1}/{a.truths}", end="", file=sys.stderr, flush=True)
    print(file=sys.stderr)
    print(f"Distance of {os.path.relpath(a.scenario, ROOT)} from {a.truths} worlds that are runs of itself "
          f"(seeds {a.truth_seed}..{a.truth_seed + a.truths - 1}), over {a.runs} runs with seed {a.seed}:")
    print(f"  min {min(ds):.4g}  10 % {quantile(ds, 0.1):.4g}  median {quantile(ds, 0.5):.4g}  "
          f"90 % {quantile(ds, 0.9):.4g}  max {max(ds):.4g}")
    below = sum(d <= d_real for d in ds)
    print(f"  from the real data: {d_real:.4g} ({below} of the {a.truths} worlds are as close or closer)")
    print(f"floor for calibrate --method abc --min-tolerance (the 90 % quantile): {quantile(ds, 0.9):.4g}")


if __name__ == "__main__":
    main()
