#!/usr/bin/env python3
"""Turns the table `smartpower claims` prints into the Markdown table of docs/calibration.md.

    build/smartpower claims scenarios/baseline.toml --claims scenarios/claims.toml --runs 200 \\
        --threads 2 --quiet | /usr/bin/python3 scripts/claims_markdown.py

Columns: claim, result, runs passing (or "on the mean; N % of runs"), median margin, section,
and what was measured (run 0, or the ensemble mean for a claim read on the mean).
"""
import re
import sys

ROW = re.compile(r"^([A-Z]\d\d .*?)\s{2,}(PASS|FAIL)\s+(mean; runs \d+%|\d+% \(need \d+%\))?\s+(-?\d+\.\d+)\s{2,}(.*?)\s{2,}(.*)$")


def main():
    print("| claim | result | runs passing | median margin | section | measured |")
    print("|---|---|---|---|---|---|")
    for line in sys.stdin:
        m = ROW.match(line.rstrip("\n"))
        if not m:
            continue
        claim, result, share, margin, section, measured = m.groups()
        if share and share.startswith("mean"):
            share = "on the mean; " + share.split("runs ")[1] + " of runs"
        measured = measured.replace("|", "\\|")
        print(f"| {claim} | {result} | {share or ''} | {margin} | {section} | {measured} |")


if __name__ == "__main__":
    main()
