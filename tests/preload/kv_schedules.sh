#!/usr/bin/env bash
# A target under the shim runs over every small cut schedule of its own
# reads, and a failure is shrunk into a scenario file:
#   - scenarios/target/kv-schedules.scn (the server reads whole; only the
#     schedule pass cuts) passes against the correct example server and
#     counts its schedules in the summary;
#   - against --bug a schedule fails; the printed `--schedule 'kv#0=...'`
#     command fails again; the shrunk file is written, fails on its own
#     (`wirerig run FILE`, no seed needed: it reads whole elsewhere) and
#     passes against the correct server;
#   - kv-shim.scn (random cuts by seed) against --bug: the seed's failure
#     is shrunk to a cut list the same way.
# Run from the top of the checkout.
#   kv_schedules.sh WIRERIG KVSERVER
set -uo pipefail
wirerig=$1 kv=$2
# Nothing may be written into the source tree: every failing run below
# shrinks into $tmp or not at all.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() { echo "kv_schedules: $*" >&2; exit 1; }
export WIRERIG_KVSERVER=$kv
file=scenarios/target/kv-schedules.scn

WIRERIG_KVSERVER_ARGS= out=$("$wirerig" run "$file" 2>&1) ||
  { echo "$out"; fail "$file should pass against the correct server"; }
n=$(sed -n 's/.*target reads: \([0-9]*\) cut schedules.*/\1/p' <<<"$out")
[ -n "$n" ] && [ "$n" -gt 10 ] || { echo "$out"; fail "no schedules counted"; }
# The summary's schedules column counts them (found by its header, so a
# new column elsewhere does not move it).
# ("sim runs" is one column under two words)
col=$(awk '/^scenarios /{k = 0; for (i = 1; i <= NF; i++) { if ($i == "runs") continue; k++; if ($i == "schedules") print k }; exit}' <<<"$out")
got=$(awk -v c="$col" '/^scenarios /{getline; print $c; exit}' <<<"$out")
[ -n "$col" ] && [ "$got" = "$n" ] ||
  { echo "$out"; fail "the summary does not count $n schedules (column $col: $got)"; }
echo "kv_schedules: correct server passes $n schedules"

export WIRERIG_KVSERVER_ARGS=--bug
out=$("$wirerig" run "$file" --shrink-dir "$tmp" 2>&1)
[ $? -eq 1 ] || { echo "$out"; fail "$file should fail against --bug"; }
sched=$(sed -n "s/.*--schedule '\(kv#0=cuts:[0-9,]*\)'.*/\1/p" <<<"$out" | head -n 1)
[ -n "$sched" ] || { echo "$out"; fail "no --schedule in the reproduction command"; }
for i in 1 2 3 4 5; do
  "$wirerig" run "$file" --transport loopback --seed 1 --schedule "$sched" \
    --no-shrink >/dev/null 2>&1
  [ $? -eq 1 ] || fail "run $i of --schedule '$sched' did not fail"
done
shrunk=$tmp/kv-schedules.scn.shrunk.scn
grep -q "shrunk scenario: $shrunk (run again: fails the same way)" <<<"$out" ||
  { echo "$out"; fail "no confirmed shrunk scenario"; }
grep -q 'shim_conn="0=cuts:' "$shrunk" || { cat "$shrunk"; fail "no shim_conn in $shrunk"; }
for i in 1 2 3 4 5; do
  "$wirerig" run "$shrunk" --no-shrink >/dev/null 2>&1
  [ $? -eq 1 ] || fail "run $i of the shrunk file did not fail"
done
WIRERIG_KVSERVER_ARGS= "$wirerig" run "$shrunk" --no-shrink >/dev/null 2>&1 ||
  fail "the shrunk file fails against the correct server too"
echo "kv_schedules: --bug found by schedule $sched; shrunk to $(grep -o 'shim_conn="[^"]*"' "$shrunk")"

# A failure by seed (random cuts) is shrunk to a cut list too.
out=$("$wirerig" run scenarios/target/kv-shim.scn --shrink-dir "$tmp" 2>&1)
[ $? -eq 1 ] || { echo "$out"; fail "kv-shim.scn should fail against --bug"; }
grep -Eq '  shrunk: kv#0=cuts:[0-9,]+ -> kv#0=cuts:[0-9,]+' <<<"$out" ||
  { echo "$out"; fail "the seed's failure was not shrunk to a cut list"; }
shrunk=$tmp/kv-shim.scn.shrunk.scn
"$wirerig" run "$shrunk" --transport loopback --seed 1 --no-shrink >/dev/null 2>&1
[ $? -eq 1 ] || { cat "$shrunk"; fail "the shrunk kv-shim file does not fail"; }
ls scenarios/target/*.shrunk.scn >/dev/null 2>&1 &&
  fail "a shrunk file was written into scenarios/target"
echo "kv_schedules: kv-shim.scn's seed failure shrunk to $(grep -o 'shim_conn="[^"]*"' "$shrunk")"

# Every shim target of a file gets its schedule pass, not only the first:
# here only the second target runs the broken framing (--bug as its own
# argument), so only a schedule of its reads can find it.
unset WIRERIG_KVSERVER_ARGS
two=$tmp/two-targets.scn
cat >"$two" <<SCN
scenario "two shim targets, the second one broken"
transports loopback
seeds 1
exhaustive 8
target good start "$PWD/scenarios/target/kvserver.sh --port {port}" ready="listening" shim="whole"
target broken start "$PWD/scenarios/target/kvserver.sh --port {port} --bug" ready="listening" shim="whole"
c1 connect good packet=2 active=false
c1 send "SET colour blue"
c1 recv timeout=2s -> "OK"
c1 close
c2 connect broken packet=2 active=false
c2 send "SET colour blue"
c2 recv timeout=2s -> "OK"
c2 close
SCN
out=$("$wirerig" run "$two" --no-shrink 2>&1)
[ $? -eq 1 ] || { echo "$out"; fail "the second target's schedules were not run"; }
grep -q "schedule broken#0=cuts:" <<<"$out" ||
  { echo "$out"; fail "the failure does not name the second target's schedule"; }
echo "kv_schedules: the second shim target's reads were cut too"
