#!/usr/bin/env bash
# Runs every wirerig benchmark in turn and prints the machine it ran on, so
# the output can be pasted into docs/benchmarks.md as it is.
#
#   bench/run.sh [--build DIR] [--quick] [other arguments for each benchmark]
#
# DIR is a configured and built tree (default: $WIRERIG_BUILD, else the
# repository's build-bench, else its build). Every executable named bench_*
# in DIR/bench is run, in name order, so a new benchmark needs no change
# here: add it with wr_add_bench in bench/CMakeLists.txt. Each must accept
# --quick and exit 0 unless its two sides disagree; this script stops at the
# first benchmark that fails and returns its status.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
build="${WIRERIG_BUILD:-}"
args=()
while [ $# -gt 0 ]; do
  case "$1" in
  --build)
    [ $# -ge 2 ] || { echo "run.sh: --build needs a directory" >&2; exit 2; }
    build="$2"
    shift 2
    ;;
  -h | --help)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 0
    ;;
  *)
    args+=("$1")
    shift
    ;;
  esac
done
if [ -z "$build" ]; then
  for d in "$root/build-bench" "$root/build"; do
    if [ -d "$d/bench" ]; then
      build="$d"
      break
    fi
  done
fi
if [ -z "$build" ] || [ ! -d "$build/bench" ]; then
  echo "run.sh: no built benchmarks found (looked in ${build:-$root/build-bench and $root/build})" >&2
  echo "run.sh: build first: cmake -S $root -B $root/build-bench -DCMAKE_BUILD_TYPE=Release && cmake --build $root/build-bench -j2" >&2
  exit 2
fi

benches=()
for b in "$build"/bench/bench_*; do
  [ -f "$b" ] && [ -x "$b" ] && benches+=("$b")
done
if [ ${#benches[@]} -eq 0 ]; then
  echo "run.sh: no bench_* executables in $build/bench; build the project first" >&2
  exit 2
fi

cc="$(sed -n 's/^CMAKE_C_COMPILER:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || true)"
echo "date:     $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:  $(nproc) CPUs, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n1)"
echo "compiler: $("${cc:-cc}" --version 2>/dev/null | head -n1)"
echo "build:    $build ($(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt" 2>/dev/null || echo unknown))"
for b in "${benches[@]}"; do
  echo
  echo "== $(basename "$b") ${args[*]:-}"
  "$b" ${args[@]+"${args[@]}"}
done
