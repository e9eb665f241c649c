#!/usr/bin/env bash
# `wirerig run --pcap DIR`: a failing simnet run is written as a capture,
# named in the report; with --pcap-all every simnet run is, each with its
# last FIN; tshark reads every file cleanly. Bad flags are refused.
# usage: run_pcap.sh WIRERIG DIR
set -u
W=$1 D=$2
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fails=0
bad() { echo "FAIL - $*"; fails=$((fails + 1)); }
ok() { echo "ok - $*"; }
command -v tshark >/dev/null || { echo "FAIL - tshark is not installed (scripts/install-deps.sh)"; exit 1; }

timeout 120 "$W" run "$D/fails.scn" --transport sim --no-shrink --pcap "$T/out" >"$T/fail.log" 2>&1
rc=$?
[ $rc -eq 1 ] && ok "a failing file exits 1" || bad "a failing file exited $rc"
f=$(sed -n 's/^  pcap: \([^ ]*\).*/\1/p' "$T/fail.log" | head -1)
if [ -n "$f" ] && [ -s "$f" ]; then ok "the report names the capture: $f"; else
  bad "no capture named in the report"; sed 's/^/    /' "$T/fail.log"; fi
if [ -n "$f" ]; then
  n=$(tshark -r "$f" -Y 'tcp.len > 0' 2>&1 >"$T/ts.out" | grep -v "Running as user" >"$T/ts.err"; wc -l <"$T/ts.out")
  [ -s "$T/ts.err" ] && bad "tshark complained: $(cat "$T/ts.err")"
  [ "$n" -ge 1 ] && ok "tshark reads its data segment ($n)" || bad "no data segment in $f"
fi

timeout 120 "$W" run "$D/closes.scn" --pcap "$T/all" --pcap-all >"$T/all.log" 2>&1
rc=$?
[ $rc -eq 0 ] && ok "a passing file with --pcap-all exits 0" || { bad "exited $rc"; cat "$T/all.log"; }
count=$(ls "$T/all" 2>/dev/null | grep -c '\.pcap$')
[ "$count" -ge 2 ] && ok "--pcap-all wrote one capture per simnet run ($count)" || bad "--pcap-all wrote $count captures"
for p in "$T"/all/*.pcap; do
  [ -f "$p" ] || continue
  fins=$(tshark -r "$p" -Y 'tcp.flags.fin == 1' 2>/dev/null | wc -l)
  if [ "$fins" -lt 1 ]; then bad "$(basename "$p") has no FIN"; break; fi
done
[ "$fails" -eq 0 ] && ok "every capture holds the client's FIN"

"$W" run "$D/closes.scn" --pcap-all >"$T/e.log" 2>&1
[ $? -eq 2 ] && grep -q -- "--pcap-all needs --pcap DIR" "$T/e.log" && ok "--pcap-all alone is refused" || bad "--pcap-all alone: $(cat "$T/e.log")"
touch "$T/file"
"$W" run "$D/closes.scn" --pcap "$T/file" >"$T/e.log" 2>&1
[ $? -eq 2 ] && grep -q "not a directory" "$T/e.log" && ok "--pcap FILE is refused" || bad "--pcap FILE: $(cat "$T/e.log")"

echo "$fails failed"
[ "$fails" -eq 0 ]
