#!/usr/bin/env bash
# Regenerates docs/whatif.md: every what-if in scenarios/whatif/ through `smartpower
# compare` against the calibrated baseline, with the command and its output verbatim.
# Usage: scripts/whatif-docs.sh [build/smartpower] [runs]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/smartpower}
runs=${2:-500}
out=docs/whatif.md
tmp=$(mktemp)
{
  echo "# What-if library: results"
  echo
  echo "Every scenario in \`scenarios/whatif/\` extends the calibrated baseline and runs on to at"
  echo "least 2030. Each section gives the question the file asks (its header comment), the"
  echo "command, and what \`smartpower compare\` printed: changes with 95 % intervals over $runs"
  echo "paired runs (common random numbers), the attribution of the changes to the what-if's"
  echo "moves and events (Shapley values), and plain sentences."
  echo
  echo "Regenerate with \`scripts/whatif-docs.sh\` (engine $("$bin" --version))."
  for f in scenarios/whatif/*.toml; do
    name=$(basename "$f" .toml)
    echo
    echo "## $name"
    echo
    grep -E '^#' "$f" | sed -e 's/^# \{0,1\}//' | sed -e 's/^/> /'
    echo
    echo '```'
    echo "smartpower compare scenarios/baseline.toml $f --runs $runs --threads 2"
    echo '```'
    echo
    echo '```'
    "$bin" compare scenarios/baseline.toml "$f" --runs "$runs" --threads 2 --quiet
    echo '```'
  done
} > "$tmp"
mv "$tmp" "$out"
echo "wrote $out"
