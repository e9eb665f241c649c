#!/usr/bin/env bash
# `wirerig replay` and `wirerig pcap to-scenario` against a live server:
# a conversation with a small HTTP-like server (tests/pcap/replay_server.c)
# is captured with tcpdump on lo, then replayed at every timing, re-cut by
# a policy, against a server that answers differently, to a closed port,
# with bad flags and with a gap; and turned into scenarios that `wirerig
# check` must accept. Needs root (tcpdump) and editcap; it fails, never
# skips, without them. Every wirerig run is bounded by `timeout`.
#
# usage: test_replay.sh WIRERIG REPLAY_SERVER
set -u
WIRERIG=$1
SERVER=$2
T=$(mktemp -d /tmp/wirerig-replay.XXXXXX)
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
  [ -n "${WIRERIG_KEEP_TMP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); echo "ok - $*"; }
bad() { fails=$((fails + 1)); echo "FAIL - $*"; }

# expect NAME RC PATTERN COMMAND...: the command exits with RC and its
# output (stdout and stderr) matches the extended regex PATTERN (if any).
expect() {
  local name=$1 want=$2 pattern=$3
  shift 3
  timeout 60 "$@" >"$T/out" 2>&1
  local rc=$?
  if [ "$rc" -eq "$want" ] &&
    { [ -z "$pattern" ] || grep -qE -- "$pattern" "$T/out"; }; then
    ok "$name"
  else
    bad "$name (exit $rc, wanted $want and /$pattern/)"
    sed 's/^/    /' "$T/out" | head -30
  fi
}

for tool in tcpdump editcap tshark; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL - $tool is not installed (scripts/install-deps.sh installs it)"
    exit 1
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "FAIL - capturing on loopback needs root"
  exit 1
fi

# start_server MODE NAME: starts a server, sets ${NAME}_PORT.
start_server() {
  rm -f "$T/$2.port"
  "$SERVER" serve "$1" "$T/$2.port" &
  PIDS+=("$!")
  for _ in $(seq 100); do
    [ -s "$T/$2.port" ] && break
    sleep 0.05
  done
  printf -v "${2}_PORT" '%s' "$(cat "$T/$2.port")"
}

start_server ok good
start_server differ other
echo "# servers on ports $good_PORT (ok) and $other_PORT (differ)"

# --- the capture ----------------------------------------------------------
# capture FILE PORT CONVERSATIONS: records on lo what the client says to
# the server on PORT, CONVERSATIONS times, into $T/FILE.
capture() {
  local file=$1 port=$2 times=$3
  tcpdump -i lo -s 0 -B 4096 -U --immediate-mode -w "$T/$file" \
    "tcp port $port" 2>"$T/$file.log" &
  local dump=$!
  PIDS+=("$dump")
  for _ in $(seq 100); do
    grep -qs "listening on" "$T/$file.log" && break
    sleep 0.1
  done
  sleep 0.5
  for _ in $(seq "$times"); do
    timeout 30 "$SERVER" client "$port" || bad "a conversation for $file"
  done
  sleep 1
  kill -INT "$dump"
  wait "$dump" 2>/dev/null
}
capture conv.pcap "$good_PORT" 1
expect "the capture holds the conversation" 0 \
  "c2s 167 bytes .* s2c 158 bytes .* ok$" "$WIRERIG" pcap flows "$T/conv.pcap"

# --- replays that match -----------------------------------------------------
TO=127.0.0.1:$good_PORT
expect "replay --timing fast matches" 0 "^match: .*\(158 bytes\)" \
  "$WIRERIG" replay "$T/conv.pcap" --to "$TO" --timing fast
expect "replay --timing original matches, reports timing" 0 \
  "timing \(original\): median error [0-9]+ us.* over 5 gaps" \
  "$WIRERIG" replay "$T/conv.pcap" --to "$TO" --timing original
expect "replay --timing scale=0.1 matches" 0 \
  "timing \(scale=0.1\): median error [0-9]+ us" \
  "$WIRERIG" replay "$T/conv.pcap" --to "$TO" --timing scale=0.1
expect "replay --packet http names the packets" 0 \
  "packet 5 matches \(17 bytes\): \{http_response,\{1,1\},200,\"OK\"\}" \
  "$WIRERIG" replay "$T/conv.pcap" --to "$TO" --timing fast --packet http
expect "replay --cut fixed:3 matches" 0 "re-cut by the policy" \
  "$WIRERIG" replay "$T/conv.pcap" --to "$TO" --cut fixed:3 --seed 9 \
  --packet http
expect "replay --cut random with latency matches" 0 "^match:" \
  "$WIRERIG" replay "$T/conv.pcap" --to "$TO" --cut "random:1-10 latency:1ms" \
  --seed 3
expect "replay --json" 0 \
  "^\{\"flow\":1,.*\"match\":true,\"first_difference\":null," \
  "$WIRERIG" replay "$T/conv.pcap" --to "$TO" --timing fast --json
expect "replay to localhost:PORT" 0 "^match:" \
  "$WIRERIG" replay "$T/conv.pcap" --to "localhost:$good_PORT" --timing fast

# --- a server that answers differently -------------------------------------
OTHER=127.0.0.1:$other_PORT
expect "a differing server: exit 1, packet 5 named" 1 \
  "packet 5 differs: captured \{http_response,\{1,1\},200,\"OK\"\}, live \{http_response,\{1,1\},404,\"Not Found\"\}" \
  "$WIRERIG" replay "$T/conv.pcap" --to "$OTHER" --timing scale=0.1 \
  --packet http
expect "a differing server: exit 1, byte named" 1 \
  "^differ: .* at byte 61" \
  "$WIRERIG" replay "$T/conv.pcap" --to "$OTHER" --timing fast

# --- bad input ----------------------------------------------------------------
# A port nobody listens on: the differ server's port once it is stopped.
start_server ok closed
kill "${PIDS[-1]}"
wait "${PIDS[-1]}" 2>/dev/null
expect "connection refused: exit 2" 2 \
  "cannot connect to 127.0.0.1:$closed_PORT: connection refused" \
  "$WIRERIG" replay "$T/conv.pcap" --to "127.0.0.1:$closed_PORT"
expect "non-loopback --to without --allow-remote: exit 2" 2 \
  "not a loopback address .* needs --allow-remote" \
  "$WIRERIG" replay "$T/conv.pcap" --to 192.0.2.1:80
expect "bad --timing: exit 2" 2 "scale=X needs a decimal number X > 0" \
  "$WIRERIG" replay "$T/conv.pcap" --to "$TO" --timing scale=0
expect "bad --timing word: exit 2" 2 "expected original, fast or scale=X" \
  "$WIRERIG" replay "$T/conv.pcap" --to "$TO" --timing slow
expect "unknown flag: exit 2" 2 "unknown option '--bogus'" \
  "$WIRERIG" replay "$T/conv.pcap" --to "$TO" --bogus
expect "missing --to: exit 2" 2 "--to HOST:PORT is required" \
  "$WIRERIG" replay "$T/conv.pcap"
expect "bad --cut policy: exit 2" 2 "--cut: policy item 1" \
  "$WIRERIG" replay "$T/conv.pcap" --to "$TO" --cut fixed:0
expect "--cut with --timing original: exit 2" 2 "use --timing fast" \
  "$WIRERIG" replay "$T/conv.pcap" --to "$TO" --cut fixed:3 --timing original
expect "--flow that does not exist: exit 2" 2 "no flow number 7" \
  "$WIRERIG" replay "$T/conv.pcap" --to "$TO" --flow 7
expect "missing capture: exit 2" 2 "nothing.pcap: No such file" \
  "$WIRERIG" replay "$T/nothing.pcap" --to "$TO"
expect "bad --packet: exit 2" 2 "unknown packet type 'htp'" \
  "$WIRERIG" replay "$T/conv.pcap" --to "$TO" --packet htp

# --- a gap in the client side -----------------------------------------------
# Delete the second client segment that carries data.
frame=$(tshark -r "$T/conv.pcap" -Y "tcp.len > 0 && tcp.dstport == $good_PORT" \
  -T fields -e frame.number 2>/dev/null | sed -n 2p)
editcap "$T/conv.pcap" "$T/gap.pcap" "$frame" >/dev/null 2>&1
expect "a client gap is refused: exit 2" 2 \
  "the client side has a gap of [0-9]+ bytes .*--skip-gaps" \
  "$WIRERIG" replay "$T/gap.pcap" --to "$TO" --timing fast
timeout 60 "$WIRERIG" replay "$T/gap.pcap" --to "$TO" --timing fast \
  --timeout 2 --skip-gaps >"$T/out" 2>&1
rc=$?
if [ $rc -ne 2 ] && grep -q "warning: .*gap of" "$T/out" &&
  grep -qE "^sent [0-9]+ bytes" "$T/out"; then
  ok "--skip-gaps sends what exists and warns (exit $rc)"
else
  bad "--skip-gaps (exit $rc)"
  sed 's/^/    /' "$T/out" | head -20
fi

# --- two flows: --flow is needed -------------------------------------------
# Two conversations captured together.
capture two.pcap "$good_PORT" 2
expect "two flows without --flow: exit 2, flows listed" 2 \
  "holds 2 flows; choose one with --flow N" \
  "$WIRERIG" replay "$T/two.pcap" --to "$TO"
expect "two flows with --flow 2 matches" 0 "^match:" \
  "$WIRERIG" replay "$T/two.pcap" --to "$TO" --flow 2 --timing fast

# --- volatile fields: patterns ------------------------------------------
# A conversation with a server whose answers carry a Date and an
# X-Request-Id that change, replayed to another such server: the bytes
# differ, the patterns let exactly those fields differ.
start_server dated dated1
start_server dated dated2
capture dated.pcap "$dated1_PORT" 1
DATED=127.0.0.1:$dated2_PORT
expect "volatile headers: the bytes differ (exit 1)" 1 "^differ: " \
  "$WIRERIG" replay "$T/dated.pcap" --to "$DATED" --timing fast
expect "volatile headers: packet 2 (Date) differs without patterns" 1 \
  "packet 2 differs: captured \{http_header,3,'Date',\"Date\",\"[0-9.]+\"\}" \
  "$WIRERIG" replay "$T/dated.pcap" --to "$DATED" --timing fast --packet http
expect "--ignore-header Date alone: X-Request-Id still differs" 1 \
  "packet 3 differs: captured \{http_header,0,\"X-Request-Id\"" \
  "$WIRERIG" replay "$T/dated.pcap" --to "$DATED" --timing fast --packet http \
  --ignore-header Date
expect "--ignore-header date,x-request-id: match (6 packets by pattern)" 0 \
  "^match: .* but for 6 packets the patterns let differ" \
  "$WIRERIG" replay "$T/dated.pcap" --to "$DATED" --timing fast --packet http \
  --ignore-header date,x-request-id
expect "--ignore-header: the matching line names both values" 0 \
  "packet 2 matches by pattern: captured \{http_header,3,'Date'.*, live \{http_header,3,'Date'" \
  "$WIRERIG" replay "$T/dated.pcap" --to "$DATED" --timing fast --packet http \
  --ignore-header Date,X-Request-Id
expect "--ignore-packet by number: match" 0 "^match: .* but for 6 packets" \
  "$WIRERIG" replay "$T/dated.pcap" --to "$DATED" --timing fast --packet http \
  --ignore-packet 2,3,8,9,14,15
expect "--ignore-packet misses one: exit 1, packet 15 named" 1 \
  "packet 15 differs" \
  "$WIRERIG" replay "$T/dated.pcap" --to "$DATED" --timing fast --packet http \
  --ignore-packet 2,3,8,9,14
expect "--json with patterns: match true, byte_match false" 0 \
  "\"match\":true,.*\"byte_match\":false.*\"matched_by_pattern\":6" \
  "$WIRERIG" replay "$T/dated.pcap" --to "$DATED" --timing fast --packet http \
  --ignore-header Date,X-Request-Id --json
expect "the same patterns on the same server's capture: byte match" 0 \
  "^match: the live answers equal the captured ones \(158 bytes\)" \
  "$WIRERIG" replay "$T/conv.pcap" --to "$TO" --timing fast --packet http \
  --ignore-header Date
expect "--ignore-header without --packet: exit 2" 2 \
  "--ignore-header and --ignore-packet need --packet TYPE" \
  "$WIRERIG" replay "$T/dated.pcap" --to "$DATED" --ignore-header Date
expect "--ignore-header with a non-http type: exit 2" 2 \
  "--ignore-header needs an http packet type .*not --packet line" \
  "$WIRERIG" replay "$T/dated.pcap" --to "$DATED" --packet line \
  --ignore-header Date
expect "--ignore-header with a bad name: exit 2" 2 \
  "'Da te' is not a header name" \
  "$WIRERIG" replay "$T/dated.pcap" --to "$DATED" --packet http \
  --ignore-header "Date,Da te"
expect "--ignore-header with an empty item: exit 2" 2 \
  "separated by single commas .*found 'Date,,X'" \
  "$WIRERIG" replay "$T/dated.pcap" --to "$DATED" --packet http \
  --ignore-header "Date,,X"
expect "--ignore-packet 0: exit 2" 2 \
  "expected packet numbers from 1 .*found '2,0'" \
  "$WIRERIG" replay "$T/dated.pcap" --to "$DATED" --packet http \
  --ignore-packet 2,0
expect "--ignore-packet junk: exit 2" 2 "found '3x'" \
  "$WIRERIG" replay "$T/dated.pcap" --to "$DATED" --packet http \
  --ignore-packet 3x
expect "--ignore-header given twice: exit 2" 2 "given more than once" \
  "$WIRERIG" replay "$T/dated.pcap" --to "$DATED" --packet http \
  --ignore-header Date --ignore-header X-Request-Id

# --- the reader reads classic pcap in place: same as through libpcap ------
# (a filter, or pcapng, sends every record through libpcap instead)
"$WIRERIG" pcap flows "$T/two.pcap" >"$T/direct.txt" 2>&1
"$WIRERIG" pcap flows "$T/two.pcap" --filter tcp >"$T/libpcap.txt" 2>&1
editcap -F pcapng "$T/two.pcap" "$T/two.pcapng" >/dev/null 2>&1
"$WIRERIG" pcap flows "$T/two.pcapng" >"$T/pcapng.txt" 2>&1
if [ -s "$T/direct.txt" ] && cmp -s "$T/direct.txt" "$T/libpcap.txt" &&
  cmp -s "$T/direct.txt" "$T/pcapng.txt"; then
  ok "in-place reading agrees with libpcap and pcapng"
else
  bad "in-place reading differs from libpcap"
  diff "$T/direct.txt" "$T/libpcap.txt" | head -10
fi
size=$(stat -c %s "$T/two.pcap")
head -c $((size - 7)) "$T/two.pcap" >"$T/cut.pcap"
"$WIRERIG" pcap flows "$T/cut.pcap" >"$T/cut-direct.txt" 2>&1
"$WIRERIG" pcap flows "$T/cut.pcap" --filter tcp >"$T/cut-libpcap.txt" 2>&1
# The complete records are kept (as tcpdump and tshark read them) and the
# cut is reported, the same in place and through libpcap.
if grep -q "ends inside record" "$T/cut-direct.txt" &&
  grep -q "^flow 2 " "$T/cut-direct.txt" &&
  cmp -s "$T/cut-direct.txt" "$T/cut-libpcap.txt"; then
  ok "a record cut short: the complete records kept, the cut reported"
else
  bad "a record cut short"
  cat "$T/cut-direct.txt" "$T/cut-libpcap.txt" | head -10
fi

# --- to-scenario ----------------------------------------------------------------
expect "to-scenario writes a scenario" 0 "" \
  "$WIRERIG" pcap to-scenario "$T/conv.pcap" --out "$T/raw.scn"
expect "to-scenario --packet http" 0 "" \
  "$WIRERIG" pcap to-scenario "$T/conv.pcap" --packet http --out "$T/http.scn"
expect "to-scenario --flow 2 --packet line" 0 "" \
  "$WIRERIG" pcap to-scenario "$T/two.pcap" --flow 2 --packet line \
  --out "$T/line.scn"
expect "to-scenario of a capture with a gap" 0 "" \
  "$WIRERIG" pcap to-scenario "$T/gap.pcap" --out "$T/gap.scn"
expect "the raw scenario expects the captured bytes" 0 \
  "client recv 52 -> \"HTTP/1.1 200 OK\\\\r\\\\n\"" cat "$T/raw.scn"
expect "the http scenario expects packets" 0 \
  "client recv -> http \{http_response,\{1,1\},200,\"OK\"\}" cat "$T/http.scn"
expect "the gap is noted" 0 "NOTE: the capture misses [0-9]+ bytes of the client" \
  cat "$T/gap.scn"
expect "wirerig check accepts every generated scenario" 0 \
  "4 files checked: all valid" \
  "$WIRERIG" check "$T/raw.scn" "$T/http.scn" "$T/line.scn" "$T/gap.scn"
expect "to-scenario of two flows needs --flow" 2 "holds 2 flows" \
  "$WIRERIG" pcap to-scenario "$T/two.pcap"

echo "# $passes passed, $fails failed"
[ "$fails" -eq 0 ]
