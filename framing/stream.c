/* The socket-side receive buffer (inet_drv's i_buf) over the framing
 * engine. See include/wirerig/stream.h for the model. */
#include <stdlib.h>
#include <string.h>

#include "deliver.h"
#include "stream_block.h"
#include "wirerig/stream.h"

static size_t buffer_option(uint32_t b) { return b < 1 ? 1 : b; }

/* Do others hold the storage? (stream_block.h) */
static int shared(const wr_stream *s) {
  return s->buf && block_of(s->buf)->refs > 1;
}

/* Storage the stream gave up while held goes on a list where the
 * stream keeps a reference, and is taken again once its holders are done:
 * a socket whose messages are freed as they are read then cycles through
 * a few blocks instead of new, page-faulting memory per read. */
static sblock *block_take(wr_stream *s, size_t n) {
  /* Newest first: the block most likely still in cache. */
  for (int i = s->nretired_ - 1; i >= 0; i--) {
    sblock *b = block_of(s->retired_[i]);
    if (b->refs == 1 && b->size >= n) {
      memmove(s->retired_ + i, s->retired_ + i + 1,
              (size_t)(s->nretired_ - i - 1) * sizeof s->retired_[0]);
      s->nretired_--;
      return b;
    }
  }
  sblock *b = malloc(sizeof *b + n);
  if (b) {
    b->refs = 1;
    b->size = n;
  }
  return b;
}

static void block_retire(wr_stream *s, uint8_t *buf) {
  if (!s->retired_) {
    s->retired_ = malloc(WR_STREAM_RETIRED * sizeof *s->retired_);
    if (!s->retired_) {
      block_release(buf); /* no list: its holders keep it */
      return;
    }
  }
  if (s->nretired_ == WR_STREAM_RETIRED) {
    block_release(s->retired_[0]); /* the oldest: its holders keep it */
    memmove(s->retired_, s->retired_ + 1,
            (WR_STREAM_RETIRED - 1) * sizeof s->retired_[0]);
    s->nretired_--;
  }
  s->retired_[s->nretired_++] = buf;
}

static void retired_free(wr_stream *s) {
  for (int i = 0; i < s->nretired_; i++)
    block_release(s->retired_[i]);
  s->nretired_ = 0;
}

void wr_stream_init(wr_stream *s, wr_packet_type type) {
  memset(s, 0, sizeof *s);
  s->type = type;
  s->delimiter = '\n';
  s->buffer = WR_STREAM_DEFAULT_BUFFER;
  s->cap = WR_STREAM_DEFAULT_BUFFER;
  s->http_state = WR_HTTP_REQUEST_LINE;
}

void wr_stream_free(wr_stream *s) {
  block_release(s->buf);
  retired_free(s);
  free(s->retired_);
  s->retired_ = NULL;
  s->buf = NULL;
  s->alloc = s->start = s->end = 0;
}

/* The HTTP state is left where the last parsed line put it: only lines
 * move it (http_eoh back to the request line), never a change of type
 * (semantics §3.3, checked against OTP 25). */
void wr_stream_set_type(wr_stream *s, wr_packet_type type) {
  s->type = type;
  s->remain = 0;
}

void wr_stream_set_packet_size(wr_stream *s, uint32_t packet_size) {
  s->packet_size = packet_size;
  s->remain = 0;
}

void wr_stream_set_delimiter(wr_stream *s, uint8_t delimiter) {
  s->delimiter = delimiter;
}

void wr_stream_set_buffer(wr_stream *s, uint32_t buffer) {
  s->buffer = (uint32_t)buffer_option(buffer);
  if (s->remain == 0)
    s->cap = s->buffer;
}

size_t wr_stream_buffered(const wr_stream *s) { return s->end - s->start; }

/* Makes room for `more` bytes after end, moving the buffered bytes to the
 * front first so storage does not creep forward. */
