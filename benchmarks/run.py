#!/usr/bin/python3
"""Runs every smartpower benchmark and writes the table of docs/performance.md.

Usage (from the repository root):  /usr/bin/python3 benchmarks/run.py [--quick] [--out FILE]

1. builds build-bench/ with -DSMARTPOWER_BENCHMARKS=ON (Release),
2. `smartpower bench` on the flagship baseline: 10,000 runs, aggregated output (per-instant
   mean and sd of every metric + every run's finals), 1 and 2 threads,
3. the NumPy reference (benchmarks/reference/race.py) on the same ensemble -> the ratio,
4. the Google Benchmark programs (one run, ensemble on 1/2 threads, scaling in N and K,
   claims check, loader) -> fitted exponents of the cost per run-step in N and K,
5. peak memory of `smartpower run --runs 100000` (aggregated output written to disk),
and prints the table (also written to --out, default benchmarks/results.md).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.path.join(ROOT, "build-bench")
BIN = os.path.join(BUILD, "smartpower")
GBENCH = os.path.join(BUILD, "benchmarks", "smartpower-benchmarks")
BASELINE = os.path.join(ROOT, "scenarios", "baseline.toml")


def sh(cmd, **kw):
    print("+", " ".join(cmd), file=sys.stderr, flush=True)
    return subprocess.run(cmd, check=True, **kw)


def cpu_model():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def slope(xs, ys):
    lx = [math.log(x) for x in xs]
    ly = [math.log(y) for y in ys]
    mx, my = sum(lx) / len(lx), sum(ly) / len(ly)
    return sum((a - mx) * (b - my) for a, b in zip(lx, ly)) / sum((a - mx) ** 2 for a in lx)


def bench(threads, runs, repeat):
    out = sh([BIN, "bench", BASELINE, "--runs", str(runs), "--threads", str(threads), "--repeat", str(repeat),
              "--json"], capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer repetitions (a smoke test, not the figures)")
    ap.add_argument("--out", default=os.path.join(ROOT, "benchmarks", "results.md"))
    ap.add_argument("--no-build", action="store_true")
    args = ap.parse_args()
    runs = 10000
    repeat = 1 if args.quick else 3

    if not args.no_build:
        sh(["cmake", "-S", ROOT, "-B", BUILD, "-G", "Ninja", "-DCMAKE_BUILD_TYPE=Release",
            "-DSMARTPOWER_BENCHMARKS=ON", "-DSMARTPOWER_TESTS=OFF"], stdout=subprocess.DEVNULL)
        sh(["cmake", "--build", BUILD], stdout=subprocess.DEVNULL)

    load0 = os.getloadavg()[0]
    # 2. smartpower bench, 1 and 2 threads, and 3. the reference on the same ensemble.
    sp1 = bench(1, runs, repeat)
    sp2 = bench(2, runs, repeat)
    ref = json.loads(sh(["/usr/bin/python3", os.path.join(ROOT, "benchmarks", "reference", "race.py"), "--bin", BIN,
                         "--scenario", BASELINE, "--runs", str(runs), "--repeat", "1" if args.quick else "2",
                         "--series", "mean"], capture_output=True, text=True).stdout.strip().splitlines()[-1])
    ratio = sp2["run_steps_per_second"] / ref["run_steps_per_second"]

    # 4. Google Benchmark.
    with tempfile.TemporaryDirectory() as tmp:
        gout = os.path.join(tmp, "gbench.json")
        sh([GBENCH, "--benchmark_out=" + gout, "--benchmark_out_format=json",
            "--benchmark_repetitions=1" if args.quick else "--benchmark_repetitions=3",
            "--benchmark_report_aggregates_only=" + ("false" if args.quick else "true")],
           env={**os.environ, "SMARTPOWER_ROOT": ROOT}, stdout=subprocess.DEVNULL)
        with open(gout) as f:
            g = json.load(f)
    rows = {}
    for b in g["benchmarks"]:
        if b.get("aggregate_name", "median") != "median" and not args.quick:
            continue
        name = b.get("run_name", b["name"])
        rows[name] = b
    scale = {}
    for name, b in rows.items():
        if name.startswith("BM_Scale/"):
            parts = dict(p.split(":") for p in name.split("/")[1:] if ":" in p)
            n, k = int(parts["N"]), int(parts["K"])
            scale[(n, k)] = 1.0 / b["run_steps_per_s"]  # seconds per run-step
    ns = sorted(n for (n, k) in scale if k == 8)
    exp_n = slope(ns, [scale[(n, 8)] for n in ns])
    exp_n_hi = slope([n for n in ns if n >= 16], [scale[(n, 8)] for n in ns if n >= 16])
    k_pairs = [n for n in (16, 64) if (n, 8) in scale and (n, 32) in scale]
    exp_k = sum(slope([8, 32], [scale[(n, 8)], scale[(n, 32)]]) for n in k_pairs) / len(k_pairs)

    # 5. Peak memory of 100,000 runs with aggregated output written to disk.
    # The run's own peak (os.wait4 gives that child's rusage; RUSAGE_CHILDREN would be
    # the largest of every child so far, the Google Benchmark program's included).
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [BIN, "run", BASELINE, "--runs", "100000", "--threads", "2", "-q", "--out", tmp]
        print("+ " + " ".join(cmd), file=sys.stderr, flush=True)
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        big_s = time.perf_counter() - t0
        if proc.returncode != 0:
            sys.exit(f"run.py: {' '.join(cmd)} exited with {proc.returncode}")
        peak_kib = usage.ru_maxrss
    load1 = os.getloadavg()[0]

    def rate(v):
        return f"{v:,.0f}"

    lines = []
    add = lines.append
    add(f"Machine: {os.cpu_count()} cores (nproc), {cpu_model()}; Python {platform.python_version()}; "
        f"load average {load0:.2f} at start, {load1:.2f} at end.")
    add("")
    add("| figure | value | target |")
    add("| --- | --- | --- |")
    add(f"| flagship ensemble, 10,000 runs x 120 steps, aggregated output, 1 thread | "
        f"{rate(sp1['run_steps_per_second'])} run-steps/s ({sp1['runs_per_second']:,.0f} runs/s) | |")
    add(f"| same, 2 threads | {rate(sp2['run_steps_per_second'])} run-steps/s "
        f"({sp2['runs_per_second']:,.0f} runs/s) | >= 1,000,000 run-steps/s |")
    add(f"| ns per dyad-lever update, 2 threads (wall / per core) | {sp2['ns_per_dyad_lever_update']:.2f} / "
        f"{sp2['core_ns_per_dyad_lever_update']:.2f} | |")
    add(f"| NumPy reference (race.py), same ensemble | {rate(ref['run_steps_per_second'])} run-steps/s | |")
    add(f"| smartpower (2 threads) / reference | {ratio:.1f}x | >= 50x |")
    for name in ("BM_FlagshipOneRun",):
        if name in rows:
            add(f"| one run of the flagship baseline | {rows[name]['real_time']:.1f} {rows[name]['time_unit']} | |")
    for name in ("BM_FlagshipEnsemble/threads:1/min_time:2.000/real_time",
                 "BM_FlagshipEnsemble/threads:2/min_time:2.000/real_time"):
        if name in rows:
            add(f"| Google Benchmark {name.split('/')[1]} | {rate(rows[name]['run_steps_per_s'])} run-steps/s | |")
    for (n, k) in sorted(scale):
        upd = scale[(n, k)] * 1e9 / (n * (n - 1) * k)
        add(f"| generated N={n}, K={k}: time per run-step (1 thread) | {scale[(n, k)] * 1e6:,.1f} us "
            f"({upd:.2f} ns per dyad-lever update) | |")
    exp_dyads = slope(ns, [n * (n - 1) for n in ns])  # what a cost exactly proportional to the dyads fits
    add(f"| fitted exponent of cost per step in N (K = 8, N = {', '.join(map(str, ns))}) | {exp_n:.2f} "
        f"(N >= 16: {exp_n_hi:.2f}; a cost proportional to the N(N-1) dyads fits {exp_dyads:.2f}) | <= 2 |")
    add(f"| fitted exponent in K (K = 8, 32 at N = {', '.join(map(str, k_pairs))}) | {exp_k:.2f} | <= 1 |")
    for name in ("BM_Claims", "BM_Loader"):
        key = next((r for r in rows if r.startswith(name)), None)
        if key:
            add(f"| {name[3:].lower()} ({'claims check, 8 runs per variant' if name == 'BM_Claims' else 'load + validate + compile the baseline'}) "
                f"| {rows[key]['real_time']:,.1f} {rows[key]['time_unit']} | |")
    add(f"| peak memory, `smartpower run --runs 100000 --threads 2` (aggregated output to disk) | "
        f"{peak_kib / 1024:.1f} MiB ({big_s:.1f} s) | < 1024 MiB |")
    table = "\n".join(lines) + "\n"
    # Dated sections written by hand below the table (measurements of other scripts, such
    # as benchmarks/abc_throughput.sh) are kept.
    kept = ""
    if os.path.exists(args.out):
        with open(args.out) as f:
            old = f.read()
        if "\n## " in old:
            kept = "\n" + old[old.index("\n## ") + 1:]
    with open(args.out, "w") as f:
        f.write("# smartpower benchmark results\n\nWritten by `/usr/bin/python3 benchmarks/run.py`.\n\n" + table + kept)
    print(table)
    return 0


if __name__ == "__main__":
    sys.exit(main())
