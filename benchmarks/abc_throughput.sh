#!/usr/bin/env bash
# Throughput of the ABC-SMC calibrator (issue 15) against plain `smartpower bench` on the
# flagship: simulations (model runs) per second inside `calibrate --method abc`, over the
# runs per second of `bench` on the same scenario, threads and machine. Bench runs before
# and after each calibration and their mean is the reference, so a machine whose load
# changes shows as a spread, not as a wrong ratio. On a shared machine the wall-clock
# ratio moves with the other processes' load; the CPU-time ratio (simulations per CPU
# second, from /usr/bin/time) does not, and is printed next to it.
#
# Usage: benchmarks/abc_throughput.sh [BIN] [THREADS] [RUNS...]
#   BIN      the smartpower binary (default build/smartpower)
#   THREADS  worker threads for both (default 2)
#   RUNS     noisy runs per distance evaluation to try (default "4 64"); one evaluation
#            runs the scenario and each claims variant RUNS times, as one batch of RUNS lanes
# Environment: PARTICLES (default 200), GENERATIONS (default 2), SIMULATIONS (budget,
# default 0 = none), SCENARIO (default scenarios/baseline.toml).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/smartpower}
threads=${2:-2}
shift $(( $# > 2 ? 2 : $# )) || true
runs_list=("$@")
((${#runs_list[@]})) || runs_list=(4 64)
scenario=${SCENARIO:-scenarios/baseline.toml}
particles=${PARTICLES:-200}
generations=${GENERATIONS:-2}
budget=${SIMULATIONS:-0}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat scenarios/claims.toml scenarios/checks/data.toml > "$tmp/claims.toml"

# Prints "runs/s (wall) runs per CPU second".
bench() {
  /usr/bin/time -f "%U %S" -o "$tmp/bench.time" "$bin" bench "$scenario" --runs 20000 --threads "$threads" \
    --series none --json > "$tmp/bench.json"
  python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); u,s=open(sys.argv[2]).read().split()[-2:]; print(r["runs_per_second"], r["runs"]/(float(u)+float(s)))' \
    "$tmp/bench.json" "$tmp/bench.time"
}

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "scenario: $scenario, claims: scenarios/claims.toml + scenarios/checks/data.toml, threads $threads"
printf '%6s %10s %12s %14s %10s %14s %8s %16s %8s\n' runs particles generations simulations seconds "sims/s (abc)" ratio "sims/CPU-s (abc)" ratio
for runs in "${runs_list[@]}"; do
  b1=$(bench)
  out=$(/usr/bin/time -f "%U %S" -o "$tmp/abc.time" "$bin" calibrate "$scenario" --claims "$tmp/claims.toml" --method abc --out "$tmp/posterior.csv" \
    --particles "$particles" --generations "$generations" --runs "$runs" --threads "$threads" \
    --simulations "$budget" --seed 1 --quiet)
  b2=$(bench)
  # "N simulations computed in X s (Y simulations/s)"
  line=$(grep 'simulations computed in' <<<"$out")
  sims=$(sed -E 's/^([0-9,]+) simulations.*/\1/' <<<"$line" | tr -d ,)
  secs=$(sed -E 's/.* computed in ([0-9.e+]+) s.*/\1/' <<<"$line")
  cpu=$(tail -1 "$tmp/abc.time")
  python3 - "$runs" "$particles" "$generations" "$sims" "$secs" "$b1" "$b2" "$cpu" <<'EOF'
import sys
runs, particles, generations, sims, secs, b1, b2, cpu = sys.argv[1:]
(w1, c1), (w2, c2) = [map(float, b.split()) for b in (b1, b2)]
rate = float(sims) / float(secs)
cpu_rate = float(sims) / sum(map(float, cpu.split()))
bench, bench_cpu = (w1 + w2) / 2, (c1 + c2) / 2
print(f"{runs:>6} {particles:>10} {generations:>12} {int(sims):>14,} {float(secs):>10.1f} {rate:>14,.0f} {rate / bench:>7.0%}"
      f" {cpu_rate:>16,.0f} {cpu_rate / bench_cpu:>7.0%}"
      f"   (bench {w1:,.0f} and {w2:,.0f} runs/s, {c1:,.0f} and {c2:,.0f} runs per CPU second)")
EOF
done
