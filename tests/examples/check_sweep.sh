#!/bin/sh
# examples/sweep.cpp (typed handles, no TOML per point) against `smartpower sweep` (TOML
# edits per point) over the same grid: the CSVs must be byte-identical.
set -eu
cli=$1 example=$2 scenario=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$example" "$scenario" actors.TUR.budget 0.5 2 4 'dependence[KAZ,TUR]' 20 > "$tmp/typed.csv"
"$cli" sweep "$scenario" --set actors.TUR.budget=0.5:2:0.5 --output 'dependence[KAZ,TUR]' --runs 20 --quiet \
  -o "$tmp/cli.csv" > /dev/null
cat "$tmp/typed.csv"
test "$(wc -l < "$tmp/typed.csv")" -eq 5
cmp "$tmp/typed.csv" "$tmp/cli.csv"
# A typo in the path is refused with the closest key.
if "$example" "$scenario" actors.TUR.budgt 0.5 2 4 'dependence[KAZ,TUR]' 2 2> "$tmp/err"; then exit 1; fi
grep -q "did you mean 'actors.TUR.budget'" "$tmp/err"
echo "typed sweep = CLI sweep"
