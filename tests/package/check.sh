#!/usr/bin/env bash
# Installs the build into a scratch prefix, then builds and runs a consumer project
# that uses find_package(smartpower).
set -euo pipefail
build=$1 src=$2 sanitize=${3:-OFF}
# A sanitized library needs the sanitizer runtime in the consumer too.
flags=()
if [[ $sanitize == ON ]]; then flags=(-DCMAKE_CXX_FLAGS=-fsanitize=address,undefined); fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build" --prefix "$tmp/prefix" >/dev/null
test -x "$tmp/prefix/bin/smartpower"
test -f "$tmp/prefix/include/smartpower/core/simulation.hpp"
test -f "$tmp/prefix/include/smartpower/smartpower.hpp"
# No internal header (engine/internal/smartpower/: TOML documents, outputs, claims, ...).
for h in $(cd "$src/engine/internal" && find smartpower -name '*.hpp'); do test ! -e "$tmp/prefix/include/$h"; done
test ! -e "$tmp/prefix/include/smartpower/io/document.hpp"
cmake -S "$src/tests/package" -B "$tmp/consumer" -G Ninja -DCMAKE_PREFIX_PATH="$tmp/prefix" "${flags[@]}" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
"$tmp/consumer/c" "$src/scenarios/baseline.toml"
# examples/whatif.cpp built against the installed package: a positive paired change.
"$tmp/consumer/whatif" "$src/scenarios/baseline.toml" TUR KAZ trade 2010 0.5 | tee "$tmp/whatif.txt"
grep -q "dependence\[KAZ,TUR\] at 2021: +0\.[0-9]*[1-9]" "$tmp/whatif.txt"
