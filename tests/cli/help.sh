#!/bin/sh
# The command line every `wirerig` command shares: help (`wirerig help CMD`,
# `CMD --help`, `CMD -h`, pcap's subcommands), `--version`, and the option
# rules of cli/cli_util.c's getopt_long wrapper as each command applies
# them: unknown options, --name=VALUE, an option given twice, a missing
# value, abbreviations, and "--".
#
#   tests/cli/help.sh WIRERIG VERSION      (VERSION: CMake's PROJECT_VERSION)
set -u
wirerig=${1:?usage: help.sh WIRERIG VERSION}
version=${2:?usage: help.sh WIRERIG VERSION}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failures=0
count=0

fail() {
  failures=$((failures + 1))
  printf 'FAIL %s\n' "$1"
  [ -s "$tmp/out" ] && printf '  stdout:\n%s\n' "$(head -c 2000 "$tmp/out")"
  [ -s "$tmp/err" ] && printf '  stderr:\n%s\n' "$(head -c 2000 "$tmp/err")"
}

# run ARGS...: wirerig with empty standard input; sets $rc.
run() {
  "$wirerig" "$@" </dev/null >"$tmp/out" 2>"$tmp/err"
  rc=$?
}

# expect NAME RC STDERR-TEXT -- ARGS...: exit status RC and stderr
# containing every line of STDERR-TEXT ("" = stderr must be empty).
expect() {
  name=$1 want_rc=$2 want_err=$3
  shift 4
  count=$((count + 1))
  run "$@"
  ok=1
  [ "$rc" = "$want_rc" ] || ok=0
  if [ -z "$want_err" ]; then
    [ -s "$tmp/err" ] && ok=0
  else
    printf '%s\n' "$want_err" >"$tmp/want"
    while IFS= read -r line; do
      grep -qF -- "$line" "$tmp/err" || ok=0
    done <"$tmp/want"
  fi
  [ $ok -eq 1 ] || fail "$name: wirerig $* (exit $rc, expected $want_rc; stderr should contain: $want_err)"
}

# has_all NAME FILE WORDS...: every word appears in FILE.
has_all() {
  name=$1 file=$2
  shift 2
  for w in "$@"; do
    count=$((count + 1))
    grep -qF -- "$w" "$file" || fail "$name: '$w' missing"
  done
}

# lacks NAME FILE WORDS...: no word appears in FILE.
lacks() {
  name=$1 file=$2
  shift 2
  for w in "$@"; do
    count=$((count + 1))
    if grep -qF -- "$w" "$file"; then fail "$name: '$w' should not be there"; fi
  done
}

# ---- version ----
for args in --version version; do
  count=$((count + 1))
  run $args
  if [ "$rc" != 0 ] || [ "$(cat "$tmp/out")" != "wirerig $version" ] || [ -s "$tmp/err" ]; then
    fail "wirerig $args: expected 'wirerig $version', exit 0"
  fi
done
expect "version with an argument" 2 "takes no arguments" -- --version x

# ---- the list of commands ----
for args in help --help -h; do
  count=$((count + 1))
  run $args
  if [ "$rc" != 0 ] || [ -s "$tmp/err" ] || ! head -1 "$tmp/out" | grep -q '^usage: wirerig COMMAND'; then
    fail "wirerig $args: expected the usage on stdout, exit 0"
  fi
  has_all "wirerig $args" "$tmp/out" decode pcap check replay run help version
done
count=$((count + 1))
run
if [ "$rc" != 2 ] || ! grep -q '^usage: wirerig COMMAND' "$tmp/err"; then
  fail "wirerig alone: expected the usage on stderr, exit 2"
fi
expect "unknown command" 2 "wirerig: unknown command 'nosuch'" -- nosuch
expect "help nosuch" 2 "wirerig help: unknown command 'nosuch'
Try 'wirerig help'" -- help nosuch
expect "help pcap nosuch" 2 "unknown subcommand 'nosuch'" -- help pcap nosuch
expect "help: too many" 2 "too many arguments" -- help decode extra
expect "help help" 0 "" -- help help
expect "help version" 0 "" -- help version

# ---- each command's help: three ways to ask, the same text ----
# help_of CMD OPTIONS...: `wirerig CMD --help`, `CMD -h` and `help CMD`
# print one usage starting "usage: wirerig CMD" that names every option.
help_of() {
  cmd=$1
  shift
  count=$((count + 1))
  # shellcheck disable=SC2086  # cmd may be "pcap flows"
  run $cmd --help
  if [ "$rc" != 0 ] || [ -s "$tmp/err" ] || ! head -1 "$tmp/out" | grep -q "^usage: wirerig $cmd"; then
    fail "wirerig $cmd --help: expected its usage on stdout, exit 0"
  fi
  cp "$tmp/out" "$tmp/help"
  has_all "wirerig $cmd --help" "$tmp/help" "$@"
  for other in "$cmd -h" "help $cmd"; do
    count=$((count + 1))
    # shellcheck disable=SC2086
    run $other
    if [ "$rc" != 0 ] || ! cmp -s "$tmp/out" "$tmp/help"; then
      fail "wirerig $other: not the same as wirerig $cmd --help"
    fi
  done
}

help_of decode --packet --packet-size --line-length --line-delimiter --json \
  --batch --help
help_of check --quiet -q --help
help_of replay --to --flow --timing --cut --seed --packet --packet-size \
  --line-length --line-delimiter --timeout --quiet --skip-gaps \
  --allow-remote --json --filter --no-checksum --help
