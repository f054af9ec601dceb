# Helpers for the checkpoint_*.case and calibrate_*.case files (sourced by them).

# my.toml: the small scenario with one calibration parameter; claims.toml: one claim it
# can meet; impossible.toml: one it never meets (the search never ends by success).
cal_setup() {
  cp "$SMALL" my.toml
  cat >> my.toml <<'TOML'

[[calibration.parameters]]
path = "actors.TUR.budget"
lo = 0.5
hi = 2.0
TOML
  cat > claims.toml <<'TOML'
[[claims]]
id = "T1"
text = "Kazakhstan keeps some balance"
section = "test"
[[claims.checks]]
kind = "range"
metric = "balance[KAZ]"
at = 2005.0
min = 0.0
max = 1.0
TOML
  cat > impossible.toml <<'TOML'
[[claims]]
id = "X"
text = "a balance no parameter reaches"
section = "test"
[[claims.checks]]
kind = "range"
metric = "balance[KAZ]"
at = 2005.0
min = 5.0
max = 6.0
TOML
}

# The sweep the partial-checkpoint cases resume: point 5 (decay 3.9, dt 0.5) is invalid
# (decay * dt > 1), so the sweep stops there with exit 2 and ck.txt keeps points 0-4.
PARTIAL_SWEEP="--set levers.trade.decay=0.1:3.9:1.9 --set scenario.dt=0.25:0.5:0.25 -q --out r.csv --checkpoint ck.txt"
partial_checkpoint() {
  cp "$SMALL" my.toml
  "$SP" sweep my.toml $PARTIAL_SWEEP 2>/dev/null
  [ "$(wc -l < ck.txt)" -eq 6 ] || { echo "setup: expected a checkpoint with 5 points" >&2; return 1; }
}
