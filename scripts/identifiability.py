#!/usr/bin/env python3
"""What the claims and data pin down: a posterior (`calibrate --method abc`) against its prior.

Reads the posterior CSV (weight,distance,<one column per parameter path>) and the scenario's
[[calibration.parameters]] box, and prints, as Markdown:

  1. each parameter's prior range, posterior mean and 5/50/95 % weighted quantiles, and its
     shrinkage: 1 - (posterior 90 % width) / (prior 90 % width), on the search scale (log
     for log parameters), with a plain verdict (identified >= 0.5, weakly 0.2-0.5, not < 0.2);
  2. the posterior correlation matrix (weighted, search scale) as a heatmap, written as a
     self-contained SVG (--svg), and its strongest pairs in the text;
  3. with --draws N: every claim's and data check's posterior-predictive pass rate: the share
     of N runs of `smartpower claims --posterior` (on --baseline, the scenario the posterior
     was sampled on; each run its own particle, drawn by weight from the seed, and its own
     noise) in which it holds, next to its pass rate under N prior draws (--prior N; the box,
     one noisy run each, as scripts/targets.py does). Issue 15's target: each holds in
     >= 90 % of posterior-predictive runs.

Usage:
  /usr/bin/python3 scripts/identifiability.py --posterior scenarios/posterior.csv \
      [--scenario scenarios/flagship.toml] [--bin build/smartpower] [--draws 200] [--prior 200] \
      [--svg docs/posterior-correlation.svg]
"""
import argparse
import csv
import math
import os
import sys
import tempfile
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import targets  # noqa: E402  (claims(), prior_draws(): the same runs the targets script makes)

ROOT = targets.ROOT


def load_posterior(path):
    with open(path, newline="") as f:
        rows = list(csv.reader(f))
    head = rows[0]
    if head[:2] != ["weight", "distance"]:
        raise SystemExit(f"{path}: expected a header 'weight,distance,<paths>', got {','.join(head[:3])}...")
    paths = head[2:]
    weights, dist, values = [], [], []
    for i, r in enumerate(rows[1:], start=2):
        if len(r) != len(head):
            raise SystemExit(f"{path}:{i}: expected {len(head)} fields, got {len(r)}")
        weights.append(float(r[0]))
        dist.append(float(r[1]))
        values.append([float(x) for x in r[2:]])
    total = sum(weights)
    if not weights or not total > 0:
        raise SystemExit(f"{path}: no particles with positive weight")
    return paths, [w / total for w in weights], dist, values


def box(scenario):
    with open(scenario, "rb") as f:
        params = tomllib.load(f).get("calibration", {}).get("parameters", [])
    return {p["path"]: (float(p["lo"]), float(p["hi"]), bool(p.get("log", False))) for p in params}


def wquantile(xs, ws, q):
    order = sorted(range(len(xs)), key=lambda i: xs[i])
    acc = 0.0
    for i in order:
        acc += ws[i]
        if acc >= q - 1e-12:
            return xs[i]
    return xs[order[-1]]


def scale(v, log):
    return math.log(v) if log else v


def heatmap_svg(names, corr, path):
    n = len(names)
    cell, left, top = 18, 250, 250
    w, h = left + n * cell + 90, top + n * cell + 20
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{h}" viewBox="0 0 {w} {h}" '
           'font-family="DejaVu Sans, Arial, sans-serif" font-size="11" role="img" '
           'aria-label="Posterior correlation matrix of the calibration parameters">',
           '<title>Posterior correlation of the calibration parameters (weighted, search scale)</title>',
           f'<rect width="{w}" height="{h}" fill="#fff"/>']

    def color(r):
        # blue (-1) .. white (0) .. red (+1)
        a = min(1.0, abs(r))
        if r >= 0:
            return f"rgb(255,{int(255 * (1 - a))},{int(255 * (1 - a))})"
        return f"rgb({int(255 * (1 - a))},{int(255 * (1 - a))},255)"

    for i, name in enumerate(names):
        y = top + i * cell + cell * 0.7
        out.append(f'<text x="{left - 6}" y="{y:.1f}" text-anchor="end">{name}</text>')
        x = left + i * cell + cell * 0.7
        out.append(f'<text transform="translate({x:.1f},{top - 6}) rotate(-60)">{name}</text>')
        for j in range(n):
            out.append(f'<rect x="{left + j * cell}" y="{top + i * cell}" width="{cell}" height="{cell}" '
                       f'fill="{color(corr[i][j])}" stroke="#eee"><title>{names[i]} / {names[j]}: '
                       f'{corr[i][j]:+.2f}</title></rect>')
    lx = left + n * cell + 20
    for k, r in enumerate([1, 0.5, 0, -0.5, -1]):
        y = top + k * 24
        out.append(f'<rect x="{lx}" y="{y}" width="16" height="16" fill="{color(r)}" stroke="#999"/>')
        out.append(f'<text x="{lx + 22}" y="{y + 12}">{r:+.1f}</text>')
    out.append("</svg>")
    with open(path, "w") as f:
        f.write("\n".join(out) + "\n")


