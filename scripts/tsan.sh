#!/usr/bin/env bash
# Runs the test suite under ThreadSanitizer (build-tsan/). Takes about 7 minutes on 2 cores.
# Usage: scripts/tsan.sh
# The step kernels are built without target_clones (-DSMARTPOWER_NO_CLONES): their ifunc
# resolvers run before TSan's runtime is up and crash it. Left out: the tests that need an
# uninstrumented peer (mpirun, the installed package, the NumPy reference, Chromium).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSMARTPOWER_TESTS=ON \
  -DCMAKE_CXX_FLAGS="-fsanitize=thread -DSMARTPOWER_NO_CLONES" -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread >/dev/null
cmake --build build-tsan
TSAN_OPTIONS="halt_on_error=1 ${TSAN_OPTIONS:-}" ctest --test-dir build-tsan --output-on-failure -j2 \
  -E "Chromium|package|NumPy|mpirun"
