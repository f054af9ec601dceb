#!/usr/bin/env bash
# Fuzzes scenario loading and validation with libFuzzer + ASan + UBSan.
# Usage: scripts/fuzz.sh [SECONDS=600] [JOBS=1]
# Seeds: every scenario in scenarios/ and the malformed corpus. New inputs that reach new
# code go to fuzz/corpus/; crashes go to fuzz/artifacts/ (turn each into a case under
# tests/malformed/). TOML++ is compiled header-only and instrumented here, except its
# Unicode tables (tests/fuzz/ignorelist.txt, upstream issue #295). NDEBUG as in Debian's
# release library: TOML++'s internal asserts are not part of what ships.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-600}
jobs=${2:-1}
need=()
command -v clang++ >/dev/null || need+=(clang)
dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "install ok installed" || need+=(libclang-rt-14-dev)
if ((${#need[@]})); then
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need[@]}" >/dev/null
fi
mkdir -p fuzz/build fuzz/corpus fuzz/artifacts fuzz/seeds
bin=fuzz/build/fuzz_scenario
if [[ ! -x $bin || -n $(find engine include tests/fuzz -newer "$bin" -print -quit) ]]; then
  echo "fuzz: building $bin" >&2
  clang++ -std=c++20 -O1 -g -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
    -fsanitize-ignorelist=tests/fuzz/ignorelist.txt -DTOML_HEADER_ONLY=1 -DNDEBUG \
    -Iinclude -Iengine engine/*.cpp tests/fuzz/fuzz_scenario.cpp \
    -lnlopt -lpthread -o "$bin"
fi
cp scenarios/*.toml scenarios/whatif/*.toml tests/malformed/*.toml tests/malformed/support/*.toml fuzz/seeds/ 2>/dev/null || true
printf '\xef\xb8\xbf = 1\n' > fuzz/seeds/unicode_fe3f.toml
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
export ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1
"$bin" fuzz/corpus fuzz/seeds -max_total_time="$seconds" -jobs="$jobs" -workers="$jobs" -max_len=65536 \
  -rss_limit_mb=4096 -artifact_prefix=fuzz/artifacts/ -print_final_stats=1 2>&1 | tail -n 30
echo "fuzz: corpus $(ls fuzz/corpus | wc -l) inputs; artifacts: $(ls fuzz/artifacts | wc -l)"
