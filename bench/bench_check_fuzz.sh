#!/usr/bin/env bash
# wirerig check's libFuzzer entry against a bare target, under libFuzzer
# itself (docs/benchmarks.md): two fuzzers over the same trivial decoder
# (bench/check_tiny.c), one through WR_CHECK_FUZZ_TARGET (split invariance:
# a whole decode and a cut one per input), one calling the decoder once per
# input. Each fuzzes for SECONDS from the same seed; the ratio of their
# exec/s is printed (goal >= 0.5x). It judges no timing; it fails only if a
# fuzzer cannot be built or finds a crash.
#   bench/bench_check_fuzz.sh [--quick] [--build DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${WIRERIG_BUILD:-$root/build}
secs=10
while [ $# -gt 0 ]; do
  case $1 in
  --quick) secs=2; shift ;;
  --build) build=$2; shift 2 ;;
  *) echo "bench_check_fuzz: unknown argument '$1'" >&2; exit 2 ;;
  esac
done
command -v clang >/dev/null || { echo "bench_check_fuzz: clang not found (scripts/install-deps.sh installs it)" >&2; exit 1; }
libs=()
for l in harness/check/libwirerig_check.a harness/spec/libwirerig_spec.a \
  framing/libwirerig_framing.a base/libwirerig_base.a; do
  [ -f "$build/$l" ] || { echo "bench_check_fuzz: $build/$l missing: build wirerig first" >&2; exit 1; }
  libs+=("$build/$l")
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for side in check bare; do
  clang -O2 -g -fsanitize=fuzzer -I"$root/include" -DCHECK_TINY_SIDE_"${side^^}" \
    "$here/check_tiny.c" "${libs[@]}" -o "$tmp/$side"
  mkdir -p "$tmp/corpus-$side"
  printf '\x03\x01\x00\x04\x03abc\x02de\x00\x07fghijkl' >"$tmp/corpus-$side/seed"
  "$tmp/$side" -max_total_time="$secs" -seed=1 -max_len=64 -print_final_stats=1 \
    "$tmp/corpus-$side" >"$tmp/$side.log" 2>&1 ||
    { tail -20 "$tmp/$side.log"; echo "bench_check_fuzz: the $side fuzzer failed" >&2; exit 1; }
done
rate() { sed -n 's/^stat::average_exec_per_sec: *//p' "$tmp/$1.log"; }
c=$(rate check) b=$(rate bare)
printf 'bench_check_fuzz (clang -O2, libFuzzer, %ss each)\n' "$secs"
printf '%-34s %12s %12s %8s %6s\n' case wirerig baseline ratio goal
printf '%-34s %8s ex/s %8s ex/s %7.3fx %6s\n' "libFuzzer entry, trivial decoder" \
  "$c" "$b" "$(awk -v c="$c" -v b="$b" 'BEGIN { print c / b }')" 0.50x
