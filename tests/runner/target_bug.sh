#!/usr/bin/env bash
# The example server's deliberate framing bug (examples/server, --bug: one
# recv() taken as one frame) is caught by scenarios/target through
# `target`, and the printed reproduction command reproduces the failure.
# The correct server passes the same scenarios.
# Usage (from the top of the checkout): target_bug.sh WIRERIG KVSERVER
set -uo pipefail
wirerig=$1
export WIRERIG_KVSERVER=$2
fail() { echo "target_bug: $*" >&2; exit 1; }

out=$("$wirerig" run scenarios/target 2>&1)
rc=$?
[ $rc -eq 0 ] || { echo "$out"; fail "the correct server should pass (exit $rc)"; }

export WIRERIG_KVSERVER_ARGS=--bug
# Failures of targets under the shim are shrunk into files: not into the
# source tree.
shrunk=$(mktemp -d)
out=$("$wirerig" run scenarios/target --shrink-dir "$shrunk" 2>&1)
rc=$?
echo "$out"
[ $rc -eq 1 ] || fail "the --bug server should fail the run with exit 1, got $rc"
grep -q '^FAIL  scenarios/target/kv-partial-frames.scn' <<<"$out" ||
  fail "kv-partial-frames.scn should fail against --bug"
observed=$(grep -m1 '    observed:' <<<"$out")
repro=$(grep -m1 '  reproduce: wirerig ' <<<"$out" | sed 's/^  reproduce: wirerig //')
[ -n "$repro" ] || fail "no reproduction command printed"

# shellcheck disable=SC2086 # the command is a list of words, as printed
again=$("$wirerig" $repro --no-shrink 2>&1)
rc=$?
[ $rc -eq 1 ] || { echo "$again"; fail "reproduction '$repro' should fail, exit $rc"; }
grep -qF -- "$observed" <<<"$again" ||
  { echo "$again"; fail "reproduction should observe the same: $observed"; }
rm -rf "$shrunk"
echo "target_bug: --bug caught, and 'wirerig $repro' reproduces it"

# {dir}: the scenario's directory, quoted for the shell, so a target file
# runs from anywhere, even from a directory whose name has a space and a
# quote in it.
unset WIRERIG_KVSERVER_ARGS
odd=$(mktemp -d)/"a b'c"
mkdir -p "$odd"
trap 'rm -rf "$(dirname "$odd")" "$shrunk"' EXIT
cp scenarios/target/kvserver.sh scenarios/target/kv-basic.scn "$odd/"
case $wirerig in /*) ;; *) wirerig=$PWD/$wirerig ;; esac
out=$(cd / && "$wirerig" run "$odd/kv-basic.scn" 2>&1) ||
  { echo "$out"; fail "kv-basic.scn from '$odd' should pass: {dir} not found"; }
grep -q '^PASS' <<<"$out" || { echo "$out"; fail "no PASS line"; }
echo "target_bug: {dir} finds the server beside a scenario in '$odd'"
