#!/usr/bin/env bash
# The calls the shim interposes besides the common ones (dup and its
# kin, recvmmsg/sendmmsg, epoll_pwait2), checked by a small C program
# (shimcalls.c) that runs under `wirerig exec --reads fixed:1 --writes
# fixed:2`. Each mode must pass under the shim and FAIL without it (the
# program's checks see the cuts), and the trace must show the copies.
#   shimcalls.sh WIRERIG SHIMCALLS
set -uo pipefail
wirerig=$1 prog=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
for mode in dup mmsg pwait2; do
  timeout 60 "$wirerig" exec --seed 1 --reads fixed:1 --writes fixed:2 \
    --trace "$tmp/$mode.trace" -- "$prog" "$mode" >"$tmp/out" 2>&1
  rc=$?
  if [ $rc -eq 77 ]; then
    echo "shimcalls: $mode skipped (no such call in this libc)"
    continue
  fi
  [ $rc -eq 0 ] || { echo "shimcalls: $mode failed under the shim ($rc):" >&2; cat "$tmp/out" >&2; bad=1; }
  # Without the shim the same checks must fail: they can.
  timeout 60 "$prog" "$mode" >"$tmp/out" 2>&1 &&
    { echo "shimcalls: $mode passed without the shim: it checks nothing" >&2; bad=1; }
done
trace=$tmp/dup.trace
grep -q ' dup$' "$trace" || { echo "shimcalls: no dup in the trace" >&2; bad=1; }
grep -q 'close (a copy of its descriptor stays open)' "$trace" ||
  { echo "shimcalls: closing the original ended the connection" >&2; bad=1; }
grep -q 'in recvmmsg ask=8 got=1' "$tmp/mmsg.trace" ||
  { echo "shimcalls: no shaped recvmmsg in the trace" >&2; bad=1; }
grep -q 'out sendmmsg ask=4 got=2' "$tmp/mmsg.trace" ||
  { echo "shimcalls: no shaped sendmmsg in the trace" >&2; bad=1; }
[ $bad -eq 0 ] && echo "shimcalls: dup, recvmmsg/sendmmsg and epoll_pwait2 are shaped"
exit $bad
