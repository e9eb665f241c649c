#!/usr/bin/env bash
# Honest reports and the command's conventions (issue #15, items 3, 4, 5,
# 8): files skipped everywhere are SKIP and a run of nothing fails; --tap
# is clean TAP that prove accepts, --tap=FILE and --junit FILE sit beside
# the report; JUnit validates against the Jenkins/Ant schema (junit.xsd)
# with each transport's own time, normalised names, and a target that does
# not start as a <failure>; paths are normalised everywhere; --seeds wins
# over a file's `seeds`; "1 run"; `check EMPTYDIR` and `pcap extract` of a
# missing input. Every command is bounded by `timeout`; every process it
# starts is stopped on exit; everything is on 127.0.0.1.
#
# usage: reports.sh WIRERIG SRCDIR   (run from the top of the checkout)
set -u
WIRERIG=$1
SRC=$2
T=$(mktemp -d /tmp/wirerig-reports.XXXXXX)
cleanup() { [ -n "${WIRERIG_KEEP_TMP:-}" ] || rm -rf "$T"; }
trap cleanup EXIT
fails=0
passes=0
ok() { passes=$((passes + 1)); echo "ok - $*"; }
bad() { fails=$((fails + 1)); echo "FAIL - $*"; }
for tool in xmllint prove; do
  command -v "$tool" >/dev/null ||
    { echo "FAIL - $tool is not installed (scripts/install-deps.sh)"; exit 1; }
done

# run NAME RC COMMAND...: stdout in $T/out, stderr in $T/err.
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
# has NAME FILE FIXED-STRING / hasnt NAME FILE FIXED-STRING
has() {
  if grep -qF -- "$3" "$2"; then ok "$1"; else
    bad "$1: '$3' not in $2"
    sed 's/^/    | /' "$2" | head -20
  fi
}
hasnt() {
  if grep -qF -- "$3" "$2"; then bad "$1: '$3' in $2"; sed 's/^/    | /' "$2" | head -20; else ok "$1"; fi
}
schema() {
  if xmllint --noout --schema "$SRC/junit.xsd" "$2" >"$T/xmllint" 2>&1; then
    ok "$1: valid against junit.xsd"
  else
    bad "$1: not valid against junit.xsd"
    sed 's/^/    | /' "$T/xmllint" | head -10
  fi
}

mkdir -p "$T/suite/sub" "$T/empty"
cat >"$T/suite/a.scn" <<'SCN'
scenario "packet 2 echo"
server listen packet=2 active=false
client connect server packet=2
client send "hello"
server recv -> "hello"
client close
server recv -> error closed
SCN
cat >"$T/suite/sub/b.scn" <<'SCN'
scenario "one seed"
seeds 3
exhaustive off
server listen active=false
client connect server
client send "x"
server recv 1 -> "x"
client close
SCN
cat >"$T/nostart.scn" <<'SCN'
scenario "a target that exits at once"
transports loopback
target srv start "exit 3"
client connect srv
client close
SCN

# ---- item 3: skipped everywhere is SKIP, nothing ran fails ----------------
run "sim run of loopback-only files" 1 "$WIRERIG" run scenarios/target \
  --transport sim --tap
has "TAP says SKIP" "$T/out" "ok 1 - scenarios/target/kv-basic.scn # SKIP simnet:"
has "nothing ran is said" "$T/err" "nothing ran"
has "the table says SKIP" "$T/err" "SKIP  scenarios/target/kv-basic.scn"
hasnt "no PASS for a file that ran nowhere" "$T/err" "PASS  "

# ---- --tap is clean TAP; prove accepts it ---------------------------------
run "--tap on a passing suite" 0 "$WIRERIG" run "$T/suite" --tap --seeds 3
cp "$T/out" "$T/suite.tap"
if grep -qvE '^(TAP version 13|1\.\.[0-9]+|(not )?ok [0-9]+ .*|  .*)$' "$T/suite.tap"; then
  bad "--tap: stdout holds lines that are not TAP"
  sed 's/^/    | /' "$T/suite.tap"
else
  ok "--tap: stdout is TAP only"
fi
has "--tap: the table went to stderr" "$T/err" "scenarios   passed"
if timeout 60 prove -e cat "$T/suite.tap" >"$T/prove" 2>&1; then
  ok "prove accepts --tap"
else
  bad "prove rejects --tap"
  sed 's/^/    | /' "$T/prove"
fi

# ---- --tap=FILE and --junit FILE beside the report -------------------------
run "--tap=FILE --junit FILE" 0 "$WIRERIG" run "$T/suite//" --seeds 3 \
  --tap="$T/beside.tap" --junit "$T/beside.xml"
has "the report stays on stdout" "$T/out" "PASS  $T/suite/a.scn"
has "the TAP file" "$T/beside.tap" "ok 2 - $T/suite/sub/b.scn"
schema "JUnit of a passing suite" "$T/beside.xml"
hasnt "JUnit names have no //" "$T/beside.xml" "//"
hasnt "JUnit names have no ./" "$T/beside.xml" "/./"
hasnt "the report's paths have no //" "$T/out" "//"
run "--tap FILE.tap (a space, not =)" 0 "$WIRERIG" run --tap "$T/spaced.tap" \
  "$T/suite" --seeds 3
has "--tap FILE.tap: the report stays on stdout" "$T/out" "PASS  $T/suite/a.scn"
has "--tap FILE.tap: the TAP file" "$T/spaced.tap" "ok 2 - $T/suite/sub/b.scn"
hasnt "--tap FILE.tap: no TAP on stdout" "$T/out" "TAP version"

