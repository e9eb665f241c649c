/* The shaped reads and writes of libwirerig_preload.so (shim.c says what
 * they do). Every call, whatever its libc name, goes through shaped():
 * the decision of how many bytes it may move, the injected EAGAIN, EINTR,
 * end of stream and reset, then the real call cut to that limit, then the
 * bookkeeping. The wrappers below only say how to make the real call with
 * a limit (an io_fn) and what the program asked for. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/sendfile.h>
#include <unistd.h>

#include "shim_int.h"

#define cfg wr_pl_cfg_

static int nonblocking(int fd, int flags) {
  if (flags & MSG_DONTWAIT)
    return 1;
  int e = errno;
  int fl = real.fcntl(fd, F_GETFL);
  errno = e;
  return fl >= 0 && (fl & O_NONBLOCK);
}

/* What an I/O call needs: the limit the shim allows, then the call. */
typedef ssize_t (*io_fn)(int fd, void *ctx, size_t lim);

/* An injected error, traced (lock held on entry, released here). */
static ssize_t injected(wr_pl_conn *s, unsigned dir, const char *call,
                        size_t asked, int err) {
  wr_pl_trace_io_(s, dir, call, asked, -err, 1);
  wr_pl_unlock_();
  errno = err;
  return -1;
}

/* Every shaped read and write. Returns the result with errno set. Reads
 * (dir WR_PL_IN) also carry the end-of-stream and reset faults, and a
 * MSG_PEEK read moves no offset. */
static ssize_t shaped(int fd, wr_pl_conn *s, unsigned dir, const char *call,
                      size_t asked, int flags, io_fn io, void *ctx) {
  int in = dir == WR_PL_IN;
  int peek = in && (flags & MSG_PEEK) != 0;
  wr_pl_lock_();
  if (s->reset)
    return injected(s, dir, call, asked, ECONNRESET);
  uint64_t off = s->cur[dir].off;
  if (in && off >= s->reset_at) {
    wr_pl_do_reset_(fd, s);
    return injected(s, dir, call, asked, ECONNRESET);
  }
  if (in && off >= s->eof_at) {
    wr_pl_trace_io_(s, dir, call, asked, 0, 1);
    wr_pl_unlock_();
    return 0;
  }
  int nb = nonblocking(fd, flags);
  if (nb && s->snooze[dir] && !peek) {
    s->snooze[dir] = 0;
    wr_pl_kick_(s, in, !in);
    return injected(s, dir, call, asked, EAGAIN);
  }
  uint64_t lim = wr_pl_piece(s->pol[dir], cfg.seed, s->conn, dir, &s->cur[dir]);
  if (in && s->eof_at - off < lim)
    lim = s->eof_at - off;
  if (in && s->reset_at - off < lim)
    lim = s->reset_at - off;
  /* EINTR only where the kernel could give it: a call that would sleep.
   * Linux never interrupts a non-blocking call, and programs rightly take
   * EINTR there as an error (BEAM's inet driver does). */
  if (!peek) {
    s->calls++;
    if (!nb && wr_pl_eintr(&cfg, s->conn, dir, off, s->calls) &&
        s->intr_at[dir] != off + 1) {
      s->intr_at[dir] = off + 1;
      wr_pl_kick_(s, in, !in);
      return injected(s, dir, call, asked, EINTR);
    }
  }
  wr_pl_unlock_();
  size_t give = lim < asked ? (size_t)lim : asked;
  ssize_t n = io(fd, ctx, give);
  int e = errno;
  if (n < 0 && (e == EAGAIN || e == EWOULDBLOCK)) {
    errno = e; /* the kernel's, not a decision: not traced */
    return n;
  }
  wr_pl_lock_();
  if (n > 0 && !peek) {
    s->cur[dir].off += (uint64_t)n;
    if ((size_t)n == give && give < asked) {
      /* Cut short by the shim: the kernel may hold more (or have room),
       * which an edge-triggered loop would never hear of again. */
      s->snooze[dir] = (uint8_t)nb;
      wr_pl_kick_(s, in, !in);
    }
    if (in &&
        (s->cur[dir].off >= s->eof_at || s->cur[dir].off >= s->reset_at)) {
      s->rd_forced = 1;
      wr_pl_kick_(s, 1, 0);
    }
  }
  wr_pl_trace_io_(s, dir, peek ? "recv-peek" : call, asked,
                  n < 0 ? -(long long)e : (long long)n, 0);
  wr_pl_unlock_();
  errno = e;
  return n;
}

