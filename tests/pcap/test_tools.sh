#!/usr/bin/env bash
# Captures made by real tools, read back by `wirerig pcap`, every stream
# compared byte for byte with the traffic that was sent:
#   tcpdump on lo (Ethernet) and on any (Linux cooked v2), IPv4 and IPv6;
#   dumpcap (pcapng); editcap to nanosecond pcap, to pcapng, cut by a
#   snaplen and with a segment deleted; mergecap of two link types (must be
#   refused with a clear error); text2pcap from a hex dump.
# Needs root for capturing. A missing tool fails the test: it never skips.
#
# usage: test_tools.sh WIRERIG TRAFFIC
set -u
WIRERIG=$1
TRAFFIC=$2
T=$(mktemp -d /tmp/wirerig-pcap-tools.XXXXXX)
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
check() { # check NAME COMMAND...: passes when the command exits 0
  local name=$1
  shift
  if "$@" >"$T/out" 2>&1; then ok "$name"; else
    bad "$name"
    sed 's/^/    /' "$T/out" | head -20
  fi
}

for tool in tcpdump dumpcap editcap mergecap text2pcap; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL - $tool is not installed (scripts/install-deps.sh installs it)"
    exit 1
  fi
done
if [ "$(id -u)" -ne 0 ]; then
  echo "FAIL - capturing on loopback needs root"
  exit 1
fi

# A port unlikely to be busy, different per run, and below the kernel's
# ephemeral range: there, another test's connection (ctest runs tests in
# parallel) could take the same port as its local end, and the capture
# filter would catch its flows too.
low=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
[ "$low" -gt 11000 ] 2>/dev/null || low=32768
PORT=$((10000 + $$ % (low - 10004)))

# capture IFACE FILE PORT CMD...: runs CMD while a capture of IFACE runs.
# A capture the kernel dropped packets from says nothing about wirerig (a
# loaded machine: ctest runs tests in parallel), so it is made again, up
# to three times in all; CMD must be repeatable.
capture() {
  local try
  for try in 1 2 3; do
    capture_once "$@"
    local rc=$?
    [ $rc -ne 75 ] && return $rc
    echo "capture dropped packets (attempt $try of 3):"
    cat "$2.log"
  done
  return 1
}

# capture_once IFACE FILE PORT CMD...: one capture; 75 when it dropped
# packets, else CMD's status.
capture_once() {
  local iface=$1 file=$2 port=$3
  shift 3
  local tool=tcpdump
  [[ $file == *.pcapng ]] && tool=dumpcap
  if [ $tool = tcpdump ]; then
    # --immediate-mode: without it the last block of the kernel's ring is
    # only handed over after a timeout, and a capture stopped before then
    # silently misses the end of the traffic.
    tcpdump -i "$iface" -s 0 -B 65536 -U --immediate-mode -w "$file" \
      "tcp port $port" \
      2>"$file.log" &
  else
    dumpcap -i "$iface" -s 0 -B 64 -w "$file" -f "tcp port $port" \
      >"$file.log" 2>&1 &
  fi
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 100); do # up to 10 s for the capture to start
    grep -qsiE "listening on|capturing on" "$file.log" && break
    sleep 0.1
  done
  sleep 1 # dumpcap says "Capturing on" a moment before it does
  "$@"
  local rc=$?
  sleep 2 # dumpcap delivers what the kernel buffered after up to a second
  kill -INT "$pid"
  wait "$pid" 2>/dev/null
  if grep -qE "[1-9][0-9]* packets dropped by kernel" "$file.log"; then
    return 75
  fi
  return $rc
}

traffic() { # traffic ADDR PORT FLOWS EXPECT
  "$TRAFFIC" run --addr "$1" --port "$2" --flows "$3" --concurrency 6 \
    --max 200000 --seed 7 --expect "$4"
}

extract_and_verify() { # FILE EXPECT
  rm -rf "$T/x"
  "$WIRERIG" pcap extract "$1" --out "$T/x" &&
    "$TRAFFIC" verify-manifest "$T/x" "$2" 7
}

# --- tcpdump on lo, IPv4 and IPv6 -------------------------------------------
check "tcpdump -i lo capture (IPv4)" \
  capture lo "$T/lo4.pcap" $PORT traffic 127.0.0.1 $PORT 40 "$T/lo4.exp"
check "extract lo IPv4 byte-exact" extract_and_verify "$T/lo4.pcap" "$T/lo4.exp"
check "tcpdump -i lo capture (IPv6)" \
  capture lo "$T/lo6.pcap" $((PORT + 1)) traffic ::1 $((PORT + 1)) 15 "$T/lo6.exp"
check "extract lo IPv6 byte-exact" extract_and_verify "$T/lo6.pcap" "$T/lo6.exp"

