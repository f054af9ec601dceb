#!/usr/bin/env bash
# Checks that every instruction set the engine can run on gives the same bytes.
# Usage: scripts/isa-check.sh [RUNS=300]
#
# The step kernels are compiled three times (AVX-512, AVX2, SSE2; GCC target_clones) and
# the loader picks the best the CPU has, so one machine only ever runs one of them. This
# script builds the engine three more times with one fixed instruction set each
# (-DSMARTPOWER_NO_CLONES -march=x86-64-v4 / x86-64-v3 / x86-64), runs the flagship
# ensemble with each build that this CPU can execute, and compares summary.json and
# timeseries.csv byte for byte with the normal build's (build/smartpower, built first if
# missing). It also prints each build's throughput on a 10,000-run ensemble (1 thread).
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-300}
if [[ ! -x build/smartpower ]]; then
  cmake -S . -B build -G Ninja >/dev/null && cmake --build build --target smartpower >/dev/null
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build/smartpower run scenarios/baseline.toml --runs "$runs" --threads 2 -q --out "$work/native" >/dev/null
status=0
for arch in x86-64-v4 x86-64-v3 x86-64; do
  case $arch in
    x86-64-v4) grep -q avx512dq /proc/cpuinfo || { echo "isa-check: $arch: this CPU lacks AVX-512, skipped"; continue; } ;;
    x86-64-v3) grep -q avx2 /proc/cpuinfo || { echo "isa-check: $arch: this CPU lacks AVX2, skipped"; continue; } ;;
  esac
  dir=build-isa/$arch
  cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release -DSMARTPOWER_TESTS=OFF \
    -DCMAKE_CXX_FLAGS="-march=$arch -DSMARTPOWER_NO_CLONES" >/dev/null
  cmake --build "$dir" --target smartpower >/dev/null
  "$dir/smartpower" run scenarios/baseline.toml --runs "$runs" --threads 2 -q --out "$work/$arch" >/dev/null
  rate=$("$dir/smartpower" bench scenarios/baseline.toml --runs 10000 --threads 1 --json |
         sed -E 's/.*"run_steps_per_second": ([0-9.e+]+).*/\1/')
  if cmp -s "$work/native/summary.json" "$work/$arch/summary.json" &&
     cmp -s "$work/native/timeseries.csv" "$work/$arch/timeseries.csv"; then
    printf 'isa-check: %-10s same bytes as build/smartpower  (%.0f run-steps/s, 1 thread)\n' "$arch" "$rate"
  else
    printf 'isa-check: %-10s DIFFERENT bytes from build/smartpower\n' "$arch"
    status=1
  fi
done
exit $status
