/* One run of a decoder over one cut schedule, and what it gave. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_int.h"

/* The sink a push decoder emits into: the outcome being recorded, and how
 * many messages this call has emitted (to know when polling may stop). */
struct wr_check_sink {
  chk_outcome *o;
  size_t emitted;
};

/* A decoder that emits forever with no input is a bug; this bounds the
 * polling so it shows as one instead of as a hang. */
#define POLL_LIMIT (1u << 20)

void wr_chk_outcome_clear(chk_outcome *o) {
  o->nmsgs = o->nbytes = 0;
  o->error = o->finish_error = o->oom = 0;
  o->error_at = o->left = 0;
  o->bad[0] = '\0';
}

void wr_chk_outcome_free(chk_outcome *o) {
  free(o->msgs);
  free(o->bytes);
  memset(o, 0, sizeof *o);
}

static int grow(void **p, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap)
    return 0;
  size_t n = *cap ? *cap : 16;
  while (n < need) {
    if (n > SIZE_MAX / 2 / elem)
      return WR_ENOMEM;
    n *= 2;
  }
  void *q = realloc(*p, n * elem);
  if (!q)
    return WR_ENOMEM;
  *p = q;
  *cap = n;
  return 0;
}

int wr_chk_outcome_add(chk_outcome *o, const void *data, size_t len,
                       int64_t tag) {
  if (grow((void **)&o->msgs, &o->msgcap, o->nmsgs + 1, sizeof *o->msgs) ||
      (len && grow((void **)&o->bytes, &o->bytecap, o->nbytes + len, 1))) {
    o->oom = 1;
    return WR_ENOMEM;
  }
  o->msgs[o->nmsgs++] = (chk_msg){o->nbytes, len, tag};
  if (len)
    memcpy(o->bytes + o->nbytes, data, len);
  o->nbytes += len;
  return 0;
}

int wr_check_emit(wr_check_sink *sink, const void *data, size_t len,
                  int64_t tag) {
  if (!sink || (!data && len))
    return WR_EINVAL;
  int rc = wr_chk_outcome_add(sink->o, data, len, tag);
  if (rc == 0)
    sink->emitted++;
  return rc;
}

int wr_check_buf_append(wr_check_buf *b, const void *data, size_t len) {
  if (!b || (!data && len))
    return WR_EINVAL;
  if (grow((void **)&b->data, &b->cap, b->len + len + 1, 1))
    return WR_ENOMEM;
  if (len)
    memcpy(b->data + b->len, data, len);
  b->len += len;
  return 0;
}

/* The size of chunk i of a stream cut at cuts[0..ncuts). */
static size_t chunk_end(const size_t *cuts, unsigned ncuts, unsigned i,
                        size_t len) {
  return i < ncuts ? cuts[i] : len;
}

static void run_push(const wr_check_decoder *dec, void *d, chk_guard *g,
                     const uint8_t *stream, size_t len, const size_t *cuts,
                     unsigned ncuts, chk_outcome *o) {
  wr_check_sink sink = {o, 0};
  size_t at = 0;
  for (unsigned i = 0; i <= ncuts && at < len; i++) {
    size_t end = chunk_end(cuts, ncuts, i, len), n = end - at;
    uint8_t *p = wr_chk_guard_at(g, n, dec->spare);
    memcpy(p, stream + at, n);
    at = end;
    int rc = dec->feed(d, p, n, &sink);
    for (unsigned polls = 0; rc == 0 && (dec->flags & WR_CHECK_POLL); polls++) {
      if (polls == POLL_LIMIT) {
        snprintf(o->bad, sizeof o->bad,
                 "feed kept emitting messages with no new bytes (%u polls)",
                 POLL_LIMIT);
        return;
      }
      sink.emitted = 0;
      rc = dec->feed(d, NULL, 0, &sink);
      if (sink.emitted == 0)
        break;
    }
    if (o->oom)
      return;
    if (rc < 0) {
      o->error = rc;
      o->error_at = at;
      return;
    }
  }
}

