#!/bin/bash
# `wirerig check` as a program: exit codes, the error lines on stderr, the
# summary on stdout, recursion into directories.
#
#   tests/scenario/check_cli.sh WIRERIG DIR   (DIR = tests/scenario)
set -u
wirerig=${1:?usage: check_cli.sh WIRERIG DIR}
dir=${2:?usage: check_cli.sh WIRERIG DIR}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
count=0

# check NAME RC STDOUT STDERR -- ARGS...
# STDOUT must match exactly; STDERR exactly too ("" = empty), or, when it
# starts with '~', contain the rest.
check() {
  name=$1 want_rc=$2 want_out=$3 want_err=$4
  shift 5
  count=$((count + 1))
  (cd "$dir/cli" && "$wirerig" check "$@") >"$tmp/out" 2>"$tmp/err"
  rc=$?
  out=$(cat "$tmp/out")
  err=$(cat "$tmp/err")
  ok=1
  [ "$rc" = "$want_rc" ] || ok=0
  [ "$out" = "$want_out" ] || ok=0
  case "$want_err" in
  "~"*) case "$err" in *"${want_err#\~}"*) ;; *) ok=0 ;; esac ;;
  *) [ "$err" = "$want_err" ] || ok=0 ;;
  esac
  if [ $ok -eq 0 ]; then
    failures=$((failures + 1))
    printf 'FAIL %s: wirerig check %s\n' "$name" "$*"
    printf '  exit %s (expected %s)\n' "$rc" "$want_rc"
    printf '  stdout:\n%s\n  expected stdout:\n%s\n' "$out" "$want_out"
    printf '  stderr:\n%s\n  expected stderr:\n%s\n' "$err" "$want_err"
  fi
}

check "valid dir" 0 "2 files checked: all valid" "" -- good
check "valid file" 0 "1 file checked: all valid" "" -- good/one.scn
check "quiet" 0 "" "" -- -q good
check "invalid file" 2 "1 file checked: 1 invalid, 3 errors" \
"bad/errors.scn:3:8: unknown verb 'sned'; expected one of: listen connect accept send recv message messages nothing drain setopts getopts shutdown close owner mailbox state sent received stream sockname peername
bad/errors.scn:4:16: unknown endpoint 'srv'; expected a name declared above (by listen, connect, accept, target or owner)
bad/errors.scn:6:13: bad escape '\\x4' in string; expected \\xHH with exactly two hex digits" \
  -- bad/errors.scn
check "mixed" 2 "3 files checked: 1 invalid, 3 errors" "~bad/errors.scn:6:13:" \
  -- good bad
check "processes misused" 2 "1 file checked: 1 invalid, 3 errors" \
"badprocs/procs.scn:4:3: spawn is allowed only at the top of the file, not inside a spawn block; spawn every process at the top
badprocs/procs.scn:7:7: unknown process 'C' for await; expected a name spawned above (spawn NAME { ... })
badprocs/procs.scn:8:7: 'L' is not a process (only spawn NAME { ... } makes one); await needs a process" \
  -- badprocs/procs.scn
check "file named explicitly, any name" 2 "1 file checked: 1 invalid, 1 error" \
  "~good/notes.txt:1:5: unknown verb 'a'" -- good/notes.txt
# Nothing checked is never "all valid" (issue #15): the summary agrees
# with the exit status.
check "missing path" 2 "" \
  "wirerig check: nope.scn: No such file or directory
wirerig check: no scenario files found" -- nope.scn
check "dir without scenarios" 2 "" \
  "wirerig check: empty_has_none: no scenario files found
wirerig check: no scenario files found" -- empty_has_none
check "no arguments" 2 "" "~wirerig check: no files or directories given" --
check "bad flag" 2 "" "wirerig check: unknown option '--bogus'
Try 'wirerig check --help'." -- --bogus good
# --help prints usage on stdout: check its first line separately
count=$((count + 1))
first=$("$wirerig" check --help | head -1)
if [ "$first" != "usage: wirerig check [-q] [--max-data MIB] FILE|DIR..." ]; then
  failures=$((failures + 1))
  printf 'FAIL help text: %s\n' "$first"
fi

# A fifo named on the command line must not hang the check.
mkfifo "$tmp/pipe.scn"
count=$((count + 1))
out=$(timeout 10 "$wirerig" check "$tmp/pipe.scn" 2>&1)
rc=$?
case "$rc:$out" in
2:*"not a regular file"*) ;;
*) failures=$((failures + 1)); printf 'FAIL fifo: exit %s: %s\n' "$rc" "$out" ;;
esac

echo "$count checks, $failures failed"
[ $failures -eq 0 ]
