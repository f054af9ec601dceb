#!/usr/bin/env bash
# Regenerates the measured parts of docs/calibration.md: the claims table of the
# committed baseline over 200 noisy runs, as `smartpower claims` prints it.
# Usage: scripts/calibration-docs.sh [build/smartpower]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/smartpower}
"$bin" claims scenarios/baseline.toml --claims scenarios/claims.toml --runs 200 --threads 2 --quiet || true
