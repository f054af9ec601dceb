#!/bin/sh
# Real-browser test of `smartpower report`: headless Chromium, driven by puppeteer-core
# (tests/browser/report.cjs, as the playground's test drives it), loads the baseline
# report, a what-if report and the baseline with its data checks (--checks, the "model vs
# data" figure). The page draws its figures from its JSON with the template's script
# (web/report/ and web/charts.js); the test checks every figure of the JSON's list is on
# the page with one SVG chart per panel, each labelled and holding marks, the page's own
# self-check passed, the hover read-out and an event tooltip show on a real mouse move, and
# nothing was logged to the console; then it saves a full-page screenshot of each.
#
#   tests/browser/check_report.sh SMARTPOWER_BIN SOURCE_DIR OUT_DIR
#
# Writes OUT_DIR/report-baseline.{html,png}, OUT_DIR/report-compare.{html,png},
# OUT_DIR/report-checks.{html,png} and OUT_DIR/report-data.png (the model-vs-data figure
# alone). Exit 0 pass, 1 fail, 77 skip (no Chromium or Node on this machine, or no
# puppeteer-core in web/node_modules and no npm to install it: CTest reports the test as
# skipped). Set CHROMIUM to choose the browser binary. To refresh the screenshots in docs/:
#
#   tests/browser/check_report.sh build/smartpower . build/browser &&
#     cp build/browser/report-baseline.png build/browser/report-compare.png build/browser/report-data.png docs/
set -u

if [ $# -ne 3 ]; then
  echo "usage: $0 SMARTPOWER_BIN SOURCE_DIR OUT_DIR" >&2
  exit 2
fi
BIN=$1
ROOT=$2
OUT=$3

BROWSER=${CHROMIUM:-}
if [ -z "$BROWSER" ]; then
  for c in chromium chromium-browser google-chrome-stable google-chrome; do
    if command -v "$c" >/dev/null 2>&1; then
      BROWSER=$(command -v "$c")
      break
    fi
  done
fi
if [ -z "$BROWSER" ] || ! [ -x "$BROWSER" ]; then
  echo "SKIP: no chromium found (install it with: apt-get install -y chromium), so the report was not checked in a browser"
  exit 77
fi
if ! command -v node >/dev/null 2>&1; then
  echo "SKIP: no node found (scripts/bootstrap.sh --with-web), so the report was not checked in a browser"
  exit 77
fi

mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)
SRC=$(cd "$ROOT" && pwd)
/bin/sh "$SRC/tests/web/node_modules.sh" "$SRC" "$OUT/npm.log"
rc=$?
if [ $rc -eq 77 ]; then
  echo "SKIP: no puppeteer-core in web/node_modules and no npm to install it (cd web && npm ci), so the report was not checked in a browser"
  exit 77
fi
[ $rc -eq 0 ] || exit 1
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
# Run from the source folder, so the pages show the scenario paths as a reader types them.
cd "$ROOT" || exit 1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/smartpower-browser.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM
export TMPDIR="$WORK"  # puppeteer puts the temporary Chromium profile there: removed at the end
FAILED=0

fail() {
  echo "FAIL: $*"
  FAILED=1
}

check() {
  name=$1
  shift
  html="$OUT/$name.html"
  log="$OUT/$name.log"
  png="$OUT/$name.png"
  rm -f "$log" "$png"
  echo "== $name: $BIN report $*"
  if ! "$BIN" report "$@" --quiet --out "$html"; then
    fail "$name: smartpower report failed"
    return
  fi
  size=$(wc -c <"$html")
  echo "   $html: $size bytes"
  [ "$size" -lt 1000000 ] || fail "$name: the page is larger than 1 MB"
  if grep -Eqi '<(script|link|img|iframe)[^>]+(src|href)=["'"'"']?(https?:)?//' "$html"; then
    fail "$name: the page refers to a network resource"
  fi
  EXPECT_FIGURES=$FIGURES timeout 300 node "$SRC/tests/browser/report.cjs" "$BROWSER" "$html" "$png" $SECTION >"$log" 2>&1
  rc=$?
  cat "$log"
  [ $rc -eq 0 ] || fail "$name: the page did not pass in Chromium (log: $log)"
}

SECTION=
FIGURES="fig-balance fig-dependence fig-power fig-levers fig-alignment-threat"
check report-baseline scenarios/baseline.toml
FIGURES="fig-balance fig-change fig-attribution fig-dependence fig-power fig-alignment-threat"
check report-compare scenarios/baseline.toml --compare scenarios/whatif/russia_military_pressure.toml
# With the model-vs-data figure alone as a picture too (docs/report-data.png).
SECTION="fig-data $OUT/report-data.png"
FIGURES="fig-balance fig-dependence fig-power fig-levers fig-alignment-threat fig-data"
check report-checks scenarios/baseline.toml --checks scenarios/checks/data.toml
if [ -f "$OUT/report-checks.log" ]; then
  points=$(sed -n 's/.* \([0-9]*\) observations in .*/\1/p' "$OUT/report-checks.log" | head -n1)
  [ "${points:-0}" -gt 0 ] || fail "report-checks: the model-vs-data figure has no observations"
fi

if [ $FAILED -ne 0 ]; then
  echo "browser test failed (outputs in $OUT)"
  exit 1
fi
echo "browser test passed: the three reports render in $("$BROWSER" --version 2>/dev/null | head -n1)"
exit 0
