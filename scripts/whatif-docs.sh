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
    # The signs the file expects ([[expect]], from IR theory) against compare's result.
    /usr/bin/python3 - "$f" "$cdir/compare.json" <<'PY'
import json, re, sys, tomllib
doc = tomllib.load(open(sys.argv[1], "rb"))
cmp = json.load(open(sys.argv[2]))
ex = doc.get("expect", [])
if ex:
    print("\nExpected signs (the file's `[[expect]]`) against the paired change at the end:\n")
    print("| outcome | expected | reason | change [95 %] | verdict |\n|---|---|---|---|---|")
    for e in ex:
        m = re.match(r"(\w+)\[(\w+)(?:,(\w+))?\]", e["metric"])
        ch = next((c for c in cmp["changes"] if m and c["metric"] == m.group(1) and c["actor"] == m.group(2)
                   and c["partner"] == (m.group(3) or "")), None)
        want = 1 if e["effect"] == "raises" else -1
        if ch is None:
            verdict, txt = "not reported by compare", "-"
        else:
            lo, hi = ch["interval95"]
            txt = f"{ch['change']:+.4g} [{lo:+.4g}, {hi:+.4g}]"
            verdict = ("as expected" if want * lo > 0 else "opposite sign" if want * hi < 0 else
                       "as expected (interval spans 0)" if want * ch["change"] > 0 else "opposite (interval spans 0)")
        print(f"| {e['metric']} | {e['effect']} | {e['reason']} | {txt} | {verdict} |")
PY
    rm -rf "$cdir"
  done
} > "$tmp"
mv "$tmp" "$out"
echo "wrote $out"
