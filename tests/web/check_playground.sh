#!/bin/sh
# Real-browser test of the playground: builds web/dist (scripts/build-web.sh) into
# OUT_DIR/dist, serves it with `python3 -m http.server` on 127.0.0.1, and drives headless
# Chromium with puppeteer-core (tests/web/playground.cjs): the flagship runs, a slider
# changes the numbers the way the engine says, a shared link gives them back, an editor
# typo names its line and the closest key; the report's seven charts each have a caption
# with figures; every control is labelled; Tab reaches a slider and ArrowRight changes the
# numbers; a what-if shows its paired change, which grows with a move's strength; an
# exercise's engine check marks exactly one answer right; offline (the service worker) a
# reload still runs; no console errors. Saves OUT_DIR/playground.png.
#
#   tests/web/check_playground.sh SMARTPOWER_BIN SOURCE_DIR OUT_DIR
#
# Exit 0 pass, 1 fail, 77 skip (no Emscripten, Node, npm, Chromium or Python).
set -u
if [ $# -ne 3 ]; then
  echo "usage: $0 SMARTPOWER_BIN SOURCE_DIR OUT_DIR" >&2
  exit 2
fi
BIN=$1
ROOT=$2
OUT=$3
BROWSER=${CHROMIUM:-$(command -v chromium || true)}
for tool in emcmake em++ node npm python3 "$BROWSER"; do
  if [ -z "$tool" ] || ! command -v "$tool" >/dev/null 2>&1; then
    echo "SKIP: ${tool:-chromium} not found (scripts/bootstrap.sh --with-tests --with-web), so the playground was not checked"
    exit 77
  fi
done
mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)
ROOT=$(cd "$ROOT" && pwd)
/bin/sh "$ROOT/tests/web/node_modules.sh" "$ROOT" "$OUT/npm.log" || exit 1
WEB_BUILD_DIR=${WEB_BUILD_DIR:-$OUT/wasm} WEB_DIST_DIR=$OUT/dist SMARTPOWER_BIN=$BIN "$ROOT/scripts/build-web.sh" > "$OUT/build.log" 2>&1 || {
  tail -30 "$OUT/build.log"; echo "FAIL: scripts/build-web.sh failed"; exit 1; }

# A free port on the loopback address, then the static server.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory "$OUT/dist" > "$OUT/http.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null' EXIT
i=0
until python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/index.html')" 2>/dev/null; do
  i=$((i + 1))
  [ $i -lt 50 ] || { echo "FAIL: the static server did not start"; exit 1; }
  sleep 0.2
done
node "$ROOT/tests/web/playground.cjs" "http://127.0.0.1:$port/index.html" "$BROWSER" "$OUT/playground.png"
