#!/usr/bin/env bash
# Regenerates the committed posterior and everything measured from it, in one command
# (issue 15): scenarios/posterior.csv by `calibrate --method abc` on the baseline with the
# claims and the data checks, then the identifiability tables (prior against posterior,
# shrinkage, not-identified parameters, strongest correlations), the correlation heatmap
# docs/posterior-correlation.svg and the posterior-predictive pass-rate table, written into
# docs/calibration.md between the "posterior:begin" and "posterior:end" markers. Run it
# after any change of the baseline model.
#
# Usage: scripts/posterior.sh [BIN]          (BIN: default build/smartpower)
# Environment (defaults are the recommended settings):
#   PARTICLES=500 MOVES=5 RUNS=32 GENERATIONS=80 SIMULATIONS=40000000 SEED=1 THREADS=2
#   MIN_TOLERANCE= (empty: measured first by scripts/noise_floor.py, the 90 % quantile of the
#   baseline's distance from FLOOR_TRUTHS=100 worlds that are runs of itself; a number sets
#   it by hand; 0 turns the floor off)
#   DRAWS=200 (posterior-predictive runs)  PRIOR=200 (prior draws for the pass-rate table)
#   OUT=scenarios/posterior.csv  DOC=docs/calibration.md  SVG=docs/posterior-correlation.svg
#   SKIP_CALIBRATION=1: keep OUT and OUT.log as they are (made by the same command, run apart)
#   and only regenerate the tables; the wall time written is then that of the separate run,
#   given as CAL_SECONDS.
# The calibration stops after GENERATIONS, on the SIMULATIONS budget (a generation it
# cannot finish is dropped) or when the tolerance stops shrinking; the summary it prints
# (tolerances, acceptance, simulations/s) goes to OUT.log next to the posterior.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/smartpower}
particles=${PARTICLES:-500}
moves=${MOVES:-5}
runs=${RUNS:-32}
generations=${GENERATIONS:-80}
budget=${SIMULATIONS:-40000000}
seed=${SEED:-1}
threads=${THREADS:-2}
draws=${DRAWS:-200}
prior=${PRIOR:-200}
out=${OUT:-scenarios/posterior.csv}
doc=${DOC:-docs/calibration.md}
svg=${SVG:-docs/posterior-correlation.svg}
[[ -x $bin ]] || { echo "posterior.sh: no binary at $bin (build first: cmake --build build -j2)" >&2; exit 2; }
grep -q '<!-- posterior:begin' "$doc" && grep -q '<!-- posterior:end -->' "$doc" ||
  { echo "posterior.sh: $doc lacks the <!-- posterior:begin --> / <!-- posterior:end --> markers" >&2; exit 2; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cat scenarios/claims.toml scenarios/checks/data.toml > "$tmp/all.toml"

start=$(date +%s)
# The tolerance's floor (docs/calibration.md, "Coverage over many truths"): below the
# distance the true parameters have from noisy data, the posterior fits the noise.
if [[ -z ${MIN_TOLERANCE:-} ]]; then
  /usr/bin/python3 scripts/noise_floor.py --bin "$bin" --truths "${FLOOR_TRUTHS:-100}" --runs "$runs" --seed "$seed" \
    --threads "$threads" 2>/dev/null | tee "$tmp/floor.txt"
  min_tolerance=$(sed -n 's/^floor for .*: //p' "$tmp/floor.txt")
  [[ -n $min_tolerance ]] || { echo "posterior.sh: scripts/noise_floor.py gave no floor" >&2; exit 2; }
else
  min_tolerance=$MIN_TOLERANCE
  echo "floor set by hand: MIN_TOLERANCE=$min_tolerance" > "$tmp/floor.txt"
fi
cmd=(calibrate scenarios/baseline.toml --claims "$tmp/all.toml" --method abc --out "$out"
     --particles "$particles" --moves "$moves" --runs "$runs" --generations "$generations"
     --simulations "$budget" --seed "$seed" --threads "$threads" --min-tolerance "$min_tolerance" --quiet)
echo "$bin ${cmd[*]}" | sed "s|$tmp/all.toml|claims+data.toml|"
if [[ -n ${SKIP_CALIBRATION:-} ]]; then
  # The posterior at OUT (and its summary at OUT.log) was made by the command above, run
  # apart (e.g. in the background while other work went on): only the tables follow.
  [[ -s $out && -s $out.log ]] || { echo "posterior.sh: SKIP_CALIBRATION needs $out and $out.log" >&2; exit 2; }
  echo "(not run: SKIP_CALIBRATION; tables from $out)"
else
  # smartpower never replaces a file it did not write (a fresh clone's posterior, say), so
  # it writes into the temporary folder and the finished posterior is moved into place
  # (the CSV does not depend on its path; the old one stays in git).
  run=()
  for arg in "${cmd[@]}"; do [[ $arg == "$out" ]] && run+=("$tmp/posterior.csv") || run+=("$arg"); done
  "$bin" "${run[@]}" | tee "$tmp/calibrate.log"
  mv -f "$tmp/posterior.csv" "$out"
  mv -f "$tmp/calibrate.log" "$out.log"
fi
mid=$(date +%s)
cal_secs=$((mid - start))
if [[ -n ${SKIP_CALIBRATION:-} ]]; then
  cal_secs=${CAL_SECONDS:?"SKIP_CALIBRATION needs CAL_SECONDS, the wall time of the separate run"}
fi
echo "calibration: $cal_secs s"

/usr/bin/python3 scripts/identifiability.py --posterior "$out" --bin "$bin" --svg "$svg" \
  --draws "$draws" --prior "$prior" --threads "$threads" --seed "$seed" > "$tmp/tables.md"
end=$(date +%s)
echo "identifiability and pass rates: $((end - mid)) s"

# The calibration's own summary line, then the tables, between the markers.
summary=$( (sed 's/^/    /' "$tmp/floor.txt"; echo; grep -E 'parameter sets evaluated|simulations computed in|tolerances|^stopped' "$out.log" | sed 's/^/    /') || true)
/usr/bin/python3 - "$doc" "$tmp/tables.md" "$(date -u +%Y-%m-%d)" "$bin ${cmd[*]}" "$summary" "$cal_secs" "$(nproc)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import re, sys
doc, tables, day, command, summary, secs, cores, load = sys.argv[1:]
command = re.sub(r"\S*/all\.toml", "/tmp/all.toml", command)
text = open(doc).read()
body = (f"<!-- posterior:begin (generated by scripts/posterior.sh on {day}; do not edit by hand) -->\n\n"
        f"    cat scenarios/claims.toml scenarios/checks/data.toml > /tmp/all.toml\n    {command}\n\n"
        f"{summary}\n\nCalibration wall time {secs} s on {cores} cores (load {load} at the end).\n\n"
        + open(tables).read().replace("\nHeatmap: docs/posterior-correlation.svg\n", "\n![Posterior correlation](posterior-correlation.svg)\n")
        + "\n<!-- posterior:end -->")
new, n = re.subn(r"<!-- posterior:begin.*?<!-- posterior:end -->", lambda m: body, text, flags=re.S)
if n != 1:
    sys.exit(f"{doc}: expected one posterior:begin/end block, found {n}")
open(doc, "w").write(new)
print(f"updated {doc}")
PY
echo "total: $(( $(date +%s) - start )) s"
