/* Shrinking a failing input (statefuzz.h, wr_sf_shrink): operations first,
 * then data, then the schedule. Works on the input's bytes with the
 * decoder's own layout (wr_sf_split), so every candidate is an input the
 * decoder reads as the same case minus one thing: deleting an operation's
 * bytes deletes exactly that operation, since each operation's length
 * depends only on its own bytes.
 */
#include <stdlib.h>
#include <string.h>

#include "sf_int.h"
#include "wirerig/error.h"

typedef struct shr {
  uint8_t *cur, *cand;
  size_t len;
  wr_sf_still_fails fn;
  void *ctx;
  unsigned runs, max;
} shr;

/* Tries cand[0..n): keeps it when it still fails. */
static int try_(shr *s, size_t n) {
  if (s->runs >= s->max)
    return 0;
  s->runs++;
  if (!s->fn(s->ctx, s->cand, n))
    return 0;
  memcpy(s->cur, s->cand, n);
  s->len = n;
  return 1;
}

/* cand = cur with [a, b) replaced by rep[0..nrep). */
static size_t splice(shr *s, size_t a, size_t b, const uint8_t *rep,
                     size_t nrep) {
  memcpy(s->cand, s->cur, a);
  if (nrep)
    memcpy(s->cand + a, rep, nrep);
  memcpy(s->cand + a + nrep, s->cur + b, s->len - b);
  return a + nrep + (s->len - b);
}

static unsigned kind_at(const shr *s, size_t at) {
  return at < s->len ? (unsigned)(s->cur[at] >> 1) % SF_NKIND : SF_NOTHING;
}

/* Phase 1: delete operations, last first, until no deletion keeps the
 * failure. */
static void shrink_ops(shr *s) {
  for (int changed = 1; changed && s->runs < s->max;) {
    changed = 0;
    wr_sf_layout l;
    wr_sf_split(s->cur, s->len, &l);
    for (size_t i = l.nops; i-- > 0;) {
      if (try_(s, splice(s, l.start[i], l.end[i], NULL, 0))) {
        changed = 1;
        wr_sf_split(s->cur, s->len, &l);
        if (i > l.nops)
          i = l.nops;
      }
    }
  }
}

/* Phase 2: the sockets' options away, then each send's data shorter
 * (none, half, one less, as long as that keeps the failure). */
static void shrink_data(shr *s) {
  /* header: seed, k1 (mod 4) and 2*k1 bytes, k2 and 2*k2 bytes */
  for (int side = 0; side < 2; side++) {
    size_t at = 1;
    if (side == 1 && at < s->len)
      at += 1 + 2 * (size_t)(s->cur[1] % 4);
    if (at >= s->len || s->cur[at] % 4 == 0)
      continue;
    size_t end = at + 1 + 2 * (size_t)(s->cur[at] % 4);
    if (end > s->len)
      end = s->len;
    uint8_t zero = 0;
    try_(s, splice(s, at, end, &zero, 1));
  }
  wr_sf_layout l;
  wr_sf_split(s->cur, s->len, &l);
  for (size_t i = 0; i < l.nops && s->runs < s->max; i++) {
    unsigned k = kind_at(s, l.start[i]);
    if (k != SF_SEND_RAW && k != SF_SEND_FRAME)
      continue;
    size_t lp = l.start[i] + (k == SF_SEND_FRAME ? 2 : 1);
    if (lp >= s->len)
      continue;
    for (;;) {
      size_t n = s->cur[lp] % (WR_SF_MAX_DATA + 1);
      size_t have = l.end[i] - (lp + 1); /* bytes present (the rest read 0) */
      if (have > n)
        have = n;
      if (n == 0)
        break;
      size_t tries[3] = {0, n / 2, n - 1}, done = 0;
      for (int t = 0; t < 3 && !done; t++) {
        if (tries[t] >= n || (t > 0 && tries[t] == tries[t - 1]))
          continue;
        size_t m = tries[t];
        uint8_t rep[1 + WR_SF_MAX_DATA];
        rep[0] = (uint8_t)m;
        size_t keep = m < have ? m : have;
        memcpy(rep + 1, s->cur + lp + 1, keep);
        done = try_(s, splice(s, lp, lp + 1 + have, rep, 1 + keep));
      }
      if (!done)
        break;
      wr_sf_split(s->cur, s->len, &l);
    }
  }
}

/* Phase 3: the schedule -- each remaining policy to `whole`, the seed to
 * 1. */
static void shrink_schedule(shr *s) {
  wr_sf_layout l;
  wr_sf_split(s->cur, s->len, &l);
  for (size_t i = 0; i < l.nops; i++) {
    size_t a = l.start[i] + 1;
    if (kind_at(s, l.start[i]) != SF_POLICY || a >= s->len ||
        s->cur[a] % 6 == 0)
      continue;
    uint8_t rep = 0; /* item 0: whole */
    try_(s, splice(s, a, a + 1, &rep, 1));
  }
  if (s->len && s->cur[0] != 0) {
    uint8_t rep = 0;
    try_(s, splice(s, 0, 1, &rep, 1));
  }
}

int wr_sf_shrink(const uint8_t *data, size_t len, wr_sf_still_fails fn,
                 void *ctx, unsigned max_runs, uint8_t **out, size_t *outlen,
                 unsigned *runs) {
  shr s = {0};
  s.cur = malloc(len + 1);
  s.cand = malloc(len + 1 + WR_SF_MAX_DATA);
  if (!s.cur || !s.cand) {
    free(s.cur);
    free(s.cand);
    return WR_ENOMEM;
  }
  if (len)
    memcpy(s.cur, data, len);
  s.len = len;
  s.fn = fn;
  s.ctx = ctx;
  s.max = max_runs ? max_runs : 4000;
  shrink_ops(&s);
  shrink_data(&s);
  shrink_schedule(&s);
  /* Deleting data can make an operation deletable: one more round. */
  shrink_ops(&s);
  free(s.cand);
  *out = s.cur;
  *outlen = s.len;
  if (runs)
    *runs = s.runs;
  return 0;
}
