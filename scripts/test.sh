#!/usr/bin/env bash
# Builds SentiLab and runs the whole test suite on a fresh Debian 12 machine:
#   scripts/test.sh [ctest arguments...]     e.g. scripts/test.sh -L golden
# Reference data is read from ../shared (override with SENTILAB_SHARED_DIR); suites that need it
# skip with a message when it is absent.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh

# ccache: hash paths relative to the checkout so a fresh clone reuses earlier objects.
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true
build=${SENTILAB_BUILD_DIR:-build/release}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DSENTILAB_SHARED_DIR="${SENTILAB_SHARED_DIR:-$root/../shared}" >/dev/null
cmake --build "$build" -j "$(nproc)"
cd "$build"
export OMP_WAIT_POLICY=PASSIVE QT_QPA_PLATFORM=offscreen
ctest --output-on-failure -j 1 "$@"
