#!/usr/bin/env bash
# Builds the classroom playground into web/dist/: the engine compiled to WebAssembly with
# Debian's Emscripten (web/CMakeLists.txt: core and io, single-threaded), the static page,
# the report's charts module (web/charts.js, web/charts.css) with the chart library the
# report inlines (third_party/: Observable Plot and d3, committed, so no npm here), and
# every shipped scenario resolved (extends chains merged) into web/dist/scenarios.json.
#
#   scripts/build-web.sh              # everything, into web/dist/
#   scripts/build-web.sh --wasm-only  # only the engine, into $WEB_BUILD_DIR
#
# Needs: emscripten and nodejs (scripts/bootstrap.sh --with-web) and, to resolve the
# scenarios, a native smartpower binary ($SMARTPOWER_BIN, default build/smartpower).
# WEB_BUILD_DIR: the Emscripten build folder (default build-wasm); WEB_DIST_DIR: where the
# page goes (default web/dist). Serve the result with
#   python3 -m http.server -d web/dist 8000
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${WEB_BUILD_DIR:-build-wasm}

for tool in emcmake em++ node; do
  command -v "$tool" >/dev/null || { echo "build-web: $tool not found: scripts/bootstrap.sh --with-web installs it" >&2; exit 2; }
done
# Debian's emscripten runs its JavaScript optimiser with the node-acorn package, which a
# node not from Debian (e.g. NodeSource's) does not search for by default.
export NODE_PATH=/usr/share/nodejs${NODE_PATH:+:$NODE_PATH}

generator=()
command -v ninja >/dev/null && generator=(-G Ninja)
emcmake cmake -S web -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$build"
[[ "${1:-}" == "--wasm-only" ]] && exit 0

bin=${SMARTPOWER_BIN:-build/smartpower}
[[ -x "$bin" ]] || { echo "build-web: no native smartpower at $bin to resolve the scenarios: build it first (README) or set SMARTPOWER_BIN" >&2; exit 2; }

dist=${WEB_DIST_DIR:-web/dist}
rm -rf "$dist"
mkdir -p "$dist/vendor"
cp "$build/smartpower.js" "$build/smartpower.wasm" "$dist/"
cp web/index.html web/app.js web/worker.js web/style.css web/exercises.json web/sw.js web/charts.js web/charts.css "$dist/"
# The same files the report inlines (cmake/embed_report_template.cmake), with their licences.
cp third_party/d3/d3.min.js "$dist/vendor/"
cp third_party/d3/LICENSE "$dist/vendor/LICENSE.d3"
cp third_party/observablehq-plot/plot.umd.min.js "$dist/vendor/"
cp third_party/observablehq-plot/LICENSE "$dist/vendor/LICENSE.observablehq-plot"

# Scenarios: the flagship first, then every what-if, each as the text `smartpower
# resolve` prints (the browser has no files to follow `extends` to).
files=(scenarios/baseline.toml scenarios/whatif/*.toml)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for f in "${files[@]}"; do
  "$bin" resolve "$f" > "$tmp/$(basename "$f" .toml).toml"
done
node - "$tmp" "${files[@]}" > "$dist/scenarios.json" <<'JS'
const fs = require('fs'), path = require('path');
const [dir, ...files] = process.argv.slice(2);
const out = files.map((file) => {
  const id = path.basename(file, '.toml');
  const toml = fs.readFileSync(path.join(dir, id + '.toml'), 'utf8');
  // [scenario] name (resolve writes keys in order, strings in either quote).
  const section = (toml.split(/^\[scenario\]\s*$/m)[1] || '').split(/^\[/m)[0];
  const name = (section.match(/^name\s*=\s*(["'])(.*)\1\s*$/m) || [0, 0, id])[2];
  // The scenario it extends, if shipped too: a what-if's base, for the paired change.
  const raw = fs.readFileSync(file, 'utf8');
  const ext = (raw.match(/^extends\s*=\s*(["'])(.*)\1\s*$/m) || [])[2];
  const base = ext ? path.basename(path.resolve(path.dirname(file), ext), '.toml') : null;
  return { id, file, name, whatif: file.includes('/whatif/'), base, toml };
});
for (const s of out) if (!out.some((o) => o.id === s.base)) s.base = null;
process.stdout.write(JSON.stringify(out));
JS
# The service worker's cache is named after this build's content (sw.js: VERSION).
version=$(cd "$dist" && find . -type f ! -name sw.js | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
sed -i "s/^const VERSION = 'dev';/const VERSION = '$version';/" "$dist/sw.js"
grep -q "^const VERSION = '$version';" "$dist/sw.js" || { echo "build-web: could not version sw.js" >&2; exit 1; }
echo "build-web: wrote $dist/ ($(du -sh "$dist" | cut -f1)); serve it with: python3 -m http.server -d $dist 8000"
