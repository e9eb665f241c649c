#!/usr/bin/env bash
# Builds wirerig three ways and runs every test: gcc with -Werror, clang with
# -Werror, and an address+undefined sanitizer build; then gives each fuzz
# target a short time-boxed run. Installs missing Debian packages first.
# Exit status is non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh

jobs=$(nproc)
run() { echo "+ $*"; "$@"; }

build_and_test() { # DIR CMAKE-ARGS...
  local dir=$1
  shift
  run cmake -S . -B "$dir" -DWIRERIG_WERROR=ON "$@"
  run cmake --build "$dir" -j"$jobs"
  run ctest --test-dir "$dir" --output-on-failure -j"$jobs"
}

echo "== gcc, -Werror =="
build_and_test build -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== clang, -Werror =="
build_and_test build-clang -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== gcc, address + undefined sanitizers =="
build_and_test build-asan -DCMAKE_C_COMPILER=gcc -DCMAKE_BUILD_TYPE=Debug \
  -DWIRERIG_SANITIZE=address,undefined
echo "== fuzz smoke (clang, libFuzzer) =="
run bash scripts/fuzz-smoke.sh
echo "== all test builds passed =="
