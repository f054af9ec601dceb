#!/usr/bin/env bash
# Installs the Debian 12 packages smartpower needs, skipping what is already there.
# Usage: scripts/bootstrap.sh [--with-tests]   (run as root, or with sudo available)
set -euo pipefail

packages=(g++ cmake ninja-build pkg-config libeigen3-dev libtomlplusplus-dev libcli11-dev
          nlohmann-json3-dev libnlopt-cxx-dev)
if [[ "${1:-}" == "--with-tests" ]]; then
  packages+=(catch2 libbenchmark-dev python3-numpy libopenmpi-dev openmpi-bin chromium)
fi

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
