#!/usr/bin/env bash
# Installs what is missing, builds wirerig, and runs the main job: the
# scenario suite in scenarios/ on the simulated network (many seeds and
# every small cut schedule) and on real loopback sockets, ending with a
# summary table (scenarios, runs, seeds, agreement between the transports,
# time). Exit status: 0 when every scenario passed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
# target scenarios start examples/server relative to the top of the checkout
exec build/wirerig run scenarios --jobs "$(nproc)"
