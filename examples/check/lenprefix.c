/* A length-prefixed decoder (lenprefix.h), written the way such code
 * usually is: bytes arrive in pieces, the decoder keeps what it has not
 * framed yet, and hands out each message as soon as it is complete. */
#include "lenprefix.h"

#include <stdlib.h>
#include <string.h>

typedef struct lenprefix {
  const lenprefix_config *cfg;
  uint8_t *buf; /* bytes received and not yet framed */
  size_t len, cap;
} lenprefix;

static void *create(void *ctx) {
  lenprefix *d = calloc(1, sizeof *d);
  if (d)
    d->cfg = ctx;
  return d;
}

static void destroy(void *dec) {
  lenprefix *d = dec;
  free(d->buf);
  free(d);
}

static int append(lenprefix *d, const uint8_t *p, size_t n) {
  if (d->len + n > d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 64;
    while (cap < d->len + n)
      cap *= 2;
    uint8_t *b = realloc(d->buf, cap);
    if (!b)
      return WR_ENOMEM;
    d->buf = b;
    d->cap = cap;
  }
  memcpy(d->buf + d->len, p, n);
  d->len += n;
  return 0;
}

static int feed(void *dec, const uint8_t *data, size_t n, wr_check_sink *out) {
  lenprefix *d = dec;
  int rc = append(d, data, n);
  size_t at = 0;
  while (rc == 0 && d->len - at >= 2) {
    size_t have = d->len - at;
    size_t body = (size_t)d->buf[at] << 8 | d->buf[at + 1];
    if (body > LENPREFIX_MAX)
      return LENPREFIX_ETOOBIG;
    if (have < 2 + body) {
      /* The planted bug: the header leaves the buffer while its body is
       * still missing, so the next read's bytes pass for a new header. */
      if (d->cfg->bug)
        at += 2;
      break;
    }
    rc = wr_check_emit(out, d->buf + at + 2, body, 0);
    at += 2 + body;
  }
  memmove(d->buf, d->buf + at, d->len - at);
  d->len -= at;
  return rc;
}

static int finish(void *dec, wr_check_sink *out) {
  (void)out;
  return ((lenprefix *)dec)->len ? LENPREFIX_ETRUNCATED : 0;
}

static int encode(void *ctx, const uint8_t *msg, size_t len, int64_t tag,
                  wr_check_buf *out) {
  (void)ctx;
  (void)tag;
  if (len > LENPREFIX_MAX)
    return LENPREFIX_ETOOBIG;
  uint8_t hdr[2] = {(uint8_t)(len >> 8), (uint8_t)len};
  int rc = wr_check_buf_append(out, hdr, 2);
  return rc ? rc : wr_check_buf_append(out, msg, len);
}

wr_check_decoder lenprefix_decoder(lenprefix_config *cfg) {
  wr_check_decoder d = {.name = cfg->bug ? "lenprefix-bug" : "lenprefix",
                        .ctx = cfg,
                        .create = create,
                        .destroy = destroy,
                        .feed = feed,
                        .finish = finish,
                        .encode = encode};
  return d;
}
