#!/bin/bash
# Writes the seed corpus of fuzz_reqserver (corpus/), byte for byte, in the
# statefuzz input layout (docs/fuzzing.md, "Stateful targets"):
#   seed-1, server option count (ignored here: the server's are its own),
#   client option count and (option, value) index pairs, then operations:
#   02 T L DATA  client send frame(T, DATA), T 1 = {packet,2}
#   04 N T       client recv, N index 0 (all), T index 4 (1000 ms)
#   06 T         client message, T index 4
#   0c           client close
#   10 I V       net c->s policy, I 1 = fixed:V+1
# None of them sends a notify ('N'): finding what a notify does is the
# fuzzer's job.
set -euo pipefail
cd "$(dirname "$0")"
mkdir -p corpus
passive='\x00\x00\x01\x01\x00' # seed 1, client active=false
frame() { printf '\\x02\\x01\\x%02x%s' "${#1}" "$1"; }
recv='\x04\x00\x04'
w() { printf "$2" > "corpus/$1"; }
w ping "$passive$(frame P)$recv"
w set-get "$passive$(frame Sk=v)$recv$(frame Gk)$recv"
w pipelined "$passive$(frame P)$(frame Gx)$recv$recv"
w active-client "\x00\x00\x00$(frame P)\x06\x04"
w set-close "$passive$(frame Sa=1)$recv\x0c"
w byte-at-a-time "$passive\x10\x01\x00$(frame Sab=cd)$recv$(frame Gab)$recv"
