/* The stream's storage block (stream.c, stream_hold.c): a reference count
 * in front of the bytes, so that a delivered packet can keep the bytes it
 * points at (wr_stream_hold). The stream owns one reference; while others
 * hold more, it never moves, reuses or reallocates bytes before `end` --
 * it takes new storage. */
#ifndef WIRERIG_FRAMING_STREAM_BLOCK_H
#define WIRERIG_FRAMING_STREAM_BLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct sblock {
  size_t refs;
  size_t size; /* bytes after the header; also keeps them 16-byte aligned */
} sblock;

static inline sblock *block_of(uint8_t *buf) {
  return (sblock *)(void *)buf - 1;
}

static inline void block_release(uint8_t *buf) {
  if (buf && --block_of(buf)->refs == 0)
    free(block_of(buf));
}

#endif
