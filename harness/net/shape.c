#include "shape.h"

uint64_t wr_shape_seg_len(const wr_policy *p, wr_prng *rng, wr_shape *st,
                          uint64_t offset, uint64_t avail) {
  uint64_t n = avail;
  switch (p->seg) {
  case WR_SEG_FIXED:
    n = p->seg_min;
    break;
  case WR_SEG_RANDOM:
    n = wr_prng_range(rng, p->seg_min, p->seg_max);
    break;
  case WR_SEG_CUTS:
    while (st->cut_idx < p->ncuts && p->cuts[st->cut_idx] <= offset)
      st->cut_idx++;
    if (st->cut_idx < p->ncuts)
      n = p->cuts[st->cut_idx] - offset;
    break;
  default:
    break;
  }
  return n < avail ? n : avail;
}

/* ceil(len * 1e9 / bw) without overflow: len < 2^64 and bw <= 1e12. */
static wr_time tx_time(uint64_t len, uint64_t bw) {
  unsigned __int128 ns = (unsigned __int128)len * WR_NS_PER_SEC;
  ns = (ns + bw - 1) / bw;
  return ns > (unsigned __int128)(WR_TIME_NEVER / 4) ? WR_TIME_NEVER / 4
                                                     : (wr_time)ns;
}

wr_time wr_shape_arrival(const wr_policy *p, wr_prng *rng, wr_shape *st,
                         wr_time now, uint64_t len) {
  wr_time depart = now > st->link_free ? now : st->link_free;
  if (p->bandwidth) {
    depart += tx_time(len, p->bandwidth);
    st->link_free = depart;
  }
  wr_time at = depart + p->latency;
  if (p->jitter_max > p->jitter_min || p->jitter_min)
    at += wr_prng_range(rng, p->jitter_min, p->jitter_max);
  if (at < st->last_arrival)
    at = st->last_arrival;
  st->last_arrival = at;
  return at;
}