static int ensure_room(wr_stream *s, size_t more) {
  int held = shared(s);
  if (s->start == s->end && !held)
    s->start = s->end = 0; /* empty: reads start at the front again */
  if (s->alloc - s->end >= more)
    return 0;
  if (s->start > 0 && !held) {
    memmove(s->buf, s->buf + s->start, s->end - s->start);
    s->end -= s->start;
    s->start = 0;
    if (s->alloc - s->end >= more)
      return 0;
  }
  /* Held storage is left to its holders: the buffered bytes move to new
   * storage sized for them and `more` (not the old size, so that packets
   * stay a large part of it, see wr_stream_hold). */
  size_t keep = s->end - s->start, want = keep + more;
  size_t n = s->alloc && !held ? s->alloc : 256;
  if (want < keep)
    return WR_ENOMEM;
  while (n < want) {
    if (n > SIZE_MAX / 2)
      return WR_ENOMEM;
    n *= 2;
  }
  if (n > SIZE_MAX - sizeof(sblock))
    return WR_ENOMEM;
  sblock *b;
  if (held) {
    b = block_take(s, n);
    if (b == NULL)
      return WR_ENOMEM;
    memcpy(b + 1, s->buf + s->start, keep);
    block_retire(s, s->buf);
    s->start = 0;
    s->end = keep;
  } else {
    b = realloc(s->buf ? block_of(s->buf) : NULL, sizeof *b + n);
    if (b == NULL)
      return WR_ENOMEM;
    b->refs = 1;
    b->size = n;
  }
  s->buf = (uint8_t *)(b + 1);
  s->alloc = b->size;
  return 0;
}

int wr_stream_room(wr_stream *s, size_t more) {
  if (s->error)
    return s->error;
  return ensure_room(s, more);
}

int wr_stream_reserve(wr_stream *s, uint8_t **dst, size_t *len) {
  if (s->error)
    return s->error;
  size_t avail = s->end - s->start, want;
  if (s->remain > avail)
    want = s->remain - avail;
  else
    want = s->cap > avail ? s->cap - avail : 0;
  int rc = ensure_room(s, want ? want : 1);
  if (rc != 0)
    return rc;
  *dst = s->buf + s->end;
  *len = want;
  return 0;
}

void wr_stream_commit(wr_stream *s, size_t n) { s->end += n; }

int wr_stream_feed(wr_stream *s, const uint8_t *p, size_t n) {
  if (s->error)
    return s->error;
  if (n == 0)
    return 0;
  int rc = ensure_room(s, n);
  if (rc != 0)
    return rc;
  memcpy(s->buf + s->end, p, n);
  s->end += n;
  return 0;
}

/* inet_drv keeps a grown buffer while bytes remain in it and goes back to a
 * `buffer`-sized one only once it is empty. */
static void consumed(wr_stream *s, size_t t) {
  s->start += t;
  s->remain = 0;
  /* Reads go back to the front in ensure_room, once it is known whether
   * the packet is held (wr_stream_hold comes after this). */
  if (s->start == s->end)
    s->cap = s->buffer;
}

static int fail(wr_stream *s) {
  s->error = WR_EMSGSIZE;
  return s->error;
}