/* ---- how each call is made with a limit ------------------------------- */

/* iovecs cut to lim bytes in total (into out, at most WR_PL_MAX_IOV). */
static int cut_iov(const struct iovec *iov, int cnt, size_t lim,
                   struct iovec *out) {
  int k = 0;
  for (int i = 0; i < cnt && k < WR_PL_MAX_IOV && lim > 0; i++) {
    size_t l = iov[i].iov_len < lim ? iov[i].iov_len : lim;
    out[k].iov_base = iov[i].iov_base;
    out[k].iov_len = l;
    k++;
    lim -= l;
  }
  return k;
}

/* The bytes an iovec array asks for; 0 when it is too long to shape (it
 * then passes unshaped). */
static size_t iov_total(const struct iovec *iov, size_t cnt) {
  if (!iov || cnt == 0 || cnt > WR_PL_MAX_IOV)
    return 0;
  size_t t = 0;
  for (size_t i = 0; i < cnt; i++)
    t += iov[i].iov_len;
  return t;
}

typedef struct buf_ctx {
  void *buf;
  int flags;
  struct sockaddr *from;
  socklen_t *fromlen;
} buf_ctx;

static ssize_t io_read(int fd, void *c, size_t lim) {
  return real.read(fd, ((buf_ctx *)c)->buf, lim);
}
static ssize_t io_recv(int fd, void *c, size_t lim) {
  buf_ctx *b = c;
  return real.recvfrom(fd, b->buf, lim, b->flags, b->from, b->fromlen);
}
static ssize_t io_write(int fd, void *c, size_t lim) {
  return real.write(fd, ((buf_ctx *)c)->buf, lim);
}
static ssize_t io_send(int fd, void *c, size_t lim) {
  buf_ctx *b = c;
  return real.send(fd, b->buf, lim, b->flags);
}

typedef struct iov_ctx {
  const struct iovec *iov;
  int cnt;
  struct msghdr *msg; /* recvmsg/sendmsg */
  int flags;
} iov_ctx;

static ssize_t io_readv(int fd, void *c, size_t lim) {
  iov_ctx *v = c;
  struct iovec cut[WR_PL_MAX_IOV];
  return real.readv(fd, cut, cut_iov(v->iov, v->cnt, lim, cut));
}
static ssize_t io_writev(int fd, void *c, size_t lim) {
  iov_ctx *v = c;
  struct iovec cut[WR_PL_MAX_IOV];
  return real.writev(fd, cut, cut_iov(v->iov, v->cnt, lim, cut));
}
static ssize_t io_recvmsg(int fd, void *c, size_t lim) {
  iov_ctx *v = c;
  struct iovec cut[WR_PL_MAX_IOV];
  struct msghdr m = *v->msg;
  m.msg_iov = cut;
  m.msg_iovlen = (size_t)cut_iov(v->iov, v->cnt, lim, cut);
  ssize_t n = real.recvmsg(fd, &m, v->flags);
  int e = errno;
  v->msg->msg_namelen = m.msg_namelen;
  v->msg->msg_controllen = m.msg_controllen;
  v->msg->msg_flags = m.msg_flags;
  errno = e;
  return n;
}
static ssize_t io_sendmsg(int fd, void *c, size_t lim) {
  iov_ctx *v = c;
  struct iovec cut[WR_PL_MAX_IOV];
  struct msghdr m = *v->msg;
  m.msg_iov = cut;
  m.msg_iovlen = (size_t)cut_iov(v->iov, v->cnt, lim, cut);
  return real.sendmsg(fd, &m, v->flags);
}

/* The connection a call on fd is shaped on, or NULL: the call then goes
 * straight to libc (not a shaped socket, nothing asked, or shaping off). */
static wr_pl_conn *shapes(int fd, size_t asked) {
  wr_pl_resolve_();
  if (asked == 0 || wr_pl_passthrough_)
    return NULL;
  return wr_pl_tracked_(fd);
}

