#!/bin/bash
# The fuzz entry of a server (WR_SF_SERVER_FUZZ_TARGET, statefuzz.h) as a
# replay binary runs it, on an input that hits the planted bug (a notify,
# then a ping, with noise around them):
#   - the buggy server aborts, prints the reason and the shrunk case (at
#     most 10 operations), and writes it into $WR_SF_CASE_DIR;
#   - the replay command it prints fails with the reason the file's header
#     gives;
#   - the fixed server passes the same input and the written file.
# usage: fuzz_entry.sh FUZZ_REQSERVER_BUG_REPLAY FUZZ_REQSERVER_REPLAY
set -u
bug=$1 fixed=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

# seed 1, client active=false; wait; send frame(2,"Sk=v"); recv;
# send frame(2,"N"); net c->s random:1-4; send frame(2,"P"); recv; wait
printf '\x00\x00\x01\x01\x00\x0e\x01\x02\x01\x04Sk=v\x04\x00\x04\x02\x01\x01N\x10\x02\x03\x02\x01\x01P\x04\x00\x04\x0e\x01' \
  > "$tmp/input"
mkdir "$tmp/cases"
WR_SF_CASE_DIR=$tmp/cases "$bug" "$tmp/input" > "$tmp/out" 2>&1 &&
  fail "the buggy server passed: $(tail -3 "$tmp/out")"
grep -q '^statefuzz: reqserver_bug: request 3 .* got no reply' "$tmp/out" ||
  fail "no reason printed: $(tail -5 "$tmp/out")"
nops=$(sed -n 's/^statefuzz: shrunk case (\([0-9]*\) operations):$/\1/p' "$tmp/out")
[ -n "$nops" ] && [ "$nops" -le 10 ] && [ "$nops" -lt 5 ] ||
  fail "not shrunk below the input's 5 client operations: '$nops'"
scn=$(ls "$tmp"/cases/*.scn 2>/dev/null | head -1)
[ -n "$scn" ] || fail "no case written to \$WR_SF_CASE_DIR"
grep -q '^c send frame(2, x"4e")$' "$scn" || fail "the notify is not in $(cat "$scn")"
line=$(sed -n 's/^statefuzz: replay: //p' "$tmp/out")
[ -n "$line" ] || fail "no replay command printed"
want=$(sed -n '2s/^# //p' "$scn")
bash -c "$line" > "$tmp/again" 2>&1 && fail "the replay command passed"
got=$(sed -n "s|^statefuzz: reqserver_bug: $scn: ||p" "$tmp/again")
[ -n "$want" ] && [ "$want" = "$got" ] ||
  fail "the replay command said '$got', the file '$want'"
"$fixed" "$tmp/input" > "$tmp/fixed" 2>&1 || fail "the fixed server failed: $(tail -3 "$tmp/fixed")"
WR_SF_SCENARIO=$scn "$fixed" "$scn" > "$tmp/fixed2" 2>&1 ||
  fail "the fixed server failed the case: $(tail -3 "$tmp/fixed2")"
# a scenario file that is no finding: a loud error, not a pass
printf 'scenario "x"\ns listen\nc connect s\n' > "$tmp/bad.scn"
WR_SF_SCENARIO=$tmp/bad.scn "$fixed" "$tmp/bad.scn" > "$tmp/bad" 2>&1 &&
  fail "a file without a seed in its title passed"
grep -q 'statefuzz seed N' "$tmp/bad" || fail "bad file: $(tail -3 "$tmp/bad")"
echo "ok: shrunk to $nops operations: $want"
