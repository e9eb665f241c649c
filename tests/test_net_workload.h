/* A random simnet workload, the same function of its seed everywhere: a
 * listener, a few clients, random buffer sizes, segmentation and delay
 * policies, random send and receive sizes, and some connections that abort,
 * close early or meet an injected fault. Used by the determinism and
 * conservation tests. */
#ifndef WIRERIG_TEST_NET_WORKLOAD_H
#define WIRERIG_TEST_NET_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

typedef struct nw_result {
  uint64_t trace_hash;
  uint64_t bytes_written, bytes_read, bytes_discarded;
  uint32_t conns, resets;
  char error[512]; /* empty when every check passed */
} nw_result;

/* Runs the workload for `seed`; with `check` it verifies conservation:
 * every byte read is the byte written at that offset, read exactly once and
 * in order; per direction written = read + discarded once everything is
 * closed; the trace's write/read/discard records add up to the same
 * numbers; without an RST nothing is lost. Returns 0 or -1 (res->error
 * says what failed, with the seed). */
int nw_run(uint64_t seed, int check, nw_result *res);

#endif
