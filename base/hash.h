/* A 64-bit finaliser (MurmurHash3's fmix64) that spreads every input bit
 * over the whole word, for the hash tables of wirerig's libraries (flows,
 * IP fragments). Unkeyed: tables that take attacker-chosen keys bound
 * their size instead. Private to wirerig's libraries: not installed. */
#ifndef WIRERIG_BASE_HASH_H
#define WIRERIG_BASE_HASH_H

#include <stdint.h>

static inline uint64_t wr_mix64(uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}

#endif
