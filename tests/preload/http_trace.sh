#!/usr/bin/env bash
# `wirerig exec --seed 1 --reads fixed:1 --trace T -- python3 -m
# http.server` serves a real client correctly; T shows one-byte reads
# only; a second run with the same seed and traffic gives a byte-identical
# trace, and another seed with random cuts a different one.
#   http_trace.sh WIRERIG
set -uo pipefail
wirerig=$1
here=$(cd "$(dirname "$0")" && pwd)
. "$here/common.sh"
tmp=$(mktemp -d)
trap 'stop; rm -rf "$tmp"' EXIT
trap 'exit 1' INT TERM
fail() { echo "http_trace: $*" >&2; exit 1; }
mkdir "$tmp/www"
printf 'line %d of a file served one byte at a time\n' $(seq 200) >"$tmp/www/page.txt"

fetch() { # fetch PORT: GET /page.txt with an unshaped client, compare
  "$py" - "$1" "$tmp/www/page.txt" <<'PY' || return 1
import sys, urllib.request
body = urllib.request.urlopen("http://127.0.0.1:%s/page.txt" % sys.argv[1], timeout=20).read()
assert body == open(sys.argv[2], "rb").read(), "body differs"
PY
}
serve() { # serve TRACE SEED READS
  local port
  port=$(free_port)
  start "$tmp/server.log" "$wirerig" exec --seed "$2" --reads "$3" --trace "$1" \
    -- "$py" -m http.server "$port" --bind 127.0.0.1 --directory "$tmp/www"
  wait_listen "$port" || { cat "$tmp/server.log"; fail "the server did not listen"; }
  fetch "$port" || { cat "$tmp/server.log"; fail "wrong answer (seed $2, reads $3)"; }
  stop
}

serve "$tmp/t1" 1 fixed:1
serve "$tmp/t2" 1 fixed:1
grep -q '^conn=0 accept$' "$tmp/t1" || fail "no accept in the trace"
ones=$(grep -c '^conn=0 in recv ask=[0-9]* got=1$' "$tmp/t1")
[ "$ones" -ge 40 ] || { cat "$tmp/t1"; fail "expected one-byte reads, found $ones"; }
if grep -E '^conn=[0-9]+ in [a-z]+ ask=[0-9]+ got=([2-9]|[1-9][0-9]+)$' "$tmp/t1"; then
  fail "a read gave more than one byte under fixed:1"
fi
grep -q '^conn=0 out ' "$tmp/t1" || fail "no write in the trace"
cmp "$tmp/t1" "$tmp/t2" || { diff "$tmp/t1" "$tmp/t2" | head; fail "same seed, different traces"; }
serve "$tmp/t3" 7 random:1-20
serve "$tmp/t4" 7 random:1-20
cmp -s "$tmp/t1" "$tmp/t3" && fail "random cuts gave the fixed:1 trace"
# Random cuts: the cut offsets are the seed's; what a read got can only be
# less when the kernel had less, so compare the cut points, not the lines.
echo "http_trace: $ones one-byte reads, identical traces for one seed ($(wc -l <"$tmp/t1") lines)"
