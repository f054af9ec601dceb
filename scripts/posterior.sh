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
#   PARTICLES=500 MOVES=4 RUNS=32 GENERATIONS=80 SIMULATIONS=40000000 SEED=1 THREADS=2
#   SETTLE=0 (generations each chain stays at its floor: calibrate --settle; needs the floor)
#   CHAINS=4 (independent calibrations with seeds SEED, SEED+1, ..., pooled; each its own floor)
#   MIN_TOLERANCE= (empty: measured first by scripts/noise_floor.py, the 90 % quantile of the
#   baseline's distance from FLOOR_TRUTHS=100 worlds that are runs of itself; a number sets
#   it by hand; 0 turns the floor off)
#   DRAWS=200 (posterior-predictive runs)  PRIOR=200 (prior draws for the pass-rate table)
#   OUT=scenarios/posterior.csv  DOC=docs/calibration.md  SVG=docs/posterior-correlation.svg
#   SKIP_CALIBRATION=1: keep OUT and OUT.log as they are (made by this script, run apart)
#   and only regenerate the tables; the wall time written is then that of the separate run,
#   given as CAL_SECONDS.
# Each chain stops at its floor, after GENERATIONS, on the SIMULATIONS budget (a generation
# it cannot finish is dropped) or when the tolerance stops shrinking; the summaries they
# print (tolerances, acceptance, simulations/s), the chains' agreement and the commands go
# to OUT.log next to the posterior.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/smartpower}
particles=${PARTICLES:-500}
moves=${MOVES:-4}
settle=${SETTLE:-0}
chains=${CHAINS:-4}
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
# CHAINS independent calibrations (seeds SEED, SEED+1, ...), pooled: one population of
# particles settles in one part of the region within the tolerance, and which part depends
# on its random path (docs/calibration.md, "Do two runs agree?"). Each chain measures its
# own floor (its seed sets its noisy runs) and runs the same command with its own seed;
# scripts/posterior_agreement.py compares the chains (R-hat) and pools them, each chain's
# weights summing to 1/CHAINS. CHAINS=1 writes the one chain as it is.
floor() {  # floor SEED: the tolerance's floor for the chain with that seed, into $tmp/floor.SEED.txt
  # The tolerance's floor (docs/calibration.md, "Coverage over many truths"): below the
  # distance the true parameters have from noisy data, the posterior fits the noise.
  if [[ -z ${MIN_TOLERANCE:-} ]]; then
    /usr/bin/python3 scripts/noise_floor.py --bin "$bin" --truths "${FLOOR_TRUTHS:-100}" --runs "$runs" --seed "$1" \
      --threads "$threads" 2>/dev/null > "$tmp/floor.$1.txt"
    sed -n 's/^floor for .*: //p' "$tmp/floor.$1.txt"
  else
    echo "floor set by hand: MIN_TOLERANCE=$MIN_TOLERANCE" > "$tmp/floor.$1.txt"
    echo "$MIN_TOLERANCE"
  fi
}
command_for() {  # command_for SEED TOLERANCE OUT: the calibrate command of one chain
  local st=$settle
  [[ $2 == 0 ]] && st=0  # no floor, nothing to settle at
  cmd=(calibrate scenarios/baseline.toml --claims "$tmp/all.toml" --method abc --out "$3"
       --particles "$particles" --moves "$moves" --runs "$runs" --generations "$generations"
       --simulations "$budget" --seed "$1" --threads "$threads" --min-tolerance "$2")
  (( st == 0 )) || cmd+=(--settle "$st")
  cmd+=(--quiet)
}
(( chains >= 1 )) || { echo "posterior.sh: CHAINS must be at least 1" >&2; exit 2; }
: > "$tmp/commands.txt"
if [[ -n ${SKIP_CALIBRATION:-} ]]; then
  # The posterior at OUT (and its summary at OUT.log) was made by this script's commands,
  # run apart (e.g. in the background while other work went on): only the tables follow.
  [[ -s $out && -s $out.log ]] || { echo "posterior.sh: SKIP_CALIBRATION needs $out and $out.log" >&2; exit 2; }
  echo "(not run: SKIP_CALIBRATION; tables from $out)"
