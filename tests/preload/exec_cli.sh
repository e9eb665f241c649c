#!/usr/bin/env bash
# `wirerig exec` on bad input: each case gives its exit status and a
# message that says what is wrong.
#   exec_cli.sh WIRERIG
set -uo pipefail
wirerig=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
# expect STATUS PATTERN ARGS...: exit status and a line of stderr
expect() {
  local want=$1 pat=$2
  shift 2
  "$wirerig" exec "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  local rc=$?
  if [ $rc -ne "$want" ] || { [ -n "$pat" ] && ! grep -qE -- "$pat" "$tmp/err"; }; then
    echo "exec_cli: 'wirerig exec $*': want exit $want and /$pat/, got $rc:" >&2
    cat "$tmp/err" >&2
    bad=1
  fi
}
expect 2 "--seed 'x': expected an unsigned decimal integer" --seed x -- true
expect 2 "--seed '-1'" --seed -1 -- true
expect 2 "--reads: policy item 1 'fixed:0'" --reads fixed:0 -- true
expect 2 "--reads: policy item 1 'sometimes'" --reads sometimes -- true
expect 2 "--writes: .*latency, jitter and bandwidth are not supported" --writes latency:1ms -- true
expect 2 "--faults: fault item 1 'bogus:1': unknown fault" --faults bogus:1 -- true
expect 2 "--faults: fault item 2 'eintr:2': probability" --faults "eof:3 eintr:2" -- true
expect 2 "--faults: fault item 1 'reset:x'" --faults reset:x -- true
expect 2 "--ports: .*70000 is not a port" --ports 80,70000 -- true
expect 2 "--conn-reads: connection policy item 2: policy item 1 'fixed:0'" --conn-reads "0=whole;1=fixed:0" -- true
expect 2 "--conn-reads: .*connection 0 given twice" --conn-reads "0=whole;0=cuts:1" -- true
expect 2 "option '--bogus' is unknown" --bogus -- true
expect 2 "no program given" --seed 1
expect 2 "--trace .*: No such file or directory" --trace "$tmp/no/dir/t" -- true
expect 127 "no-such-program-here: command not found in PATH" -- no-such-program-here
expect 127 "$tmp/missing: no such file" -- "$tmp/missing"
touch "$tmp/plain"
expect 126 "not an executable file" -- "$tmp/plain"
# A static program never loads an LD_PRELOAD library: refused, not run.
if file -L /sbin/ldconfig 2>/dev/null | grep -q 'static'; then
  expect 126 "refusing to run /sbin/ldconfig: .*statically linked" -- /sbin/ldconfig -p
fi
printf '#!/no/such/interpreter\n' >"$tmp/script" && chmod +x "$tmp/script"
expect 126 "refusing to run" -- "$tmp/script"
# A program that exits early: its status, and a line that says so.
expect 3 "sh exited with status 3" -- sh -c 'exit 3'
expect 1 "false exited with status 1" -- false
expect 0 "" -- true
# The program's own options are its own ('+' in getopt_long).
"$wirerig" exec --seed 1 -- sh -c 'echo "$0 $1"' --seed x >"$tmp/out" 2>&1 &&
  grep -qx -- "--seed x" "$tmp/out" || { echo "exec_cli: PROG's options were taken" >&2; bad=1; }
# The shim is really loaded, with the configuration it was given.
"$wirerig" exec --seed 42 --reads fixed:3 --conn-reads '1=cuts:2' -- sh -c 'echo "$LD_PRELOAD|$WIRERIG_PRELOAD_SEED|$WIRERIG_PRELOAD_READS|$WIRERIG_PRELOAD_CONN_READS"' >"$tmp/out" 2>&1
grep -qE 'libwirerig_preload\.so\|42\|fixed:3\|1=cuts:2$' "$tmp/out" || { cat "$tmp/out"; echo "exec_cli: environment not passed" >&2; bad=1; }
[ $bad -eq 0 ] && echo "exec_cli: every case gave its status and message"
exit $bad
