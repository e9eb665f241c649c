/* The deterministic PRNG every simulated run draws from.
 *
 * xoshiro256** (Blackman and Vigna, 2018) seeded through splitmix64: the
 * same seed gives the same sequence on every machine, compiler and
 * optimisation level, because everything is 64-bit unsigned arithmetic with
 * defined wrap-around. docs/simnet.md specifies the algorithm bit for bit.
 * There is no global state: each simulated network owns one generator.
 */
#ifndef WIRERIG_PRNG_H
#define WIRERIG_PRNG_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct wr_prng {
  uint64_t s[4];
} wr_prng;

/* splitmix64: one step of the seeding generator. */
static inline uint64_t wr_splitmix64(uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* s[0..3] are four successive splitmix64 outputs from state `seed`. */
static inline void wr_prng_seed(wr_prng *r, uint64_t seed) {
  uint64_t x = seed;
  for (int i = 0; i < 4; i++)
    r->s[i] = wr_splitmix64(&x);
}

static inline uint64_t wr_prng_rotl_(uint64_t x, int k) {
  return (x << k) | (x >> (64 - k));
}

/* The next 64-bit output of xoshiro256**. */
static inline uint64_t wr_prng_next(wr_prng *r) {
  uint64_t *s = r->s;
  uint64_t result = wr_prng_rotl_(s[1] * 5, 7) * 9;
  uint64_t t = s[1] << 17;
  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = wr_prng_rotl_(s[3], 45);
  return result;
}

/* Uniform in [0, n) for n >= 1 (0 when n is 0), without modulo bias: draws
 * are rejected while below (2^64 - n) mod n, then reduced modulo n. */
static inline uint64_t wr_prng_below(wr_prng *r, uint64_t n) {
  if (n <= 1)
    return 0;
  uint64_t threshold = (0 - n) % n;
  uint64_t x;
  do
    x = wr_prng_next(r);
  while (x < threshold);
  return x % n;
}

/* Uniform in [lo, hi] (lo when hi <= lo). */
static inline uint64_t wr_prng_range(wr_prng *r, uint64_t lo, uint64_t hi) {
  if (hi <= lo)
    return lo;
  if (lo == 0 && hi == UINT64_MAX)
    return wr_prng_next(r);
  return lo + wr_prng_below(r, hi - lo + 1);
}

#ifdef __cplusplus
}
#endif
#endif
