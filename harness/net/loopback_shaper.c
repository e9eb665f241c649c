/* The loopback shaper: simnet's segmentation and delay policies on real
 * sockets. What a shaped socket sends is queued, cut by the policy (the
 * same code as simnet, harness/shape.c) and written chunk by chunk at the
 * chunks' times with TCP_NODELAY, so each chunk leaves as its own segment
 * and the peer's kernel can deliver it as a partial read. */
#include "loopback_int.h"

#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

int wr_lb_shaper_empty_(const lsock *s) { return !s->sh || s->sh->len == 0; }

int wr_lb_shaper_room_(wr_loopback *l, const lsock *s) {
  return s->sh && s->sh->len < l->cfg.shaper_queue;
}

static int chunk_push(lshaper *sh, lchunk c) {
  if (sh->chlen == sh->chcap) {
    size_t cap = sh->chcap ? sh->chcap * 2 : 16;
    lchunk *ch = malloc(cap * sizeof *ch);
    if (!ch)
      return WR_ENOMEM;
    for (size_t i = 0; i < sh->chlen; i++)
      ch[i] = sh->ch[(sh->chhead + i) % sh->chcap];
    free(sh->ch);
    sh->ch = ch;
    sh->chcap = cap;
    sh->chhead = 0;
  }
  sh->ch[(sh->chhead + sh->chlen) % sh->chcap] = c;
  sh->chlen++;
  return 0;
}

/* Room for n more bytes after the queued ones, moving them to the front
 * of the buffer or growing it. */
static int buf_reserve(lshaper *sh, size_t n) {
  if (sh->head + sh->len + n <= sh->cap)
    return 0;
  if (sh->len + n <= sh->cap) {
    memmove(sh->buf, sh->buf + sh->head, sh->len);
    sh->head = 0;
    return 0;
  }
  size_t cap = sh->cap ? sh->cap : 4096;
  while (cap < sh->len + n)
    cap *= 2;
  uint8_t *b = malloc(cap);
  if (!b)
    return WR_ENOMEM;
  if (sh->len)
    memcpy(b, sh->buf + sh->head, sh->len);
  free(sh->buf);
  sh->buf = b;
  sh->cap = cap;
  sh->head = 0;
  return 0;
}

long wr_lb_shaper_sendv_(wr_loopback *l, lsock *s, const wr_iovec *iov,
                         int iovcnt) {
  lshaper *sh = s->sh;
  size_t room = l->cfg.shaper_queue - sh->len;
  if (!room)
    return WR_EAGAIN;
  size_t take = 0;
  for (int i = 0; i < iovcnt && take < room; i++)
    take += iov[i].len < room - take ? iov[i].len : room - take;
  if (!take)
    return 0;
  if (buf_reserve(sh, take) < 0)
    return WR_ENOMEM;
  /* Cut the new bytes now, as simnet does when bytes may leave. */
  size_t saved_chlen = sh->chlen;
  wr_shape saved_st = sh->st;
  uint64_t off = sh->off;
  wr_time now = wr_lb_clock_(l);
  for (uint64_t avail = take; avail;) {
    uint64_t n = wr_shape_seg_len(&sh->pol, &l->rng, &sh->st, off, avail);
    lchunk c = {wr_shape_arrival(&sh->pol, &l->rng, &sh->st, now, n),
                (uint32_t)n};
    if (chunk_push(sh, c) < 0) {
      sh->chlen = saved_chlen;
      sh->st = saved_st;
      return WR_ENOMEM;
    }
    off += n;
    avail -= n;
  }
  uint8_t *dst = sh->buf + sh->head + sh->len;
  for (size_t left = take; left; iov++) {
    size_t k = iov->len < left ? iov->len : left;
    if (k)
      memcpy(dst, iov->base, k);
    dst += k;
    left -= k;
  }
  sh->len += take;
  sh->off = off;
  return (long)take;
}

wr_time wr_lb_shaper_next_(const lsock *s) {
  const lshaper *sh = s->sh;
  if (!sh || !sh->chlen || sh->stalled || sh->blocked || sh->failed)
    return WR_TIME_NEVER;
  wr_time t = sh->ch[sh->chhead].at;
  return t > sh->stall_until ? t : sh->stall_until;
}

