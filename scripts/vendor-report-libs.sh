#!/usr/bin/env bash
# Refreshes the report's chart library in third_party/ from npm: Observable Plot and the
# d3 it runs on, as their minified UMD builds with their licences. The copies are
# committed, so building smartpower needs neither npm nor the network; run this only to
# move to another version (then rebuild: CMake embeds them into the binary, docs/report.md).
#
#   scripts/vendor-report-libs.sh [PLOT_VERSION] [D3_VERSION]
set -euo pipefail
cd "$(dirname "$0")/.."
plot=${1:-0.6.17}
d3=${2:-7.9.0}
command -v npm >/dev/null || { echo "vendor-report-libs: npm not found (apt-get install npm)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm init -y >/dev/null && npm install --no-audit --no-fund --loglevel=error "@observablehq/plot@$plot" "d3@$d3")
mkdir -p third_party/observablehq-plot third_party/d3
cp "$tmp/node_modules/@observablehq/plot/dist/plot.umd.min.js" "$tmp/node_modules/@observablehq/plot/LICENSE" third_party/observablehq-plot/
cp "$tmp/node_modules/d3/dist/d3.min.js" "$tmp/node_modules/d3/LICENSE" third_party/d3/
# Plot's bundle must run on the d3 it is given (its UMD header names the version it was built against).
head -c 400 third_party/observablehq-plot/plot.umd.min.js | grep -o 'd3@[0-9.]*' | head -n1
wc -c third_party/observablehq-plot/plot.umd.min.js third_party/d3/d3.min.js
