#!/usr/bin/env bash
# The transport rule's check (transport.sh) on a made-up tree: it lets pass
# what the rule allows -- harness/net and tests naming anything, a creation
# in a CREATE_OK file, net.h's optional operations anywhere -- and fails on
# a question in the socket layer and on a creation elsewhere, naming the
# file and line.
set -euo pipefail
check=$(dirname "$0")/transport.sh
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp"/{harness/net,harness/sock,harness/runner,include/wirerig,tests,cli}
echo 'int wr_simnet_is(const wr_net *n);' >"$tmp/include/wirerig/simnet.h"
echo 'return wr_simnet_is(n) && wr_loopback_fd(n, h);' >"$tmp/harness/net/a.c"
echo 'wr_simnet_set_policy(n, h, &p); wr_loopback_fd(n, h);' >"$tmp/tests/t.c"
echo 'return wr_simnet_create(&cfg, out, err, len);' \
  >"$tmp/harness/runner/run_net.c"
echo 'rc = wr_net_set_policy(n, h, p); /* WR_ENOTSUP: skip */' \
  >"$tmp/harness/sock/ok.c"

expect() { # expect STATUS TEXT: the check's exit status and a line of output
  local out status=0
  out=$(bash "$check" "$tmp" 2>&1) || status=$?
  if [ "$status" != "$1" ] || ! grep -qF -- "$2" <<<"$out"; then
    echo "transport_selftest: expected exit $1 and '$2', got exit $status:" >&2
    echo "$out" >&2
    exit 1
  fi
}

expect 0 "1 creations, all in allowed files"
printf '/* quiet? */\nif (k == 0 && wr_simnet_is(env->net))\n' \
  >"$tmp/harness/sock/bad.c"
expect 1 "harness/sock/bad.c:2: wr_simnet_is asks which transport"
rm "$tmp/harness/sock/bad.c"
echo 'wr_loopback_config cfg;' >"$tmp/cli/other.c"
expect 1 "cli/other.c:1: wr_loopback_config creates a transport by name"
echo "transport_selftest: 3 trees checked as expected"
