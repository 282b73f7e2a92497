#!/usr/bin/env bash
# Regenerates docs/screenshots/*.png from a real run store, under a virtual X server:
#   scripts/screenshots.sh DB [--finetune RUN] [--scratch RUN]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
db=${1:?usage: scripts/screenshots.sh DB [--finetune RUN] [--scratch RUN]}
shift
build=${SENTILAB_BUILD_DIR:-$root/build/release}
cmake --build "$build" --target sentilab-screenshots
export OMP_WAIT_POLICY=PASSIVE
xvfb-run -a -s "-screen 0 1600x1000x24" "$build/tests/sentilab-screenshots" --db "$db" \
  --out "$root/docs/screenshots" "$@"
