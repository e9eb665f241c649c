#!/bin/sh
# The differential test: wirerig's framing against the real
# erlang:decode_packet/3, case by case (see README.md here).
#
#   tests/diff/run.sh WIRERIG COMPARE WORKDIR [SEED]
#
# WIRERIG is the `wirerig` binary, COMPARE the wr_diff_compare binary,
# WORKDIR where the case files are kept for inspection. Exits non-zero on
# any disagreement, and also when Erlang is missing: this test is not
# optional.
set -eu

if [ $# -lt 3 ] || [ $# -gt 4 ]; then
  echo "usage: $0 WIRERIG COMPARE WORKDIR [SEED]" >&2
  exit 2
fi
wirerig=$1
compare=$2
work=$3
seed=${4:-${WIRERIG_DIFF_SEED:-}}
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v escript >/dev/null 2>&1; then
  echo "differential_erlang: FAILED: 'escript' is not on PATH." >&2
  echo "This test compares wirerig with the real erlang:decode_packet/3 and" >&2
  echo "needs Erlang/OTP: run scripts/install-deps.sh (Debian package erlang-nox)." >&2
  exit 1
fi

mkdir -p "$work"
rm -rf "$work/streams" "$work/terms"
rm -f "$work"/*.jsonl "$work/streams.txt" "$work"/term_*.txt

# shellcheck disable=SC2086  # $seed is empty or one number
escript "$here/gen_cases.escript" "$work" $seed

status=0

# 1. One decode_packet/3 call per line.
echo "== decode_packet/3 calls (wirerig decode --batch)"
"$wirerig" decode --batch "$work/cases.jsonl" >"$work/actual.jsonl" || {
  echo "differential_erlang: 'wirerig decode --batch' failed with status $?" >&2
  exit 1
}
"$compare" "$work/cases.jsonl" "$work/expected.jsonl" "$work/actual.jsonl" ||
  status=1

# 2. Whole streams, the HTTP state carried across packets
#    (wirerig decode --json, one run per stream; each run's lines are joined
#    into one JSON array so the same comparison applies).
echo "== streams (wirerig decode --json)"
: >"$work/stream_actual.jsonl"
while read -r file args; do
  set +e
  # shellcheck disable=SC2086  # args are flags written by the generator
  "$wirerig" decode $args --json "$work/streams/$file" >"$work/stream.out"
  rc=$?
  set -e
  last=$(tail -n 1 "$work/stream.out")
  case "$rc:$last" in
  1:*'"result":"error"'*) ;;
  0:*'"result":"complete"'* | 0:*'"result":"more"'*) ;;
  *)
    echo "differential_erlang: 'wirerig decode $args --json $file' exited" \
      "with status $rc after: $last" >&2
    status=1
    ;;
  esac
  { printf '['; paste -sd, "$work/stream.out" | tr -d '\n'; printf ']\n'; } \
    >>"$work/stream_actual.jsonl"
done <"$work/streams.txt"
"$compare" "$work/stream_cases.jsonl" "$work/stream_expected.jsonl" \
  "$work/stream_actual.jsonl" || status=1

# 3. HTTP packets printed as Erlang terms (wirerig decode, text output):
#    lists for http/httph, binaries for http_bin/httph_bin.
echo "== HTTP terms (wirerig decode --packet http*)"
: >"$work/term_actual.txt"
while read -r file args; do
  # shellcheck disable=SC2086  # args are flags written by the generator
  "$wirerig" decode $args "$work/terms/$file" >"$work/term.out" || true
  sed -n "s/^packet [0-9]* at offset [0-9]*: /$file /p" "$work/term.out" \
    >>"$work/term_actual.txt"
done <"$work/term_streams.txt"
if ! diff -u "$work/term_expected.txt" "$work/term_actual.txt" \
  >"$work/term.diff"; then
  echo "differential_erlang: printed HTTP terms differ from Erlang's" \
    "(expected: io_lib:print of decode_packet's packet):" >&2
  head -n 20 "$work/term.diff" >&2
  status=1
else
  echo "$(wc -l <"$work/term_expected.txt") terms agree"
fi

if [ "$status" -ne 0 ]; then
  echo "The cases are in $work (cases/expected/actual.jsonl, stream_*.jsonl, streams/," \
    "term_*.txt, terms/)."
  echo "Reproduce: $0 $wirerig $compare $work ${seed:-}"
  echo "One case:  sed -n 'Np' $work/cases.jsonl | $wirerig decode --batch"
fi
exit "$status"
