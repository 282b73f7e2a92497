#!/usr/bin/env bash
# Installs SentiLab's build and run-time dependencies from Debian 12 packages. Idempotent: does
# nothing (and needs no network) when everything is already installed.
set -euo pipefail

packages=(
  cmake ninja-build g++ ccache pkg-config git clang-format
  libtorch-dev libopenblas0-pthread          # LibTorch; OpenBLAS or matmuls are ~30x slower
  qt6-base-dev qt6-svg-dev libqcustomplot-dev # Qt 6 Widgets/PrintSupport/Test/Svg, QCustomPlot
  libsqlite3-dev libyaml-cpp-dev nlohmann-json3-dev libutf8proc-dev libcli11-dev
  libcurl4-openssl-dev libssl-dev         # hub download; OpenSSL for SHA-1 of git blobs
  clang libclang-rt-14-dev                   # libFuzzer target in the test suite
  xvfb xauth poppler-utils                   # UI tests/screenshots, PDF checks
  dpkg-dev help2man                          # the .deb: dpkg-shlibdeps Depends, man page
  lintian desktop-file-utils appstream       # checks of the .deb, desktop entry and metainfo
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
