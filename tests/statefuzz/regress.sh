#!/bin/bash
# `wirerig statefuzz regress`: every stateful_model finding in DIR becomes
# a regression scenario that
#   - has no more operations than the input (the command says both counts),
#   - still violates the oracle: its header's fuzz input, replayed by the
#     fuzz target's replay binary, aborts with the same oracle,
#   - makes `wirerig run` fail at the line the header names, 100 runs out
#     of 100.
# An input the model passes writes nothing and exits 1.
# usage: regress.sh WIRERIG STATEFUL_MODEL_REPLAY FINDINGS_DIR
set -u
wirerig=$1 replay=$2 dir=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

n=0
for input in "$dir"/crash-*; do
  [ -f "$input" ] || continue
  n=$((n + 1))
  out=$tmp/regression-$n.scn
  msg=$("$wirerig" statefuzz regress "$input" -o "$out") ||
    fail "$input: wirerig statefuzz regress exited $?"
  [[ $msg =~ ([0-9]+)\ operations\ shrunk\ to\ ([0-9]+) ]] ||
    fail "$input: no operation counts in: $msg"
  before=${BASH_REMATCH[1]} after=${BASH_REMATCH[2]}
  [ "$after" -le "$before" ] || fail "$input: $before operations grew to $after"
  [ -s "$out" ] || fail "$input: nothing written to $out"

  # the shrunk input still violates the same oracle
  oracle=$(sed -n 's/^# Oracle: \(.*\) (obs [0-9]*)$/\1/p' "$out")
  hex=$(sed -n 's/^# Fuzz input (hex): //p' "$out")
  [ -n "$oracle" ] && [ -n "$hex" ] || fail "$out: header without Oracle or input"
  printf '%s' "$hex" | xxd -r -p > "$tmp/shrunk.bin"
  if "$replay" "$tmp/shrunk.bin" > "$tmp/replay.out" 2>&1; then
    fail "$out: the shrunk input passes the oracles"
  fi
  grep -qF "oracle violated: $oracle" "$tmp/replay.out" ||
    fail "$out: the shrunk input fails otherwise: $(tail -3 "$tmp/replay.out")"

  # wirerig run fails at the pinned line, every time
  line=$(sed -n 's/^# the model did, except line \([0-9]*\),.*/\1/p' "$out")
  seed=$(sed -n 's/^# Run: wirerig run FILE --transport sim --seed \([0-9]*\)$/\1/p' "$out")
  [ -n "$line" ] && [ -n "$seed" ] || fail "$out: header without the line or the seed"
  for i in $(seq 1 100); do
    "$wirerig" run "$out" --transport sim --seed "$seed" --no-shrink \
      > "$tmp/run.out" 2>&1
    rc=$?
    [ $rc -eq 1 ] || fail "$out: run $i exited $rc, expected 1 (a failure)"
    grep -q "$out:$line:1: " "$tmp/run.out" ||
      fail "$out: run $i did not fail at line $line: $(head -5 "$tmp/run.out")"
  done
  echo "$input: $before -> $after operations; wirerig run fails at line $line 100/100"
done
[ "$n" -ge 1 ] || fail "no crash-* input in $dir"

# an input the model passes: exit 1, nothing written
printf '\x00\x00\x00' > "$tmp/ok.bin"
"$wirerig" statefuzz regress "$tmp/ok.bin" -o "$tmp/ok.scn" 2> "$tmp/ok.err"
rc=$?
[ $rc -eq 1 ] || fail "a passing input: exit $rc, expected 1"
grep -q "nothing written" "$tmp/ok.err" || fail "a passing input: $(cat "$tmp/ok.err")"
[ ! -e "$tmp/ok.scn" ] || fail "a passing input: a file was written"
# bad use
"$wirerig" statefuzz regress "$tmp/ok.bin" 2> "$tmp/use.err"
[ $? -eq 2 ] && grep -q "missing -o" "$tmp/use.err" || fail "missing -o: $(cat "$tmp/use.err")"
echo "ok"