else
  # smartpower never replaces a file it did not write (a fresh clone's posterior, say), so
  # each chain writes into the temporary folder and the finished posterior is moved into
  # place (a CSV does not depend on its path; the old one stays in git).
  : > "$tmp/calibrate.log"
  for ((c = 0; c < chains; c++)); do
    s=$((seed + c))
    tol=$(floor "$s")
    [[ -n $tol ]] || { echo "posterior.sh: scripts/noise_floor.py gave no floor for seed $s" >&2; exit 2; }
    shown=$out
    (( chains == 1 )) || shown=/tmp/chain$((c + 1)).csv
    command_for "$s" "$tol" "$shown"
    echo "$bin ${cmd[*]}" | sed "s|$tmp/all.toml|/tmp/all.toml|" | tee -a "$tmp/commands.txt"
    command_for "$s" "$tol" "$tmp/chain$c.csv"
    { echo "== chain $((c + 1)) of $chains, seed $s"; sed 's/^/  /' "$tmp/floor.$s.txt"; } | tee -a "$tmp/calibrate.log"
    "$bin" "${cmd[@]}" | tee -a "$tmp/calibrate.log"
  done
  if (( chains == 1 )); then
    mv -f "$tmp/chain0.csv" "$out"
  else
    chain_files=()
    names=()
    for ((c = 0; c < chains; c++)); do chain_files+=("$tmp/chain$c.csv"); names+=("seed $((seed + c))"); done
    { echo "== agreement of the $chains chains (scripts/posterior_agreement.py)";
      /usr/bin/python3 scripts/posterior_agreement.py "${chain_files[@]}" --names "$(IFS=,; echo "${names[*]}")" \
        --pool "$tmp/pooled.csv" | sed "s|$tmp/pooled.csv|$out|"; } | tee -a "$tmp/calibrate.log"
    mv -f "$tmp/pooled.csv" "$out"
    shown=()
    for ((c = 0; c < chains; c++)); do shown+=("/tmp/chain$((c + 1)).csv"); done
    echo "/usr/bin/python3 scripts/posterior_agreement.py ${shown[*]} --pool $out" >> "$tmp/commands.txt"
  fi
  { echo "== commands"; cat "$tmp/commands.txt"; } >> "$tmp/calibrate.log"
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

# The commands, each chain's floor and summary lines, the chains' agreement (a Markdown
# table), then the tables, between the markers.
/usr/bin/python3 - "$doc" "$tmp/tables.md" "$(date -u +%Y-%m-%d)" "$out.log" "$cal_secs" "$(nproc)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)" <<'PY'
import re, sys
doc, tables, day, log, secs, cores, load = sys.argv[1:]
lines = open(log).read().splitlines()
section, commands, summary, agreement = None, [], [], []
for line in lines:
    if line.startswith("== "):
        section = "commands" if line == "== commands" else "agreement" if line.startswith("== agreement") else "chain"
        if section == "chain":
            summary += ["", line[3:]] if summary else [line[3:]]
        continue
    if section == "commands":
        commands.append(re.sub(r"\S*/all\.toml", "/tmp/all.toml", line))
    elif section == "agreement":
        agreement.append(line)
    elif section == "chain" and (line.startswith("  ") or re.search(
            r"parameter sets evaluated|simulations computed in|tolerances|^stopped|distinct", line)):
        summary.append(line)
if not commands:
    sys.exit(f"{log}: no '== commands' section (made by an older posterior.sh?)")
text = open(doc).read()
body = (f"<!-- posterior:begin (generated by scripts/posterior.sh on {day}; do not edit by hand) -->\n\n"
        "    cat scenarios/claims.toml scenarios/checks/data.toml > /tmp/all.toml\n"
        + "".join(f"    {c}\n" for c in commands) + "\n"
        + "".join(f"    {l}\n" if l else "\n" for l in summary)
        + f"\nCalibration wall time {secs} s on {cores} cores for the "
        f"{sum(' calibrate ' in c for c in commands)} chain(s), floors included"
        f" (load {load} at the end).\n\n"
        + ("The chains against each other (`scripts/posterior_agreement.py`; the posterior is their pool):\n\n"
           + "\n".join(l for l in agreement if not l.startswith("wrote ")) + "\n\n" if agreement else "")
        + open(tables).read().replace("\nHeatmap: docs/posterior-correlation.svg\n", "\n![Posterior correlation](posterior-correlation.svg)\n")
        + "\n<!-- posterior:end -->")
new, n = re.subn(r"<!-- posterior:begin.*?<!-- posterior:end -->", lambda m: body, text, flags=re.S)
if n != 1:
    sys.exit(f"{doc}: expected one posterior:begin/end block, found {n}")
open(doc, "w").write(new)
print(f"updated {doc}")
PY
echo "total: $(( $(date +%s) - start )) s"
