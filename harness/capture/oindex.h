/* An ordered index of out-of-order segments by offset: where a new segment
 * goes is found in O(log n) however segments arrive (an attacker can queue
 * hundreds of thousands). Sorted blocks of up to OINDEX_BLOCK entries under
 * a sorted array of blocks (a two-level B+ tree): both searches are binary
 * searches over contiguous memory, a few cache lines each, where a pointer
 * tree would take a cache miss per level on a queue of any size. An insert
 * moves at most one block's slot numbers, a split half a block's entries
 * and at most the array of blocks:
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

/* 64 entries a block (one bit each in a uint64_t): measured against 16,
 * 32, 128 and 256 with bench_reasm (docs/benchmarks.md). */
#define OINDEX_BLOCK 64

typedef struct wr_oentry {
  uint64_t key, end; /* the segment's bytes [key, end) */
  int64_t ts;        /* its arrival time */
  void *val;
} wr_oentry;

/* The fields of the entries in arrays of their own, so that the binary
 * search reads only keys, and in slots that do not move: an entry stays in
 * its slot from insert to removal, and only ord -- the slots in key order,
 * one byte each -- shifts on an insert (one cache line, where shifting
 * four arrays of 8-byte fields cost about nine cache misses an insert in
 * bench_reasm). free has a bit set for each slot not in use. */
typedef struct wr_oblock {
  size_t start, n; /* the entries are slots ord[start, start + n) */
  uint64_t free;
  uint8_t ord[OINDEX_BLOCK];
  uint64_t key[OINDEX_BLOCK], end[OINDEX_BLOCK];
  int64_t ts[OINDEX_BLOCK];
  void *val[OINDEX_BLOCK];
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

/* Adds [key, end) -> (ts, val) (key not present, and no entry overlapping
 * it) before the entry at *pos, as found by wr_oindex_first_ending_after_
 * for key with no change since, or after every entry when pos is NULL.
 * 0, or -1 when out of memory (nothing changed). */
int wr_oindex_insert_before_(wr_oindex *x, const wr_opos *pos, uint64_t key,
                             uint64_t end, int64_t ts, void *val);
/* The first entry whose end is > off, with its position in *pos: 1, or 0
 * when there is none. Only out->key and out->end are filled in (see
 * wr_oindex_at_). Entries must not overlap (ends then grow with keys). */
int wr_oindex_first_ending_after_(const wr_oindex *x, uint64_t off,
                                  wr_opos *pos, wr_oentry *out);
/* The whole entry at *pos. */
void wr_oindex_at_(const wr_oindex *x, const wr_opos *pos, wr_oentry *out);
/* The entry after *pos, moving *pos to it: 1, or 0 at the end. */
int wr_oindex_next_(const wr_oindex *x, wr_opos *pos, wr_oentry *out);
/* The first entry (smallest key): 1, or 0 when empty. */
int wr_oindex_min_(const wr_oindex *x, wr_oentry *out);
/* The end of the last entry; 0 when empty. */
uint64_t wr_oindex_max_end_(const wr_oindex *x);
/* The value i entries after the first one, if it is in the first block
 * (for prefetching), else NULL. */
void *wr_oindex_peek_(const wr_oindex *x, size_t i);
/* Removes the smallest key (the index is not empty). */
void wr_oindex_pop_min_(wr_oindex *x);
void wr_oindex_free_(wr_oindex *x);

#endif
