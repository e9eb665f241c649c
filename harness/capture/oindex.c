/* The ordered index of oindex.h. */
#include "oindex.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* The binary searches below narrow [lo, lo + len) with a conditional move
 * instead of a branch: keys arrive in random order under attack, so a
 * branch mispredicted half the time (about five a segment in bench_reasm,
 * docs/benchmarks.md). The answer is the number of keys <= key. */

/* The last block whose first key is <= key; 0 when key precedes all. */
static size_t find_block(const wr_oindex *x, uint64_t key) {
  const uint64_t *m = x->mins + x->start;
  size_t lo = 0, len = x->n; /* x->n > 0 */
  while (len > 1) {
    size_t half = len / 2;
    lo = m[lo + half] <= key ? lo + half : lo;
    len -= half;
  }
  return lo; /* m[lo] <= key, or lo == 0 */
}

/* The slot of entry i of b. */
static size_t slot(const wr_oblock *b, size_t i) {
  return b->ord[b->start + i];
}

/* The number of entries of b with a key <= key. */
static size_t upper(const wr_oblock *b, uint64_t key) {
  const uint8_t *o = b->ord + b->start;
  size_t lo = 0, len = b->n;
  if (len == 0)
    return 0;
  while (len > 1) {
    size_t half = len / 2;
    lo = b->key[o[lo + half]] <= key ? lo + half : lo;
    len -= half;
  }
  return lo + (b->key[o[lo]] <= key);
}

static void get(const wr_oblock *b, size_t i, wr_oentry *out) {
  i = slot(b, i);
  out->key = b->key[i];
  out->end = b->end[i];
  out->ts = b->ts[i];
  out->val = b->val[i];
}

int wr_oindex_first_ending_after_(const wr_oindex *x, uint64_t off,
                                  wr_opos *pos, wr_oentry *out) {
  if (x->n == 0)
    return 0;
  size_t j = find_block(x, off);
  const wr_oblock *b = x->b[x->start + j];
  /* The search reads the header, ord and a few key lines, each address
   * known only from the one before: asked for together, the misses of a
   * random block overlap instead of following one another. */
  for (size_t at = 0; at < offsetof(wr_oblock, end); at += 64)
    __builtin_prefetch((const char *)b + at);
  size_t k = upper(b, off);
  /* An insert usually follows into the free slot the search's block
   * offers; its four fields lie on four lines. */
  if (b->free) {
    size_t s = (size_t)__builtin_ctzll(b->free);
    __builtin_prefetch(&b->end[s], 1);
    __builtin_prefetch(&b->ts[s], 1);
    __builtin_prefetch(&b->val[s], 1);
  }
  if (k > 0 && b->end[slot(b, k - 1)] > off)
    k--;
  if (k == b->n) { /* everything in b ends by off: the next block's first */
    if (++j == x->n)
      return 0;
    k = 0;
    b = x->b[x->start + j];
  }
  pos->b = j;
  pos->e = k;
  /* Only key and end: the usual caller stops at a key past its segment,
   * and each other field is one more cache line of a random block. */
  out->key = b->key[slot(b, k)];
  out->end = b->end[slot(b, k)];
  out->ts = 0;
  out->val = NULL;
  return 1;
}

void wr_oindex_at_(const wr_oindex *x, const wr_opos *pos, wr_oentry *out) {
  get(x->b[x->start + pos->b], pos->e, out);
}

int wr_oindex_next_(const wr_oindex *x, wr_opos *pos, wr_oentry *out) {
  const wr_oblock *b = x->b[x->start + pos->b];
  if (++pos->e == b->n) {
    if (++pos->b == x->n)
      return 0;
    pos->e = 0;
    b = x->b[x->start + pos->b];
  }
  get(b, pos->e, out);
  return 1;
}

int wr_oindex_min_(const wr_oindex *x, wr_oentry *out) {
  if (x->n == 0)
    return 0;
  get(x->b[x->start], 0, out);
  return 1;
}

uint64_t wr_oindex_max_end_(const wr_oindex *x) {
  if (x->n == 0)
    return 0;
  const wr_oblock *b = x->b[x->start + x->n - 1];
  return b->end[slot(b, b->n - 1)];
}

void *wr_oindex_peek_(const wr_oindex *x, size_t i) {
  if (x->n == 0)
    return NULL;
  const wr_oblock *b = x->b[x->start];
  return i < b->n ? b->val[slot(b, i)] : NULL;
}

static wr_oblock *block_new(void) {
  wr_oblock *b = malloc(sizeof *b);
  if (b) {
    b->start = b->n = 0;
    b->free = ~(uint64_t)0;
  }
  return b;
}

