#!/bin/bash
# Bounds and honest verdicts (issue #17, items 1 and 2): every run ends,
# and what ends it is said -- a step budget, a mailbox or send-queue limit,
# the data a file builds, the wall time of a loopback run, a resource the
# harness ran out of, a target that crashed -- as ERROR (the harness's
# verdict) with the bound's value and FILE:LINE:COL, never as the
# scenario's FAIL. Each command runs under `timeout`.
#
#   tests/faults/honest.sh WIRERIG FAULT_SERVER_PY
set -u
wirerig=$(realpath "${1:?usage: honest.sh WIRERIG FAULT_SERVER_PY}")
server=$(realpath "${2:?}")
tmp=$(mktemp -d /tmp/wirerig-faults-honest.XXXXXX)
trap 'rm -rf "$tmp"' EXIT
# A copy of the fault server under this run's own path: the check that
# nothing is left running looks for that path, and so never counts the
# servers of another test running at the same time (test_faults_sweep
# uses the same script).
cp "$server" "$tmp/fault_server.py" || exit 2
server=$tmp/fault_server.py
fails=0 passes=0
ok() { passes=$((passes + 1)); echo "ok - $*"; }
bad() {
  fails=$((fails + 1))
  echo "FAIL - $*"
  sed 's/^/    | /' "$tmp/out" | head -20
}
# run_case NAME WANT_RC WORDS... -- CMD...: the exit status, each WORDS
# (a fixed string) in stdout+stderr, no sanitizer report.
run_case() {
  local name=$1 want=$2
  shift 2
  local words=()
  while [ "$1" != "--" ]; do words+=("$1"); shift; done
  shift
  timeout -k 5 120 "$@" >"$tmp/out" 2>&1
  local rc=$?
  if [ "$rc" -ne "$want" ]; then bad "$name: exit $rc, expected $want"; return; fi
  # (ASan's note on an allocation refused by its cap is the fault the
  # out-of-memory case injects, not a report)
  if grep -v "WARNING: AddressSanitizer failed to allocate" "$tmp/out" |
    grep -q "runtime error\|AddressSanitizer\|LeakSanitizer"; then
    bad "$name: sanitizer report"; return
  fi
  for w in "${words[@]}"; do
    if ! grep -qF -- "$w" "$tmp/out"; then bad "$name: no '$w'"; return; fi
  done
  ok "$name"
}
cd "$tmp" || exit 2

# ---- step budgets: deterministic, reported with the seed and the step ----
cat >steps.scn <<'S'
scenario "nested repeats"
transports sim
s listen
c connect s
repeat 4294967295 {
  repeat 4294967295 {
    s mailbox >= 0
  }
}
S
run_case "nested repeats end at --max-steps" 1 \
  "ERROR steps.scn" "steps.scn:7:5: step budget exhausted: this run took more than 100000 steps (--max-steps)" \
  "transport: simnet, seed 1" "reproduce: wirerig run steps.scn --transport sim --seed 1" \
  -- "$wirerig" run steps.scn --seeds 3 --max-steps 100000
run_case "the same seed stops at the same step" 1 \
  "steps.scn:7:5: step budget exhausted" -- \
  "$wirerig" run steps.scn --seed 1 --max-steps 100000
printf 'scenario "many seeds"\nseeds 4294967295\ntransports sim\ns listen\nc connect s\n' >seeds.scn
run_case "seeds 4294967295 ends at --max-total-steps" 1 \
  "steps.scn" "step budget of the file exhausted: its runs took more than 100000 steps in all (--max-total-steps)" \
  -- "$wirerig" run seeds.scn steps.scn --max-total-steps 100000 --max-steps 50000
# The table counts them as errors, not failures.
if awk '$1 ~ /^[0-9]+$/ && NF >= 12 { found = 1; good = ($3 == 0 && $4 == 2) }
         END { exit !(found && good) }' "$tmp/out"; then
  ok "harness errors in their own column"
else
  bad "harness errors counted as failures"
fi

# ---- mailbox and send queue limits --------------------------------------
cat >flood.scn <<'S'
transports sim
s listen active=true
c connect s
repeat 100000 {
  c send pattern(65536)
}
S
run_case "a flooded mailbox ends at --max-mailbox" 1 \
  "flood.scn:5:3: mailbox exceeded 2 MiB (--max-mailbox): s held" -- \
  "$wirerig" run flood.scn --seeds 1 --max-mailbox 2
cat >queue.scn <<'S'
transports sim
s listen active=false
c connect s high_watermark=1000000000
repeat 100000 {
  c send pattern(65536)
}
S
run_case "a send loop ends at --max-queue" 1 \
  "queue.scn:5:3: send queue exceeded 1 MiB (--max-queue): c had" -- \
  "$wirerig" run queue.scn --seeds 1 --max-queue 1

# ---- the data a file builds, and files too large ------------------------
printf 's listen\nc connect s\nc send pattern(33554432)\nc send pattern(33554432)\nc send "x"\n' >data.scn
run_case "check: data over the file's limit" 2 \
  "data.scn:5:8: data too large" "over the limit of 67108864 bytes for one file" -- \
  "$wirerig" check data.scn
run_case "run: the same, as bad input" 2 "data.scn:5:8: data too large" -- \
  "$wirerig" run data.scn --seeds 1
