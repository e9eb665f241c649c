#!/usr/bin/env bash
# The transport rule: code above harness/net never asks which transport it
# has.
#
# What only some transports can do is reached without asking: an optional
# operation of net.h (wr_net_set_policy, wr_net_stall, wr_net_release,
# wr_net_set_bufsizes, wr_net_get_bufsizes, wr_net_conn_id, wr_net_queued)
# or a call only simnet has (wr_simnet_fault_*, its trace and byte
# accounting, its packet hook). Both answer WR_ENOTSUP on a transport that
# lacks the operation, so a caller tries the call and reports "not
# supported on this transport"; and "is the network quiet" is a poll
# result (WR_POLL_QUIET), not a question about the transport. So, outside
# harness/net and the public headers that library owns:
#   - asking is an error everywhere: wr_simnet_is, wr_loopback_is, and the
#     transport-specific twins of net.h's operations (wr_simnet_set_policy,
#     wr_simnet_set_bufsizes, wr_simnet_stall, wr_simnet_release,
#     wr_simnet_conn_id, and every other wr_loopback_* call -- wr_loopback_fd
#     included, since a raw setsockopt on it is asking too);
#   - creating a transport by name (wr_simnet_create, wr_loopback_create and
#     their wr_*_config*) is allowed only in the files of CREATE_OK below:
#     creation is fine, asking is not;
#   - tests, benchmarks, examples and fuzz targets exercise the transports
#     themselves and may name anything (DIRECT_OK).
# Fails with each offending FILE:LINE.
#   transport.sh SOURCE_DIR
set -euo pipefail
src=$1
table=$(dirname "$0")/layers.txt

# The files that create a transport by name.
CREATE_OK=(
  harness/runner/run_net.c # the runner: simnet or loopback per run
  harness/capture/replay.c # `wirerig replay`: a loopback to the server
  harness/statefuzz/user_net.c # the server engine: simnet per run
)
DIRECT_OK=(tests/ bench/ examples/ fuzz/)

# The public headers of the net library (layers.txt) declare these names.
net_headers=" $(awk '$1 == "net" { sub(/.*:/, ""); print }' "$table") "

names='\bwr_(loopback_[a-z0-9_]+|simnet_(is|set_policy|set_bufsizes|stall|release|conn_id|create|config[a-z_]*))\b'
creating='^wr_(simnet|loopback)_(create|config[a-z_]*)$'

allowed_creator() {
  local f
  for f in "${CREATE_OK[@]}"; do [ "$f" = "$1" ] && return 0; done
  return 1
}

exempt() {
  local d
  case $1 in harness/net/*) return 0 ;; esac
  for d in "${DIRECT_OK[@]}"; do [[ $1 == "$d"* ]] && return 0; done
  [[ $1 == include/wirerig/* && $net_headers == *" ${1#include/wirerig/} "* ]]
}

bad=0 seen=0
while IFS=: read -r file line name; do
  rel=${file#"$src"/}
  exempt "$rel" && continue
  seen=$((seen + 1))
  if [[ $name =~ $creating ]]; then
    allowed_creator "$rel" && continue
    echo "transport rule: $rel:$line: $name creates a transport by name;" \
      "only the files of CREATE_OK in tests/layering/transport.sh may" >&2
  else
    echo "transport rule: $rel:$line: $name asks which transport this is;" \
      "call net.h's optional operation (or simnet's call) and handle" \
      "WR_ENOTSUP instead" >&2
  fi
  bad=1
done < <(find "$src" \( -path "$src/build*" -o -path "$src/.*" \) -prune -o \
  \( -name '*.c' -o -name '*.h' \) -print0 |
  xargs -0 grep -EHno "$names" || true)
[ $bad -eq 0 ] || exit 1
echo "transport rule: no code above harness/net asks which transport it has" \
  "($seen creations, all in allowed files)"
