/* The send side of the gen_tcp model: the driver queue, the high and low
 * watermarks, send_timeout, the postponed shutdown and close with linger
 * (semantics §1.4, §5.3, §5.4). */
#include <stdlib.h>
#include <string.h>

#include "sock_int.h"

/* The queue limit (wr_sock_limits) for n more bytes: 0, or its error. */
static int queue_limit(wr_sock *s, size_t n) {
  size_t lim = s->env->limits.queue_bytes;
  if (lim && n > lim - (s->qlen < lim ? s->qlen : lim)) {
    wr_sock_limit_hit h = {
        .kind = WR_SOCK_LIMIT_QUEUE, .sock = s, .bytes = s->qlen, .adding = n};
    return wr_sock_limit_met_(s->env, &h);
  }
  return 0;
}

/* Copies n bytes behind the queue's own ones (nothing is borrowed). */
static int own_append(wr_sock *s, const uint8_t *p, size_t n) {
  if (s->qoff && s->qoff + s->qlen + n > s->qcap) {
    memmove(s->q, s->q + s->qoff, s->qlen);
    s->qoff = 0;
  }
  if (s->qlen + n > s->qcap) {
    size_t cap = s->qcap ? s->qcap : 4096;
    while (cap < s->qlen + n)
      cap *= 2;
    uint8_t *q = realloc(s->q, cap);
    if (!q)
      return wr_sock_system_(s->env, WR_ENOMEM);
    s->q = q;
    s->qcap = cap;
  }
  memcpy(s->q + s->qoff + s->qlen, p, n);
  s->qlen += n;
  return 0;
}

/* The borrowed bytes become the queue's own (a copy), before the send
 * they belong to returns or anything is queued behind them. */
static int unborrow(wr_sock *s) {
  if (!s->blen)
    return 0;
  const uint8_t *p = s->bq;
  size_t n = s->blen;
  s->qlen -= n;
  s->bq = NULL;
  s->blen = 0;
  return own_append(s, p, n);
}

/* Queues the n bytes at p: a copy, or with `borrow` the bytes themselves,
 * for a send that waits until the queue has drained to the low watermark:
 * its caller's bytes stay valid meanwhile, and most of them are written
 * out by then, so they are copied only if some remain (unborrow). A
 * 16 KiB flood paid a tenth of its time copying payloads into the queue
 * (bench_sock). */
static int queue_add(wr_sock *s, const uint8_t *p, size_t n, int borrow) {
  if (!n)
    return 0;
  int rc = queue_limit(s, n);
  if (rc == 0)
    rc = unborrow(s);
  if (rc || !borrow)
    return rc ? rc : own_append(s, p, n);
  s->bq = p;
  s->blen = n;
  s->qlen += n;
  return 0;
}

/* Is a transport send result the end of the connection? */
static int send_failed(long n) { return n < 0 && n != WR_EAGAIN; }

/* Takes n written bytes off the front of the queue: its own first. */
static void queue_consume(wr_sock *s, size_t n) {
  size_t own = s->qlen - s->blen, k = n < own ? n : own;
  s->qoff += k;
  if (n > k) {
    s->bq += n - k;
    s->blen -= n - k;
  }
  s->qlen -= n;
  if (s->qlen == 0) {
    s->qoff = 0;
    s->bq = NULL;
  }
}

void wr_sock_flush_(wr_sock *s) {
  while (s->qlen && s->h >= 0) {
    /* Own and borrowed bytes leave in one write, as one queue. */
    size_t own = s->qlen - s->blen;
    wr_iovec v[2] = {{s->q + s->qoff, own}, {s->bq, s->blen}};
    long n = own ? wr_net_sendv(s->env->net, s->h, v, s->blen ? 2 : 1)
                 : wr_net_sendv(s->env->net, s->h, v + 1, 1);
    if (n == WR_EAGAIN || n == 0)
      break; /* 0 cannot happen on TCP; never spin on it */
    if (send_failed(n)) {
      wr_sock_fail_io_(s, (int)n);
      return;
    }
    queue_consume(s, (size_t)n);
  }
  if (s->qlen == 0 && s->exit_flush) {
    wr_sock_release_(s, 0); /* written out: the FIN follows the data */
    return;
  }
  if (s->busy && s->qlen <= s->low)
    s->busy = 0;
  if (s->qlen == 0 && s->shut_pending && s->h >= 0) {
    int how = s->shut_pending;
    s->shut_pending = 0;
    if (wr_net_shutdown(s->env->net, s->h, how) == 0 && (how & WR_SHUT_WR))
      s->wr_shut = s->wr_shut_done = 1;
  }
  wr_sock_watch_(s);
}

/* Writes what the kernel takes now and queues the rest. The pieces go out
 * in one transport send, as inet_drv's writev: the {packet,N} header and
 * its payload leave together, without a copy to join them. */