flows_all_ok() { # FILE COUNT: COUNT lines, none with anomalies
  "$WIRERIG" pcap flows "$1" >"$T/flows" || return 1
  [ "$(grep -c '^flow ' "$T/flows")" -eq "$2" ] || { cat "$T/flows"; return 1; }
  if grep -v ' ok$' "$T/flows"; then return 1; fi
}
check "flows: 40 flows, no anomalies" flows_all_ok "$T/lo4.pcap" 40

# --- tcpdump on any: Linux cooked v2 ---------------------------------------------
check "tcpdump -i any capture" \
  capture any "$T/any.pcap" $((PORT + 2)) traffic 127.0.0.1 $((PORT + 2)) 20 "$T/any.exp"
check "any is LINUX_SLL2" sh -c "tcpdump -r '$T/any.pcap' -c 1 2>&1 | grep -q LINUX_SLL2"
check "extract SLL2 byte-exact" extract_and_verify "$T/any.pcap" "$T/any.exp"

# --- dumpcap: pcapng -------------------------------------------------------------
check "dumpcap capture (pcapng)" \
  capture lo "$T/dump.pcapng" $((PORT + 3)) traffic 127.0.0.1 $((PORT + 3)) 20 "$T/dump.exp"
check "extract pcapng byte-exact" extract_and_verify "$T/dump.pcapng" "$T/dump.exp"

# --- editcap ------------------------------------------------------------------------
check "editcap to nanosecond pcap" editcap -F nsecpcap "$T/lo4.pcap" "$T/ns.pcap"
check "extract nanosecond pcap byte-exact" extract_and_verify "$T/ns.pcap" "$T/lo4.exp"
check "editcap to pcapng" editcap -F pcapng "$T/lo4.pcap" "$T/ng.pcapng"
check "extract converted pcapng byte-exact" extract_and_verify "$T/ng.pcapng" "$T/lo4.exp"

# Cut to 200 bytes a frame: every large segment loses its tail. The bytes
# kept must be exactly the stream less the reported (truncated) gaps.
check "editcap -s 200" editcap -s 200 "$T/lo4.pcap" "$T/snap.pcap"
check "snaplen: captured bytes exact, gaps reported" \
  extract_and_verify "$T/snap.pcap" "$T/lo4.exp"
snap_reported() {
  grep -q '"reason":"truncated"' "$T/x/manifest.json" &&
    "$WIRERIG" pcap flows "$T/snap.pcap" | grep -q "cut by the snaplen"
}
check "snaplen: truncation in manifest and flows" snap_reported

# Delete one data-carrying record: a gap, reported, never filled.
delete_one() {
  local n
  n=$(tcpdump -r "$T/lo4.pcap" -n 2>/dev/null | grep -n 'length [1-9]' |
    sed -n '20p' | cut -d: -f1)
  [ -n "$n" ] && editcap "$T/lo4.pcap" "$T/gap.pcap" "$n"
}
check "editcap: delete a data segment" delete_one
check "deleted segment: rest exact, gap reported" \
  extract_and_verify "$T/gap.pcap" "$T/lo4.exp"
check "deleted segment: one missing gap" \
  sh -c "grep -o '\"reason\":\"missing\"' '$T/x/manifest.json' | wc -l | grep -qx 1"

# --- mergecap: two link types in one pcapng --------------------------------------------
check "mergecap Ethernet + SLL2" mergecap -w "$T/mixed.pcapng" "$T/lo4.pcap" "$T/any.pcap"
# Each packet is read with its own interface's link type (issue #15): the
# 40 flows on lo and the 20 on any, all whole. With a BPF filter (compiled
# for one link type) libpcap still reads it, and still refuses it.
check "mixed link types: every flow of both interfaces" \
  flows_all_ok "$T/mixed.pcapng" 60
mixed_filter_refused() {
  if "$WIRERIG" pcap flows "$T/mixed.pcapng" --filter tcp >"$T/m.out" 2>"$T/m.err"; then
    echo "a filter over two link types was accepted"
    return 1
  fi
  cat "$T/m.err"
  grep -q "$T/mixed.pcapng: record [0-9]*: interfaces with different link types" "$T/m.err"
}
check "mixed link types with --filter: clear error naming file and record" \
  mixed_filter_refused

# --- text2pcap ------------------------------------------------------------------------------
t2p() {
  printf '0000 68 65 6c 6c 6f 20\n' >"$T/t.hex"
  printf '0000 77 6f 72 6c 64\n' >>"$T/t.hex"
  text2pcap -T 40000,80 -4 10.0.0.1,10.0.0.2 "$T/t.hex" "$T/t.pcap" &&
    rm -rf "$T/x" && "$WIRERIG" pcap extract "$T/t.pcap" --out "$T/x" &&
    [ "$(cat "$T/x/flow1-c2s.bin")" = "hello world" ]
}
check "text2pcap stream" t2p

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
