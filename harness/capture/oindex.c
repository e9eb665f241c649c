/* The ordered index of oindex.h. */
#include "oindex.h"

#include <stdlib.h>
#include <string.h>

/* The last block whose first key is <= key; 0 when key precedes all. */
static size_t find_block(const wr_oindex *x, uint64_t key) {
  size_t lo = 0, hi = x->n; /* answer in [lo, hi) */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (x->mins[x->start + mid] <= key)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

/* The number of entries of b with a key <= key. */
static size_t upper(const wr_oblock *b, uint64_t key) {
  size_t lo = 0, hi = b->n;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (b->e[b->start + mid].key <= key)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

wr_oentry *wr_oindex_first_ending_after_(wr_oindex *x, uint64_t off,
                                         wr_opos *pos) {
  if (x->n == 0)
    return NULL;
  size_t j = find_block(x, off);
  wr_oblock *b = x->b[x->start + j];
  size_t k = upper(b, off);
  if (k > 0 && b->e[b->start + k - 1].end > off)
    k--;
  if (k == b->n) { /* everything in b ends by off: the next block's first */
    if (++j == x->n)
      return NULL;
    k = 0;
    b = x->b[x->start + j];
  }
  pos->b = j;
  pos->e = k;
  return &b->e[b->start + k];
}

wr_oentry *wr_oindex_next_(wr_oindex *x, wr_opos *pos) {
  wr_oblock *b = x->b[x->start + pos->b];
  if (++pos->e == b->n) {
    if (++pos->b == x->n)
      return NULL;
    pos->e = 0;
    b = x->b[x->start + pos->b];
  }
  return &b->e[b->start + pos->e];
}

wr_oentry *wr_oindex_min_(const wr_oindex *x) {
  if (x->n == 0)
    return NULL;
  wr_oblock *b = x->b[x->start];
  return &b->e[b->start];
}

wr_oentry *wr_oindex_max_(const wr_oindex *x) {
  if (x->n == 0)
    return NULL;
  wr_oblock *b = x->b[x->start + x->n - 1];
  return &b->e[b->start + b->n - 1];
}

void *wr_oindex_peek_(const wr_oindex *x, size_t i) {
  if (x->n == 0)
    return NULL;
  const wr_oblock *b = x->b[x->start];
  return i < b->n ? b->e[b->start + i].val : NULL;
}

static wr_oblock *block_new(size_t cap) {
  wr_oblock *b = malloc(sizeof *b + cap * sizeof b->e[0]);
  if (b) {
    b->start = b->n = 0;
    b->cap = cap;
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

/* Makes room in block j for one more entry: compacts it, grows it, or
 * splits it in two (then the half that should take key is returned in
 * *j). 0, or -1 when out of memory. */
static int block_room(wr_oindex *x, size_t *j, uint64_t key) {
  wr_oblock *b = x->b[x->start + *j];
  if (b->start + b->n < b->cap)
    return 0;
  if (b->start > 0) {
    memmove(b->e, b->e + b->start, b->n * sizeof b->e[0]);
    b->start = 0;
    return 0;
  }
  if (b->cap < OINDEX_BLOCK) {
    size_t ncap = b->cap * 2;
    wr_oblock *nb = realloc(b, sizeof *nb + ncap * sizeof nb->e[0]);
    if (!nb)
      return -1;
    nb->cap = ncap;
    x->b[x->start + *j] = nb;
    return 0;
  }
  wr_oblock *hi = block_new(OINDEX_BLOCK);
  if (!hi)
    return -1;
  size_t half = b->n / 2;
  memcpy(hi->e, b->e + half, (b->n - half) * sizeof b->e[0]);
  hi->n = b->n - half;
  if (insert_block(x, *j + 1, hi, hi->e[0].key)) {
    free(hi);
    return -1;
  }
  b->n = half;
  if (key >= hi->e[0].key)
    (*j)++;
  return 0;
}

int wr_oindex_insert_(wr_oindex *x, uint64_t key, uint64_t end, int64_t ts,
                      void *val) {
  if (x->n == 0) {
    wr_oblock *b = block_new(4);
    if (!b || insert_block(x, 0, b, key)) {
      free(b);
      return -1;
    }
  }
  size_t j = find_block(x, key);
  if (block_room(x, &j, key))
    return -1;
  wr_oblock *b = x->b[x->start + j];
  size_t k = upper(b, key);
  wr_oentry *e = b->e + b->start;
  memmove(e + k + 1, e + k, (b->n - k) * sizeof *e);
  e[k].key = key;
  e[k].end = end;
  e[k].ts = ts;
  e[k].val = val;
  b->n++;
  x->count++;
  if (k == 0)
    x->mins[x->start + j] = key;
  return 0;
}

void wr_oindex_pop_min_(wr_oindex *x) {
  wr_oblock *b = x->b[x->start];
  b->start++;
  x->count--;
  if (--b->n > 0) {
    x->mins[x->start] = b->e[b->start].key;
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
