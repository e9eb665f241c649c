#!/usr/bin/env bash
# A target's output (issue #15, item 2): a server that logs hundreds of
# KiB on stdout and stderr, with and without ready=, runs to the end (it
# used to block on a full pipe and time out); its output never reaches
# wirerig's stdout, so `--tap` piped into prove passes; a failing run
# shows the tail of the target's output and keeps the file; a target that
# exits, or is killed, before it is ready says how. Every command is
# bounded by `timeout`; targets are stopped by wirerig and checked gone.
#
# usage: target_output.sh WIRERIG SRCDIR
set -u
WIRERIG=$1
SRC=$2
T=$(mktemp -d /tmp/wirerig-targetout.XXXXXX)
export TMPDIR=$T/tmp # where wirerig keeps the targets' logs
mkdir -p "$TMPDIR"
# wirerig stops the targets it starts; any left is a failure, and is then
# stopped here by its pid (found by this test's own temporary path).
leftovers() { pgrep -f "$T/noisy_server.py" 2>/dev/null; }
cleanup() {
  for p in $(leftovers); do kill "$p" 2>/dev/null; done
  [ -n "${WIRERIG_KEEP_TMP:-}" ] || rm -rf "$T"
}
trap cleanup EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); echo "ok - $*"; }
bad() { fails=$((fails + 1)); echo "FAIL - $*"; }
run() {
  local name=$1 want=$2
  shift 2
  timeout 120 "$@" >"$T/out" 2>"$T/err"
  local rc=$?
  if [ "$rc" -eq "$want" ]; then ok "$name: exit $rc"; else
    bad "$name: exit $rc, wanted $want"
    sed 's/^/    | /' "$T/out" "$T/err" | head -30
  fi
}
has() {
  if grep -qF -- "$3" "$2"; then ok "$1"; else
    bad "$1: '$3' not in $2"
    sed 's/^/    | /' "$2" | head -20
  fi
}
hasnt() {
  if grep -qF -- "$3" "$2"; then bad "$1: '$3' in $2"; else ok "$1"; fi
}

cp "$SRC/noisy_server.py" "$T/noisy_server.py"
mkdir -p "$T/suite"
scn() { # scn FILE READY-OPTION EXPECT
  cat >"$1" <<SCN
scenario "a server that logs heavily"
transports loopback
target srv start "python3 $T/noisy_server.py {port} $2" $3 timeout=20s
client connect srv packet=2 active=false
client send "one"
client recv -> "echo:one"
client send "two"
client recv -> "$4"
client close
SCN
}
scn "$T/suite/ready.scn" --ready 'ready="listening"' "echo:two"
scn "$T/suite/port.scn" "" "" "echo:two"
scn "$T/wrong.scn" --ready 'ready="listening"' "echo:three"

run "a heavily logging target, with and without ready=" 0 \
  "$WIRERIG" run "$T/suite" --tap
if grep -q noise "$T/out" "$T/err"; then
  bad "the target's output reached wirerig's stdout or stderr"
else
  ok "the target's output stays out of wirerig's output"
fi
if timeout 60 prove -e cat "$T/out" >"$T/prove" 2>&1; then
  ok "--tap with heavily logging targets passes prove"
else
  bad "prove rejects --tap"
  sed 's/^/    | /' "$T/prove" "$T/out" | head -20
fi
if [ -z "$(ls -A "$TMPDIR")" ]; then ok "passing runs leave no logs"; else
  bad "passing runs left logs: $(ls "$TMPDIR")"; fi

run "a failing run against a noisy target" 1 "$WIRERIG" run "$T/wrong.scn" \
  --no-shrink
has "the report shows the target's output" "$T/out" "target output ($TMPDIR/wirerig-target-srv-"
has "... its last lines" "$T/out" "| request b'two'"
log=$(ls "$TMPDIR"/wirerig-target-srv-* 2>/dev/null | head -1)
if [ -n "$log" ] && [ "$(stat -c %s "$log")" -gt 500000 ]; then
  ok "the failing run's log is kept, whole"
else
  bad "the failing run's log is missing or short: '$log'"
fi

cat >"$T/exits.scn" <<'SCN'
transports loopback
target srv start "echo 'cannot bind: address in use' >&2; exit 3" ready="listening"
client connect srv
SCN
run "a target that exits before it is ready" 1 "$WIRERIG" run "$T/exits.scn"
has "exit status" "$T/out" "exited with status 3 before it was ready"
has "its words" "$T/out" "| cannot bind: address in use"
cat >"$T/killed.scn" <<'SCN'
transports loopback
target srv start "kill -SEGV $$"
client connect srv
SCN
run "a target killed before it is ready" 1 "$WIRERIG" run "$T/killed.scn"
has "the signal" "$T/out" "was killed by signal 11"

if [ -n "$(leftovers)" ]; then bad "targets left running: $(leftovers)"; else
  ok "every target was stopped"; fi

echo "# $passes passed, $fails failed"
[ "$fails" -eq 0 ]
