#!/bin/bash
# Signals stop `wirerig run` cleanly (issue #17, item 3): SIGINT or SIGTERM
# to the parent, with and without --jobs, kills every target's process
# group and every worker, writes the reports marked interrupted, and exits
# 130 / 143. Nothing survives: every target pid is checked.
#
#   tests/faults/signals.sh WIRERIG KVSERVER
set -u
wirerig=${1:?usage: signals.sh WIRERIG KVSERVER}
export WIRERIG_KVSERVER=${2:?}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d /tmp/wirerig-faults-sig.XXXXXX)
export WR_FAULT_PIDS=$tmp/pids
mkdir -p "$WR_FAULT_PIDS"
trap 'rm -rf "$tmp"' EXIT
fails=0 passes=0
ok() { passes=$((passes + 1)); echo "ok - $*"; }
bad() { fails=$((fails + 1)); echo "FAIL - $*"; }

# case NAME SIGNAL WANT_RC NTARGETS ARGS...
one() {
  local name=$1 sig=$2 want=$3 ntargets=$4
  shift 4
  rm -f "$WR_FAULT_PIDS"/* "$tmp/j.xml"
  echo stale >"$tmp/j.xml"
  "$wirerig" run "$@" --junit "$tmp/j.xml" >"$tmp/out" 2>"$tmp/err" &
  local pid=$!
  # Wait until every target is up (at most 20 s).
  for _ in $(seq 200); do
    [ "$(ls "$WR_FAULT_PIDS" | wc -l)" -ge "$ntargets" ] && break
    sleep 0.1
  done
  sleep 0.3
  kill -"$sig" "$pid"
  local waited=0
  while kill -0 "$pid" 2>/dev/null && [ $waited -lt 100 ]; do
    sleep 0.1
    waited=$((waited + 1))
  done
  if kill -0 "$pid" 2>/dev/null; then
    bad "$name: wirerig still running 10 s after SIG$sig"
    kill -KILL "$pid"
  fi
  wait "$pid"
  local rc=$?
  [ "$rc" -eq "$want" ] && ok "$name: exit $rc" ||
    { bad "$name: exit $rc, expected $want"; sed 's/^/    | /' "$tmp/out" "$tmp/err" | head; }
  local alive=0
  for f in "$WR_FAULT_PIDS"/*; do
    [ -f "$f" ] || continue
    p=$(cat "$f")
    sleep 0.2
    # A zombie (exited, waiting for its reaper) holds no port: dead.
    st=$(ps -o stat= -p "$p" 2>/dev/null | tr -d ' ')
    if [ -n "$st" ] && [ "${st#Z}" = "$st" ]; then
      echo "    # survivor $p: $(ps -o pid=,stat=,args= -p "$p")"
      alive=$((alive + 1))
      kill -KILL "$p"
    fi
  done
  [ "$(ls "$WR_FAULT_PIDS" | wc -l)" -ge "$ntargets" ] ||
    bad "$name: only $(ls "$WR_FAULT_PIDS" | wc -l) targets started"
  [ "$alive" -eq 0 ] && ok "$name: no target survives" ||
    bad "$name: $alive targets survived"
  grep -q 'name="interrupted"' "$tmp/j.xml" 2>/dev/null &&
    ok "$name: JUnit written, marked interrupted" ||
    bad "$name: JUnit not marked interrupted: $(head -c 200 "$tmp/j.xml")"
  grep -q INTERRUPTED "$tmp/out" && ok "$name: summary says interrupted" ||
    bad "$name: summary does not say interrupted"
  # No worker left either: none of wirerig's children outlive it.
  if pgrep -P "$pid" >/dev/null 2>&1; then bad "$name: a worker survived"; fi
}

one "SIGINT, one file" INT 130 1 "$here/signal/stall-a.scn"
one "SIGTERM, one file" TERM 143 1 "$here/signal/stall-a.scn"
one "SIGTERM, --jobs 2" TERM 143 2 --jobs 2 "$here/signal/stall-a.scn" \
  "$here/signal/stall-b.scn"
one "SIGINT, --jobs 2" INT 130 2 --jobs 2 "$here/signal/stall-a.scn" \
  "$here/signal/stall-b.scn"

echo "# $passes passed, $fails failed"
[ "$fails" -eq 0 ]
