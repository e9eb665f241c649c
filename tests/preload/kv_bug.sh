#!/usr/bin/env bash
# The example server's --bug (one recv() taken as one frame) is caught
# under the shim: over seeds with random read cuts, the first seed that
# fails prints a `wirerig exec` command; that command fails again on
# RUNS runs out of RUNS (default 100). The correct server passes every
# seed tried.
#   kv_bug.sh WIRERIG KVSERVER [RUNS]
set -uo pipefail
wirerig=$1 kv=$2 runs=${3:-100}
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
tmp=$(mktemp -d)
trap 'stop; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
fail() { echo "kv_bug: $*" >&2; exit 1; }

# One client session: {packet,2} requests sent whole, one at a time, each
# answer checked (2 s timeout: the buggy server may wait forever).
session() {
  "$py" - "$1" <<'PY'
import socket, struct, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=2)
def ask(req, want):
    s.sendall(struct.pack(">H", len(req)) + req)
    b = b""
    while len(b) < 2:
        k = s.recv(2 - len(b)); assert k, "closed"; b += k
    n = struct.unpack(">H", b)[0]
    body = b""
    while len(body) < n:
        k = s.recv(n - len(body)); assert k, "closed"; body += k
    assert body == want, (req, body, want)
ask(b"SET colour blue", b"OK")
ask(b"GET colour", b"blue")
ask(b"GET shape", b"NOTFOUND")
ask(b"hello", b"hello")
PY
}
try() { # try SEED [--bug]: 0 when the session passes
  local port
  port=$(free_port)
  start "$tmp/kv.log" "$wirerig" exec --seed "$1" --reads random:1-24 -- "$kv" --port "$port" ${2:-}
  wait_listen "$port" || { cat "$tmp/kv.log"; fail "kvserver did not listen"; }
  session "$port" >"$tmp/session.log" 2>&1
  local rc=$?
  stop
  return $rc
}

for seed in $(seq 1 10); do
  try "$seed" || { cat "$tmp/session.log"; fail "the correct server failed with seed $seed"; }
done
found=
for seed in $(seq 1 50); do
  if ! try "$seed" --bug; then found=$seed; break; fi
done
[ -n "$found" ] || fail "--bug not caught in 50 seeds"
echo "kv_bug: --bug caught with seed $found"
echo "  reproduce: wirerig exec --seed $found --reads random:1-24 -- $kv --port PORT --bug"
start_s=$(date +%s)
for i in $(seq 1 "$runs"); do
  try "$found" --bug && fail "run $i of seed $found passed: not reproducible"
done
echo "kv_bug: seed $found failed $runs runs out of $runs ($(($(date +%s) - start_s)) s)"

# The same through a scenario (scenarios/target/kv-shim.scn, `shim=`): the
# run over seeds fails, and its printed `--seed` command fails again on
# every one of RUNS runs. Run from the top of the checkout.
export WIRERIG_KVSERVER=$kv WIRERIG_KVSERVER_ARGS=--bug
out=$("$wirerig" run scenarios/target/kv-shim.scn --shrink-dir "$tmp" 2>&1)
[ $? -eq 1 ] || { echo "$out"; fail "kv-shim.scn should fail against --bug"; }
repro=$(grep -m1 '  reproduce: wirerig ' <<<"$out" | sed 's/^  reproduce: wirerig //')
grep -q -- '--seed ' <<<"$repro" || { echo "$out"; fail "no --seed in the reproduction command"; }
start_s=$(date +%s)
for i in $(seq 1 "$runs"); do
  # shellcheck disable=SC2086 # the printed command is a list of words
  "$wirerig" $repro --no-shrink >/dev/null 2>&1
  rc=$?
  [ $rc -eq 1 ] || fail "run $i of 'wirerig $repro' exited $rc, not 1"
done
echo "kv_bug: 'wirerig $repro' failed $runs runs out of $runs ($(($(date +%s) - start_s)) s)"
WIRERIG_KVSERVER_ARGS= out=$("$wirerig" run scenarios/target/kv-shim.scn 2>&1) ||
  { echo "$out"; fail "kv-shim.scn should pass against the correct server"; }
