/* Scenario-level mutation (statefuzz.h): the unit is an operation, as
 * wr_sf_split finds it, so a mutation inserts, removes or moves whole
 * steps instead of shifting every later byte into a different meaning.
 * Byte-level mutation stays libFuzzer's (the targets call both).
 */
#include <string.h>

#include "sf_int.h"

/* xorshift32: the mutator's choices come from libFuzzer's seed only. */
static uint32_t rnd_next(uint32_t *s) {
  uint32_t x = *s ? *s : 0x9e3779b9u;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *s = x;
}

/* Replaces data[at..at+old) by rep[0..n); returns the new size, or size
 * unchanged when it would not fit. */
static size_t splice(uint8_t *data, size_t size, size_t max, size_t at,
                     size_t old, const uint8_t *rep, size_t n) {
  if (size - old + n > max)
    return size;
  memmove(data + at + n, data + at + old, size - at - old);
  if (n) /* rep is NULL for a plain deletion */
    memcpy(data + at, rep, n);
  return size - old + n;
}

/* A fresh operation of kind k with random arguments (enough bytes for the
 * longest argument list). */
static size_t fresh_op(uint8_t *op, uint32_t *s) {
  unsigned k = rnd_next(s) % SF_NKIND;
  op[0] = (uint8_t)((k << 1) | (rnd_next(s) & 1));
  size_t n = 1;
  if (k == SF_SEND_RAW || k == SF_SEND_FRAME) {
    if (k == SF_SEND_FRAME)
      op[n++] = (uint8_t)rnd_next(s);
    size_t d = rnd_next(s) % 9;
    op[n++] = (uint8_t)d;
    for (size_t i = 0; i < d; i++)
      op[n++] = (uint8_t)rnd_next(s);
    return n;
  }
  for (int i = 0; i < 5; i++)
    op[n++] = (uint8_t)rnd_next(s);
  return n;
}

size_t wr_sf_mutate(uint8_t *data, size_t size, size_t max, uint32_t rnd) {
  wr_sf_layout l;
  uint32_t s = rnd;
  if (max > WR_SF_MAX_INPUT)
    max = WR_SF_MAX_INPUT;
  if (size > max)
    size = max;
  wr_sf_split(data, size, &l);
  uint8_t tmp[WR_SF_MAX_DATA + 16];
  switch (rnd_next(&s) % 6) {
  case 0: { /* insert a new operation */
    size_t at = l.nops ? l.start[rnd_next(&s) % l.nops] : size;
    size_t n = fresh_op(tmp, &s);
    return splice(data, size, max, at, 0, tmp, n);
  }
  case 1: /* delete one */
    if (l.nops) {
      size_t i = rnd_next(&s) % l.nops;
      return splice(data, size, max, l.start[i], l.end[i] - l.start[i], NULL,
                    0);
    }
    break;
  case 2: /* duplicate one */
    if (l.nops) {
      size_t i = rnd_next(&s) % l.nops, n = l.end[i] - l.start[i];
      if (n <= sizeof tmp) {
        memcpy(tmp, data + l.start[i], n);
        return splice(data, size, max, l.end[i], 0, tmp, n);
      }
    }
    break;
  case 3: /* swap two neighbours */
    if (l.nops >= 2) {
      size_t i = rnd_next(&s) % (l.nops - 1);
      size_t a = l.end[i] - l.start[i], b = l.end[i + 1] - l.start[i + 1];
      uint8_t both[2 * (WR_SF_MAX_DATA + 16)];
      if (a + b <= sizeof both && l.end[i] == l.start[i + 1]) {
        memcpy(both, data + l.start[i + 1], b);
        memcpy(both + b, data + l.start[i], a);
        memcpy(data + l.start[i], both, a + b);
      }
      return size;
    }
    break;
  case 4: /* change an option of the header */
    if (l.header > 3) {
      size_t at = 2 + rnd_next(&s) % (l.header - 2);
      data[at] = (uint8_t)rnd_next(&s);
      return size;
    }
    break;
  default: /* change an argument of one operation (its kind stays) */
    if (l.nops) {
      size_t i = rnd_next(&s) % l.nops;
      if (l.end[i] > l.start[i] + 1) {
        size_t at = l.start[i] + 1 + rnd_next(&s) % (l.end[i] - l.start[i] - 1);
        data[at] = (uint8_t)rnd_next(&s);
        return size;
      }
    }
    break;
  }
  /* Nothing applied (an empty input): start one. */
  if (size == 0 && max >= 4) {
    memset(data, 0, 3);
    size_t n = fresh_op(tmp, &s);
    return splice(data, 3, max, 3, 0, tmp, n);
  }
  return size;
}

size_t wr_sf_crossover(const uint8_t *a, size_t na, const uint8_t *b, size_t nb,
                       uint8_t *out, size_t max, uint32_t rnd) {
  wr_sf_layout la, lb;
  uint32_t s = rnd;
  wr_sf_split(a, na, &la);
  wr_sf_split(b, nb, &lb);
  size_t cut_a = la.nops ? la.start[rnd_next(&s) % la.nops] : la.header;
  size_t from_b = lb.nops ? lb.start[rnd_next(&s) % lb.nops] : nb;
  if (cut_a > na)
    cut_a = na;
  if (from_b > nb)
    from_b = nb;
  size_t n = 0;
  size_t k = cut_a < max ? cut_a : max;
  memcpy(out, a, k);
  n = k;
  k = nb - from_b;
  if (k > max - n)
    k = max - n;
  memcpy(out + n, b + from_b, k);
  return n + k;
}
