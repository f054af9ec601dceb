#!/bin/sh
# Real-browser test of `smartpower report`: headless Chromium loads the baseline report,
# a what-if report and the baseline with its data checks (--checks, the "model vs data"
# figure). The page draws its figures from its JSON with the template's script
# (web/report/); the test checks that every figure rendered (the page's self-check writes
# what it drew on <html>), every panel is an SVG chart, the hover read-outs work, and the
# page logged nothing to the console; then it saves a full-page screenshot of each.
#
#   tests/browser/check_report.sh SMARTPOWER_BIN SOURCE_DIR OUT_DIR
#
# Writes OUT_DIR/report-baseline.{html,png}, OUT_DIR/report-compare.{html,png},
# OUT_DIR/report-checks.{html,png} and OUT_DIR/report-data.png (the model-vs-data figure alone)
# (plus the dumped DOM and Chromium's log for each). Exit 0 pass, 1 fail, 77 skip
# (no Chromium on this machine; CTest reports the test as skipped). Set CHROMIUM to
# choose the browser binary. To refresh the screenshots in docs/:
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

mkdir -p "$OUT" || exit 1
OUT=$(cd "$OUT" && pwd)
case $BIN in /*) ;; *) BIN=$(pwd)/$BIN ;; esac
# Run from the source folder, so the pages show the scenario paths as a reader types them.
cd "$ROOT" || exit 1
WORK=$(mktemp -d "${TMPDIR:-/tmp}/smartpower-browser.XXXXXX") || exit 1
trap 'rm -rf "$WORK"' EXIT INT TERM
FAILED=0

fail() {
  echo "FAIL: $*"
  FAILED=1
}

# Chromium with a fresh profile, no network services, nothing of the user's.
browse() {
  profile=$(mktemp -d "$WORK/profile.XXXXXX")
  timeout 120 "$BROWSER" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --disable-extensions --user-data-dir="$profile" "$@"
}

check() {
  name=$1
  shift
  html="$OUT/$name.html"
  dom="$OUT/$name.dom.html"
  log="$OUT/$name.log"
  png="$OUT/$name.png"
  rm -f "$dom" "$log" "$png"
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

  browse --enable-logging=stderr --v=0 --window-size=1280,2400 --dump-dom "file://$html" >"$dom" 2>"$log"
  rc=$?
  [ $rc -eq 0 ] || fail "$name: chromium --dump-dom exited with $rc (log: $log)"
  head=$(grep -m1 -o '<html[^>]*>' "$dom")
  echo "   rendered: $head"
  case $head in *'data-ok="1"'*) ;; *) fail "$name: the page's self-check did not pass (data-ok != 1)" ;; esac
  expected=$(echo "$head" | sed -n 's/.*data-expected-charts="\([0-9]*\)".*/\1/p')
  drawn=$(echo "$head" | sed -n 's/.*data-charts="\([0-9]*\)".*/\1/p')
  [ -n "$expected" ] && [ "$expected" = "$drawn" ] || fail "$name: drew ${drawn:-no} charts of ${expected:-?}"
  case $head in *'data-hover="1"'*) ;; *) fail "$name: the hover read-out did not work" ;; esac
  markers=$(echo "$head" | sed -n 's/.*data-event-markers="\([0-9]*\)".*/\1/p')
  [ "${markers:-0}" -gt 0 ] || fail "$name: no event markers on the charts"
  panels=$(echo "$head" | sed -n 's/.*data-panels="\([0-9]*\)".*/\1/p')
  ms=$(echo "$head" | sed -n 's/.*data-render-ms="\([0-9]*\)".*/\1/p')
  echo "   drew $drawn figures, ${panels:-0} SVG panels, ${markers:-0} event markers in ${ms:-?} ms"
  # Every chart has a text alternative.
  unlabelled=$(grep -o '<svg[^>]*class="[^"]*panel[^"]*"[^>]*>' "$dom" | grep -vc 'aria-label=')
  [ "$unlabelled" -eq 0 ] || fail "$name: $unlabelled charts without an aria-label"
  for fig in $FIGURES; do
    grep -q "id=\"$fig\"" "$dom" || fail "$name: figure $fig is missing"
  done
  if grep -q 'class="js-error"' "$dom"; then
    fail "$name: the page reported errors:"
    grep -o '<li class="js-error">[^<]*' "$dom" | sed 's/<li class="js-error">/     /'
  fi
  # Any console message from the page is an error: the page itself logs nothing.
  if grep -q ':CONSOLE' "$log"; then
    fail "$name: console messages:"
    grep ':CONSOLE' "$log" | sed 's/^/     /'
  fi

  height=$(echo "$head" | sed -n 's/.*data-height="\([0-9]*\)".*/\1/p')
  [ -n "$height" ] && [ "$height" -gt 0 ] || height=2400
  browse --hide-scrollbars --window-size=1280,"$height" --screenshot="$png" "file://$html" >/dev/null 2>>"$log"
  if [ -s "$png" ] && [ "$(wc -c <"$png")" -gt 20000 ]; then
    echo "   screenshot: $png (1280 x $height)"
  else
    fail "$name: no screenshot written"
  fi
}