static int putv(wr_sock *s, wr_iovec *iov, int cnt) {
  if (!s->qlen && !s->delay_send) {
    /* One write, as inet_drv's tcp_sendv: what the kernel does not take
     * is queued and written from the loop, so a large send to a peer that
     * has closed says ok and the failure shows on the next send (OTP 25,
     * scenarios/close/large-send-to-closed-peer.scn); a second write here
     * would meet the peer's RST at once on loopback. */
    if (cnt) {
      long w = wr_net_sendv(s->env->net, s->h, iov, cnt);
      if (w == WR_EAGAIN || w == 0)
        w = 0;
      else if (send_failed(w))
        return (int)w;
      /* Skip what was taken: whole pieces, then the start of one. */
      size_t left = (size_t)w;
      while (cnt && left >= iov->len) {
        left -= iov->len;
        iov++;
        cnt--;
      }
      if (cnt) {
        iov->base = (const uint8_t *)iov->base + left;
        iov->len -= left;
      }
    }
  }
  for (int i = 0; i < cnt; i++) {
    int rc = queue_add(s, iov[i].base, iov[i].len, 0);
    if (rc)
      return rc;
  }
  return 0;
}

int wr_sock_send_failed_(wr_sock *s, int err, int caller) {
  /* EPIPE counts as a reset unless a postponed shutdown(write) caused
   * it, as inet_drv's tcp_send_error has it (a peer that closed answers
   * the first write with an RST, and the next write meets EPIPE). Any
   * other err (WR_CLOSED: a send while a shutdown waits) is a close. */
  int reset = err == WR_ECONNRESET || (err == WR_EPIPE && !s->wr_shut_done);
  int show = reset && s->show_econnreset;
  int answer = show ? WR_ECONNRESET : WR_CLOSED;
  s->send_answer = answer;
  s->busy = 0;
  if (s->active != WR_ACTIVE_FALSE) {
    wr_sock_post_closed_(s, show);
    if (s->exit_on_close)
      wr_sock_close_port_(s, 0);
    else
      wr_sock_desc_close_(s);
  } else {
    /* Passive: the next recv says it once more (so a caller may ignore
     * send errors and see them in recv), and a write from the queue that
     * nobody waited for is said by the next send. */
    if (!caller)
      s->dcs = 1;
    wr_sock_desc_close_(s);
    s->dcr = 1;
    s->der = show;
  }
  return answer;
}

/* The condition of a busy send's wait: the queue fell to the low
 * watermark, or the connection went. */
static int not_busy(void *ctx) {
  const wr_sock *s = ctx;
  return !s->busy || s->h < 0;
}

int wr_sock_send(wr_sock *s, const void *data, size_t len) {
  if (!s || (!data && len))
    return WR_EINVAL;
  if (s->port_closed)
    return WR_CLOSED;
  if (s->listener || s->connecting)
    return WR_ENOTCONN;
  if (s->fd_closed) {
    /* Not connected: a close read earlier, or a write from the queue
     * that failed unseen, is said once (TCP_ADDF_DELAYED_CLOSE_SEND); the
     * reset flag stays for the recv. */
    if (!s->dcs)
      return WR_ENOTCONN;
    s->dcs = 0;
    return s->der ? WR_ECONNRESET : WR_CLOSED;
  }
  if (s->h < 0) /* no descriptor left to write to (cannot be reached by
                 * the calls gen_tcp has; kept as the kernel's refusal) */
    return wr_sock_send_failed_(s, WR_ECONNRESET, 1);
  if (s->shut_pending) /* a shutdown waits for the queue: a close */
    return wr_sock_send_failed_(s, WR_CLOSED, 1);
  uint8_t hdr[4];
  int hl = wr_encode_header(s->packet, len, WR_ENCODE_WRAP, hdr);
  if (hl <= 0 && len == 0)
    return 0;     /* nothing goes on the wire */
  if (s->wr_shut) /* the kernel's EPIPE, after our own shutdown(write) */
    return wr_sock_send_failed_(s, WR_EPIPE, 1);
  int was_queued = s->qlen > 0;
  size_t hlen = hl > 0 ? (size_t)hl : 0;
  /* Will this send wait (the busy check below)? Then its payload is
   * borrowed while it does. */
  int waits = was_queued && s->qlen + hlen + len >= s->high;
  int rc = 0;
  if (waits || (hlen && (s->qlen || s->delay_send))) {
    /* Behind queued bytes: straight into the queue, one copy at most. */
    rc = queue_add(s, hdr, hlen, 0);
    if (rc == 0)
      rc = queue_add(s, data, len, waits);
  } else {
    wr_iovec iov[2] = {{hdr, hlen}, {data, len}};
    rc = hlen ? putv(s, iov, 2) : putv(s, iov + 1, 1);
  }
  if (rc == WR_ENOMEM)
    return rc;
  if (rc < 0)
    return wr_sock_send_failed_(s, rc, 1);
  /* Only the queue decides what a send changes in the interest (OUT while
   * it holds bytes): a write taken whole leaves it as it was. */
  if (was_queued || s->qlen)
    wr_sock_watch_(s);
  /* The busy check runs only when the queue already held data. */
  if (was_queued && s->qlen >= s->high)
    s->busy = 1;
  if (!s->busy)
    return unborrow(s); /* nothing was borrowed: `waits` said busy */
  long ms = s->send_timeout == WR_SEND_TIMEOUT_INFINITY ? WR_SOCK_INFINITY
                                                        : (long)s->send_timeout;
  rc = wr_sock_wait_(s->env, wr_sock_deadline_(s->env, ms), not_busy, s);
  /* What the wait did not write out is copied before the caller gets its
   * buffer back. */
  int kept = unborrow(s);
  if (kept < 0)
    return kept;
  if (rc < 0 && rc != WR_TIMEOUT)
    return rc;
  if (s->port_closed)
    return WR_CLOSED;
  if (s->fd_closed) /* the queue's write failed under this send, or a
                     * read closed the socket: inet_drv answers closed */
    return s->send_answer ? s->send_answer : WR_CLOSED;
  if (s->h < 0)
    return wr_sock_send_failed_(s, WR_ECONNRESET, 1);
  if (!s->busy)
    return 0;
  /* Timed out: the data stays queued. */
  if (s->send_timeout_close) {
    wr_sock_release_(s, 0);
    s->fd_closed = 1;
  }
  return WR_TIMEOUT;
}

