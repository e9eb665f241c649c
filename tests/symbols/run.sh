#!/usr/bin/env bash
# The symbols wirerig's libraries give to the programs that link them.
#
# Static archives (.a): every global symbol they define must be defined
# once and carry the wr_ prefix: the libraries are linked together into
# users' programs, and a clash (two wr_stream_free) only shows up at their
# link.
# Shared libraries (.so): what each one exports (nm -D) must be the public
# API only -- wr_ functions declared in the public headers (HEADERS_DIR),
# each exported by one library -- and each library exports something: its
# internal helpers stay local (the version script of
# cmake/WirerigPublicApi.cmake).
#
# Usage: run.sh [--headers HEADERS_DIR] LIB...
# --headers is needed when a LIB is a shared library. $CMAKE names cmake
# (default: the one on PATH), which lists the public API.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
headers=
if [ "${1:-}" = --headers ]; then
  headers=$2
  shift 2
fi
[ $# -gt 0 ] || { echo "symbols: no libraries given" >&2; exit 2; }

status=0
api=
nstatic=0 nshared=0
defs=$(for lib in "$@"; do
  case $(basename "$lib") in
  *.a)
    nm -g --defined-only "$lib" | awk -v lib="$(basename "$lib")" \
      'NF == 3 && $2 ~ /[TDBRC]/ { print $3, lib }'
    ;;
  *.so | *.so.*)
    nm -D --defined-only "$lib" | awk -v lib="$(basename "$lib")" \
      'NF == 3 { print $3, lib }'
    ;;
  *)
    echo "symbols: $lib is neither a static (.a) nor a shared (.so) library" >&2
    exit 2
    ;;
  esac
done | sort)

for lib in "$@"; do
  case $(basename "$lib") in
  *.a) nstatic=$((nstatic + 1)) ;;
  *)
    nshared=$((nshared + 1))
    if ! printf '%s\n' "$defs" | awk -v lib="$(basename "$lib")" '$2 == lib { found = 1 } END { exit !found }'; then
      echo "symbols: $(basename "$lib") exports nothing" >&2
      status=1
    fi
    ;;
  esac
done

dups=$(printf '%s\n' "$defs" | awk 'NF { print $1 }' | uniq -d)
if [ -n "$dups" ]; then
  echo "symbols: defined in more than one library:" >&2
  for s in $dups; do
    printf '  %s in %s\n' "$s" "$(printf '%s\n' "$defs" | awk -v s="$s" '$1 == s { printf "%s ", $2 }')" >&2
  done
  status=1
fi
bad=$(printf '%s\n' "$defs" | awk 'NF && $1 !~ /^(wr_|WR_|_)/ { print "  " $1 " in " $2 }')
if [ -n "$bad" ]; then
  echo "symbols: global names without the wr_ prefix:" >&2
  printf '%s\n' "$bad" >&2
  status=1
fi

if [ $nshared -gt 0 ]; then
  [ -n "$headers" ] || { echo "symbols: shared libraries need --headers DIR" >&2; exit 2; }
  api=$("${CMAKE:-cmake}" -DWR_HEADERS_DIR="$headers" -P "$here/../../cmake/WirerigPublicApi.cmake")
  [ -n "$api" ] || { echo "symbols: no public API found in $headers" >&2; exit 2; }
  # Shared: nothing beyond the public API, not even _-prefixed names.
  private=$(printf '%s\n' "$defs" | awk -v lib_re='[.]so' '$2 ~ lib_re { print $1, $2 }' |
    awk 'NR == FNR { api[$1] = 1; next } !($1 in api) { print "  " $1 " in " $2 }' \
      <(printf '%s\n' "$api") -)
  if [ -n "$private" ]; then
    echo "symbols: shared libraries export names their public headers do not declare:" >&2
    printf '%s\n' "$private" >&2
    status=1
  fi
fi

if [ $status -eq 0 ]; then
  msg="$(printf '%s\n' "$defs" | awk 'NF' | wc -l) global symbols in $# libraries, all distinct and prefixed"
  [ $nshared -gt 0 ] && msg="$msg; the $nshared shared ones export only the public API ($(printf '%s\n' "$api" | wc -l) names declared)"
  echo "symbols: $msg"
fi
exit $status
