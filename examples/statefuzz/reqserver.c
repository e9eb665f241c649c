/* The request/reply server (reqserver.h) and its oracle. */
#include "reqserver.h"

#include <stdlib.h>
#include <string.h>

#define RS_KEYS 16
#define RS_MAX 64

struct reqserver_store {
  struct {
    uint8_t key[RS_MAX], val[RS_MAX];
    size_t klen, vlen;
  } kv[RS_KEYS];
  size_t n;
  size_t notifies;
};

reqserver_store *reqserver_store_new(void) {
  return calloc(1, sizeof(reqserver_store));
}

void reqserver_store_free(reqserver_store *st) { free(st); }

static int put(uint8_t *out, size_t cap, const char *s, size_t n) {
  if (n > cap)
    n = cap;
  memcpy(out, s, n);
  return (int)n;
}

int reqserver_reply(reqserver_store *st, const uint8_t *req, size_t len,
                    uint8_t *out, size_t cap) {
  if (len >= 1 && req[0] == 'P')
    return put(out, cap, "PONG", 4);
  if (len >= 1 && req[0] == 'N') {
    st->notifies++;
    return -1;
  }
  if (len >= 1 && req[0] == 'S') {
    const uint8_t *eq = memchr(req + 1, '=', len - 1);
    size_t kl = eq ? (size_t)(eq - req - 1) : 0, vl = eq ? len - kl - 2 : 0;
    if (!eq || kl > RS_MAX || vl > RS_MAX)
      return put(out, cap, "-ERR", 4);
    size_t i = 0;
    while (i < st->n &&
           !(st->kv[i].klen == kl && !memcmp(st->kv[i].key, req + 1, kl)))
      i++;
    if (i == st->n) {
      if (st->n == RS_KEYS)
        return put(out, cap, "-ERR", 4);
      st->n++;
    }
    memcpy(st->kv[i].key, req + 1, kl);
    st->kv[i].klen = kl;
    memcpy(st->kv[i].val, eq + 1, vl);
    st->kv[i].vlen = vl;
    return put(out, cap, "+OK", 3);
  }
  if (len >= 1 && req[0] == 'G') {
    for (size_t i = 0; i < st->n; i++)
      if (st->kv[i].klen == len - 1 &&
          !memcmp(st->kv[i].key, req + 1, len - 1)) {
        if (cap < 1)
          return 0;
        out[0] = 'V';
        size_t n = st->kv[i].vlen < cap - 1 ? st->kv[i].vlen : cap - 1;
        memcpy(out + 1, st->kv[i].val, n);
        return (int)(n + 1);
      }
    return put(out, cap, "-", 1);
  }
  return put(out, cap, "-ERR", 4);
}

/* ---- the server ------------------------------------------------------ */

typedef struct conn {
  const reqserver_config *cfg;
  reqserver_store *store;
  wr_sockopt once;
} conn;

static void *create(void *ctx) {
  conn *c = calloc(1, sizeof *c);
  char err[128];
  if (!c)
    return NULL;
  c->cfg = ctx;
  c->store = reqserver_store_new();
  if (!c->store ||
      wr_sockopt_parse("active=once", &c->once, 1, err, sizeof err) != 1) {
    reqserver_store_free(c->store);
    free(c);
    return NULL;
  }
  return c;
}

static void destroy(void *state) {
  conn *c = state;
  reqserver_store_free(c->store);
  free(c);
}

static int on_data(wr_sf_test *t, void *state, const wr_msg *m) {
  conn *c = state;
  (void)t;
  uint8_t reply[RS_MAX + 1];
  int n = reqserver_reply(c->store, m->data, m->len, reply, sizeof reply);
  if (n < 0 && c->cfg->bug)
    return 0; /* the planted bug: a notify forgets to re-arm */
  /* A send or setopts that fails means the connection is going away
   * (the client closed or reset it): the server closes its side. */
  if (n >= 0 && wr_sock_send(m->sock, reply, (size_t)n) != 0) {
    wr_sock_close(m->sock);
    return 0;
  }
  if (wr_sock_setopts(m->sock, &c->once, 1) != 0)
    wr_sock_close(m->sock);
  return 0;
}

