#!/usr/bin/env bash
# A pcapng file whose interfaces have different link types (issue #15,
# item 6; dumpcap on lo and an Ethernet interface at once): each packet is
# read with its own interface's link type and time resolution, as tshark
# reads it. It used to be refused at the first packet of the second type.
#
# usage: pcapng_mixed.sh WIRERIG SRCDIR
set -u
WIRERIG=$1
SRC=$2
T=$(mktemp -d /tmp/wirerig-pcapng.XXXXXX)
trap '[ -n "${WIRERIG_KEEP_TMP:-}" ] || rm -rf "$T"' EXIT
fails=0
check() { # NAME PATTERN FILE
  if grep -qE -- "$2" "$3"; then echo "ok - $1"; else
    fails=$((fails + 1))
    echo "FAIL - $1: /$2/ not in:"
    sed 's/^/    | /' "$3"
  fi
}
python3 "$SRC/mixed_pcapng.py" "$T/mixed.pcapng" || { echo "FAIL - crafting"; exit 1; }
if command -v tshark >/dev/null; then
  tshark -r "$T/mixed.pcapng" >"$T/tshark" 2>&1
  check "tshark reads both interfaces (the file is well formed)" \
    "9 .*FIN, ACK|5555 → 40000 \[PSH, ACK\].*Len=16" "$T/tshark"
fi
timeout 60 "$WIRERIG" pcap flows "$T/mixed.pcapng" >"$T/flows" 2>&1
echo "exit $?" >>"$T/flows"
check "both directions, from both interfaces" \
  "c2s 14 bytes 6 packets s2c 16 bytes 3 packets" "$T/flows"
check "times in each interface's resolution" \
  "start 1700000000\.000000000 end 1700000000\.008000000 ok" "$T/flows"
check "exit 0" "^exit 0$" "$T/flows"
timeout 60 "$WIRERIG" pcap to-scenario "$T/mixed.pcapng" >"$T/scn" 2>&1
check "to-scenario: the Ethernet side's sends" 'client send "wirerig"' "$T/scn"
check "to-scenario: the raw-IP side's answer" \
  'client recv 16 -> "mixed link types"' "$T/scn"
echo "# $fails failed"
[ "$fails" -eq 0 ]
