#!/usr/bin/env bash
# Builds and launches the SentiLab desktop app on a fresh Debian 12 machine:
#   scripts/run.sh [app arguments...]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
scripts/install-deps.sh

# ccache: hash paths relative to the checkout so a fresh clone reuses earlier objects.
export CCACHE_BASEDIR="$root" CCACHE_NOHASHDIR=true
build=${SENTILAB_BUILD_DIR:-build/app}
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
  -DSENTILAB_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "$(nproc)" --target sentilab sentilab-cli
exec "$build/app/sentilab" "$@"