# ---- item 4: times add up once; a target that does not start -----------------
python3 - "$T/beside.xml" <<'PY' && ok "testcase times add up to the suite's, not twice" || bad "testcase times add up to more than the suite's time"
import sys, xml.etree.ElementTree as ET
s = ET.parse(sys.argv[1]).getroot().find("testsuite")
total = sum(float(c.get("time")) for c in s.iter("testcase"))
sys.exit(0 if total <= float(s.get("time")) + 0.002 else 1)
PY
run "a target that exits before it is ready" 1 "$WIRERIG" run "$T/nostart.scn" \
  --junit "$T/nostart.xml"
schema "JUnit of a target that does not start" "$T/nostart.xml"
has "a target that does not start is a <failure>" "$T/nostart.xml" "<failure "
hasnt "... not an <error>" "$T/nostart.xml" "<error "

# ---- item 5: paths, --seeds, check, extract -------------------------------
run "reproduce command of a failure" 1 "$WIRERIG" run "$T/./suite/..//nostart.scn" --no-shrink
hasnt "no // in the failure report" "$T/out" "//"
hasnt "no /./ in the failure report" "$T/out" "/./"
run "--seeds wins over the file's seeds" 0 "$WIRERIG" run "$T/suite/sub/b.scn" \
  --seeds 5 --transport sim
has "--seeds 5 ran 5 seeds" "$T/out" "(5 runs: 5 seeds, 0 schedules)"
run "the file's seeds without --seeds" 0 "$WIRERIG" run "$T/suite/sub/b.scn" \
  --transport sim
has "the file's seeds 3" "$T/out" "(3 runs: 3 seeds, 0 schedules)"
run "--seed 1: one run" 0 "$WIRERIG" run "$T/suite/sub/b.scn" --seed 1
has "item 8: 1 run, 1 seed, 0 schedules" "$T/out" "(1 run: 1 seed, 0 schedules)"
has "item 8: loopback 1 run" "$T/out" "loopback pass (1 run)"
run "check of an empty directory" 2 "$WIRERIG" check "$T/empty"
has "check: no scenario files found" "$T/err" "no scenario files found"
hasnt "check: not 'all valid'" "$T/out" "all valid"
run "pcap extract of a missing input" 2 "$WIRERIG" pcap extract \
  "$T/missing.pcap" --out "$T/extracted"
if [ -e "$T/extracted" ]; then bad "pcap extract left $T/extracted behind"; else
  ok "pcap extract made no folder for a missing input"; fi

# ---- item 9: --shard K/N shares the runs (seeds and schedules) -----------
for i in 1 2 3 4 5; do
  sed "s/packet 2 echo/shard file $i/" "$T/suite/a.scn" >"$T/suite/sub/s$i.scn"
done
run "the whole suite" 0 "$WIRERIG" run "$T/suite" --seeds 5 --junit "$T/all.xml"
cp "$T/out" "$T/all.out"
for k in 1 2 3; do
  run "--shard $k/3" 0 "$WIRERIG" run "$T/suite" --seeds 5 --shard "$k/3" \
    --junit "$T/shard$k.xml"
  cp "$T/out" "$T/shard$k.out"
  schema "JUnit of shard $k/3" "$T/shard$k.xml"
done
python3 - "$T/all.xml" "$T"/shard[123].xml <<'PY' && ok "the 3 shards' JUnit files share every run of every file and transport, none twice" || bad "the shards do not partition the runs"
import sys, re, collections, xml.etree.ElementTree as ET
def cases(f):
    return [(c.get("classname"), c.get("name"), int(c.get("assertions")))
            for c in ET.parse(f).getroot().iter("testcase")]
whole = {(c, n): runs for c, n, runs in cases(sys.argv[1])}
shares = collections.Counter()
names = collections.Counter()
files_split = 0
for k, f in enumerate(sys.argv[2:], 1):
    seen = set()
    for c, n, runs in cases(f):
        m = re.fullmatch(r"(sim|loopback) \(shard (\d)/3\)", n)
        assert m and int(m.group(2)) == k, n
        shares[(c, m.group(1))] += runs
        names[(c, n)] += 1
        seen.add(c)
ok = (len(whole) == 14 and shares == collections.Counter(whole)
      and set(names.values()) == {1}
      and sum(whole.values()) > 14)
# runs, not files, are shared: some file's sim runs fall to several shards
per_file = collections.Counter(c for (c, n) in names if n.startswith("sim"))
ok = ok and max(per_file.values()) > 1
if not ok:
    print("whole:", whole, "\nshares:", shares, "\nnames:", names)
sys.exit(0 if ok else 1)
PY
python3 - "$T/all.out" "$T"/shard[123].out <<'PY' && ok "the shards' summaries add up to the whole suite's runs, seeds, schedules and agreement" || bad "the shards' summaries do not add up"
import sys
def row(f):
    lines = open(f).read().splitlines()
    i = next(i for i, l in enumerate(lines) if l.startswith("scenarios "))
    v = lines[i + 1].split()
    return [int(x) for x in v[5:9]] + [int(v[9].split("/")[0])]
whole = row(sys.argv[1])
total = [sum(c) for c in zip(*(row(f) for f in sys.argv[2:]))]
print("whole", whole, "shards", total)
sys.exit(0 if whole == total else 1)
PY
for k in 1 2; do
  run "one run, shard $k/2" 0 "$WIRERIG" run "$T/suite/a.scn" --seed 1 \
    --transport sim --shard "$k/2"
  cp "$T/err" "$T/one$k.err"
done
if grep -q "no run of the suite fell to this shard" "$T/one1.err" "$T/one2.err"; then
  ok "an empty shard is not a failure, and says so"
else
  bad "neither shard of a single run said it was empty"
fi
run "a bad --shard" 2 "$WIRERIG" run "$T/suite" --shard 4/3

echo "# $passes passed, $fails failed"
[ "$fails" -eq 0 ]
