#!/usr/bin/env bash
# Fuzzes the library with libFuzzer + ASan + UBSan.
# Usage: scripts/fuzz.sh [SECONDS=600] [JOBS=1] [TARGET=scenario]
#   scenario  scenario loading, lenses, validation and a short run (tests/fuzz/fuzz_scenario.cpp)
#   claims    claims files: parsing and evaluation against a tiny scenario (fuzz_claims.cpp)
#   sweep     --set specifications: parse, check, grid/Latin-hypercube points, two points
#             run (fuzz_sweep_spec.cpp; byte 0 = mode, 1-3 = --lhs N, 4-5 = seed, then
#             one spec per line)
# Seeds: scenario: every scenario in scenarios/ and the malformed corpus; claims:
# scenarios/claims.toml, scenarios/checks/*.toml and tests/malformed/claims/*.toml;
# sweep: tests/malformed/sweep_specs.txt and the README's/docs' --set examples. New
# inputs that reach new code go to fuzz/corpus/ (scenario) or fuzz/TARGET/corpus/;
# crashes go to fuzz/artifacts/ or fuzz/TARGET/artifacts/ (turn each into a case under
# tests/malformed/). The engine is compiled once into fuzz/build/obj/ and shared by the
# targets. TOML++ is compiled header-only and instrumented here, except its Unicode
# tables (tests/fuzz/ignorelist.txt, upstream issue #295). NDEBUG as in Debian's release
# library: TOML++'s internal asserts are not part of what ships.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
jobs=${2:-1}
target=${3:-scenario}
case $target in
  scenario) src=fuzz_scenario; dir=fuzz; max_len=65536; rss=4096 ;;
  claims) src=fuzz_claims; dir=fuzz/claims; max_len=65536; rss=4096 ;;
  sweep) src=fuzz_sweep_spec; dir=fuzz/sweep; max_len=4096; rss=2048 ;;
  *) echo "fuzz: unknown target '$target' (expected scenario, claims or sweep)" >&2; exit 2 ;;
esac
need=()
command -v clang++ >/dev/null || need+=(clang)
dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "install ok installed" || need+=(libclang-rt-14-dev)
if ((${#need[@]})); then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
mkdir -p fuzz/build/obj "$dir/corpus" "$dir/artifacts" "$dir/seeds"
flags=(-std=c++20 -O1 -g -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
  -fsanitize-ignorelist=tests/fuzz/ignorelist.txt -DTOML_HEADER_ONLY=1 -DNDEBUG -Iinclude -Iengine -Iengine/internal -I/usr/include/eigen3)
# The engine, one object per source, rebuilt when the source or any header is newer (at
# most two compilers at once: the machine may be shared).
stale=()
for f in engine/*/*.cpp; do
  o=fuzz/build/obj/$(basename "${f%.cpp}").o
  if [[ ! -f $o || $f -nt $o || -n $(find include engine -name '*.hpp' -newer "$o" -print -quit) ]]; then stale+=("$f"); fi
done
if ((${#stale[@]})); then
  echo "fuzz: compiling ${#stale[@]} engine sources" >&2
  printf '%s\n' "${stale[@]}" | xargs -P 2 -I{} sh -c 'clang++ "$@" -c {} -o fuzz/build/obj/$(basename {} .cpp).o' _ "${flags[@]}"
fi
for o in fuzz/build/obj/*.o; do compgen -G "engine/*/$(basename "${o%.o}").cpp" >/dev/null || rm -f "$o"; done  # removed sources
bin=fuzz/build/$src
if [[ ! -x $bin || -n $(find fuzz/build/obj tests/fuzz/$src.cpp -newer "$bin" -print -quit) ]]; then
  echo "fuzz: linking $bin" >&2
  clang++ "${flags[@]}" -fsanitize=fuzzer tests/fuzz/$src.cpp fuzz/build/obj/*.o -lnlopt -lpthread -o "$bin"
fi
case $target in
  scenario)
    cp scenarios/*.toml scenarios/whatif/*.toml tests/malformed/*.toml tests/malformed/support/*.toml "$dir/seeds/" 2>/dev/null || true
    printf '\xef\xb8\xbf = 1\n' > "$dir/seeds/unicode_fe3f.toml" ;;
  claims)
    for f in scenarios/claims.toml scenarios/checks/*.toml tests/malformed/claims/*.toml; do
      [[ -f $f ]] && cp "$f" "$dir/seeds/$(echo "${f%.toml}" | tr / _).toml"
    done ;;
  sweep)
    # One seed per spec (grid, Latin hypercube of 16 points, both), and all of them at once.
    valid=$(printf '%s\n' model.rho=0.1:0.9:0.2 model.alpha=0.5 actors.TUR.budget=0.5:1.5 levers.0.decay=0.1:0.3:0.1 \
      relations.KAZ.RUS.stocks.trade=0:4:1 events.recognition.stock=0:2:0.5 moves.0.effort=0:2:1)
    specs=$({ grep -v '^#' tests/malformed/sweep_specs.txt | cut -f1
      grep -ho -- "--set '\?[A-Za-z][^ ']*" README.md docs/*.md | sed "s/--set '\\?//"
      echo "$valid"; } | sort -u)
    i=0
    while IFS= read -r spec; do
      [[ -z $spec ]] && continue
      for mode in 0 1 2; do printf "\\x0$mode\\x10\\x00\\x00\\x07\\x00%s\\n" "$spec" > "$dir/seeds/spec_${i}_$mode"; done
      i=$((i + 1))
    done <<< "$specs"
    { printf '\x00\x10\x00\x00\x07\x00'; echo "$valid"; } > "$dir/seeds/valid_grid"
    { printf '\x01\x40\x42\x0f\x07\x00'; echo "$valid"; } > "$dir/seeds/valid_lhs_1e6" ;;
esac
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
# One job runs in this process (its log is $dir/fuzz.log); more write ./fuzz-N.log each.
parallel=()
((jobs > 1)) && parallel=(-jobs="$jobs" -workers="$jobs")
"$bin" "$dir/corpus" "$dir/seeds" -max_total_time="$seconds" "${parallel[@]}" -max_len="$max_len" \
  -rss_limit_mb="$rss" -timeout=60 -artifact_prefix="$dir/artifacts/" -print_final_stats=1 2>&1 |
  tee "$dir/fuzz.log" | tail -n 30
echo "fuzz: $target corpus $(ls "$dir/corpus" | wc -l) inputs; artifacts: $(ls "$dir/artifacts" | wc -l)"
