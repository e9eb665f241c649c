#!/usr/bin/env bash
# The install test. Installs the build tree into a scratch prefix, builds a
# second copy of wirerig with the other kind of library (shared when the
# build tree is static, static when it is shared: only the libraries, no
# tests, benchmarks or fuzzers) into a second prefix, and against each
# prefix builds and runs a user's program (consumer/):
#   - find_package(wirerig COMPONENTS framing): only wirerig::framing (and
#     base, which static libraries link) is defined; a program linked to it
#   - find_package(wirerig COMPONENTS sock): sock and what it links
#   - find_package(wirerig): every component; a program including every
#     header (wirerig/wirerig.h) compiled as C99 -pedantic
#   - find_package(wirerig COMPONENTS framing nosuch) fails, naming nosuch
#     and the known components
#   - pkg-config wirerig-framing and wirerig (the all-in-one module)
# With shared libraries, the programs must really load libwirerig_*.so from
# the prefix (readelf NEEDED, ldd) and each .so must export only the public
# API (tests/symbols/run.sh); static programs must need no libwirerig .so.
#
# Usage: run.sh BUILD_DIR C_COMPILER [SANITIZE [BUILD_TYPE [SHARED [WERROR]]]]
# SHARED and WERROR are the build tree's BUILD_SHARED_LIBS and
# WIRERIG_WERROR (ON/OFF). $CMAKE names cmake (default: the one on PATH).
set -euo pipefail
build=$1 cc=$2 sanitize=${3:-} build_type=${4:-RelWithDebInfo}
shared=${5:-OFF} werror=${6:-OFF}
here=$(cd "$(dirname "$0")" && pwd)
src=$(cd "$here/../.." && pwd)
cmake=${CMAKE:-cmake}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

flags=()
[ -n "$sanitize" ] && flags=(-fsanitize="$sanitize")
c99=(-std=c99 -pedantic -Wall -Wextra -Werror)

fail() {
  echo "install: FAIL: $*" >&2
  exit 1
}
# Runs a command with a time limit, its output kept in a log that is shown
# only when it fails.
quiet() { # SECONDS LOG COMMAND...
  local secs=$1 log=$2
  shift 2
  if ! timeout "$secs" "$@" >"$log" 2>&1; then
    cat "$log" >&2
    fail "$* (exit status or timeout after ${secs}s above)"
  fi
}
is_on() { case ${1^^} in ON | 1 | TRUE | YES | Y) return 0 ;; esac; return 1; }

# A list one a line, on one line.
words() { tr '\n' ' ' <<<"$1" | sed 's/ *$//'; }
# The libwirerig sonames a program needs, one a line.
needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(libwirerig_[^]]*\)\]/\1/p' | sort; }