/* ---- reads ------------------------------------------------------------- */

WR_PL_EXPORT ssize_t read(int fd, void *buf, size_t n) {
  wr_pl_conn *s = shapes(fd, n);
  return s ? shaped(fd, s, WR_PL_IN, "read", n, 0, io_read,
                    &(buf_ctx){buf, 0, NULL, NULL})
           : real.read(fd, buf, n);
}

WR_PL_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags,
                              struct sockaddr *from, socklen_t *fromlen) {
  wr_pl_conn *s = shapes(fd, n);
  return s ? shaped(fd, s, WR_PL_IN, "recvfrom", n, flags, io_recv,
                    &(buf_ctx){buf, flags, from, fromlen})
           : real.recvfrom(fd, buf, n, flags, from, fromlen);
}

WR_PL_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags) {
  wr_pl_conn *s = shapes(fd, n);
  return s ? shaped(fd, s, WR_PL_IN, "recv", n, flags, io_recv,
                    &(buf_ctx){buf, flags, NULL, NULL})
           : real.recv(fd, buf, n, flags);
}

static ssize_t shaped_recvmsg(int fd, const char *call, struct msghdr *msg,
                              int flags) {
  wr_pl_conn *s =
      shapes(fd, msg ? iov_total(msg->msg_iov, msg->msg_iovlen) : 0);
  return s ? shaped(fd, s, WR_PL_IN, call,
                    iov_total(msg->msg_iov, msg->msg_iovlen), flags, io_recvmsg,
                    &(iov_ctx){msg->msg_iov, (int)msg->msg_iovlen, msg, flags})
           : real.recvmsg(fd, msg, flags);
}

WR_PL_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
  return shaped_recvmsg(fd, "recvmsg", msg, flags);
}

WR_PL_EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt) {
  size_t n = cnt > 0 ? iov_total(iov, (size_t)cnt) : 0;
  wr_pl_conn *s = shapes(fd, n);
  return s ? shaped(fd, s, WR_PL_IN, "readv", n, 0, io_readv,
                    &(iov_ctx){iov, cnt, NULL, 0})
           : real.readv(fd, iov, cnt);
}

/* recvmmsg on a stream socket fills its messages from one stream: here,
 * one shaped recvmsg each, stopping at the first that fails or ends the
 * stream. As in the kernel, MSG_WAITFORONE makes the messages after the
 * first non-blocking; a timeout does too (the kernel only checks it after
 * a message arrives), so the call never waits for more than one piece. */
WR_PL_EXPORT int recvmmsg(int fd, struct mmsghdr *v, unsigned vlen, int flags,
                          struct timespec *timeout) {
  wr_pl_resolve_();
  if (!v || vlen == 0 || wr_pl_passthrough_ || !wr_pl_tracked_(fd))
    return real.recvmmsg(fd, v, vlen, flags, timeout);
  int f = flags & ~MSG_WAITFORONE;
  unsigned i = 0;
  while (i < vlen) {
    ssize_t n = shaped_recvmsg(fd, "recvmmsg", &v[i].msg_hdr, f);
    if (n < 0) {
      if (i == 0)
        return -1;
      break; /* the kernel too reports the error on the next call */
    }
    v[i++].msg_len = (unsigned)n;
    if (n == 0)
      break;
    if ((flags & MSG_WAITFORONE) || timeout)
      f |= MSG_DONTWAIT;
  }
  return (int)i;
}

/* ---- writes ------------------------------------------------------------- */

WR_PL_EXPORT ssize_t write(int fd, const void *buf, size_t n) {
  wr_pl_conn *s = shapes(fd, n);
  return s ? shaped(fd, s, WR_PL_OUT, "write", n, 0, io_write,
                    &(buf_ctx){(void *)buf, 0, NULL, NULL})
           : real.write(fd, buf, n);
}

WR_PL_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags) {
  wr_pl_conn *s = shapes(fd, n);
  return s ? shaped(fd, s, WR_PL_OUT, "send", n, flags, io_send,
                    &(buf_ctx){(void *)buf, flags, NULL, NULL})
           : real.send(fd, buf, n, flags);
}