int wr_stream_next(wr_stream *s, wr_stream_packet *out) {
  if (s->error)
    return s->error;
  if (s->buf == NULL)
    return WR_FRAME_MORE; /* nothing has arrived yet */
  for (;;) {
    const uint8_t *p = s->buf + s->start;
    size_t avail = s->end - s->start;
    /* The driver has read at most cap bytes of what is buffered here. */
    size_t seen = avail < s->cap ? avail : s->cap;
    wr_framing f = {s->type, s->packet_size, (uint32_t)s->cap, s->delimiter};
    if (wr_packet_type_is_http(s->type)) {
      /* One walk frames and parses the line (wr_frame_http); an HTTP line
       * is complete only once all of it and its look-ahead byte are here,
       * so it never needs a known total larger than what is buffered. */
      wr_frame fr;
      wr_frame_status fs =
          wr_frame_http(&f, &s->http_state, p, seen, &fr, &out->http);
      if (fs == WR_FRAME_INVALID)
        return fail(s);
      if (fs == WR_FRAME_MORE) {
        if (seen < s->cap)
          return WR_FRAME_MORE;
        if (s->packet_size > s->cap) { /* as below */
          s->cap = s->packet_size;
          continue;
        }
        return fail(s);
      }
      out->data = fr.packet;
      out->is_http = 1;
      consumed(s, fr.consumed);
      return WR_FRAME_PACKET;
    }
    size_t total = 0;
    wr_len_result r = wr_frame_length(&f, s->http_state, p, seen, &total);
    if (r == WR_LEN_INVALID)
      return fail(s);
    if (r == WR_LEN_MORE) {
      if (seen < s->cap)
        return WR_FRAME_MORE;
      /* The buffer is full and still no boundary: inet_drv grows it to
       * packet_size when that is larger, else it is a framing error (an
       * HTTP header line that leaves no room for its look-ahead byte). */
      if (s->packet_size > s->cap) {
        s->cap = s->packet_size;
        continue;
      }
      return fail(s);
    }
    if (total > avail) {
      s->remain = total;
      if (total > s->cap)
        s->cap = total;
      return WR_FRAME_MORE;
    }
    out->data = wr_deliver_span_(s->type, p, total);
    out->is_http = 0;
    consumed(s, total);
    return WR_FRAME_PACKET;
  }
}

/* Framing all buffered bytes at once gives the packets the buffer-sized
 * view gives only where the buffer size cannot change a boundary: a
 * {packet,1|2|4} length is decided by a header the view holds whole
 * (cap >= 4, and cap does not change while packets are taken out and the
 * buffer is not empty), and a line is cut at the first delimiter or at
 * cap bytes however far the view reaches (trunc_len = cap). With
 * packet_size, a line longer than the view can be invalid seen whole but
 * a cap-sized piece seen through the view; the batch then stops there
 * with no packet, and wr_stream_next decides. Raw packets are the view
 * itself, and HTTP lines grow the buffer: those go one at a time. */
static int batchable(const wr_stream *s) {
  switch (s->type) {
  case WR_PACKET_1:
  case WR_PACKET_2:
  case WR_PACKET_4:
    return s->cap >= 4;
  case WR_PACKET_LINE:
    return 1;
  default:
    return 0;
  }
}

size_t wr_stream_peek(wr_stream *s, wr_frame *out, size_t max) {
  if (s->error || s->buf == NULL || max == 0 || !batchable(s))
    return 0;
  wr_framing f = {s->type, s->packet_size, (uint32_t)s->cap, s->delimiter};
  wr_frame_batch_result r = wr_frame_batch(&f, NULL, s->buf + s->start,
                                           s->end - s->start, out, NULL, max);
  return r.count;
}

void wr_stream_skip(wr_stream *s, size_t n) {
  size_t avail = s->end - s->start;
  consumed(s, n < avail ? n : avail);
}

void wr_stream_discard(wr_stream *s) {
  if (shared(s)) {
    block_release(s->buf);
    s->buf = NULL;
    s->alloc = 0;
  }
  retired_free(s);
  s->start = s->end = 0;
  s->remain = 0;
  s->cap = s->buffer;
  /* The bad bytes are gone with the rest: inet_drv starts over with an
   * empty buffer (a socket with exit_on_close false reads on). */
  s->error = 0;
}

size_t wr_stream_take(wr_stream *s, uint8_t *dst, size_t max) {
  size_t avail = s->end - s->start, n = avail < max ? avail : max;
  if (n) {
    memcpy(dst, s->buf + s->start, n);
    consumed(s, n);
  }
  return n;
}