int wr_lb_shaper_flush_(wr_loopback *l, lsock *s) {
  lshaper *sh = s->sh;
  if (!sh || !sh->chlen || sh->stalled || sh->failed)
    return 0;
  wr_time now = wr_lb_clock_(l);
  lchunk *c = &sh->ch[sh->chhead];
  if (c->at > now || sh->stall_until > now)
    return 0;
  ssize_t r = send(s->fd, sh->buf + sh->head + sh->chdone, c->len - sh->chdone,
                   MSG_NOSIGNAL);
  if (r < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) {
      sh->blocked = 1;
      return 0;
    }
    /* The connection is gone: what waits can never be sent. The error
     * stays pending in the kernel for the owner's next call. */
    sh->failed = 1;
    sh->len = sh->chlen = 0;
    sh->chdone = 0;
    return 0;
  }
  sh->chdone += (size_t)r;
  if (sh->chdone < c->len) {
    sh->blocked = 1; /* the rest when the kernel has room */
    return 0;
  }
  sh->blocked = 0;
  sh->head += c->len;
  sh->len -= c->len;
  sh->chdone = 0;
  sh->chhead = (sh->chhead + 1) % sh->chcap;
  sh->chlen--;
  if (!sh->len)
    sh->head = 0;
  return sh->chlen && sh->ch[sh->chhead].at <= now;
}

void wr_lb_shaper_free_(lsock *s) {
  if (!s->sh)
    return;
  free(s->sh->buf);
  free(s->sh->ch);
  free(s->sh);
  s->sh = NULL;
}

/* The connection socket of h. WR_ENOTSUP on a network that is not a
 * loopback transport (the answer callers report, net.h), WR_EINVAL for a
 * handle that is no connection. */
static int lsock_get(wr_net *n, int h, lsock **out) {
  if (!wr_loopback_is(n))
    return WR_ENOTSUP;
  wr_loopback *l = lb_of(n);
  if (!wr_net_slot_(n, h) || h >= l->scap || l->s[h].fd < 0 || l->s[h].listener)
    return WR_EINVAL;
  *out = &l->s[h];
  return 0;
}

int wr_loopback_set_policy(wr_net *n, int h, const wr_policy *p) {
  lsock *s;
  int rc = lsock_get(n, h, &s);
  if (rc < 0)
    return rc;
  if (p && wr_policy_check(p, NULL, 0) < 0)
    return WR_EINVAL;
  if (!s->sh) {
    if (!p)
      return 0;
    s->sh = calloc(1, sizeof *s->sh);
    if (!s->sh)
      return WR_ENOMEM;
    s->sh->off = s->sent; /* cut offsets count from the connection start */
  }
  if (p) {
    s->sh->pol = *p;
    s->sh->active = 1;
    int one = 1;
    setsockopt(s->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  } else {
    wr_policy_init(&s->sh->pol);
    s->sh->active = 0;
  }
  s->sh->st.cut_idx = 0;
  wr_lb_register_(lb_of(n), s, h);
  return 0;
}

int wr_loopback_stall(wr_net *n, int h, wr_time until) {
  lsock *s;
  int rc = lsock_get(n, h, &s);
  if (rc < 0)
    return rc;
  if (!s->sh)
    return WR_EINVAL; /* only shaped output can be held */
  if (until == WR_TIME_NEVER)
    s->sh->stalled = 1;
  else
    s->sh->stall_until = until;
  return 0;
}

int wr_loopback_release(wr_net *n, int h) {
  lsock *s;
  int rc = lsock_get(n, h, &s);
  if (rc < 0)
    return rc;
  if (!s->sh)
    return WR_EINVAL;
  s->sh->stalled = 0;
  s->sh->stall_until = 0;
  return 0;
}

int wr_lb_queued_(wr_net *n, int h, size_t *bytes) {
  lsock *s;
  int rc = lsock_get(n, h, &s);
  if (rc < 0)
    return rc;
  *bytes = s->sh ? s->sh->len : 0;
  return 0;
}

size_t wr_loopback_queued(wr_net *n, int h) {
  size_t bytes = 0;
  return wr_lb_queued_(n, h, &bytes) == 0 ? bytes : 0;
}
