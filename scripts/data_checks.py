#!/usr/bin/python3
"""Writes scenarios/checks/data.toml from scenarios/data/kazakhstan_series.csv.

  /usr/bin/python3 scripts/data_checks.py [--tolerance 0.693]

The fit series follow scenarios/data/README.md ("Recommended series"): one convention for
all three partners, each flow as its importer records it (`importer_reported`, IMF DOTS
1994-2020: the partner's imports from Kazakhstan plus Kazakhstan's imports from the
partner, both CIF; rows derived by scripts/importer_series.py). KZ-RU 2010 left out (a
Kazakh reporting break after the Customs Union, in Kazakhstan's imports). The 2021 shares
(D05-D07) are the Kazakh statistics committee's 2021 table (`kazakh`, the row whose source
cites the xls), the only 2021 figures for all three. KZ-TR 1992 has one source only
(docslib 5479512, `secondary`): it is used for the 1992-2000 check. Years up to 2021 only.
Before this round the series were Kazakhstan's own reports (`imf_dots_kaz_reporter`); the
switch and its reason are in docs/calibration.md ("Which side's statistics").
"""
from __future__ import annotations

import argparse
import csv
import os

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--tolerance", type=float, default=0.693, help="largest |log error| of a trade point (0.693 = 2x)")
    ap.add_argument("--out", default=os.path.join(ROOT, "scenarios/checks/data.toml"))
    a = ap.parse_args()
    rows = list(csv.DictReader(open(os.path.join(ROOT, "scenarios/data/kazakhstan_series.csv"), newline="")))
    trade = [r for r in rows if r["series"] == "trade" and r["actor"] == "KAZ" and int(r["year"]) <= 2021]

    def series(p):
        pts = {}
        for r in trade:
            y = int(r["year"])
            if r["partner"] == p and r["side"] == "importer_reported" and 1994 <= y <= 2020 and not (p == "RUS" and y == 2010):
                pts.setdefault(y, r["value"])
        return sorted(pts.items())

    def committee_2021(p):
        return [float(r["value"]) for r in trade if r["partner"] == p and r["year"] == "2021" and r["side"] == "kazakh"
                and "xls" in r["source"]][0]

    s = {p: series(p) for p in ("RUS", "CHN", "TUR")}
    tr1992 = [r["value"] for r in trade if r["partner"] == "TUR" and r["year"] == "1992" and r["side"] == "secondary"]
    fmt = lambda pts: "[" + ", ".join(f"[{y}.0, {v}]" for y, v in pts) + "]"
    out = [
        "# Data checks: the flagship against the public series of scenarios/data/kazakhstan_series.csv.",
        "# Written by scripts/data_checks.py (do not edit by hand; the rule is in its docstring).",
        "# Years up to 2021 only. Run with the same machinery as the article's claims:",
        "#",
        "#   smartpower claims scenarios/baseline.toml --claims scenarios/checks/data.toml --runs 200 --threads 2",
        "#",
        "# The file has no [settings] and no variants, so it can be appended to claims.toml for a",
        "# calibration on claims and data together (scripts/targets.py does this).",
        "# Trade is the two-way trade flow in USD bn a year, flow[KAZ,P,trade]; each observed year is",
        "# compared with the mean of the model's four quarters of that year (`window = 1.0`; the run",
        "# ends at 2021.75 so that 2021 has its four quarters). `error = \"log\"`: a point's error is |ln(model / observed)|, and",
        f"# `tolerance` is the largest allowed ({a.tolerance} = a factor of {2.718281828 ** a.tolerance:.2f}).",
        "# Series: each flow as its importer reports it, both CIF (`importer_reported`: the partner's imports from",
        "# Kazakhstan + Kazakhstan's imports from the partner, IMF DOTS 1994-2020); 2021 shares: Kazakh committee.",
        "# The 2021 share checks D05-D07 are read on the ensemble mean (`on = \"mean\"`: the model's",
        "# expected shares against the year's data; the share of runs is still shown): one run's",
        "# year adds its own decision noise to the world's, and a model right by construction (one",
        "# of its own runs taken as the data) passes D05-D06 in only 69-78 % of runs (scripts/",
        "# perfect_model.py; docs/calibration.md). The series D01-D04 and the ordinal patterns",
        "# D08-D12 are read run by run, like the article's claims: a perfect model passes D01-D04",
        "# in 99-100 % of runs, so their failures are misfit, not noise.",
    ]

    def claim(cid, name, text, section, check, on_mean=False):
        out.extend(["", "[[claims]]", f'id = "{cid}"', f'name = "{name}"', f'text = "{text}"', f'section = "{section}"'] +
                   (['on = "mean"'] if on_mean else []) + ["[[claims.checks]]"] + check)

    sec = "data: scenarios/data/kazakhstan_series.csv"
    names = {"RUS": "Russia", "CHN": "China", "TUR": "Türkiye"}
    for i, p in enumerate(("RUS", "CHN", "TUR")):
        pts = s[p]
        claim(f"D0{i + 1}", f"KZ–{p} trade", f"Kazakhstan's trade with {names[p]} {pts[0][0]}–{pts[-1][0]} (each flow as its importer reports it) "
              f"within |log error| {a.tolerance} at every year.", sec,
              ['kind = "data"', f'metric = "flow[KAZ,{p},trade]"', f"points = {fmt(pts)}", "window = 1.0",
               'error = "log"', f"tolerance = {a.tolerance}",
               'note = "IMF DOTS, importer-reported (scripts/importer_series.py)' + (
                   '; 2010 left out (reporting break)' if p == "RUS" else "") + '"'])
    early = [(1992, tr1992[0])] + [(y, v) for y, v in s["TUR"] if y <= 2000]
    claim("D04", "KZ–TR trade starts near zero", "Kazakhstan–Türkiye trade 1992–2000 within a factor of 2 at every year "
          "(1992: 0.03 bn, the only source; 1994–2000 importer-reported).", sec,
          ['kind = "data"', 'metric = "flow[KAZ,TUR,trade]"', f"points = {fmt(early)}", "window = 1.0", 'error = "log"',
           "tolerance = 0.693", 'note = "1992: docslib 5479512 (secondary); 1994-2000: IMF DOTS, importer-reported"'])
    last = {p: committee_2021(p) for p in s}
    tot = sum(last.values())
    out.extend(["", "# ---- Kazakhstan's 2021 trade among the three partners (Kazakh committee: " +
                ", ".join(f"{p} {last[p]:g}" for p in last) + "),", "# each share within 5 points: relative tolerance 0.05 / share."])
    for i, p in enumerate(("RUS", "CHN", "TUR")):
        sh = round(last[p] / tot, 4)
        claim(f"D0{i + 5}", f"2021 trade share {p}", f"{names[p]}'s share of Kazakhstan's 2021 trade with Russia, China "
              f"and Türkiye is {100 * sh:.1f} %, within 5 points.", sec,
              ['kind = "data"', f'metric = "flow[KAZ,{p},trade]"', 'per = "flow[KAZ,*,trade]"', f"points = [[2021.0, {sh}]]", "window = 1.0",
               f"tolerance = {round(0.05 / sh, 4)}", f'note = "tolerance = 0.05 / {sh}: five points either side"'],
              on_mean=True)
    out.extend(["", "# ---- Ordinal patterns: Russia and China each above Türkiye on every hard lever from 1995",
                "# on (their share of Kazakhstan's dependence through the lever), and Russia the dominant",
                "# military partner throughout (SIPRI: 58-93 % of arms deliveries in every period 2000-21)."])
    for i, lev in enumerate(("trade", "investment", "energy", "military")):
        claim(f"D{8 + i:02d}", f"ranking on {lev}", f"On {lev}, Russia and China each weigh more than Türkiye in "
              "Kazakhstan's dependence at every instant 1995-2021.", "data: ordinal pattern (trade series, FDI stocks, SIPRI)",
              ['kind = "compare"', f'left = "lever_dependence[KAZ,RUS,{lev}]"', f'right = "lever_dependence[KAZ,TUR,{lev}]"',
               "over = [1995.0, 2021.0]", 'op = ">"', "[[claims.checks]]", 'kind = "compare"',
               f'left = "lever_dependence[KAZ,CHN,{lev}]"', f'right = "lever_dependence[KAZ,TUR,{lev}]"',
               "over = [1995.0, 2021.0]", 'op = ">"'])
    claim("D12", "Russia the dominant military partner", "Russia holds most of Kazakhstan's military dependence "
          "throughout 1992-2021 (SIPRI: 85 % of arms deliveries 2000-21, at least 58 % in every five-year period).",
          "data: SIPRI arms transfers (arms_share rows)",
          ['kind = "range"', 'metric = "lever_dependence[KAZ,RUS,military]"', "over = [1992.0, 2021.0]", "min = 0.5"])
    with open(a.out, "w") as f:
        f.write("\n".join(out) + "\n")


if __name__ == "__main__":
    main()
