#!/bin/bash
# `wirerig run` as a program: a scenario made to fail gives a report that
# names the step, expected and observed, and a command that reproduces
# exactly that run; the shrunk scenario it writes fails the same way; a
# passing scenario passes on both transports and agrees; TAP and JUnit;
# bad input exits 2.
#
#   tests/runner/run_cli.sh WIRERIG DIR   (DIR = tests/runner)
set -u
wirerig=${1:?usage: run_cli.sh WIRERIG DIR}
dir=${2:?usage: run_cli.sh WIRERIG DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
count=0

fail() {
  echo "FAIL: $1"
  [ -f "$tmp/out" ] && sed 's/^/    | /' "$tmp/out" | head -40
  [ -f "$tmp/err" ] && sed 's/^/    ! /' "$tmp/err" | head -20
  failures=$((failures + 1))
}

# run NAME RC ARGS...: runs `wirerig run ARGS` from DIR, checks the status.
run() {
  name=$1 want_rc=$2
  shift 2
  count=$((count + 1))
  (cd "$dir" && "$wirerig" run "$@") >"$tmp/out" 2>"$tmp/err"
  rc=$?
  if [ "$rc" != "$want_rc" ]; then
    fail "$name: exit $rc, wanted $want_rc"
    return 1
  fi
  return 0
}

# has NAME TEXT [FILE]: the output (or FILE) contains TEXT.
has() {
  count=$((count + 1))
  if ! grep -qF -- "$2" "${3:-$tmp/out}"; then
    fail "$1: output lacks: $2"
  fi
}

# ---- a failure found by the exhaustive pass --------------------------------
run "exhaustive failure" 1 fail-split.scn --transport sim --shrink-dir "$tmp"
has "report: step" 'fail-split.scn:8:1: server recv -> "hello"'
has "report: expected" 'expected: "hello"'
has "report: observed" 'observed: "h"'
has "report: seed and schedule" 'transport: simnet, seed 1, schedule client->server=cuts:1'
has "report: reproduce" \
  "reproduce: wirerig run fail-split.scn --transport sim --seed 1 --schedule 'client->server=cuts:1'"
has "report: shrunk file confirmed" "fail-split.scn.shrunk.scn (run again: fails the same way)"

# The reproduction command, as printed, reproduces exactly that failure.
cmd=$(grep -m1 '^  reproduce: ' "$tmp/out" | sed 's/^  reproduce: wirerig run //')
cp "$tmp/out" "$tmp/first"
eval "run 'reproduction command' 1 $cmd --no-shrink"
has "reproduced: step" 'fail-split.scn:8:1: server recv -> "hello"'
has "reproduced: observed" 'observed: "h"'
has "reproduced: same schedule" 'schedule client->server=cuts:1'

# ---- a pinned schedule shrinks to its one necessary cut ---------------------
rm -f "$tmp"/*.shrunk.scn
run "pinned schedule" 1 fail-split.scn --transport sim --seed 1 \
  --schedule 'client->server=cuts:1,2,3' --shrink-dir "$tmp"
has "shrunk to one cut" 'shrunk: client->server=cuts:1,2,3 -> client->server=cuts:1'
has "shrunk: observed" 'observed: "h"'
shrunk="$tmp/fail-split.scn.shrunk.scn"
count=$((count + 1))
[ -f "$shrunk" ] || fail "the shrunk scenario was not written"
has "shrunk file: the schedule" 'net client->server cuts:1' "$shrunk"
has "shrunk file: one seed" 'seeds 1' "$shrunk"
has "shrunk file: how to reproduce" '# Reproduce: wirerig run' "$shrunk"
# Run on its own (no --schedule), it fails the same way.
run "shrunk file fails" 1 "$shrunk" --transport sim --no-shrink
has "shrunk file: same step" 'server recv -> "hello"'
has "shrunk file: same observation" 'observed: "h"'

# A directory run leaves shrunk files alone (they fail on purpose).
run "directory skips shrunk files" 2 "$tmp" --transport sim
has "directory skips shrunk files: message" 'no scenario files found' "$tmp/err"

# ---- a failure on a seed, shrunk from the cuts simnet made -------------------
run "seed failure" 1 fail-random.scn --transport sim --shrink-dir "$tmp"
has "seed failure: reproduce" \
  'reproduce: wirerig run fail-random.scn --transport sim --seed 1'
has "seed failure: shrunk schedule" 'shrunk: client->server=cuts:'
has "seed failure: confirmed" 'fail-random.scn.shrunk.scn (run again: fails the same way)'

# ---- passing: both transports, agreement -------------------------------------
run "passing scenario" 0 pass-packet2.scn
has "passing: line" 'PASS  pass-packet2.scn: sim pass'
has "passing: agreement" ', agree,'
has "passing: summary" 'agreement'

# ---- simnet passes, loopback fails: a disagreement of its own kind -----------
run "disagreement" 1 disagree-elapsed.scn --junit "$tmp/dis.xml"
has "disagreement: line" 'sim pass (100 runs'
has "disagreement: kind" 'DISAGREE disagree-elapsed.scn: simnet passed (seed 1), loopback failed'
has "disagreement: step" 'disagree-elapsed.scn:8:1: elapsed <= 10ms'
has "disagreement: both" 'compare both: wirerig run disagree-elapsed.scn --seed 1'
has "disagreement: junit" '<failure type="disagreement"' "$tmp/dis.xml"

# ---- CI formats ---------------------------------------------------------------
run "tap" 1 pass-packet2.scn fail-split.scn --transport sim --tap --no-shrink
has "tap: header" 'TAP version 13'
has "tap: plan" '1..2'
has "tap: failure" 'not ok 2 - fail-split.scn'
has "tap: pass" 'ok 1 - pass-packet2.scn'
run "junit" 1 fail-split.scn pass-packet2.scn --transport sim --no-shrink \
  --junit "$tmp/junit.xml"
has "junit: suite" '<testsuite name="wirerig run" tests="4" failures="1"' "$tmp/junit.xml"
has "junit: failure kind" '<failure type="expectation"' "$tmp/junit.xml"

# ---- --jobs gives the same report, in file order -------------------------------
run "jobs 1" 2 . --transport sim --no-shrink --seeds 5
sed -E 's/[0-9]+\.[0-9]+s/T/g; /runs\/s/d' "$tmp/out" >"$tmp/jobs1"
run "jobs 2" 2 . --transport sim --no-shrink --seeds 5 --jobs 2
sed -E 's/[0-9]+\.[0-9]+s/T/g; /runs\/s/d' "$tmp/out" >"$tmp/jobs2"
count=$((count + 1))
cmp -s "$tmp/jobs1" "$tmp/jobs2" || fail "--jobs 2 output differs from --jobs 1"

# ---- bad input: exit 2 with a message ------------------------------------------
run "parse error" 2 bad-syntax.scn
has "parse error: where" 'bad-syntax.scn:4:18: bad escape'
run "seeds 0" 2 pass-packet2.scn --seeds 0
has "seeds 0: message" '--seeds' "$tmp/err"
run "bad transport" 2 pass-packet2.scn --transport udp
has "bad transport: message" "expected sim, loopback or both, found 'udp'" "$tmp/err"
run "unknown flag" 2 pass-packet2.scn --bogus
has "unknown flag: message" "unknown option '--bogus'" "$tmp/err"
run "missing file" 2 no-such-file.scn
run "flag twice" 2 pass-packet2.scn --seed 1 --seed 2
has "flag twice: message" 'given more than once' "$tmp/err"
run "bad schedule" 2 pass-packet2.scn --schedule 'nobody->server=cuts:1'
has "bad schedule: message" 'names no endpoint' 
run "missing value" 2 pass-packet2.scn --jobs
has "missing value: message" 'needs a value' "$tmp/err"

echo "$((count - failures))/$count checks passed"
[ "$failures" = 0 ]