FIGURES="fig-balance fig-dependence fig-power fig-levers fig-alignment-threat"
check report-baseline scenarios/baseline.toml
FIGURES="fig-balance fig-change fig-attribution fig-dependence fig-power fig-alignment-threat"
check report-compare scenarios/baseline.toml --compare scenarios/whatif/russia_military_pressure.toml
FIGURES="fig-balance fig-dependence fig-power fig-levers fig-alignment-threat fig-data"
check report-checks scenarios/baseline.toml --checks scenarios/checks/data.toml
# A screenshot of the model-vs-data figure alone (docs/report-data.png): a copy of the page
# whose style hides everything else. Only the picture comes from the copy; the checks above
# ran on the page as written.
section_shot() {
  name=$1
  fig=$2
  src="$OUT/$name.html"
  png="$OUT/$3.png"
  [ -f "$src" ] || return
  copy="$WORK/$3.html"
  sed "s|</style>|main>*:not(#$fig){display:none}#js-errors{display:none}main{padding-top:14px;padding-bottom:6px}</style>|" "$src" >"$copy"
  # A short window: the page's height is then its content's, not the window's.
  height=$(browse --window-size=1280,600 --dump-dom "file://$copy" 2>/dev/null | grep -m1 -o '<html[^>]*>' |
    sed -n 's/.*data-height="\([0-9]*\)".*/\1/p')
  [ -n "$height" ] && [ "$height" -gt 0 ] || height=2400
  rm -f "$png"
  browse --hide-scrollbars --window-size=1280,"$height" --screenshot="$png" "file://$copy" >/dev/null 2>&1
  if [ -s "$png" ] && [ "$(wc -c <"$png")" -gt 20000 ]; then
    echo "   screenshot of #$fig alone: $png (1280 x $height)"
  else
    fail "$name: no screenshot of #$fig written"
  fi
}
section_shot report-checks fig-data report-data
if [ -f "$OUT/report-checks.dom.html" ]; then
  panels=$(grep -o 'class="data-panel"' "$OUT/report-checks.dom.html" | wc -l)
  points=$(grep -m1 -o '<html[^>]*>' "$OUT/report-checks.dom.html" | sed -n 's/.*data-points="\([0-9]*\)".*/\1/p')
  points=${points:-0}
  echo "   model vs data: $panels panels, $points observations"
  [ "$panels" -gt 0 ] && [ "$points" -ge "$panels" ] || fail "report-checks: the model-vs-data figure has no panels or points"
fi

if [ $FAILED -ne 0 ]; then
  echo "browser test failed (outputs in $OUT)"
  exit 1
fi
echo "browser test passed: the three reports render in $("$BROWSER" --version 2>/dev/null | head -n1)"
exit 0
