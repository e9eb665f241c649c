/* The mailbox of a controlling process: a FIFO of messages (mailbox.h). */
#include <stdlib.h>
#include <string.h>

#include "sock_int.h"

static const char *const kind_names[] = {"tcp", "http", "tcp_closed",
                                         "tcp_error", "tcp_passive"};

const char *wr_msg_kind_name(wr_msg_kind kind) {
  if ((unsigned)kind >= sizeof kind_names / sizeof kind_names[0])
    return "?";
  return kind_names[kind];
}

/* Message data lives behind a small header holding its capacity, so that
 * wr_msg_free can give it back to the environment's cache. */
typedef struct msgbuf {
  size_t cap;
  size_t pad_; /* keeps data 16-byte aligned */
} msgbuf;

uint8_t *wr_msgbuf_get_(wr_sockenv *env, size_t len) {
  if (len <= WR_MSG_SMALL && env->small) {
    msgbuf *b = env->small;
    memcpy(&env->small, b + 1, sizeof env->small);
    env->nsmall--;
    return (uint8_t *)(b + 1);
  }
  for (int i = env->ncache - 1; i >= 0; i--) {
    msgbuf *b = env->cache[i];
    if (b->cap >= len && b->cap / 4 <= len) {
      env->cache[i] = env->cache[--env->ncache];
      return (uint8_t *)(b + 1);
    }
  }
  size_t cap = len < WR_MSG_SMALL ? WR_MSG_SMALL : len;
  msgbuf *b = malloc(sizeof *b + cap);
  if (!b) {
    wr_sock_system_(env, WR_ENOMEM);
    return NULL;
  }
  b->cap = cap;
  return (uint8_t *)(b + 1);
}

static void msgbuf_put(wr_sockenv *env, uint8_t *data) {
  msgbuf *b = (msgbuf *)data - 1;
  if (env && b->cap == WR_MSG_SMALL && env->nsmall < WR_MSG_SMALL_CACHE) {
    memcpy(data, &env->small, sizeof env->small);
    env->small = b;
    env->nsmall++;
    return;
  }
  if (env && env->ncache < WR_MSG_CACHE && b->cap <= WR_MSG_CACHE_MAX) {
    env->cache[env->ncache++] = b;
    return;
  }
  free(b);
}

void wr_msgbuf_clear_(wr_sockenv *env) {
  for (int i = 0; i < env->ncache; i++)
    free(env->cache[i]);
  env->ncache = 0;
  while (env->small) {
    msgbuf *b = env->small;
    memcpy(&env->small, b + 1, sizeof env->small);
    free(b);
  }
  env->nsmall = 0;
}

void wr_msg_free(wr_msg *m) {
  if (!m || !m->data)
    return;
  if (m->hold_)
    wr_stream_release(m->hold_); /* data points into receive storage */
  else
    msgbuf_put(m->sock ? m->sock->env : NULL, m->data);
  m->data = NULL;
  m->hold_ = NULL;
  m->len = 0;
}

size_t wr_mailbox_len(const wr_mailbox *mb) { return mb ? mb->len : 0; }
size_t wr_mailbox_bytes(const wr_mailbox *mb) { return mb ? mb->bytes : 0; }
size_t wr_mailbox_peak(const wr_mailbox *mb) { return mb ? mb->peak : 0; }

/* The ring's capacity is a power of two (16, doubled), so that an index
 * wraps with a mask: a division per push and per take was a tenth of the
 * time of a 64-byte message on simnet (bench_sock). */
static size_t at(const wr_mailbox *mb, size_t i) {
  return (mb->head + i) & (mb->cap - 1);
}

/* Doubles a full ring. Kept out of push so that push, once per message,
 * stays small enough to be inlined. */
