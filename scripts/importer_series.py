#!/usr/bin/python3
"""Adds (or checks) the importer-reported trade rows of scenarios/data/kazakhstan_series.csv.

  /usr/bin/python3 scripts/importer_series.py          # append the rows that are missing
  /usr/bin/python3 scripts/importer_series.py --check  # exit 1 if a row is missing or differs

Kazakhstan's two-way goods trade with P in year y, each flow as its importer records it
(the convention of mirror statistics: customs control what comes in, and both flows are
then valued CIF): P's imports from Kazakhstan (IMF DOTS, reporter P) plus Kazakhstan's
imports from P (IMF DOTS, reporter Kazakhstan), both read from the `source` text of the
two `imf_dots_*_reporter` rows of that year, USD m -> USD bn rounded to 3 decimals.
Side `importer_reported`. Years where both rows exist, 1994-2020 (the Kazakh-reported
1992-93 rows do not cover CIS trade). Years up to 2021 only (this vintage has no 2021).
"""
from __future__ import annotations

import argparse
import csv
import io
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CSV = os.path.join(ROOT, "scenarios/data/kazakhstan_series.csv")
NAMES = {"RUS": ("Russia", "Russian Federation", "DOTS_162.xlsx"), "CHN": ("China", "China, P.R.: Mainland", "DOTS_40.xlsx"),
         "TUR": ("Türkiye", "Turkey", "DOTS_200.xlsx")}
KZ_SIDE = re.compile(r"KZ exports to partner ([\d.]+) \+ imports from partner ([\d.]+)")
P_SIDE = re.compile(r"partner exports to KZ ([\d.]+) \+ imports from KZ ([\d.]+)")


def derived(rows):
    """[(partner, year, value, source)] of the importer-reported series."""
    kz, partner = {}, {}
    for r in rows:
        if r["series"] != "trade" or r["actor"] != "KAZ" or r["partner"] not in NAMES:
            continue
        key = (r["partner"], int(r["year"]))
        if r["side"] == "imf_dots_kaz_reporter" and (m := KZ_SIDE.search(r["source"])):
            kz[key] = float(m.group(2))  # Kazakhstan's imports from P, CIF
        elif r["side"] == f"imf_dots_{r['partner'].lower()}_reporter" and (m := P_SIDE.search(r["source"])):
            partner[key] = float(m.group(2))  # P's imports from Kazakhstan, CIF
    out = []
    for (p, y) in sorted(set(kz) & set(partner)):
        if not 1994 <= y <= 2021:
            continue
        name, reporter, file = NAMES[p]
        value = round((partner[(p, y)] + kz[(p, y)]) / 1000.0, 3)
        source = (f"derived, each flow as its importer reports it (both CIF): {name}'s imports from KZ "
                  f"{partner[(p, y)]} (IMF DOTS, reporter {reporter}, {file}) + Kazakhstan's imports from {name} "
                  f"{kz[(p, y)]} (IMF DOTS, reporter Kazakhstan, DOTS_103.xlsx), USD m; scripts/importer_series.py")
        out.append((p, y, value, source))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    with open(CSV, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    have = {(r["partner"], int(r["year"])): r for r in rows if r["side"] == "importer_reported"}
    want = derived(rows)
    bad = [(p, y) for p, y, v, s in want if (p, y) in have and (float(have[(p, y)]["value"]) != v or have[(p, y)]["source"] != s)]
    missing = [(p, y, v, s) for p, y, v, s in want if (p, y) not in have]
    if a.check:
        for p, y in bad:
            print(f"importer_reported {p} {y}: differs from its DOTS rows", file=sys.stderr)
        for p, y, _, _ in missing:
            print(f"importer_reported {p} {y}: missing", file=sys.stderr)
        sys.exit(1 if bad or missing else 0)
    if bad:
        sys.exit(f"rows differ from their DOTS sources: {bad}")
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    for p, y, v, s in missing:
        w.writerow(["trade", "KAZ", p, y, f"{v:.3f}", "USD bn", "importer_reported", s])
    with open(CSV, "a", newline="", encoding="utf-8") as f:
        f.write(buf.getvalue())
    print(f"{len(missing)} rows added")


if __name__ == "__main__":
    main()
