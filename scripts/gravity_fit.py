#!/usr/bin/python3
"""What the trade data ask of the gravity term, from the data alone (no model run).

  /usr/bin/python3 scripts/gravity_fit.py

Least-squares fits of log trade(Kazakhstan, P, year) over the years the data checks use
(IMF DOTS, Kazakhstan as reporter, 1994-2020; Russia 2010 left out as in
scenarios/checks/data.toml), one intercept per partner P, on:

  symmetric    ν · (ln M_KAZ + ln M_P)           one exponent for both masses (eq. 14 with ν′ = 0)
  asymmetric   a · ln M_KAZ + b · ln M_P         the smaller and the larger mass apart (ν′ = b − a)
  + trends     the asymmetric fit plus a linear time trend per partner (what partner biases
               and the agents' reallocation would have to supply)

M_KAZ is Kazakhstan's economic mass as the flagship reads it (its total goods trade, the
`economy` path of scenarios/flagship.toml: series trade KAZ-WLD of the CSV); M_P the
partner's GDP (World Bank, current USD). Prints each fit's coefficients and its median
|log error| per partner: a bound on what a gravity term of that form can reach before
any dynamics (the model's stocks lag, its agents reallocate).
"""
from __future__ import annotations

import csv
import math
import os
import statistics

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PARTNERS = ("RUS", "CHN", "TUR")


def load():
    gdp, trade, world = {}, {}, {}
    with open(os.path.join(ROOT, "scenarios/data/kazakhstan_series.csv"), newline="") as f:
        for r in csv.DictReader(f):
            year = int(r["year"])
            if year > 2021:
                continue
            if r["series"] == "gdp":
                gdp[(r["actor"], year)] = float(r["value"])
            elif r["series"] == "trade" and r["side"] == "imf_dots_kaz_reporter":
                if r["partner"] == "WLD":
                    world[year] = float(r["value"])
                else:
                    trade[(r["partner"], year)] = float(r["value"])
    rows = [(p, y, v) for (p, y), v in sorted(trade.items())
            if y >= 1994 and y in world and (p, y) in gdp and not (p == "RUS" and y == 2010)]
    return rows, gdp, world


def fit(rows, columns):
    x = np.array([columns(p, y) for p, y, _ in rows])
    z = np.array([math.log(v) for _, _, v in rows])
    coef, *_ = np.linalg.lstsq(x, z, rcond=None)
    res = z - x @ coef
    med = {p: statistics.median(abs(e) for (q, _, _), e in zip(rows, res) if q == p) for p in PARTNERS}
    return coef, med


def main():
    rows, gdp, world = load()
    dummies = lambda p: [1.0 if p == q else 0.0 for q in PARTNERS]
    own = lambda y: math.log(world[y])
    other = lambda p, y: math.log(gdp[(p, y)])
    trend = lambda p, y: [(y - 2005.0) if p == q else 0.0 for q in PARTNERS]
    fits = [
        ("symmetric", lambda p, y: dummies(p) + [own(y) + other(p, y)], ("nu",)),
        ("asymmetric", lambda p, y: dummies(p) + [own(y), other(p, y)], ("a (KAZ)", "b (partner)")),
        ("asymmetric + partner trends", lambda p, y: dummies(p) + [own(y), other(p, y)] + trend(p, y),
         ("a (KAZ)", "b (partner)")),
    ]
    print(f"{len(rows)} data points (IMF DOTS, Kazakh reporter, 1994-2020)")
    print(f"{'fit':30s} {'exponents':32s} " + " ".join(f"{p:>6s}" for p in PARTNERS) + "   (median |log error|)")
    for name, cols, names in fits:
        coef, med = fit(rows, cols)
        ex = ", ".join(f"{n} {c:.2f}" for n, c in zip(names, coef[3:3 + len(names)]))
        print(f"{name:30s} {ex:32s} " + " ".join(f"{med[p]:6.3f}" for p in PARTNERS))


if __name__ == "__main__":
    main()
