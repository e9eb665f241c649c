#!/usr/bin/env bash
# Generated scenarios run (issue #15, item 1): real traffic between a real
# client and a real server (tests/defects/echo_server.py for raw, 2, 4 and
# line; Python's http.server and curl for http) is captured with tcpdump
# on lo, turned into a scenario with `wirerig pcap to-scenario --packet
# TYPE`, and that file is run against the same live server: it must pass.
# (It used to frame every {packet,N} send twice.) Needs root and tcpdump;
# it FAILS, never skips, when it cannot capture. Every process it starts
# is killed on exit; everything is on 127.0.0.1.
#
# usage: roundtrip.sh WIRERIG SRCDIR
set -u
WIRERIG=$1
SRC=$2
T=$(mktemp -d /tmp/wirerig-roundtrip.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
  [ -n "${WIRERIG_KEEP_TMP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); echo "ok - $*"; }
bad() { fails=$((fails + 1)); echo "FAIL - $*"; }

for tool in tcpdump python3 curl; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL - $tool is not installed (scripts/install-deps.sh installs it)"
    exit 1
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "FAIL - capturing on loopback needs root"
  exit 1
fi

wait_file() {
  for _ in $(seq 200); do
    [ -s "$1" ] && return 0
    sleep 0.05
  done
  return 1
}

# capture NAME PORT COMMAND...: runs the client command while tcpdump
# records port PORT on lo into $T/NAME.pcap.
capture() {
  local name=$1 port=$2
  shift 2
  tcpdump -i lo -s 0 -B 4096 -U --immediate-mode -w "$T/$name.pcap" \
    "tcp port $port" 2>"$T/$name.tcpdump.log" &
  local td=$!
  PIDS+=("$td")
  for _ in $(seq 100); do
    grep -qs "listening on" "$T/$name.tcpdump.log" && break
    sleep 0.1
  done
  if ! grep -qs "listening on" "$T/$name.tcpdump.log"; then
    bad "$name: tcpdump could not capture on lo: $(cat "$T/$name.tcpdump.log")"
    return 1
  fi
  sleep 0.3
  timeout 30 "$@" >"$T/$name.client.log" 2>&1 ||
    bad "$name: the client's conversation: $(cat "$T/$name.client.log")"
  sleep 0.5
  kill -INT "$td"
  wait "$td" 2>/dev/null
  if [ ! -s "$T/$name.pcap" ]; then
    bad "$name: tcpdump wrote no capture"
    return 1
  fi
}

# roundtrip NAME PACKET PORT: to-scenario, then run the file against the
# live server that is still listening on PORT.
roundtrip() {
  local name=$1 packet=$2
  if ! timeout 60 "$WIRERIG" pcap to-scenario "$T/$name.pcap" \
    --packet "$packet" --out "$T/$name.scn" >"$T/$name.gen.log" 2>&1; then
    bad "$name: to-scenario --packet $packet: $(cat "$T/$name.gen.log")"
    return
  fi
  if timeout 120 "$WIRERIG" run "$T/$name.scn" --no-shrink \
    >"$T/$name.run.log" 2>&1; then
    ok "$name: the generated scenario (--packet $packet) passes against the live server"
  else
    bad "$name: the generated scenario (--packet $packet) fails against the live server"
    sed 's/^/    /' "$T/$name.run.log" | head -30
    sed 's/^/    | /' "$T/$name.scn" | head -40
  fi
}

for mode in raw 2 4 line; do
  python3 "$SRC/echo_server.py" serve "$mode" "$T/$mode.port" &
  PIDS+=("$!")
  if ! wait_file "$T/$mode.port"; then
    bad "$mode: the echo server did not start"
    continue
  fi
  port=$(cat "$T/$mode.port")
  capture "$mode" "$port" python3 "$SRC/echo_server.py" client "$mode" \
    "$port" && roundtrip "$mode" "$mode"
done

# http: Python's own server, curl as the client. Its Date header changes
# from one second to the next; to-scenario writes it as `recv -> any`.
mkdir -p "$T/www"
printf 'hello from http.server\n' >"$T/www/hello.txt"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
python3 -m http.server --bind 127.0.0.1 --directory "$T/www" "$port" \
  >"$T/http.server.log" 2>&1 &
PIDS+=("$!")
for _ in $(seq 100); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.1
done
sleep 1.1 # the capture's Date differs from the run's
capture http "$port" curl -sS -o "$T/http.body" "http://127.0.0.1:$port/hello.txt" &&
  roundtrip http http

echo "# $passes passed, $fails failed"
[ "$fails" -eq 0 ] && [ "$passes" -eq 5 ]
