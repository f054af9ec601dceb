#!/usr/bin/env bash
# Runs one hostile-user case (tests/hostile/*.case) in a fresh scratch folder and checks
# the promise of docs/robustness.md: the command exits as documented and no file the
# user had before it ran is lost or changed.
#
# Usage: run_case.sh SMARTPOWER_BIN REPO_ROOT CASE_FILE
#
# A case is a bash file sourced in the scratch folder (the current directory). It sets
#   EXPECT="2"            exit codes act() may end with (space-separated)
#   MESSAGE='regex'       optional: grep -E pattern act's stderr must match
#   MAY_CHANGE="a b"      optional: user files act may legitimately change or remove
#                         (outputs the tool itself wrote in an earlier step)
#   TIMEOUT=60            optional: seconds before act() is killed (a hang fails)
# and defines act() (required), setup() and check() (optional). Variables: $SP (the
# binary), $ROOT (the repository), $SMALL (a small, fast, valid scenario).
set -uo pipefail
SP=$(realpath "$1")
ROOT=$(realpath "$2")
CASE=$(realpath "$3")
SMALL="$ROOT/tests/hostile/support/small.toml"
export SP ROOT SMALL

work=$(mktemp -d "${TMPDIR:-/tmp}/smartpower-hostile.XXXXXX")
scratch="$work/user"
mkdir "$scratch"
trap 'chmod -R u+rwX "$work" 2>/dev/null; rm -rf "$work"' EXIT
cd "$scratch" || exit 1

EXPECT=""
MESSAGE=""
MAY_CHANGE=""
TIMEOUT=60
SKIP_IF_SANITIZED=0
setup() { :; }
check() { :; }
# shellcheck source=/dev/null
source "$CASE"
[[ -n "$EXPECT" ]] || { echo "case sets no EXPECT"; exit 1; }
# SKIP_IF_SANITIZED=1: the case caps the address space (ulimit -v), which AddressSanitizer's
# shadow memory cannot live with; CTest reports it skipped in the sanitizer build.
if [[ "${SKIP_IF_SANITIZED:-0}" == 1 && "${SMARTPOWER_SANITIZED:-0}" == 1 ]]; then
  echo "skipped: needs the whole address space, not available under AddressSanitizer"
  exit 77
fi

setup || { echo "setup failed"; exit 1; }

# Snapshot every file the user has now: path -> checksum (symlinks by their target text).
snapshot() {
  find . -mindepth 1 \( -type f -o -type l \) -print0 | sort -z | while IFS= read -r -d '' f; do
    if [[ -L "$f" ]]; then
      printf '%s link %s\n' "$f" "$(readlink "$f")"
    elif [[ -r "$f" ]]; then
      printf '%s %s\n' "$f" "$(sha256sum < "$f" | cut -d' ' -f1)"
    else
      printf '%s unreadable\n' "$f"
    fi
  done
}
before=$(snapshot)

export CASE
timeout --kill-after=5 "$TIMEOUT" bash -c 'source "$CASE"; act' 2>"$work/stderr" >"$work/stdout"
status=$?
err=$(cat "$work/stderr")

fail=0
ok_exit=0
for e in $EXPECT; do [[ "$status" == "$e" ]] && ok_exit=1; done
if ((!ok_exit)); then
  echo "FAIL: exit $status, expected one of: $EXPECT"
  fail=1
fi
if [[ -n "$MESSAGE" ]] && ! grep -Eq -- "$MESSAGE" <<<"$err"; then
  echo "FAIL: stderr does not match /$MESSAGE/"
  fail=1
fi
after=$(snapshot)
# Every file of `before` must be in `after`, unchanged, unless listed in MAY_CHANGE.
while IFS= read -r line; do
  [[ -z "$line" ]] && continue
  path=${line%% *}
  skip=0
  for m in $MAY_CHANGE; do [[ "$path" == "./$m" ]] && skip=1; done
  ((skip)) && continue
  if ! grep -Fxq -- "$line" <<<"$after"; then
    echo "FAIL: the user's file $path was lost or changed"
    fail=1
  fi
done <<<"$before"
if ! check; then
  echo "FAIL: check() failed"
  fail=1
fi
if ((fail)); then
  echo "--- stderr of act (exit $status) ---"
  printf '%s\n' "$err" | head -40
  exit 1
fi
echo "ok: exit $status"
