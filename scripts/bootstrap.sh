#!/usr/bin/env bash
# Installs the Debian 12 packages smartpower needs, skipping what is already there.
# Usage: scripts/bootstrap.sh [--with-tests] [--with-web]   (run as root, or with sudo available)
#   --with-tests  the test suite's packages
#   --with-web    Emscripten and Node, for the playground (scripts/build-web.sh)
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config libeigen3-dev libtomlplusplus-dev libcli11-dev
          nlohmann-json3-dev libnlopt-cxx-dev)
for arg in "$@"; do
  case $arg in
    --with-tests) packages+=(catch2 libbenchmark-dev python3-numpy libopenmpi-dev openmpi-bin chromium) ;;
    # Debian's emscripten (3.1.6) with its clang, lld and binaryen; nodejs unless a node is
    # already installed another way (e.g. NodeSource's, which replaces Debian's package).
    --with-web)
      packages+=(emscripten)
      command -v node >/dev/null || packages+=(nodejs)
      command -v npm >/dev/null || packages+=(npm)
      ;;
    *) echo "bootstrap: unknown option '$arg' (expected --with-tests, --with-web)" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing ${missing[*]}" >&2
  SUDO=""
  [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
