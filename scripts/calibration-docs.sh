#!/usr/bin/env bash
# Regenerates the measured parts of docs/calibration.md: the claims table and the data
# checks table of the committed baseline over 200 noisy runs, as `smartpower claims`
# prints them, then the targets of issue 14 with the informativeness table over 200 prior
# draws (scripts/targets.py).
# Usage: scripts/calibration-docs.sh [build/smartpower]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/smartpower}
echo "## claims"
"$bin" claims scenarios/baseline.toml --claims scenarios/claims.toml --runs 200 --threads 2 --quiet || true
echo "## data checks"
"$bin" claims scenarios/baseline.toml --claims scenarios/checks/data.toml --runs 200 --threads 2 --quiet || true
echo "## targets"
/usr/bin/python3 scripts/targets.py --bin "$bin" --runs 200 --prior 200 || true
