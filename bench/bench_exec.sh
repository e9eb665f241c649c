#!/usr/bin/env bash
# The cost of the preload shim (docs/exec.md), as ratios measured in one
# run against the same server program:
#   1. a request/response loop (redis-benchmark, one connection, PING, no
#      pipelining) against redis-server under `wirerig exec` with shaping
#      off (whole reads and writes), against redis-server without it:
#      goal >= 0.85x the throughput;
#   2. the same loop with byte-at-a-time reads in the server
#      (--reads fixed:1, traced to count the calls): calls per second the
#      shim shapes.
# The three servers run side by side for the whole benchmark; after a
# warm-up loop each, ROUNDS rounds time one loop on each, in turn (the
# order alternates), and the figures are medians -- the ratio the median
# of the per-round ratios -- so that a noisy neighbour on a shared
# machine moves both sides of a ratio alike. Prints numbers; asserts
# nothing about timing.
#   bench/bench_exec.sh [--build DIR] [--quick] [--rounds N] [--requests N]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${WIRERIG_BUILD:-$here/../build}
n=20000 rounds=9
while [ $# -gt 0 ]; do
  case $1 in
  --build) build=$2; shift 2 ;;
  --quick) n=3000 rounds=3; shift ;;
  --rounds) rounds=$2; shift 2 ;;
  --requests) n=$2; shift 2 ;;
  *) echo "bench_exec: unknown argument $1" >&2; exit 2 ;;
  esac
done
case $rounds$n in *[!0-9]*) echo "bench_exec: --rounds and --requests take whole numbers" >&2; exit 2 ;; esac
[ "$rounds" -ge 1 ] && [ "$n" -ge 100 ] || { echo "bench_exec: need --rounds >= 1 and --requests >= 100" >&2; exit 2; }
wirerig=$build/wirerig
[ -x "$wirerig" ] || { echo "bench_exec: no $wirerig (build first, or --build DIR)" >&2; exit 2; }
py=$(command -v /usr/bin/python3 || command -v python3)
for p in redis-server redis-benchmark; do
  command -v $p >/dev/null || { echo "bench_exec: needs $p (Debian: redis-server, redis-tools)" >&2; exit 2; }
done
tmp=$(mktemp -d)
pgids=()
stop_all() {
  for g in "${pgids[@]}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
  for g in "${pgids[@]}"; do wait "$g" 2>/dev/null || true; done
  pgids=()
}
trap 'stop_all; rm -rf "$tmp"' EXIT
free_port() {
  "$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
serve() { # serve NAME PORT [wirerig exec options]: redis, waits for its port
  local name=$1 port=$2
  shift 2
  local pre=()
  [ $# -gt 0 ] && pre=("$wirerig" exec "$@" --)
  mkdir -p "$tmp/dir-$name"
  setsid "${pre[@]}" redis-server --port "$port" --bind 127.0.0.1 --save "" \
    --appendonly no --dir "$tmp/dir-$name" --daemonize no --loglevel warning \
    >"$tmp/$name.log" 2>&1 &
  pgids+=($!)
  for _ in $(seq 100); do
    ss -Hltn "sport = :$port" | grep -q . && return 0
    sleep 0.05
  done
  cat "$tmp/$name.log" >&2
  return 1
}
# loop PORT REQUESTS: one connection, one PING at a time; requests/s.
loop() {
  redis-benchmark -h 127.0.0.1 -p "$1" -c 1 -n "$2" -t ping_mbulk --csv |
    awk -F'"' '$2 == "PING_MBULK" { print $4 }'
}
median() { sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

pb=$(free_port) po=$(free_port) p1=$(free_port)
serve base "$pb"
serve off "$po" --seed 1 --reads whole --writes whole
serve one "$p1" --seed 1 --reads fixed:1 --trace "$tmp/trace"
for p in "$pb" "$po" "$p1"; do loop "$p" $((n / 10)) >/dev/null; done # warm-up
: >"$tmp/trace"
one_n=$((n / 4)) # byte-at-a-time is slower: fewer requests a round
for r in $(seq "$rounds"); do
  if [ $((r % 2)) -eq 1 ]; then
    b=$(loop "$pb" "$n"); o=$(loop "$po" "$n")
  else
    o=$(loop "$po" "$n"); b=$(loop "$pb" "$n")
  fi
  echo "$b" >>"$tmp/base"; echo "$o" >>"$tmp/off"
  awk -v a="$o" -v b="$b" 'BEGIN { printf "%.4f\n", a / b }' >>"$tmp/ratio"
  loop "$p1" "$one_n" >>"$tmp/one"
done
stop_all
# Shaped reads that moved bytes, per request (the trace has one line per
# shaped call; `got=` lines moved bytes, the rest were EAGAINs).
calls=$(grep -c ' in .* got=' "$tmp/trace" || true)
eagain=$(grep -c ' in .* err=EAGAIN' "$tmp/trace" || true)
per=$(awk -v c="$calls" -v e="$eagain" -v n=$((one_n * rounds)) 'BEGIN { printf "%.1f", (c + e) / n }')
base=$(median <"$tmp/base") off=$(median <"$tmp/off") one=$(median <"$tmp/one")
ratio=$(median <"$tmp/ratio")
rmin=$(sort -g "$tmp/ratio" | head -n 1) rmax=$(sort -g "$tmp/ratio" | tail -n 1)
echo "bench_exec: redis PING loop (redis-benchmark -c 1), $n requests a loop, $rounds rounds, medians"
echo "  without the shim:             $base req/s"
echo "  shim loaded, shaping off:     $off req/s  (ratio $ratio, rounds $rmin..$rmax; goal >= 0.85)"
echo "  reads fixed:1 (traced):       $one req/s, $per shaped read calls a request ($(awk -v p="$per" -v r="$one" 'BEGIN { printf "%.0f", p * r }') calls/s)"
