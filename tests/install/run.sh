#!/usr/bin/env bash
# Installs the build tree into a scratch prefix, then builds and runs a
# consumer program against it twice: through find_package(wirerig) and
# through pkg-config. Usage: run.sh BUILD_DIR C_COMPILER [SANITIZE]
set -euo pipefail
build=$1 cc=$2 sanitize=${3:-}
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

flags=()
[ -n "$sanitize" ] && flags=(-fsanitize="$sanitize")

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null

echo "== find_package(wirerig)"
cmake -S "$here/consumer" -B "$tmp/consumer" -DCMAKE_C_COMPILER="$cc" \
  -DCMAKE_PREFIX_PATH="$tmp/prefix" -DCMAKE_C_FLAGS="${flags[*]:-}" >/dev/null
cmake --build "$tmp/consumer" >/dev/null
"$tmp/consumer/consumer"

echo "== pkg-config wirerig"
pc=$(find "$tmp/prefix" -name wirerig.pc -print -quit)
[ -n "$pc" ] || { echo "install: no wirerig.pc under $tmp/prefix" >&2; exit 1; }
export PKG_CONFIG_PATH
PKG_CONFIG_PATH=$(dirname "$pc")
# shellcheck disable=SC2046 # pkg-config output is a list of words
"$cc" "${flags[@]}" -o "$tmp/consumer-pc" "$here/consumer/main.c" \
  $(pkg-config --cflags --libs wirerig)
"$tmp/consumer-pc"

# wirerig/version.h promises plain C99: compile it strictly, and use it in #if.
echo "== wirerig/version.h as C99"
cat >"$tmp/version.c" <<'EOF'
#include <wirerig/version.h>
#if WR_VERSION_NUMBER < 100 || WR_VERSION_MAJOR < 0
#error "WR_VERSION_NUMBER is not usable in #if"
#endif
int main(void) { return WR_VERSION_STRING[0] == '\0'; }
EOF
"$cc" -std=c99 -pedantic-errors -Wall -Wextra -Werror -I"$tmp/prefix/include" \
  -o "$tmp/version" "$tmp/version.c"
"$tmp/version"
echo "install: both consumers built and ran"
