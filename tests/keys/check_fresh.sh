#!/bin/sh
# Fails when a file generated from the key registry is stale: docs/keys.md
# (`smartpower keys --markdown`) or docs/scenario.schema.json (`smartpower schema`).
# Usage: check_fresh.sh BIN ROOT markdown|schema
bin=$1 root=$2 what=$3
case $what in
  markdown) file=docs/keys.md; cmd="keys --markdown" ;;
  schema) file=docs/scenario.schema.json; cmd="schema" ;;
  *) echo "usage: $0 BIN ROOT markdown|schema" >&2; exit 2 ;;
esac
out=$(mktemp) || exit 2
trap 'rm -f "$out"' EXIT
"$bin" $cmd > "$out" || { echo "smartpower $cmd failed" >&2; exit 1; }
if ! cmp -s "$out" "$root/$file"; then
  diff -u "$root/$file" "$out" | head -40
  echo "$file is stale: regenerate it with  build/smartpower $cmd > $file" >&2
  exit 1
fi
echo "$file matches smartpower $cmd"
