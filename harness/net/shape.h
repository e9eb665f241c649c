/* Internal: the schedule a policy gives a byte stream, shared by simnet and
 * the loopback shaper so that both cut and delay the same way. */
#ifndef WIRERIG_HARNESS_SHAPE_H
#define WIRERIG_HARNESS_SHAPE_H

#include "wirerig/policy.h"
#include "wirerig/prng.h"

typedef struct wr_shape {
  uint32_t cut_idx;     /* first cut not yet passed (cuts policy) */
  wr_time link_free;    /* when the link finishes the previous segment */
  wr_time last_arrival; /* arrival of the previous segment: never earlier */
} wr_shape;

/* Length of the next segment starting at stream offset `offset` when
 * `avail` (>= 1) bytes may leave. Random sizes draw one PRNG value. */
uint64_t wr_shape_seg_len(const wr_policy *p, wr_prng *rng, wr_shape *st,
                          uint64_t offset, uint64_t avail);

/* Arrival time of a segment of len bytes that may leave at `now`: it
 * leaves when the link is free, takes len/bandwidth to serialise, then the
 * latency plus a jitter draw (one PRNG value when jitter_max > jitter_min),
 * and never arrives before the previous segment. */
wr_time wr_shape_arrival(const wr_policy *p, wr_prng *rng, wr_shape *st,
                         wr_time now, uint64_t len);

#endif
