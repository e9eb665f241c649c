#!/usr/bin/env bash
# The cost of the preload shim (docs/exec.md), as ratios measured in one
# run against the same server:
#   1. a request/response loop (redis PING over one connection) with
#      `wirerig exec` and shaping off (whole reads and writes), against the
#      same server without it: goal >= 0.85x the throughput;
#   2. the same loop with byte-at-a-time reads in the server
#      (--reads fixed:1): calls per second the shim shapes.
# Prints numbers; asserts nothing about timing.
#   bench/bench_exec.sh [--build DIR] [--quick]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
build=${WIRERIG_BUILD:-$here/../build}
n=20000
while [ $# -gt 0 ]; do
  case $1 in
  --build) build=$2; shift 2 ;;
  --quick) n=3000; shift ;;
  *) echo "bench_exec: unknown argument $1" >&2; exit 2 ;;
  esac
done
wirerig=$build/wirerig
py=$(command -v /usr/bin/python3 || command -v python3)
command -v redis-server >/dev/null || { echo "bench_exec: needs redis-server" >&2; exit 2; }
tmp=$(mktemp -d)
pgid=
stop() {
  [ -n "$pgid" ] || return 0
  kill -TERM -- "-$pgid" 2>/dev/null || true
  wait "$pgid" 2>/dev/null || true
  pgid=
}
trap 'stop; rm -rf "$tmp"' EXIT
port=$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')

# loop: N PINGs, one at a time; prints requests per second.
loop() {
  "$py" - "$port" "$n" <<'PY'
import socket, sys, time
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=20)
n = int(sys.argv[2])
t = time.perf_counter()
for _ in range(n):
    s.sendall(b"PING\r\n")
    b = b""
    while not b.endswith(b"\r\n"):
        b += s.recv(64)
print("%.0f" % (n / (time.perf_counter() - t)))
PY
}
serve() { # serve [wirerig exec options]: starts redis, waits for its port
  local pre=()
  [ $# -gt 0 ] && pre=("$wirerig" exec "$@" --)
  setsid "${pre[@]}" redis-server --port "$port" --bind 127.0.0.1 --save "" \
    --appendonly no --dir "$tmp" --daemonize no --loglevel warning >"$tmp/log" 2>&1 &
  pgid=$!
  for _ in $(seq 100); do
    ss -Hltn "sport = :$port" | grep -q . && return 0
    sleep 0.05
  done
  cat "$tmp/log" >&2
  return 1
}
serve
base=$(loop)
stop
serve --seed 1 --reads whole --writes whole
off=$(loop)
stop
serve --seed 1 --reads fixed:1 --trace "$tmp/trace"
one=$(loop)
stop
calls=$(grep -c ' in ' "$tmp/trace" || true)
echo "bench_exec: redis PING loop, $n requests, one connection"
echo "  without the shim:             $base req/s"
echo "  shim loaded, shaping off:     $off req/s  (ratio $(awk -v a="$off" -v b="$base" 'BEGIN{printf "%.2f", a/b}'), goal >= 0.85)"
echo "  reads fixed:1 (traced):       $one req/s, $calls shaped reads ($(awk -v c="$calls" -v r="$one" -v n="$n" 'BEGIN{printf "%.0f", c*r/n}') calls/s)"