/* Puts block b (first key min) at position `at` of the array. */
static int insert_block(wr_oindex *x, size_t at, wr_oblock *b, uint64_t min) {
  if (x->start + x->n == x->cap) {
    if (x->start > 0) {
      memmove(x->b, x->b + x->start, x->n * sizeof *x->b);
      memmove(x->mins, x->mins + x->start, x->n * sizeof *x->mins);
      x->start = 0;
    } else {
      size_t ncap = x->cap ? x->cap * 2 : 4;
      wr_oblock **nb = realloc(x->b, ncap * sizeof *nb);
      if (!nb)
        return -1;
      x->b = nb;
      uint64_t *nm = realloc(x->mins, ncap * sizeof *nm);
      if (!nm)
        return -1;
      x->mins = nm;
      x->cap = ncap;
    }
  }
  wr_oblock **p = x->b + x->start;
  uint64_t *m = x->mins + x->start;
  memmove(p + at + 1, p + at, (x->n - at) * sizeof *p);
  memmove(m + at + 1, m + at, (x->n - at) * sizeof *m);
  p[at] = b;
  m[at] = min;
  x->n++;
  return 0;
}

/* Puts (key, end, ts, val) at entry k of block j, where it belongs in key
 * order. A full block is split in two first. 0, or -1 when out of memory
 * (nothing changed). */
static int insert_at(wr_oindex *x, size_t j, size_t k, uint64_t key,
                     uint64_t end, int64_t ts, void *val) {
  wr_oblock *b = x->b[x->start + j];
  if (b->n == OINDEX_BLOCK) {
    /* The upper half moves to a new block, into its first slots. */
    wr_oblock *hi = block_new();
    if (!hi)
      return -1;
    size_t half = b->n / 2;
    for (size_t i = 0; i < b->n - half; i++) {
      size_t s = slot(b, half + i);
      hi->key[i] = b->key[s];
      hi->end[i] = b->end[s];
      hi->ts[i] = b->ts[s];
      hi->val[i] = b->val[s];
      hi->ord[i] = (uint8_t)i;
      hi->free &= ~((uint64_t)1 << i);
    }
    hi->n = b->n - half;
    if (insert_block(x, j + 1, hi, hi->key[0])) {
      free(hi);
      return -1;
    }
    for (size_t i = half; i < b->n; i++)
      b->free |= (uint64_t)1 << slot(b, i);
    b->n = half;
    if (k > half) {
      j++;
      k -= half;
      b = hi;
    }
  }
  if (b->start + b->n == OINDEX_BLOCK) { /* room at the end of ord */
    memmove(b->ord, b->ord + b->start, b->n);
    b->start = 0;
  }
  size_t s = (size_t)__builtin_ctzll(b->free); /* b->n < OINDEX_BLOCK */
  b->free &= ~((uint64_t)1 << s);
  b->key[s] = key;
  b->end[s] = end;
  b->ts[s] = ts;
  b->val[s] = val;
  uint8_t *o = b->ord + b->start;
  memmove(o + k + 1, o + k, b->n - k);
  o[k] = (uint8_t)s;
  b->n++;
  x->count++;
  if (k == 0)
    x->mins[x->start + j] = key;
  return 0;
}

static int insert_first(wr_oindex *x, uint64_t key, uint64_t end, int64_t ts,
                        void *val) {
  wr_oblock *b = block_new();
  if (!b || insert_block(x, 0, b, key)) {
    free(b);
    return -1;
  }
  return insert_at(x, 0, 0, key, end, ts, val); /* room: cannot fail */
}

int wr_oindex_insert_before_(wr_oindex *x, const wr_opos *pos, uint64_t key,
                             uint64_t end, int64_t ts, void *val) {
  if (x->n == 0)
    return insert_first(x, key, end, ts, val);
  if (pos)
    return insert_at(x, pos->b, pos->e, key, end, ts, val);
  size_t j = x->n - 1;
  return insert_at(x, j, x->b[x->start + j]->n, key, end, ts, val);
}

void wr_oindex_pop_min_(wr_oindex *x) {
  wr_oblock *b = x->b[x->start];
  b->free |= (uint64_t)1 << slot(b, 0);
  b->start++;
  x->count--;
  if (--b->n > 0) {
    x->mins[x->start] = b->key[slot(b, 0)];
    return;
  }
  free(b);
  x->start++;
  if (--x->n == 0)
    x->start = 0;
}

void wr_oindex_free_(wr_oindex *x) {
  for (size_t i = 0; i < x->n; i++)
    free(x->b[x->start + i]);
  free(x->b);
  free(x->mins);
  memset(x, 0, sizeof *x);
}