run_case "check --max-data raises it" 0 "1 file checked: all valid" -- \
  "$wirerig" check --max-data 65 data.scn
head -c 5000000 /dev/zero | tr '\0' '#' >huge.scn
run_case "a scenario file over 4 MiB" 2 \
  "huge.scn: file too large: 5000000 bytes, the limit is 4194304" -- \
  "$wirerig" check huge.scn
truncate -s 70000000 big.bin
printf 's listen\nc connect s\nc send "ab" file("big.bin")\n' >fileref.scn
run_case "file() over the file's limit" 2 \
  "fileref.scn:3:18: cannot read file(\"big.bin\")" "file too large: 70000000 bytes, the limit is" -- \
  "$wirerig" check fileref.scn

# ---- loopback: targets that crash, stall or flood; descriptors ----------
target() { # NAME MODE STEPS...
  local name=$1 mode=$2
  shift 2
  {
    echo "scenario \"a target: $mode\""
    echo "transports loopback"
    echo "target t start \"exec python3 $server $mode {port}\" ready=\"ready\""
    printf '%s\n' "$@"
  } >"$name"
}
target segv.scn segv "c connect t active=false" 'c send "x"' 'c recv timeout=5s -> "x"'
# The step is the one during which the crash is seen: the send (line 5)
# when the target dies before the next step starts, else the recv (6).
run_case "a target killed by SIGSEGV mid-run" 1 \
  "ERROR segv.scn" ": target t was killed by signal 11" -- \
  "$wirerig" run segv.scn --no-shrink
target exit3.scn exit3 "c connect t active=false" 'c send "x"' 'c recv timeout=5s -> "x"'
run_case "a target exiting with status 3 mid-run" 1 \
  "ERROR exit3.scn" ": target t exited with status 3 during this step" -- \
  "$wirerig" run exit3.scn --no-shrink
target stall.scn stall "c connect t active=false" 'c recv timeout=3600s -> any'
# (The deadline counts from the run's start, the target's start included:
# on a loaded machine it may pass before line 5, so the line is not pinned.)
run_case "a stalled target ends at --timeout" 1 \
  "ERROR stall.scn" "timeout: the run took more than 3 s of wall time (--timeout)" -- \
  "$wirerig" run stall.scn --timeout 3 --no-shrink
target floodt.scn flood "c connect t active=true" "wait 30s"
run_case "a flooding target ends at --max-mailbox" 1 \
  "floodt.scn:5:1: mailbox exceeded 4 MiB (--max-mailbox): c held" -- \
  "$wirerig" run floodt.scn --max-mailbox 4 --no-shrink
{
  echo "transports loopback"
  echo "s listen"
  for i in $(seq 1 40); do echo "c$i connect s as a$i"; done
} >fds.scn
run_case "out of descriptors (ulimit -n 24) is the harness's ERROR" 1 \
  "the harness ran out of a system resource at this step: emfile" -- \
  bash -c 'ulimit -n 24 && exec "$0" run fds.scn --no-shrink' "$wirerig"
if grep -q "^FAIL" "$tmp/out" || ! grep -q "^ERROR fds.scn" "$tmp/out"; then
  bad "emfile not shown as ERROR"
else
  ok "emfile is ERROR, not FAIL"
fi

# Memory the harness cannot get: a 200 MB frame announced to a passive
# packet=4 socket makes the model reserve it, as inet_drv would. With the
# address space limited (or, under ASan, which needs its own, with its
# allocation cap) that fails: the harness's ERROR naming enomem, never
# the scenario's `error enomem` FAIL nor a silent end of stream.
cat >nomem.scn <<'SCN'
transports sim
server listen packet=4 active=false
client connect server packet=raw
client send "\x0b\xeb\xc2\x00abc"
server recv timeout=1s -> error timeout
SCN
if ldd "$wirerig" 2>/dev/null | grep -q libasan ||
  nm "$wirerig" 2>/dev/null | grep -q " __asan_init"; then
  limit=(env "ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}max_allocation_size_mb=100:allocator_may_return_null=1")
else
  limit=(bash -c 'ulimit -v 150000 && exec "$@"' limit)
fi
run_case "out of memory is the harness's ERROR" 1 \
  "nomem.scn:5:1: the harness ran out of a system resource at this step: enomem" -- \
  "${limit[@]}" "$wirerig" run nomem.scn --seed 1 --no-shrink
if grep -q "^FAIL" "$tmp/out" || ! grep -q "^ERROR nomem.scn" "$tmp/out"; then
  bad "enomem not shown as ERROR"
else
  ok "enomem is ERROR, not FAIL"
fi
run_case "the same file passes with the memory it needs" 0 \
  "1                1       0" -- "$wirerig" run nomem.scn --seed 1 --no-shrink

# Nothing a target started is left behind.
sleep 0.2
left=$(pgrep -f "$server [a-z0-9]+ [0-9]+$")
if [ -n "$left" ]; then
  echo "$left" >"$tmp/out"
  bad "fault servers left running (pids above)"
  kill $left 2>/dev/null
else
  ok "no fault server left running"
fi
echo "# $passes passed, $fails failed"
[ "$fails" -eq 0 ]
