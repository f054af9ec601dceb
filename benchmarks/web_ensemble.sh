#!/usr/bin/env bash
# The playground's ensemble in a real browser against the native binary, on this machine
# (issue 17's target: 200 runs of the flagship in the browser in at most 1 s, and the
# ratio to native). Serves DIST (scripts/build-web.sh's output) with python3's static
# server, drives headless Chromium with puppeteer-core (benchmarks/web_ensemble.cjs) and
# times REPEAT ensembles of RUNS runs of scenarios/baseline.toml, seed 7:
#   simulate  the playground's call in its Web Worker (ensemble, chart bands, summary.json)
#   run       summary.json only, in the same worker
#   rerun     the page's rerun as a student waits for it: worker and back, charts redrawn
# then REPEAT times `smartpower run` of the same scenario, seed and runs on one thread
# (the browser has one; the whole command: reading, 200 runs, summary.json and the mean
# series written), and prints the ratios of the best and of the medians. Every figure
# comes with the load average (/proc/loadavg) before and after it: the machine is shared,
# and a busy one shows in the wall times, not in a wrong ratio only if both are measured
# together. Run it niced when others work (nice -n 5 benchmarks/web_ensemble.sh).
#
#   benchmarks/web_ensemble.sh [BIN] [DIST]
#     BIN   native smartpower (default build/smartpower)
#     DIST  the built playground (default web/dist; scripts/build-web.sh makes it)
#   Environment: RUNS (default 200), REPEAT (default 7), CHROMIUM (default chromium).
#
# Needs node, python3, Debian's chromium and web/node_modules (cd web && npm ci).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/smartpower}
dist=${2:-web/dist}
runs=${RUNS:-200}
repeat=${REPEAT:-7}
browser=${CHROMIUM:-$(command -v chromium || true)}
[[ -x "$bin" ]] || { echo "web_ensemble: no native smartpower at $bin" >&2; exit 2; }
[[ -f "$dist/smartpower.wasm" ]] || { echo "web_ensemble: no playground in $dist: scripts/build-web.sh" >&2; exit 2; }
[[ -n "$browser" ]] || { echo "web_ensemble: no chromium (apt-get install chromium, or set CHROMIUM)" >&2; exit 2; }
[[ -d web/node_modules/puppeteer-core ]] || { echo "web_ensemble: no web/node_modules: (cd web && npm ci)" >&2; exit 2; }

load() { cut -d' ' -f1-3 /proc/loadavg; }
mem=$(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo)
os=$(. /etc/os-release && echo "$PRETTY_NAME")
echo "machine: $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $mem, $os"
echo "browser: $("$browser" --version 2>/dev/null | head -1); node $(node --version); engine $("$bin" --version 2>/dev/null | head -1)"
echo "wasm: $(stat -c %s "$dist/smartpower.wasm") bytes ($(gzip -9c "$dist/smartpower.wasm" | wc -c) gzipped)"

tmp=$(mktemp -d)
server=
cleanup() {
  [[ -n "$server" ]] && kill "$server" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# Browser.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$dist" > "$tmp/http.log" 2>&1 &
server=$!
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/index.html')" 2>/dev/null && break
  sleep 0.2
done
l0=$(load)
node benchmarks/web_ensemble.cjs "http://127.0.0.1:$port/index.html" "$browser" "$runs" "$repeat" > "$tmp/browser.txt"
l1=$(load)
field() { awk -v n="$1" -v f="$2" '$1 == n { for (i = 2; i < NF; i += 2) if ($i == f) print $(i + 1) }' "$tmp/browser.txt"; }

# Native, one thread, the same scenario, seed and runs: wall and CPU (user + system) time.
"$bin" resolve scenarios/baseline.toml > "$tmp/baseline.toml"
native=() native_cpu=()
l2=$(load)
for _ in $(seq "$repeat"); do
  rm -rf "$tmp/out"
  t0=$(date +%s%N)
  /usr/bin/time -f "%U %S" -o "$tmp/time" "$bin" run "$tmp/baseline.toml" --seed 7 --runs "$runs" --threads 1 -q \
    --out "$tmp/out" > /dev/null
  t1=$(date +%s%N)
  native+=($(( (t1 - t0) / 1000000 )))
  native_cpu+=($(awk '{ printf "%.0f", ($1 + $2) * 1000 }' "$tmp/time"))
done
l3=$(load)

# "best median" of numbers.
stats() { printf '%s\n' "$@" | sort -n | awk '{ v[NR] = $1 } END { printf "%.0f %.0f\n", v[1], NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
read -r nbest nmed < <(stats "${native[@]}")
read -r cbest cmed < <(stats "${native_cpu[@]}")
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.1f", a / b; else printf "n/a" }'; }
row() { printf '  %-46s %7s %7s %9s %7s\n' "$@"; }

echo "first load: $(awk '$1 == "first_load" { print $2 }' "$tmp/browser.txt") bytes transferred (target <= 2000000)"
echo "$runs runs of scenarios/baseline.toml, seed 7; best and median of $repeat, ms:"
row "" "wall" "" "CPU" ""
row "" best median best median
for m in simulate run rerun; do
  case $m in
    simulate) what="browser: simulate (the page's call, worker)" ;;
    run) what="browser: run (summary.json only, worker)" ;;
    rerun) what="browser: the page's rerun, charts drawn" ;;
  esac
  row "$what" "$(field $m best)" "$(field $m median)" "$(field ${m}_cpu best)" "$(field ${m}_cpu median)"
done
row "  of which drawing the charts" "$(field draw best)" "$(field draw median)" "" ""
row "native: smartpower run --threads 1" "$nbest" "$nmed" "$cbest" "$cmed"
echo "load average (1, 5, 15 min): browser $l0 -> $l1; native $l2 -> $l3"
echo "ratio browser/native, simulate: wall $(ratio "$(field simulate best)" "$nbest") (best), $(ratio "$(field simulate median)" "$nmed") (median);" \
  "CPU $(ratio "$(field simulate_cpu best)" "$cbest") (best), $(ratio "$(field simulate_cpu median)" "$cmed") (median)"
echo "ratio browser/native, run: wall $(ratio "$(field run best)" "$nbest") (best), $(ratio "$(field run median)" "$nmed") (median);" \
  "CPU $(ratio "$(field run_cpu best)" "$cbest") (best), $(ratio "$(field run_cpu median)" "$cmed") (median)"
echo "target, the page's rerun <= 1000 ms: $(awk -v b="$(field rerun best)" -v m="$(field rerun median)" \
  'BEGIN { printf "best %s, median %s", (b <= 1000 ? "met" : "missed"), (m <= 1000 ? "met" : "missed") }')"
