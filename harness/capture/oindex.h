/* An ordered index of out-of-order segments by offset: where a new segment
 * goes is found in O(log n) however segments arrive (an attacker can queue
 * hundreds of thousands). Sorted blocks of up to OINDEX_BLOCK entries under
 * a sorted array of blocks (a two-level B+ tree): both searches are binary
 * searches over contiguous memory, a few cache lines each, where a pointer
 * tree would take a cache miss per level on a queue of any size. An insert
 * moves at most one block's entries, a split at most the array of blocks:
 * bounded by OINDEX_BLOCK and by max_queued / OINDEX_BLOCK * 2. Keys are
 * unique, and entries leave only from the front. Not installed. */
#ifndef WIRERIG_OINDEX_H
#define WIRERIG_OINDEX_H

#include <stddef.h>
#include <stdint.h>

#define OINDEX_BLOCK 256

typedef struct wr_oentry {
  uint64_t key;
  void *val;
} wr_oentry;

typedef struct wr_oblock {
  size_t start, n, cap; /* entries e[start, start + n) */
  wr_oentry e[];
} wr_oblock;

typedef struct wr_oindex {
  wr_oblock **b;  /* blocks b[start, start + n), by key */
  uint64_t *mins; /* mins[i]: the first key of b[i], searched in place of
                     the blocks themselves (one cache miss each) */
  size_t start, n, cap;
} wr_oindex;

/* Adds key -> val (key not present). 0, or -1 when out of memory (nothing
 * changed). */
int wr_oindex_insert_(wr_oindex *x, uint64_t key, void *val);
/* The value of the greatest key <= key, or NULL. */
void *wr_oindex_floor_(const wr_oindex *x, uint64_t key);
/* Removes the smallest key (the index is not empty). */
void wr_oindex_pop_min_(wr_oindex *x);
void wr_oindex_free_(wr_oindex *x);

#endif
