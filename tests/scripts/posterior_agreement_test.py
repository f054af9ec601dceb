#!/usr/bin/env python3
"""scripts/posterior_agreement.py: a posterior agrees with itself (R-hat at most 1 for every
parameter, none flagged), a copy with one parameter moved out of the other's range is
flagged for that parameter alone, and --pool writes every particle with each run's weights
summing to 1/K and the rest of each row as the run wrote it.

    posterior_agreement_test.py ROOT POSTERIOR.csv
"""
import csv
import os
import subprocess
import sys
import tempfile

root, posterior = sys.argv[1], sys.argv[2]
script = os.path.join(root, "scripts", "posterior_agreement.py")
scenario = os.path.join(root, "scenarios", "flagship.toml")


def run(*files, pool=None):
    cmd = [sys.executable, script, *files, "--scenario", scenario] + (["--pool", pool] if pool else [])
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        sys.exit(f"{' '.join(cmd)} failed ({p.returncode}): {p.stderr}")
    return p.stdout


def fail(msg):
    sys.exit("FAIL: " + msg)


with open(posterior, newline="") as f:
    rows = list(csv.reader(f))
head, body = rows[0], rows[1:]
n_params = len(head) - 2

out = run(posterior, posterior)
if f"0 of {n_params} parameters with R-hat above 1.1" not in out:
    fail("a posterior against itself should flag nothing:\n" + out)
if "**" in out:
    fail("a posterior against itself has a flagged row:\n" + out)

with tempfile.TemporaryDirectory() as tmp:
    # Move the third parameter (a linear one in the flagship's box: the education decay) far
    # from its values: the two runs then disagree on it and on nothing else.
    moved = os.path.join(tmp, "moved.csv")
    col = 4
    lo = min(float(r[col]) for r in body)
    hi = max(float(r[col]) for r in body)
    with open(moved, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(head)
        for r in body:
            w.writerow(r[:col] + [repr(float(r[col]) + 3 * (hi - lo))] + r[col + 1:])
    out = run(posterior, moved)
    if f"1 of {n_params} parameters with R-hat above 1.1" not in out:
        fail("one moved parameter should be flagged alone:\n" + out)
    flagged = [line for line in out.splitlines() if "**" in line]
    if len(flagged) != 1 or f"`{head[col]}`" not in flagged[0] or not flagged[0].endswith("| no |"):
        fail(f"the flagged row should be {head[col]}'s, its medians outside each other's intervals: {flagged}")

    pooled = os.path.join(tmp, "pooled.csv")
    out = run(posterior, moved, pool=pooled)
    with open(pooled, newline="") as f:
        prow = list(csv.reader(f))
    if prow[0] != head or len(prow) - 1 != 2 * len(body):
        fail(f"the pool should have the header and {2 * len(body)} rows, has {len(prow) - 1}")
    halves = (prow[1:1 + len(body)], prow[1 + len(body):])
    for half, name in zip(halves, ("first", "second")):
        total = sum(float(r[0]) for r in half)
        if abs(total - 0.5) > 1e-12:
            fail(f"the {name} run's weights sum to {total!r} in the pool, not 1/2")
    if [r[1:] for r in halves[0]] != [r[1:] for r in body]:
        fail("the pool should keep the first run's rows as written, but for the weight")
print(f"ok: self-agreement, one flagged parameter ({head[col]}), a pool of {len(prow) - 1} rows")
