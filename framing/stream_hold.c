/* Holding a stream's storage for a delivered packet (stream.h). Apart from
 * stream.c so that releasing a hold (wr_msg_free) links without the rest
 * of the stream. */
#include "stream_block.h"
#include "wirerig/stream.h"

void *wr_stream_hold(wr_stream *s) {
  if (!s->buf)
    return NULL;
  block_of(s->buf)->refs++;
  return s->buf;
}

void wr_stream_release(void *hold) { block_release(hold); }
