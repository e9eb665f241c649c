/* An ordered index of out-of-order segments by offset: where a new segment
 * goes is found in O(log n) however segments arrive (an attacker can queue
 * hundreds of thousands). Sorted blocks of up to OINDEX_BLOCK entries under
 * a sorted array of blocks (a two-level B+ tree): both searches are binary
 * searches over contiguous memory, a few cache lines each, where a pointer
 * tree would take a cache miss per level on a queue of any size. An insert
 * moves at most one block's entries, a split at most the array of blocks:
 * bounded by OINDEX_BLOCK and by max_queued / OINDEX_BLOCK * 2. Keys are
 * unique, and entries leave only from the front.
 *
 * Each entry carries its segment's end beside the key, and the index is
 * walked in order by position, so that placing a segment and walking the
 * queue read only the index's contiguous arrays and never the segments
 * themselves (each one a cache miss in a large queue): the segments' bytes
 * are touched once when queued and once when delivered. Not installed. */
#ifndef WIRERIG_OINDEX_H
#define WIRERIG_OINDEX_H

#include <stddef.h>
#include <stdint.h>

/* 64 entries (2 KiB): measured against 128 and 256 with bench_reasm
 * (docs/benchmarks.md); an insert moves half a block on average. */
#define OINDEX_BLOCK 64

typedef struct wr_oentry {
  uint64_t key, end; /* the segment's bytes [key, end) */
  int64_t ts;        /* its arrival time */
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
  size_t count; /* entries */
} wr_oindex;

/* A position in the index: entry e of block b (both counted from the
 * front). Valid until the next insert or pop. */
typedef struct wr_opos {
  size_t b, e;
} wr_opos;

/* Adds [key, end) -> (ts, val) (key not present). 0, or -1 when out of
 * memory (nothing changed). */
int wr_oindex_insert_(wr_oindex *x, uint64_t key, uint64_t end, int64_t ts,
                      void *val);
/* The first entry whose end is > off, with its position in *pos, or NULL.
 * Entries must not overlap (ends then grow with keys). */
wr_oentry *wr_oindex_first_ending_after_(wr_oindex *x, uint64_t off,
                                         wr_opos *pos);
/* The entry after *pos (moving *pos to it), or NULL at the end. */
wr_oentry *wr_oindex_next_(wr_oindex *x, wr_opos *pos);
/* The first (smallest key) and last entries, or NULL when empty. */
wr_oentry *wr_oindex_min_(const wr_oindex *x);
wr_oentry *wr_oindex_max_(const wr_oindex *x);
/* The value i entries after the first one, if it is in the first block
 * (for prefetching), else NULL. */
void *wr_oindex_peek_(const wr_oindex *x, size_t i);
/* Removes the smallest key (the index is not empty). */
void wr_oindex_pop_min_(wr_oindex *x);
void wr_oindex_free_(wr_oindex *x);

#endif