# check_links KIND PROGRAM PREFIX [--only] LIB...: a shared program needs
# libwirerig_LIB.so.* for each LIB (with --only, those and no other
# libwirerig), every one loaded from PREFIX; a static one needs none.
check_links() {
  local kind=$1 prog=$2 prefix=$3 only=
  shift 3
  [ "$1" = --only ] && only=1 && shift
  local name got
  name=$(basename "$prog")
  got=$(needed "$prog")
  if [ "$kind" = static ]; then
    [ -z "$got" ] || fail "$name (static) needs $(words "$got")"
    echo "   $name needs no libwirerig shared library"
    return
  fi
  for lib in "$@"; do
    grep -q "^libwirerig_$lib\.so\." <<<"$got" ||
      fail "$name does not need libwirerig_$lib.so (needs: $(words "$got"))"
  done
  if [ -n "$only" ] && [ "$(wc -l <<<"$got")" -ne $# ]; then
    fail "$name needs more than $*: $(words "$got")"
  fi
  local so path
  while read -r so path; do
    case $path in
    "$prefix"/*) ;;
    *) fail "$name: $so resolves to '$path', not under $prefix" ;;
    esac
  done < <(ldd "$prog" | awk '/libwirerig_/ { print $1, $3 }')
  echo "   $name needs $(words "$got"), loaded from the prefix (ldd)"
}

# consume KIND PREFIX: every consumer against the install in PREFIX.
consume() {
  local kind=$1 prefix=$2
  local work=$tmp/$kind
  local libdir
  libdir=$(dirname "$(find "$prefix" -name wirerig.pc -print -quit)")
  libdir=$(dirname "$libdir")
  [ -d "$libdir" ] || fail "no wirerig.pc under $prefix"
  local has_base=
  [ "$kind" = static ] && has_base="base "

  if [ "$kind" = shared ]; then
    ls "$libdir"/libwirerig_*.a >/dev/null 2>&1 && fail "the shared install has static archives: $(ls "$libdir"/libwirerig_*.a)"
    ls "$libdir"/libwirerig_base.* >/dev/null 2>&1 && fail "the shared install has wirerig's private base library"
    echo "== [$kind] the libraries export only the public API"
    local sos
    mapfile -t sos < <(find "$libdir" -name 'libwirerig_*.so.*.*.*' | sort)
    [ ${#sos[@]} -gt 0 ] || fail "no libwirerig_*.so.X.Y.Z in $libdir"
    quiet 120 "$work-symbols.log" env CMAKE="$cmake" bash "$src/tests/symbols/run.sh" \
      --headers "$prefix/include/wirerig" "${sos[@]}"
    sed 's/^/   /' "$work-symbols.log"
  fi

  local cflags=(-DCMAKE_C_COMPILER="$cc" -DCMAKE_PREFIX_PATH="$prefix"
    -DCMAKE_C_FLAGS="${flags[*]:-}")

  echo "== [$kind] find_package(wirerig REQUIRED COMPONENTS framing)"
  quiet 120 "$work-framing.log" "$cmake" -S "$here/consumer" -B "$work/framing" \
    "${cflags[@]}" -DWR_COMPONENTS=framing
  grep -qx -- "-- wirerig targets: ${has_base}framing" "$work-framing.log" ||
    fail "COMPONENTS framing: expected the targets '${has_base}framing', got: $(grep 'wirerig targets' "$work-framing.log")"
  quiet 120 "$work-framing-build.log" "$cmake" --build "$work/framing"
  timeout 60 "$work/framing/consumer_framing" || fail "consumer_framing (find_package framing)"
  check_links "$kind" "$work/framing/consumer_framing" "$prefix" --only framing

  echo "== [$kind] find_package(wirerig REQUIRED COMPONENTS sock): its dependencies come too"
  quiet 120 "$work-sock.log" "$cmake" -S "$here/consumer" -B "$work/sock" \
    "${cflags[@]}" -DWR_COMPONENTS=sock
  grep -qx -- "-- wirerig targets: ${has_base}framing spec net sock" "$work-sock.log" ||
    fail "COMPONENTS sock: expected the targets '${has_base}framing spec net sock', got: $(grep 'wirerig targets' "$work-sock.log")"
  echo "   $(grep -o 'wirerig targets: .*' "$work-sock.log")"

  echo "== [$kind] find_package(wirerig REQUIRED): every component, every header as C99"
  quiet 120 "$work-all.log" "$cmake" -S "$here/consumer" -B "$work/all" "${cflags[@]}"
  grep -qx -- "-- wirerig targets: ${has_base}framing spec check net sock scenario capture runner" "$work-all.log" ||
    fail "no components: expected every target, got: $(grep 'wirerig targets' "$work-all.log")"
  quiet 120 "$work-all-build.log" "$cmake" --build "$work/all"
  timeout 60 "$work/all/consumer" || fail "consumer (find_package, every component)"
  check_links "$kind" "$work/all/consumer" "$prefix" framing scenario capture
  # wirerig_add_fuzz_target from the package: the replay binary of a user's
  # check target, and its corpus test, run under this compiler.
  [ -x "$work/all/consumer_fuzz_replay" ] || fail "wirerig_add_fuzz_target built no consumer_fuzz_replay"
  quiet 120 "$work-all-ctest.log" ctest --test-dir "$work/all" --output-on-failure
  grep -q "fuzz_replay_consumer_fuzz .*Passed" "$work-all-ctest.log" ||
    fail "the consumer's fuzz corpus test did not run and pass: $(cat "$work-all-ctest.log")"
  echo "   wirerig_add_fuzz_target: consumer_fuzz_replay replayed the corpus under $(basename "$cc")"

  echo "== [$kind] find_package(wirerig REQUIRED COMPONENTS framing nosuch) fails"
  if timeout 120 "$cmake" -S "$here/consumer" -B "$work/unknown" "${cflags[@]}" \
    "-DWR_COMPONENTS=framing;nosuch" >"$work-unknown.log" 2>&1; then
    cat "$work-unknown.log" >&2
    fail "an unknown component was accepted"
  fi
  # CMake wraps the message; join the lines before looking for it.
  local want="wirerig has no component nosuch; its components are: framing, spec, check, net, sock, scenario, capture, runner"
  tr -s ' \n' ' ' <"$work-unknown.log" | grep -qF "$want" || {
    cat "$work-unknown.log" >&2
    fail "the unknown component's message is not: $want"
  }
  echo "   $want"

  echo "== [$kind] pkg-config wirerig-framing, wirerig"
  local pc
  pc=(env PKG_CONFIG_PATH="$libdir/pkgconfig")
  local lflags
  lflags=$("${pc[@]}" pkg-config --cflags --libs wirerig-framing) ||
    fail "pkg-config wirerig-framing"
  echo "   pkg-config --cflags --libs wirerig-framing: $lflags"
  # shellcheck disable=SC2086 # pkg-config output is a list of words
  quiet 120 "$work-pc-framing.log" "$cc" "${flags[@]}" "${c99[@]}" -o "$work/pc-framing" \
    "$here/consumer/framing.c" $lflags
  LD_LIBRARY_PATH="$libdir" timeout 60 "$work/pc-framing" || fail "consumer_framing (pkg-config)"
  LD_LIBRARY_PATH="$libdir" check_links "$kind" "$work/pc-framing" "$prefix" --only framing
  lflags=$("${pc[@]}" pkg-config --cflags --libs wirerig) || fail "pkg-config wirerig"
  # shellcheck disable=SC2086
  quiet 120 "$work-pc-all.log" "$cc" "${flags[@]}" "${c99[@]}" -o "$work/pc-all" \
    "$here/consumer/main.c" $lflags
  LD_LIBRARY_PATH="$libdir" timeout 60 "$work/pc-all" || fail "consumer (pkg-config wirerig)"
  LD_LIBRARY_PATH="$libdir" check_links "$kind" "$work/pc-all" "$prefix" framing scenario capture
}

if is_on "$shared"; then kind=shared other=static other_shared=OFF; else kind=static other=shared other_shared=ON; fi

echo "== install the build tree ($kind libraries)"
quiet 300 "$tmp/install.log" "$cmake" --install "$build" --prefix "$tmp/$kind-prefix"

# The libraries of the build tree, to build them alone in the second copy.
targets=()
for f in $(find "$tmp/$kind-prefix" -name 'wirerig-*.pc' | sort); do
  n=$(basename "$f" .pc)
  targets+=("wirerig_${n#wirerig-}")
done
[ ${#targets[@]} -gt 0 ] || fail "no wirerig-<library>.pc installed"

echo "== build and install a second copy with $other libraries (${targets[*]})"
quiet 120 "$tmp/other-configure.log" "$cmake" -S "$src" -B "$tmp/$other-build" \
  -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE="$build_type" \
  -DBUILD_SHARED_LIBS="$other_shared" -DWIRERIG_SANITIZE="$sanitize" \
  -DWIRERIG_WERROR="$werror" \
  -DWIRERIG_TESTS=OFF -DWIRERIG_BENCH=OFF -DWIRERIG_FUZZ=OFF
quiet 420 "$tmp/other-build.log" "$cmake" --build "$tmp/$other-build" -j2 --target "${targets[@]}"
quiet 120 "$tmp/other-install.log" "$cmake" --install "$tmp/$other-build" \
  --component wirerig_libraries --prefix "$tmp/$other-prefix"

consume static "$tmp/static-prefix"
consume shared "$tmp/shared-prefix"
echo "install: static and shared installs: find_package (components framing," \
  "sock, all; an unknown one refused) and pkg-config consumers built and ran"