WR_PL_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
                            const struct sockaddr *to, socklen_t tolen) {
  /* On a connected TCP socket the address is ignored (or EISCONN): with
   * one, the kernel decides. */
  wr_pl_conn *s = to ? NULL : shapes(fd, n);
  return s ? shaped(fd, s, WR_PL_OUT, "sendto", n, flags, io_send,
                    &(buf_ctx){(void *)buf, flags, NULL, NULL})
           : real.sendto(fd, buf, n, flags, to, tolen);
}

static ssize_t shaped_sendmsg(int fd, const char *call,
                              const struct msghdr *msg, int flags) {
  wr_pl_conn *s =
      shapes(fd, msg ? iov_total(msg->msg_iov, msg->msg_iovlen) : 0);
  return s ? shaped(fd, s, WR_PL_OUT, call,
                    iov_total(msg->msg_iov, msg->msg_iovlen), flags, io_sendmsg,
                    &(iov_ctx){msg->msg_iov, (int)msg->msg_iovlen,
                               (struct msghdr *)msg, flags})
           : real.sendmsg(fd, msg, flags);
}

WR_PL_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
  return shaped_sendmsg(fd, "sendmsg", msg, flags);
}

/* sendmmsg: one shaped sendmsg per message; it stops after a message that
 * went only in part, since the rest of it must go before the next one on
 * a stream (the program learns how much went from msg_len). */
WR_PL_EXPORT int sendmmsg(int fd, struct mmsghdr *v, unsigned vlen, int flags) {
  wr_pl_resolve_();
  if (!v || vlen == 0 || wr_pl_passthrough_ || !wr_pl_tracked_(fd))
    return real.sendmmsg(fd, v, vlen, flags);
  unsigned i = 0;
  while (i < vlen) {
    size_t want = iov_total(v[i].msg_hdr.msg_iov, v[i].msg_hdr.msg_iovlen);
    ssize_t n = shaped_sendmsg(fd, "sendmmsg", &v[i].msg_hdr, flags);
    if (n < 0) {
      if (i == 0)
        return -1;
      break;
    }
    v[i++].msg_len = (unsigned)n;
    if ((size_t)n < want)
      break;
  }
  return (int)i;
}

WR_PL_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt) {
  size_t n = cnt > 0 ? iov_total(iov, (size_t)cnt) : 0;
  wr_pl_conn *s = shapes(fd, n);
  return s ? shaped(fd, s, WR_PL_OUT, "writev", n, 0, io_writev,
                    &(iov_ctx){iov, cnt, NULL, 0})
           : real.writev(fd, iov, cnt);
}

/* sendfile to a shaped socket is a write whose bytes come from a file:
 * cut like one (the count is the limit). */
typedef struct sf_ctx {
  int in;
  off_t *off;
} sf_ctx;
static ssize_t io_sendfile(int fd, void *c, size_t lim) {
  sf_ctx *f = c;
  return real.sendfile(fd, f->in, f->off, lim);
}

WR_PL_EXPORT ssize_t sendfile(int out, int in, off_t *off, size_t n) {
  wr_pl_conn *s = shapes(out, n);
  return s ? shaped(out, s, WR_PL_OUT, "sendfile", n, 0, io_sendfile,
                    &(sf_ctx){in, off})
           : real.sendfile(out, in, off, n);
}

/* splice moves bytes inside the kernel through a pipe; the shim does not
 * cut it. Reported once to stderr and on every call in the trace, so a
 * run that was not shaped does not pass for one that was. */
static int warned_splice;

WR_PL_EXPORT ssize_t splice(int in, loff_t *oin, int out, loff_t *oout,
                            size_t n, unsigned flags) {
  wr_pl_resolve_();
  wr_pl_conn *s = wr_pl_tracked_(in);
  if (!s)
    s = wr_pl_tracked_(out);
  if (s) {
    wr_pl_lock_();
    wr_pl_trace_ev_(s->conn, "splice unshaped");
    if (!warned_splice) {
      warned_splice = 1;
      wr_pl_say_("wirerig-preload: splice() on connection %llu: bytes moved "
                 "unshaped (docs/exec.md, limits)\n",
                 (unsigned long long)s->conn);
    }
    wr_pl_unlock_();
  }
  return real.splice(in, oin, out, oout, n, flags);
}