static int grow(wr_mailbox *mb) {
  size_t cap = mb->cap ? mb->cap * 2 : 16;
  wr_msg *p = malloc(cap * sizeof *p);
  if (!p)
    return mb->env ? wr_sock_system_(mb->env, WR_ENOMEM) : WR_ENOMEM;
  for (size_t i = 0; i < mb->len; i++)
    p[i] = mb->msgs[at(mb, i)];
  free(mb->msgs);
  mb->msgs = p;
  mb->cap = cap;
  mb->head = 0;
  return 0;
}

/* Appends without looking at the limit (a move between mailboxes takes
 * nothing new from the network). */
static inline int push(wr_mailbox *mb, const wr_msg *m) {
  if (mb->len == mb->cap) {
    int rc = grow(mb);
    if (rc)
      return rc;
  }
  mb->msgs[at(mb, mb->len)] = *m;
  mb->len++;
  mb->bytes += m->len;
  if (mb->len > mb->peak)
    mb->peak = mb->len;
  return 0;
}

/* The mailbox limit (wr_sock_limits): 0 when a message of len bytes from
 * s may go in, else the limit's error, recorded. */
static int limit_check(wr_mailbox *mb, wr_sock *s, size_t len) {
  size_t lim = mb->env ? mb->env->limits.mailbox_bytes : 0;
  if (lim && (mb->env->hit.kind != WR_SOCK_LIMIT_NONE ||
              len > lim - (mb->bytes < lim ? mb->bytes : lim))) {
    wr_sock_limit_hit h = {.kind = WR_SOCK_LIMIT_MAILBOX,
                           .mailbox = mb,
                           .sock = s,
                           .bytes = mb->bytes,
                           .messages = mb->len,
                           .adding = len};
    return wr_sock_limit_met_(mb->env, &h);
  }
  return 0;
}

int wr_mailbox_push_(wr_mailbox *mb, const wr_msg *m) {
  int rc = limit_check(mb, m->sock, m->len);
  return rc ? rc : push(mb, m);
}

int wr_mailbox_push_copy_(wr_mailbox *mb, wr_sock *s, const uint8_t *p,
                          size_t len) {
  int rc = limit_check(mb, s, len);
  if (rc)
    return rc;
  uint8_t *buf = wr_msgbuf_get_(s->env, len);
  if (!buf)
    return WR_ENOMEM;
  if (mb->len == mb->cap && (rc = grow(mb)) != 0) {
    msgbuf_put(s->env, buf);
    return rc;
  }
  if (len)
    memcpy(buf, p, len);
  wr_msg m = {.kind = WR_MSG_TCP, .sock = s, .data = buf, .len = len};
  return push(mb, &m); /* the ring has room: it cannot fail */
}

int wr_mailbox_take(wr_mailbox *mb, wr_msg *out) {
  if (!mb || !out)
    return WR_EINVAL;
  if (!mb->len)
    return WR_EAGAIN;
  *out = mb->msgs[mb->head];
  mb->head = at(mb, 1);
  mb->len--;
  mb->bytes -= out->len;
  return 0;
}

int wr_mailbox_move_(wr_mailbox *from, wr_mailbox *to, const wr_sock *s) {
  if (from == to)
    return 0;
  /* Keep the others in place, in order: rebuild `from` in one pass. */
  size_t n = from->len, kept = 0;
  for (size_t i = 0; i < n; i++) {
    wr_msg m = from->msgs[at(from, i)];
    /* inet's tcp_sync_input moves {tcp, S, _} and {tcp_closed, S} only:
     * http, tcp_error and tcp_passive stay behind (checked on OTP 25). */
    if (m.sock == s && (m.kind == WR_MSG_TCP || m.kind == WR_MSG_TCP_CLOSED)) {
      from->bytes -= m.len;
      if (push(to, &m) != 0)
        return WR_ENOMEM; /* cannot happen before the first move fails */
    } else {
      from->msgs[at(from, kept)] = m;
      kept++;
    }
  }
  from->len = kept;
  return 0;
}

void wr_mailbox_free_(wr_mailbox *mb) {
  wr_msg m;
  while (wr_mailbox_take(mb, &m) == 0)
    wr_msg_free(&m);
  free(mb->msgs);
  free(mb);
}
