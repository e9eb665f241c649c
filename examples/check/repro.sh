#!/usr/bin/env bash
# The planted bug of examples/check is found, shrunk to one cut, and the
# printed command reproduces exactly that report, every time it is run.
# Usage: repro.sh CHECK_LENPREFIX [RUNS]
set -uo pipefail
bin=$1 runs=${2:-100}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

"$bin" >"$tmp/good" 2>&1 || { cat "$tmp/good"; echo "repro: the correct decoder failed" >&2; exit 1; }
"$bin" --bug >"$tmp/bug" 2>&1
rc=$?
[ $rc -eq 1 ] || { cat "$tmp/bug"; echo "repro: --bug exited $rc, expected 1" >&2; exit 1; }
grep -q '^  cuts (1): ' "$tmp/bug" || { cat "$tmp/bug"; echo "repro: not shrunk to one cut" >&2; exit 1; }
line=$(sed -n 's/^  reproduce: //p' "$tmp/bug")
[ -n "$line" ] || { cat "$tmp/bug"; echo "repro: no reproduce line" >&2; exit 1; }
# The report of the original run, from its header on, less the first line
# (which names the mode and schedule) and the reproduce line itself.
report() { sed -n '/failed (/,$p' "$1" | sed '1d;/^  reproduce: /d'; }
report "$tmp/bug" >"$tmp/want"
for i in $(seq 1 "$runs"); do
  bash -c "$line" >"$tmp/again" 2>&1
  rc=$?
  [ $rc -eq 1 ] || { cat "$tmp/again"; echo "repro: run $i of the printed command exited $rc" >&2; exit 1; }
  report "$tmp/again" >"$tmp/got"
  cmp -s "$tmp/want" "$tmp/got" || { diff "$tmp/want" "$tmp/got"; echo "repro: run $i reported something else" >&2; exit 1; }
done
echo "repro: found with one cut; the printed command reproduced it $runs times out of $runs"