int wr_sock_shutdown(wr_sock *s, int how) {
  if (!s || how < WR_SHUT_RD || how > WR_SHUT_RDWR)
    return WR_EINVAL;
  if (s->port_closed)
    return WR_CLOSED;
  if (s->listener || s->connecting || s->fd_closed || s->h < 0)
    return WR_ENOTCONN;
  if (how == WR_SHUT_RD)
    return wr_net_shutdown(s->env->net, s->h, how);
  if (s->qlen) {
    /* Postponed until the queue has drained (flush does it). */
    s->shut_pending = how;
    return 0;
  }
  int rc = wr_net_shutdown(s->env->net, s->h, how);
  if (rc == 0)
    s->wr_shut = 1;
  return rc;
}

/* The default linger: give up after 180 s, or after 5 s without progress. */
#define LINGER_TOTAL_MS 180000L
#define LINGER_STALL_MS 5000L

/* A closing socket draining its queue, and the queue's length when the
 * last progress was counted. */
typedef struct linger_wait {
  wr_sock *s;
  size_t last;
} linger_wait;

/* The condition of a linger wait: the queue shrank (progress), drained,
 * or the connection went. */
static int linger_moved(void *ctx) {
  const linger_wait *lw = ctx;
  return lw->s->qlen < lw->last || !lw->s->qlen || lw->s->h < 0;
}

int wr_sock_close(wr_sock *s) {
  if (!s)
    return WR_EINVAL;
  if (s->port_closed)
    return 0;
  if (s->h < 0 || s->listener) {
    wr_sock_close_port_(s, 0);
    return 0;
  }
  if (s->linger_on && s->linger_s == 0) {
    wr_sock_close_port_(s, 1); /* RST, the queue is discarded */
    return 0;
  }
  wr_sockenv *env = s->env;
  /* Drain the queue first; the socket stops reading meanwhile. */
  s->active = WR_ACTIVE_FALSE;
  wr_sock_watch_(s);
  long total = s->linger_on ? (long)s->linger_s * 1000L : LINGER_TOTAL_MS;
  wr_time end = wr_sock_deadline_(env, total);
  linger_wait lw = {s, s->qlen};
  wr_time progress_by = wr_sock_deadline_(env, LINGER_STALL_MS);
  /* One wait per step of progress, each until the linger time is over or
   * (without linger) the queue has stood still for LINGER_STALL_MS. */
  while (s->qlen && s->h >= 0) {
    wr_time d = end;
    if (!s->linger_on && progress_by < d)
      d = progress_by;
    if (wr_sock_wait_(env, d, linger_moved, &lw) != 0)
      break; /* out of time, a quiet network, or a transport error */
    lw.last = s->qlen;
    progress_by = wr_sock_deadline_(env, LINGER_STALL_MS);
  }
  wr_sock_close_port_(s, 0);
  return 0;
}

/* The port of a dead owner is closed with a flush, as erts closes a port
 * whose driver still queues data: the queue is written out, then the
 * descriptor closes. Checked on OTP 25: a process sends until send times
 * out with data queued, then ends; the peer reads every byte of every
 * send, the timed-out one included, then {error,closed}. */
int wr_sock_owner_exit(wr_sock *s) {
  if (!s)
    return WR_EINVAL;
  if (s->port_closed)
    return 0;
  int abort = s->linger_on && s->linger_s == 0 && !s->listener;
  if (abort || s->listener || s->h < 0 || s->qlen == 0) {
    wr_sock_close_port_(s, abort);
    return 0;
  }
  s->port_closed = 1;
  s->active = WR_ACTIVE_FALSE;
  s->in_recv = 0;
  wr_stream_discard(&s->rx);
  s->exit_flush = 1;
  wr_sock_watch_(s);
  return 0;
}
