#!/bin/bash
# Outputs are complete or absent (issue #17, item 4): every file wirerig
# writes goes to a temporary name and is renamed when complete, and write
# errors name the path and exit non-zero. Checked on /dev/full, on a small
# full tmpfs (skipped with a printed reason when mount is refused), and
# with a failing extract into a folder that holds an earlier extract.
#
#   tests/faults/outputs.sh WIRERIG MKCAP SCENARIO_DIR
set -u
wirerig=${1:?usage: outputs.sh WIRERIG MKCAP SCENARIO_DIR}
mkcap=${2:?}
scn=${3:?}
tmp=$(mktemp -d /tmp/wirerig-faults-out.XXXXXX)
mnt="$tmp/small"
cleanup() {
  mountpoint -q "$mnt" 2>/dev/null && umount "$mnt"
  rm -rf "$tmp"
}
trap cleanup EXIT
fails=0 passes=0
ok() { passes=$((passes + 1)); echo "ok - $*"; }
bad() {
  fails=$((fails + 1))
  echo "FAIL - $*"
  [ -f "$tmp/err" ] && sed 's/^/    ! /' "$tmp/err" | head -10
}
# expect_fail NAME PATH-IN-MESSAGE WORDS CMD...: exits non-zero, stderr
# names the path and says WORDS.
expect_fail() {
  local name=$1 path=$2 words=$3
  shift 3
  "$@" >"$tmp/out" 2>"$tmp/err"
  local rc=$?
  if [ "$rc" -eq 0 ]; then bad "$name: exit 0"; return; fi
  if ! grep -q -- "$path" "$tmp/err"; then bad "$name: no path"; return; fi
  if ! grep -qi -- "$words" "$tmp/err"; then bad "$name: no '$words'"; return; fi
  ok "$name (exit $rc)"
}

"$mkcap" "$tmp/small.pcap" 2 3000 || exit 2
"$mkcap" "$tmp/big.pcap" 8 40000 || exit 2

# ---- /dev/full: the error is reported with the path ----
expect_fail "run --junit /dev/full" /dev/full "no space" \
  "$wirerig" run "$scn/pass-packet2.scn" --seeds 2 --junit /dev/full
expect_fail "pcap to-scenario --out /dev/full" /dev/full "no space" \
  "$wirerig" pcap to-scenario "$tmp/small.pcap" --flow 1 --out /dev/full

# ---- a failed extract never leaves the earlier manifest beside new files --
"$wirerig" pcap extract "$tmp/small.pcap" --out "$tmp/x" >/dev/null 2>&1 ||
  bad "first extract"
[ -s "$tmp/x/manifest.json" ] || bad "first extract wrote no manifest"
head -c 2000 "$tmp/big.pcap" >"$tmp/cut.pcap"
printf 'garbage that is not a pcap record header at all....' >>"$tmp/cut.pcap"
cat "$tmp/big.pcap" | tail -c 3000 >>"$tmp/cut.pcap"
"$wirerig" pcap extract "$tmp/cut.pcap" --out "$tmp/x" >"$tmp/out" 2>"$tmp/err"
rc=$?
if [ "$rc" -ne 0 ] && [ ! -e "$tmp/x/manifest.json" ]; then
  ok "failed extract: no manifest left (exit $rc)"
else
  bad "failed extract: exit $rc, manifest $(ls "$tmp/x" | tr '\n' ' ')"
fi

# ---- a full tmpfs ----
mkdir -p "$mnt"
if ! mount -t tmpfs -o size=64k tmpfs "$mnt" 2>"$tmp/mount.err"; then
  echo "# SKIP full tmpfs: mount refused ($(cat "$tmp/mount.err")); run as root"
else
  expect_fail "extract onto a full tmpfs" "$mnt/x" "no space" \
    "$wirerig" pcap extract "$tmp/big.pcap" --out "$mnt/x"
  if [ -e "$mnt/x/manifest.json" ]; then bad "full tmpfs: manifest.json left"
  else ok "full tmpfs: no manifest.json"; fi
  rm -rf "$mnt/x"
  # Fill the disk, then ask for small files.
  head -c 200000 /dev/zero >"$mnt/fill" 2>/dev/null
  expect_fail "run --junit on a full tmpfs" "$mnt/j.xml" "no space" \
    "$wirerig" run "$scn/pass-packet2.scn" --seeds 2 --junit "$mnt/j.xml"
  [ -e "$mnt/j.xml" ] && bad "full tmpfs: a JUnit file was left" ||
    ok "full tmpfs: no JUnit file"
  expect_fail "to-scenario on a full tmpfs" "$mnt/s.scn" "no space" \
    "$wirerig" pcap to-scenario "$tmp/small.pcap" --flow 1 --out "$mnt/s.scn"
  [ -e "$mnt/s.scn" ] && bad "full tmpfs: a .scn was left" ||
    ok "full tmpfs: no .scn"
  leftovers=$(find "$mnt" -name '.*.tmp-*' | wc -l)
  [ "$leftovers" -eq 0 ] && ok "no temporary files left" ||
    bad "$leftovers temporary files left"
fi

echo "# $passes passed, $fails failed"
[ "$fails" -eq 0 ]
