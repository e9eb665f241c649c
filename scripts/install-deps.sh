#!/usr/bin/env bash
# The one list of what wirerig needs on a Debian 12 machine. Both README
# commands (scripts/main.sh and scripts/test.sh) call this first, so a fresh
# machine gets the same packages whichever command runs first.
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates
  libcmocka-dev libpcap-dev libmd-dev   # libmd: SHA-1 names of corpus files
  libjansson-dev                    # JSON input of the wirerig command
  clang libclang-rt-14-dev          # libFuzzer, sanitizers, the clang -Werror build
  erlang-nox                        # differential and interop tests against real gen_tcp
  libhttp-parser-dev libh2o-dev     # benchmark baselines, examples/check adapters
  redis-server nginx-light python3  # real servers driven under `wirerig exec` (tests/preload)
  tshark wireshark-common tcpdump tcpflow  # pcap export checks, captures, benchmarks
  iproute2 procps zip unzip        # zip: seed corpora as OSS-Fuzz ships them
  libxml2-utils perl python3 curl  # xmllint (JUnit schema), prove (TAP), real servers and clients
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: missing packages: ${missing[*]}" >&2
  echo "install-deps: run as root (or with sudo) to install them" >&2
  exit 1
fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# wireshark-common asks whether non-root users may capture; answer it up front.
echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}"