static void run_pull(const wr_check_decoder *dec, void *d, chk_guard *g,
                     const uint8_t *stream, size_t len, const size_t *cuts,
                     unsigned ncuts, chk_outcome *o) {
  /* What is received and not consumed sits at the end of the guarded
   * region: new bytes move it forward, consumed ones leave from the
   * front, so the buffer the decoder sees always ends at the guard. */
  uint8_t *end = wr_chk_guard_at(g, 0, dec->spare);
  size_t have = 0, at = 0, seen = 0;
  for (unsigned i = 0; i <= ncuts && at < len; i++) {
    size_t cend = chunk_end(cuts, ncuts, i, len), n = cend - at;
    memmove(end - have - n, end - have, have);
    memcpy(end - n, stream + at, n);
    have += n;
    at = cend;
    for (;;) {
      wr_check_frame fr = {.seen = seen};
      const uint8_t *buf = end - have;
      int rc = dec->next(d, buf, have, &fr);
      if (rc == WR_CHECK_MORE) {
        seen = have;
        break;
      } else if (rc < 0) {
        o->error = rc;
        o->error_at = at;
        o->left = have;
        return;
      } else if (rc != WR_CHECK_MESSAGE) {
        snprintf(o->bad, sizeof o->bad,
                 "next returned %d: expected WR_CHECK_MESSAGE (1), "
                 "WR_CHECK_MORE (0) or a negative error",
                 rc);
        return;
      }
      if (fr.consumed == 0 || fr.consumed > have) {
        snprintf(o->bad, sizeof o->bad,
                 "next returned a message consuming %zu bytes of the %zu "
                 "offered: expected 1..%zu",
                 fr.consumed, have, have);
        return;
      }
      if (!fr.data && fr.len) {
        snprintf(o->bad, sizeof o->bad,
                 "next returned a message of %zu bytes with no data", fr.len);
        return;
      }
      if (wr_chk_outcome_add(o, fr.data, fr.len, fr.tag))
        return;
      have -= fr.consumed;
      seen = 0;
    }
  }
  o->left = have;
}

void wr_chk_run(const wr_check_decoder *dec, chk_guard *g,
                const uint8_t *stream, size_t len, const size_t *cuts,
                unsigned ncuts, chk_outcome *o) {
  wr_chk_outcome_clear(o);
  void *d = dec->create(dec->ctx);
  if (!d) {
    snprintf(o->bad, sizeof o->bad, "create returned NULL");
    return;
  }
  if (dec->feed)
    run_push(dec, d, g, stream, len, cuts, ncuts, o);
  else
    run_pull(dec, d, g, stream, len, cuts, ncuts, o);
  if (!o->error && !o->bad[0] && !o->oom && dec->finish) {
    wr_check_sink sink = {o, 0};
    int rc = dec->finish(d, &sink);
    if (rc < 0)
      o->finish_error = rc;
  }
  dec->destroy(d);
}

void wr_chk_run_framing(const wr_framing *f, const uint8_t *stream, size_t len,
                        chk_outcome *o) {
  wr_chk_outcome_clear(o);
  int http = wr_packet_type_is_http(f->type);
  int state = f->type == WR_PACKET_HTTPH || f->type == WR_PACKET_HTTPH_BIN
                  ? WR_HTTP_HEADERS
                  : WR_HTTP_REQUEST_LINE;
  size_t at = 0;
  while (at < len) {
    wr_frame fr;
    wr_frame_status st = wr_frame_next(f, state, stream + at, len - at, &fr);
    if (st == WR_FRAME_MORE)
      break;
    if (st != WR_FRAME_PACKET) {
      o->error = WR_EMSGSIZE;
      o->error_at = at;
      break;
    }
    if (wr_chk_outcome_add(o, fr.packet.ptr, fr.packet.len, 0))
      return;
    if (http) { /* the line state moves as on a socket (semantics §3.3) */
      wr_http_packet hp;
      wr_http_parse(fr.packet.ptr, fr.packet.len, &state, &hp);
    }
    at += fr.consumed;
  }
  o->left = len - at;
}

static int same_msgs(const chk_outcome *a, const chk_outcome *b, int tags) {
  if (a->nmsgs != b->nmsgs)
    return 0;
  for (size_t i = 0; i < a->nmsgs; i++) {
    const chk_msg *x = &a->msgs[i], *y = &b->msgs[i];
    if (x->len != y->len || (tags && x->tag != y->tag) ||
        memcmp(wr_chk_msg_bytes(a, x), wr_chk_msg_bytes(b, y), x->len))
      return 0;
  }
  return 1;
}

int wr_chk_same(const chk_outcome *a, const chk_outcome *b, int reference) {
  if (a->bad[0] || b->bad[0] || a->oom || b->oom)
    return 0;
  if (reference)
    return same_msgs(a, b, 0) && (a->error != 0) == (b->error != 0);
  /* Bytes left unconsumed are compared only when the decoder did not
   * fail: a decoder may reject a bad byte as soon as it arrives, so where
   * an error stops it depends on the reads (found by fuzz_picohttp). */
  return same_msgs(a, b, 1) && a->error == b->error &&
         a->finish_error == b->finish_error &&
         (a->error != 0 || a->left == b->left);
}
