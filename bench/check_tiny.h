/* The trivial decoder of wirerig check's benchmarks: one length byte,
 * then that many bytes (bench_check.c, bench_check_fuzz.sh). */
#ifndef WIRERIG_BENCH_CHECK_TINY_H
#define WIRERIG_BENCH_CHECK_TINY_H

#include <stdint.h>

#include "wirerig/check.h"

typedef struct tiny {
  uint8_t buf[64];
  size_t len;
  uint64_t messages; /* for the bare side's check */
} tiny;

void *tiny_create(void *ctx);
void tiny_destroy(void *d);
/* out may be NULL (the bare side). */
int tiny_feed(void *d, const uint8_t *p, size_t n, wr_check_sink *out);

#endif