def posterior_predictive(binary, scenario, posterior, claims_files, n, seed, threads):
    """{id: pass rate} over n posterior-predictive runs: `smartpower claims --posterior`, run r
    of the scenario and of every claim variant taking the particle drawn for run r (by
    weight, from the seed) and its own noise, so each rate is the share of (parameter set,
    noise) draws in which the claim or check holds."""
    with tempfile.TemporaryDirectory() as tmp:
        combined = os.path.join(tmp, "all.toml")
        with open(combined, "w") as out:
            for cf in claims_files:
                out.write(open(cf).read() + "\n")
        return targets.claims(binary, scenario, combined, n, threads, seed, extra=["--posterior", posterior])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--posterior", required=True)
    ap.add_argument("--scenario", default=os.path.join(ROOT, "scenarios/flagship.toml"),
                    help="the file declaring [[calibration.parameters]] (the prior box), and the scenario the "
                         "draws extend")
    ap.add_argument("--baseline", default=os.path.join(ROOT, "scenarios/baseline.toml"),
                    help="the scenario the posterior was sampled on (posterior-predictive runs)")
    ap.add_argument("--bin", default=os.path.join(ROOT, "build/smartpower"))
    ap.add_argument("--draws", type=int, default=0,
                    help="posterior-predictive pass rates over N runs (claims --posterior: each run its own draw)")
    ap.add_argument("--prior", type=int, default=0, help="prior pass rates over N draws, for comparison")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--svg", help="write the correlation heatmap here")
    a = ap.parse_args()

    paths, w, dist, vals = load_posterior(a.posterior)
    bx = box(a.scenario)
    missing = [p for p in paths if p not in bx]
    if missing:
        raise SystemExit(f"{a.scenario}: no [[calibration.parameters]] entry for {', '.join(missing)}")
    ess = 1.0 / sum(x * x for x in w)
    print(f"Posterior: {len(w)} particles, effective sample size {ess:.0f}; distance median "
          f"{wquantile(dist, w, 0.5):.4g}, best {min(dist):.4g}.\n")
    print("| parameter | prior | posterior mean | 5 % | 50 % | 95 % | shrinkage | identified? |")
    print("|---|---|---|---|---|---|---|---|")
    scaled = []
    verdicts = {}
    for j, p in enumerate(paths):
        lo, hi, log = bx[p]
        xs = [v[j] for v in vals]
        mean = sum(wi * x for wi, x in zip(w, xs))
        q05, q50, q95 = (wquantile(xs, w, q) for q in (0.05, 0.5, 0.95))
        prior_w = 0.9 * (scale(hi, log) - scale(lo, log))
        shrink = 1.0 - (scale(q95, log) - scale(q05, log)) / prior_w
        verdict = "yes" if shrink >= 0.5 else "weakly" if shrink >= 0.2 else "**no**"
        verdicts[p] = verdict
        print(f"| `{p}` | {lo:g} – {hi:g}{' (log)' if log else ''} | {mean:.4g} | {q05:.4g} | {q50:.4g} | {q95:.4g} "
              f"| {shrink:.2f} | {verdict} |")
        scaled.append([scale(x, log) for x in xs])
    n = len(paths)
    mu = [sum(wi * x for wi, x in zip(w, s)) for s in scaled]
    cov = [[sum(wi * (scaled[i][k] - mu[i]) * (scaled[j][k] - mu[j]) for k, wi in enumerate(w)) for j in range(n)]
           for i in range(n)]
    corr = [[cov[i][j] / math.sqrt(cov[i][i] * cov[j][j]) if cov[i][i] > 0 and cov[j][j] > 0 else 0.0
             for j in range(n)] for i in range(n)]
    pairs = sorted(((abs(corr[i][j]), i, j) for i in range(n) for j in range(i + 1, n)), reverse=True)
    not_id = [p for p in paths if verdicts[p] == "**no**"]
    print(f"\nNot identified by the claims and data (shrinkage < 0.2): {len(not_id)} of {n}"
          + (": " + ", ".join(f"`{p}`" for p in not_id) if not_id else "") + ".")
    print("\nStrongest posterior correlations (search scale): " +
          "; ".join(f"`{paths[i]}` / `{paths[j]}` {corr[i][j]:+.2f}" for _, i, j in pairs[:6]) + ".")
    if a.svg:
        heatmap_svg(paths, corr, a.svg)
        print(f"\nHeatmap: {a.svg}")
    claims_files = [os.path.join(ROOT, "scenarios/claims.toml"), os.path.join(ROOT, "scenarios/checks/data.toml")]
    if a.draws:
        post = posterior_predictive(a.bin, a.baseline, a.posterior, claims_files, a.draws, a.seed, a.threads)
        # Claims read on the ensemble mean (`on = "mean"`): claims() gives their verdict on the
        # posterior-predictive mean; the table counts their share of runs, like every other
        # check's, and shows the verdict on the mean beside it.
        on_mean = {c: (post[c] >= 1.0, share) for c, share in targets.ON_MEAN.items() if c in post}
        for c, (_, share) in on_mean.items():
            post[c] = share
        prior = targets.prior_draws(a.bin, None, a.scenario, None, claims_files, a.prior, a.seed, a.threads) \
            if a.prior else {}
        held = [c for c, r in post.items() if r >= 0.9]
        print(f"\nPosterior-predictive pass rates ({a.draws} runs of `claims --posterior`, each with its own "
              f"draw and noise" + (f"; prior: {a.prior} draws from the box, one noisy run each" if a.prior else "") +
              f"): {len(held)} of {len(post)} claims and data checks hold in >= 90 % of posterior-predictive runs "
              f"(issue 15's target: all)" + (": below, " + ", ".join(f"{c} {100 * post[c]:.0f} %" for c in sorted(post)
                                                                  if post[c] < 0.9) if len(held) < len(post) else "")
              + ".\n")
        print("| check | prior | posterior | reading |")
        print("|---|---|---|---|")
        for cid in sorted(post):
            pr = prior.get(cid)
            reading = "holds (>= 90 %)" if post[cid] >= 0.9 else "**below 90 %**"
            if cid in on_mean:
                reading += "; on the mean: " + ("holds" if on_mean[cid][0] else "**fails**")
            print(f"| {cid} | {'' if pr is None else f'{100 * pr:.1f} %'} | {100 * post[cid]:.1f} % | {reading} |")


if __name__ == "__main__":
    main()
