#!/usr/bin/env bash
# Peak-memory estimates against measured peak RSS at sizes larger than the CTest's
# (tests/test_memory.cpp): for each command line, the largest estimate any of smartpower's
# guards makes (read from their refusal messages under a fake SMARTPOWER_MEMORY_LIMIT,
# raised until the command runs) and the peak RSS of that run (GNU time's %M). Prints
# one row per case and fails if an estimate is off by more than a factor of 2.
#
# Usage: scripts/memory-check.sh [BUILD_DIR] [--quick]
#   BUILD_DIR defaults to build; --quick runs only the cases under ~10 s.
set -uo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=${1:-$ROOT/build}
[[ "${1:-}" == --quick ]] && BUILD=$ROOT/build
QUICK=0
for a in "$@"; do [[ "$a" == --quick ]] && QUICK=1; done
SP=$(realpath "$BUILD/smartpower")
TIME=/usr/bin/time
[[ -x "$TIME" ]] || { echo "needs GNU time (/usr/bin/time: apt-get install time)"; exit 77; }
work=$(mktemp -d "${TMPDIR:-/tmp}/smartpower-memory.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

to_bytes() { awk '{ gsub(",", "", $1); m = ($2 == "bytes") ? 1 : ($2 == "KiB") ? 1024 : ($2 == "MiB") ? 1048576 : 1073741824; printf "%.0f", $1 * m }'; }

fail=0
measure() {
  local limit=1 est=0 out e rss secs
  for _ in 1 2 3 4 5 6 7 8; do
    rm -rf o
    out=$( { SMARTPOWER_MEMORY_LIMIT=$limit "$TIME" -f "TIME %M %e" "$SP" "$@" > /dev/null 2> err; } 2>&1; cat err)
    e=$(grep -o 'needs about [0-9.,]* [KMGi]*B\|needs about [0-9]* bytes' <<< "$out" | head -1 | sed 's/needs about //' | to_bytes)
    [[ -z "$e" ]] && break
    (( e > est )) && est=$e
    limit=$(awk -v e="$e" 'BEGIN { printf "%.0f", e * 1.02 + 1048576 }')
  done
  if ! grep -q '^TIME' <<< "$out" || grep -q '^error\|^internal error' <<< "$out"; then
    echo "FAILED to run: $*"; echo "$out" | tail -3; fail=1; return
  fi
  rss=$(grep '^TIME' <<< "$out" | awk '{ print $2 * 1024 }')
  secs=$(grep '^TIME' <<< "$out" | awk '{ print $3 }')
  local ratio
  ratio=$(awk -v a="$est" -v b="$rss" 'BEGIN { printf "%.2f", a / b }')
  printf '| %-70s | %9.1f | %9.1f | %5s | %6s |\n' "$*" "$(awk -v b="$est" 'BEGIN{print b/1048576}')" \
    "$(awk -v b="$rss" 'BEGIN{print b/1048576}')" "$ratio" "$secs"
  awk -v r="$ratio" 'BEGIN { exit !(r >= 0.5 && r <= 2.0) }' || { echo "  ^ estimate off by more than 2x"; fail=1; }
}

for n in 100 200 400; do "$SP" bench --actors $n --levers 2 --steps 40 --emit-scenario g$n.toml > /dev/null; done
printf '| %-70s | %9s | %9s | %5s | %6s |\n' "command" "est. MiB" "RSS MiB" "ratio" "s"
printf '|%s|%s|%s|%s|%s|\n' "$(printf -- '-%.0s' {1..72})" "-----------" "-----------" "-------" "--------"
measure bench --actors 200 --levers 4 --runs 64 --steps 20 --threads 2
measure bench --actors 400 --levers 2 --runs 16 --steps 20 --threads 2 --series none
measure run g100.toml --runs 1 --out o -q
measure run g200.toml --runs 1 --series none --out o -q
measure run "$ROOT/scenarios/baseline.toml" --runs 20000 --threads 2 --out o -q
measure compare "$ROOT/scenarios/baseline.toml" "$ROOT/scenarios/whatif/russia_military_pressure.toml" --runs 20000 --threads 2 -q
measure sweep g100.toml --set model.rho=-0.6:0.2:0.4 --runs 32 --threads 2 -q
measure claims "$ROOT/scenarios/baseline.toml" --claims "$ROOT/scenarios/claims.toml" --runs 2000 --threads 2 -q
measure report "$ROOT/scenarios/baseline.toml" --runs 2000 --threads 2 --out o/report.html
if (( QUICK == 0 )); then
  measure bench --actors 1000 --levers 2 --runs 8 --steps 4 --threads 2 --series none
  measure run g400.toml --runs 8 --threads 2 --series none --out o -q
  measure run g200.toml --runs 64 --threads 2 --out o -q
fi
exit $fail
