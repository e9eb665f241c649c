#!/usr/bin/env bash
# Every global symbol that wirerig's libraries define must be defined once
# and carry the wr_ prefix: the libraries are linked together into users'
# programs, and a clash (two wr_stream_free) only shows up at their link.
# Usage: run.sh LIB.a...
set -euo pipefail
[ $# -gt 0 ] || { echo "symbols: no libraries given" >&2; exit 2; }
defs=$(for lib in "$@"; do
  nm -g --defined-only "$lib" | awk -v lib="$(basename "$lib")" \
    'NF == 3 && $2 ~ /[TDBRC]/ { print $3, lib }'
done | sort)
status=0
dups=$(printf '%s\n' "$defs" | awk '{ print $1 }' | uniq -d)
if [ -n "$dups" ]; then
  echo "symbols: defined in more than one library:" >&2
  for s in $dups; do
    printf '  %s in %s\n' "$s" "$(printf '%s\n' "$defs" | awk -v s="$s" '$1 == s { printf "%s ", $2 }')" >&2
  done
  status=1
fi
bad=$(printf '%s\n' "$defs" | awk '$1 !~ /^(wr_|WR_|_)/ { print "  " $1 " in " $2 }')
if [ -n "$bad" ]; then
  echo "symbols: global names without the wr_ prefix:" >&2
  printf '%s\n' "$bad" >&2
  status=1
fi
[ $status -eq 0 ] && echo "symbols: $(printf '%s\n' "$defs" | wc -l) global symbols in $# libraries, all distinct and prefixed"
exit $status
