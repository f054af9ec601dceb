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
  echo "Each what-if file also states the signs it expects, from IR theory, as \`[[expect]]\`"
  echo "entries (an outcome, \`raises\` or \`lowers\`, and a one-line reason). \`compare\` evaluates them"
  echo "against the paired change at the what-if's end and prints \"Expected signs (IR theory):"
  echo "N of M as expected\" with, per entry, the change, its 95 % interval, the share of runs with"
  echo "the expected sign and a verdict: *as expected (clear)* when the mean change has the expected"
  echo "sign and the 95 % interval excludes 0, *as expected (within noise)* when the mean has the"
  echo "expected sign but the interval includes 0, *opposite* when the mean has the other sign,"
  echo "*no effect* when it is exactly 0 (they are also in \`compare.json\` under \`expectations\`). It"
  echo "is a report, not a claim: \`compare\` exits 0 whatever the verdicts, and an *opposite* verdict"
  echo "says the model does not follow that theory here, which is worth reading rather than fixing."
  echo
  echo "Regenerate with \`scripts/whatif-docs.sh\` (engine $("$bin" --version))."
  for f in scenarios/whatif/*.toml; do
    name=$(basename "$f" .toml)
    echo
    echo "## $name"
    echo
    grep -E '^#' "$f" | grep -v -E '^# (----|against the base|Expected signs)' | sed -e 's/^# \{0,1\}//' | sed -e 's/^/> /'
    echo
    echo '```'
    echo "smartpower compare scenarios/baseline.toml $f --runs $runs --threads 2"
    echo '```'
    echo
    echo '```'
    cdir=$(mktemp -d)
    "$bin" compare scenarios/baseline.toml "$f" --runs "$runs" --threads 2 --quiet --out "$cdir"
    echo '```'
    # The signs the file expects ([[expect]], from IR theory), as compare evaluated them.
    /usr/bin/python3 - "$cdir/compare.json" <<'PY'
import json, sys
ex = json.load(open(sys.argv[1])).get("expectations", [])
if ex:
    print("\nExpected signs (the file's `[[expect]]`) against the paired change at the end:\n")
    print("| outcome | expected | reason | change [95 %] | verdict |\n|---|---|---|---|---|")
    for e in ex:
        txt = "-" if e["change"] is None else "{:+.4g} [{:+.4g}, {:+.4g}]".format(e["change"], *e["interval95"])
        print(f"| {e['metric']} | {e['effect']} | {e['reason']} | {txt} | {e['verdict']} |")
PY
    rm -rf "$cdir"
  done
} > "$tmp"
mv "$tmp" "$out"
echo "wrote $out"
