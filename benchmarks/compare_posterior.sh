#!/usr/bin/env bash
# Speed of `compare --posterior` (issue 15's target: the seven what-ifs of
# scenarios/whatif/ against the baseline, 1,000 posterior draws each, under 30 s in all on
# 2 cores). Each what-if runs 1,000 paired runs, run r with posterior draw r on both sides
# and in every attribution subset. Prints the machine, its load before and after, and per
# what-if the wall and CPU seconds; with a second binary (BIN2) it also runs that one and
# checks that both wrote the same compare.json, byte for byte.
#
# Usage: benchmarks/compare_posterior.sh [BIN] [THREADS] [DRAWS]
#   BIN      default build/smartpower;  THREADS default 2;  DRAWS default 1000
#   BIN2     (environment) a second binary to time and to compare outputs against
#   KEEP     (environment) keep the outputs in KEEP/a/NAME (and KEEP/b/NAME) instead of a temporary folder
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/smartpower}
threads=${2:-2}
draws=${3:-1000}
posterior=${POSTERIOR:-scenarios/posterior.csv}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load before $(cut -d' ' -f1-3 /proc/loadavg)"
echo "compare --posterior $posterior --runs $draws --draws $draws --threads $threads, seven what-ifs"
run_all() {  # BIN TAG
  local total_wall=0 total_cpu=0
  for w in scenarios/whatif/*.toml; do
    local name out
    name=$(basename "$w" .toml)
    out="${KEEP:-$tmp}/$2/$name"
    /usr/bin/time -f "%e %U %S" -o "$tmp/time" "$1" compare scenarios/baseline.toml "$w" --runs "$draws" --draws "$draws" \
      --posterior "$posterior" --threads "$threads" -q --out "$out" > /dev/null
    read -r wall user sys < "$tmp/time"
    printf '  %-28s %7.1f s wall %7.1f s CPU\n' "$name" "$wall" "$(echo "$user + $sys" | bc)"
    total_wall=$(echo "$total_wall + $wall" | bc)
    total_cpu=$(echo "$total_cpu + $user + $sys" | bc)
  done
  echo "  $2: all seven in $total_wall s wall, $total_cpu s CPU"
}
echo "$bin:"
run_all "$bin" a
if [[ -n ${BIN2:-} ]]; then
  echo "$BIN2:"
  run_all "$BIN2" b
  same=1
  for d in "${KEEP:-$tmp}"/a/*; do
    cmp -s "$d/compare.json" "${KEEP:-$tmp}/b/$(basename "$d")/compare.json" || { echo "  DIFFERENT compare.json: $(basename "$d")"; same=0; }
  done
  ((same)) && echo "  same compare.json bytes from both binaries for all seven"
fi
echo "load after $(cut -d' ' -f1-3 /proc/loadavg)"
