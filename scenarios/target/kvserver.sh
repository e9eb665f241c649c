#!/bin/sh
# Starts the example server (examples/server) for the scenarios in this
# directory:  kvserver.sh --port P
#
# Which binary: $WIRERIG_KVSERVER if set, else the newest
# examples/server/kvserver under a build directory of this checkout
# (build/, build-*/). Extra arguments come from $WIRERIG_KVSERVER_ARGS, so
#   WIRERIG_KVSERVER_ARGS=--bug wirerig run scenarios/target
# runs the same scenarios against the deliberately broken framing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=${WIRERIG_KVSERVER:-}
if [ -z "$bin" ]; then
  bin=$(ls -t "$root"/build/examples/server/kvserver \
    "$root"/build-*/examples/server/kvserver 2>/dev/null | head -n 1 || true)
fi
if [ -z "$bin" ] || [ ! -x "$bin" ]; then
  echo "kvserver.sh: no kvserver binary found; build it" \
    "(cmake --build build --target kvserver) or set WIRERIG_KVSERVER" >&2
  exit 127
fi
# shellcheck disable=SC2086 # the extra arguments are words on purpose
exec "$bin" "$@" ${WIRERIG_KVSERVER_ARGS:-}
