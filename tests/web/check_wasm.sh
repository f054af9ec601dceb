#!/bin/sh
# The engine in WebAssembly gives the native binary's numbers: builds web/ with
# Emscripten (scripts/build-web.sh --wasm-only), runs the flagship (scenarios/baseline.toml,
# its extends chain resolved by `smartpower resolve`, as the browser gets it) in Node
# from the .wasm, and compares the final outcomes with the native summary.json for the
# same seed and runs: bit for bit but for the last bit of libm (within 1e-13 relative; tests/web/run_wasm.cjs says why). Then times 200 runs in
# each (best of 3, one thread) and prints the ratio.
#
#   tests/web/check_wasm.sh SMARTPOWER_BIN SOURCE_DIR OUT_DIR
#
# Exit 0 pass, 1 fail, 77 skip (no Emscripten or Node: scripts/bootstrap.sh --with-web).
set -u
if [ $# -ne 3 ]; then
  echo "usage: $0 SMARTPOWER_BIN SOURCE_DIR OUT_DIR" >&2
  exit 2
fi
BIN=$1
ROOT=$2
OUT=$3
for tool in emcmake em++ node; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: $tool not found (scripts/bootstrap.sh --with-web installs Emscripten and Node), so the WebAssembly build was not checked"
    exit 77
  fi
done
mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)
WEB_BUILD_DIR=$OUT/wasm "$ROOT/scripts/build-web.sh" --wasm-only > "$OUT/build.log" 2>&1 || {
  tail -30 "$OUT/build.log"
  echo "FAIL: the WebAssembly build failed (log: $OUT/build.log)"
  exit 1
}
ls -l "$OUT/wasm/smartpower.wasm" | awk '{print "wasm size: " $5 " bytes"}'
printf 'gzip -9: %s bytes\n' "$(gzip -9c "$OUT/wasm/smartpower.wasm" | wc -c)"

"$BIN" resolve "$ROOT/scenarios/baseline.toml" > "$OUT/baseline.resolved.toml" || exit 1
status=0
for spec in "7 200" "12345 37"; do
  set -- $spec
  rm -rf "$OUT/native-$1"
  "$BIN" run "$OUT/baseline.resolved.toml" --seed "$1" --runs "$2" --threads 1 -q --out "$OUT/native-$1" > /dev/null || exit 1
  printf 'seed %s, %s runs: ' "$1" "$2"
  node "$ROOT/tests/web/run_wasm.cjs" "$OUT/wasm/smartpower.js" "$OUT/baseline.resolved.toml" "$1" "$2" \
    "$OUT/native-$1/summary.json" || status=1
done
[ $status -eq 0 ] || { echo "FAIL: the WebAssembly build's outcomes differ from the native binary's"; exit 1; }

# Timing: 200 runs, best of 3, both on one thread (the wasm build has no threads).
wasm_ms=$(node "$ROOT/tests/web/run_wasm.cjs" "$OUT/wasm/smartpower.js" "$OUT/baseline.resolved.toml" 7 200 \
  "$OUT/native-7/summary.json" 3 | sed -n 's/^wasm_ms //p')
best=""
for i in 1 2 3; do
  rm -rf "$OUT/native-time"
  t0=$(date +%s%N)
  "$BIN" run "$OUT/baseline.resolved.toml" --seed 7 --runs 200 --threads 1 --series none -q --out "$OUT/native-time" > /dev/null
  t1=$(date +%s%N)
  ms=$(( (t1 - t0) / 1000000 ))
  if [ -z "$best" ] || [ "$ms" -lt "$best" ]; then best=$ms; fi
done
echo "200 runs of the flagship, one thread: wasm in node ${wasm_ms} ms, native ${best} ms (whole command), ratio $(awk -v a="$wasm_ms" -v b="$best" 'BEGIN { if (b > 0) printf "%.1f", a / b; else print "n/a" }')"
echo "PASS"
exit 0