static int on_closed(wr_sf_test *t, void *state, wr_sock *s) {
  (void)t;
  (void)state;
  wr_sock_close(s);
  return 0;
}

static int on_message(wr_sf_test *t, void *state, const wr_msg *m) {
  (void)t;
  (void)state;
  if (m->kind == WR_MSG_TCP_ERROR)
    wr_sock_close(m->sock);
  return 0;
}

/* {packet,2} frames of b: their count, each handed to fn. */
static size_t frames(const uint8_t *b, size_t len,
                     int (*fn)(void *, const uint8_t *, size_t), void *ctx) {
  size_t n = 0, i = 0;
  while (i + 2 <= len) {
    size_t fl = (size_t)b[i] << 8 | b[i + 1];
    if (i + 2 + fl > len)
      break;
    if (fn && fn(ctx, b + i + 2, fl))
      break;
    n++;
    i += 2 + fl;
  }
  return n;
}

typedef struct judge {
  wr_sf_test *t;
  reqserver_store *ref;
  const wr_sf_transcript *tr;
  size_t req, off; /* requests seen; offset in received */
  int failed;
} judge;

/* Each request in turn: the reply the reference gives must be the next
 * frame the client received. */
static int one_request(void *ctx, const uint8_t *req, size_t len) {
  judge *j = ctx;
  uint8_t want[RS_MAX + 1];
  int n = reqserver_reply(j->ref, req, len, want, sizeof want);
  j->req++;
  if (n < 0)
    return 0;
  const uint8_t *r = j->tr->received + j->off;
  size_t left = j->tr->received_len - j->off;
  if (left < 2 || left < 2 + ((size_t)r[0] << 8 | r[1])) {
    j->failed = 1;
    wr_sf_fail(
        j->t,
        "request %zu (%zu bytes, starting with byte %u) got no reply: the "
        "client received %zu bytes in all, every one sent without a "
        "fault or close",
        j->req, len, len ? (unsigned)req[0] : 0u, j->tr->received_len);
    return 1;
  }
  size_t rl = (size_t)r[0] << 8 | r[1];
  if (rl != (size_t)n || memcmp(r + 2, want, rl) != 0) {
    j->failed = 1;
    wr_sf_fail(j->t,
               "request %zu (%zu bytes, starting with byte %u): a reply of %zu "
               "bytes other than the %d expected",
               j->req, len, len ? (unsigned)req[0] : 0u, rl, n);
    return 1;
  }
  j->off += 2 + rl;
  return 0;
}

static int at_end(wr_sf_test *t, void *state, const wr_sf_transcript *tr) {
  (void)state;
  /* Only an undisturbed exchange is judged: a close, a fault or a failed
   * send can lose requests or replies for reasons of the client's own. */
  if (tr->client_closed || tr->peer_closed || tr->faults || tr->send_errors ||
      tr->unsettled)
    return 0;
  judge j = {t, reqserver_store_new(), tr, 0, 0, 0};
  if (!j.ref)
    return wr_sf_fail(t, "out of memory");
  frames(tr->sent, tr->sent_len, one_request, &j);
  reqserver_store_free(j.ref);
  if (j.failed)
    return -1;
  WR_SF_ASSERT(t, j.off == tr->received_len);
  return 0;
}

wr_sf_server reqserver_server(reqserver_config *cfg) {
  wr_sf_server s;
  memset(&s, 0, sizeof s);
  s.name = cfg->bug ? "reqserver_bug" : "reqserver";
  s.ctx = cfg;
  s.listen_opts = "packet=2 active=once";
  s.create = create;
  s.destroy = destroy;
  s.on_data = on_data;
  s.on_closed = on_closed;
  s.on_message = on_message;
  s.at_end = at_end;
  return s;
}
