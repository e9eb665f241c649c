/* Fuzz targets stateful_model and stateful_loopback (docs/fuzzing.md,
 * "Stateful targets"): the input is decoded into a scenario (statefuzz.h)
 * -- both sockets' options, up to 32 operations, network policies and
 * faults -- and run in the runner's observe mode. A violated oracle
 * (determinism, conservation, the gen_tcp invariants of the log; with
 * WR_SF_LOOPBACK also agreement with real sockets) aborts after printing
 * the case as a scenario file.
 *
 * LLVMFuzzerCustomMutator mutates at the operation level half of the
 * time and leaves the other half to libFuzzer's byte mutations;
 * LLVMFuzzerCustomCrossOver splices operation lists.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirerig/statefuzz.h"

/* Weak: the replay binary (no libFuzzer) links without it and never calls
 * the mutator. */
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max)
    __attribute__((weak));
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
                               unsigned int seed);
size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1,
                                 const uint8_t *d2, size_t s2, uint8_t *out,
                                 size_t max, unsigned int seed);

#ifdef WR_SF_LOOPBACK
#define WR_SF_IS_LOOPBACK 1
#else
#define WR_SF_IS_LOOPBACK 0
#endif

/* Reused between inputs: the runner's buffers only grow. */
static wr_run_result r1, r2;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  wr_sf_case c;
  /* The determinism re-run for one input in 4 (by the input's hash): it
   * was half of an input's time (bench_statefuzz, docs/fuzzing.md). */
  wr_sf_decode_opts o = {.loopback = WR_SF_IS_LOOPBACK, .rerun_every = 4};
  if (wr_sf_decode(data, size, &o, &c) != 0)
    return 0; /* out of memory: nothing to judge */
  wr_sf_verdict v;
  int ok = WR_SF_IS_LOOPBACK ? wr_sf_check_loopback(&c, &r1, &r2, &v)
                             : wr_sf_check(&c, &r1, &r2, &v);
  if (!ok) {
    fprintf(stderr, "statefuzz: oracle violated: %s\n", v.why);
    wr_sf_write_scenario(stderr, &c, v.why, WR_SF_IS_LOOPBACK);
    fprintf(stderr,
            "statefuzz: the case above as FILE: wirerig run FILE "
            "--transport %s --seed %llu\n",
            WR_SF_IS_LOOPBACK ? "both" : "sim", (unsigned long long)c.seed);
    abort();
  }
  wr_sf_case_free(&c);
  return 0;
}

/* WR_SF_MUTATOR=bytes turns the operation-level mutator and crossover
 * off, leaving libFuzzer's byte mutations and a byte splice: the baseline
 * of the coverage comparison in docs/fuzzing.md ("Mutator"). libFuzzer
 * has no flag for it, and the functions must exist in the binary. */
static int bytes_only(void) {
  static int v = -1;
  if (v < 0) {
    const char *e = getenv("WR_SF_MUTATOR");
    v = e && !strcmp(e, "bytes");
  }
  return v;
}

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
                               unsigned int seed) {
  if (((seed & 1) || bytes_only()) && LLVMFuzzerMutate)
    return LLVMFuzzerMutate(data, size, max);
  return wr_sf_mutate(data, size, max, seed >> 1);
}

size_t LLVMFuzzerCustomCrossOver(const uint8_t *d1, size_t s1,
                                 const uint8_t *d2, size_t s2, uint8_t *out,
                                 size_t max, unsigned int seed) {
  if (bytes_only()) {
    /* A prefix of one and a suffix of the other, at seeded points. */
    size_t a = s1 ? seed % (s1 + 1) : 0, b = s2 ? (seed >> 8) % (s2 + 1) : 0;
    size_t n = a < max ? a : max;
    if (n)
      memcpy(out, d1, n);
    size_t m = s2 - b < max - n ? s2 - b : max - n;
    if (m)
      memcpy(out + n, d2 + b, m);
    return n + m;
  }
  return wr_sf_crossover(d1, s1, d2, s2, out, max, seed);
}