help_of run --seeds --seed --transport --exhaustive-limit --schedule \
  --shrink-dir --no-shrink --max-schedules --jobs --junit --tap --verbose \
  -v --help
help_of pcap flows extract decode to-corpus to-scenario
count=$((count + 1))
run pcap help
cmp -s "$tmp/out" "$tmp/help" || fail "wirerig pcap help: not the same as --help"

# pcap's subcommands: their own usage with only the options that apply.
common="--filter --cap --no-checksum --help"
packets="--packet --packet-size --line-length --line-delimiter --flow --port"
# shellcheck disable=SC2086
{
  help_of "pcap flows" --json $common
  lacks "pcap flows --help" "$tmp/help" --out $packets --dir
  help_of "pcap extract" --out $common
  lacks "pcap extract --help" "$tmp/help" --json $packets --dir
  help_of "pcap decode" --json --dir $packets $common
  lacks "pcap decode --help" "$tmp/help" --out
  help_of "pcap to-corpus" --out --dir $packets $common
  lacks "pcap to-corpus --help" "$tmp/help" --json
  help_of "pcap to-scenario" --out $packets $common
  lacks "pcap to-scenario --help" "$tmp/help" --json
}
count=$((count + 1))
run pcap decode --help
cp "$tmp/out" "$tmp/help"
run pcap help decode
cmp -s "$tmp/out" "$tmp/help" || fail "wirerig pcap help decode: not the same as pcap decode --help"

# ---- unknown options: named, with the way to the help, exit 2 ----
for cmd in decode check replay run "pcap flows" "pcap extract" "pcap decode" \
  "pcap to-corpus" "pcap to-scenario"; do
  # shellcheck disable=SC2086
  expect "$cmd: unknown option" 2 "wirerig $cmd: unknown option '--frobnicate'
Try 'wirerig $cmd --help'." -- $cmd --frobnicate x
  # shellcheck disable=SC2086
  expect "$cmd: unknown short option" 2 "wirerig $cmd: unknown option '-Z'" -- $cmd -Z x
done
expect "pcap: unknown subcommand" 2 "wirerig pcap: unknown subcommand 'frob'
Try 'wirerig pcap --help'." -- pcap frob x
# An option of another subcommand is unknown here.
expect "pcap flows --packet" 2 "wirerig pcap flows: unknown option '--packet'
Try 'wirerig pcap flows --help'." -- pcap flows x.pcap --packet 2
# Abbreviations are refused (getopt_long would take them).
expect "decode: abbreviation" 2 "wirerig decode: unknown option '--pack'" -- decode --pack 2
expect "run: abbreviation" 2 "unknown option '--verb'; did you mean '--verbose'?" -- run --verb
expect "decode: value for a flag" 2 "wirerig decode: --json takes no value" -- decode --packet 2 --json=yes

# ---- --name=VALUE, the value checked as with --name VALUE ----
printf '\000\002hi' >"$tmp/in2"
count=$((count + 1))
"$wirerig" decode --packet=2 --packet-size=2 "$tmp/in2" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" != 0 ] || ! grep -qF 'packet 1 at offset 0 (2 bytes): "hi"' "$tmp/out"; then
  fail "decode --packet=2 --packet-size=2"
fi
expect "decode: = value checked" 2 "wirerig decode: --packet-size: expected an integer 0..4294967295, found 'x'" \
  -- decode --packet=2 --packet-size=x
expect "run: = value checked" 2 "wirerig run: --seeds: expected an integer 1..4294967295, found '0'" \
  -- run --seeds=0
expect "replay: = value checked" 2 "wirerig replay: --timing: expected original, fast or scale=X, found 'bogus'" \
  -- replay x.pcap --to=127.0.0.1:9 --timing=bogus
expect "pcap: = value checked" 2 "wirerig pcap flows: --cap: expected a size" \
  -- pcap flows x.pcap --cap=12

# ---- an option with a value given twice ----
expect "decode: twice" 2 "wirerig decode: --packet is given more than once
Try 'wirerig decode --help'." -- decode --packet 2 --packet=4
expect "pcap: twice" 2 "wirerig pcap decode: --flow is given more than once" \
  -- pcap decode x.pcap --packet 2 --flow 1 --flow 2
expect "replay: twice" 2 "wirerig replay: --to is given more than once" \
  -- replay x.pcap --to 127.0.0.1:9 --to=127.0.0.1:10
expect "run: twice" 2 "wirerig run: --jobs is given more than once" -- run --jobs 1 --jobs=2

# ---- a missing value ----
expect "decode: missing value" 2 "wirerig decode: --packet needs a value" -- decode --packet
expect "replay: missing value" 2 "wirerig replay: --to needs a value" -- replay x.pcap --to
expect "pcap: missing value" 2 "wirerig pcap extract: --out needs a value" -- pcap extract x.pcap --out

# ---- "--": what follows is positional, even when it looks like an option ----
cp "$tmp/in2" "$tmp/-in2"
count=$((count + 1))
(cd "$tmp" && "$wirerig" decode --packet 2 -- -in2) >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" != 0 ] || ! grep -qF '"hi"' "$tmp/out"; then
  fail "decode -- -in2: the file after -- was not read"
fi
expect "check: after --" 2 "wirerig check: -nofile.scn: No such file" -- check -- -nofile.scn

echo "cli_help: $count checks, $failures failed"
[ "$failures" -eq 0 ]
