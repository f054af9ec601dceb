#!/usr/bin/env python3
"""scripts/ppc_split.py: the halves split each parameter at its weighted median (every row
in exactly one half, the lower half's values at most the median, the upper's above it,
weights respected), and the script runs `claims --posterior` on both halves and prints one
table row per parameter asked for.

    ppc_split_test.py ROOT BIN POSTERIOR.csv
"""
import csv
import os
import subprocess
import sys
import tempfile

root, binary, posterior = sys.argv[1], sys.argv[2], sys.argv[3]
sys.path.insert(0, os.path.join(root, "scripts"))
import ppc_split  # noqa: E402


def fail(msg):
    sys.exit("FAIL: " + msg)


def read(path):
    with open(path, newline="") as f:
        return list(csv.reader(f))


with tempfile.TemporaryDirectory() as tmp:
    # Weights decide the median: 0.7 on the smallest value puts the median there.
    toy = os.path.join(tmp, "toy.csv")
    with open(toy, "w", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(
            [["weight", "distance", "a", "b"], ["0.7", "0.1", "1", "40"], ["0.1", "0.2", "2", "30"],
             ["0.1", "0.3", "3", "20"], ["0.1", "0.4", "4", "10"]])
    split = ppc_split.halves(toy, tmp)
    (pa, lo_a, hi_a, nlo_a, nhi_a), (pb, lo_b, hi_b, nlo_b, nhi_b) = split
    if (pa, pb) != ("a", "b"):
        fail(f"parameters {pa}, {pb}")
    if [r[2] for r in read(lo_a)[1:]] != ["1"] or [r[2] for r in read(hi_a)[1:]] != ["2", "3", "4"]:
        fail("a: the weighted median is 1 (weight 0.7): lower {1}, upper {2, 3, 4}")
    if (nlo_b, nhi_b) != (4, 0):
        fail("b: the weighted median is 40, its largest value (weight 0.7): every row lower, none upper")
    if read(hi_a)[1] != ["0.1", "0.2", "2", "30"]:
        fail("rows are written as they were read")

    # The committed posterior: each half a partition at the median.
    rows = read(posterior)
    for path, lo, hi, nlo, nhi in ppc_split.halves(posterior, tmp)[:3]:
        d = rows[0].index(path)
        lo_rows, hi_rows = read(lo)[1:], read(hi)[1:]
        if sorted(map(tuple, lo_rows + hi_rows)) != sorted(map(tuple, rows[1:])):
            fail(f"{path}: the halves are not a partition of the posterior's rows")
        if not max(float(r[d]) for r in lo_rows) < min(float(r[d]) for r in hi_rows):
            fail(f"{path}: a lower-half value above an upper-half one")
        if abs(nlo - nhi) > 1 + len(rows) // 100:
            fail(f"{path}: halves of {nlo} and {nhi} rows from equal weights")

    # The script end to end, on one parameter and one check.
    path = rows[0][2]
    cmd = [sys.executable, os.path.join(root, "scripts", "ppc_split.py"), "--bin", binary, "--posterior", posterior,
           "--parameters", path, "--checks", "D03", "--runs", "8", "--jobs", "1"]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode != 0:
        fail(f"{' '.join(cmd)} exited {p.returncode}: {p.stderr}")
    lines = [l for l in p.stdout.splitlines() if l.startswith(f"| `{path}`")]
    if len(lines) != 1 or "1 of 1 parameters shown" not in p.stdout:
        fail("expected one table row for " + path + ":\n" + p.stdout)
    cmd[cmd.index("D03")] = "X99"
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode == 0 or "no claim or check X99" not in p.stderr:
        fail(f"an unknown check id should be an error, got {p.returncode}: {p.stderr}")
print("ppc_split.py: weighted halves, partitions and the table hold")
