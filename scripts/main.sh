#!/usr/bin/env bash
# Installs what is missing, builds wirerig, and runs the main job: decoding
# sample streams into gen_tcp packets and showing their frames.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"
for sample in examples/streams/*.args; do
  read -r -a args <"$sample"
  stream=${sample%.args}.bin
  echo "== wirerig decode ${args[*]} $stream"
  build/wirerig decode "${args[@]}" "$stream"
  echo
done
