/* libwirerig_preload.so: deterministic partial I/O inside an unmodified
 * program (docs/exec.md). Loaded with LD_PRELOAD by `wirerig exec` (or a
 * scenario's `target ... shim`), it interposes libc's socket calls and,
 * for TCP connections on loopback only, makes reads return at most the
 * bytes up to the read policy's next cut and writes accept at most the
 * bytes up to the write policy's next cut (pl_decide.c), injects EAGAIN,
 * EINTR, resets and ends of stream, and keeps poll/select/epoll consistent
 * with what it does. Every other descriptor goes straight to libc.
 *
 * Readiness rule: a socket is reported ready only when its next call
 * makes progress. The shim's own EAGAIN (after a cut short call on a
 * non-blocking socket) is a "snooze" that any poll/select/epoll_wait
 * covering the socket ends, so a wait never reports a socket whose next
 * call the shim would refuse. An edge-triggered epoll gets no new edge
 * for bytes the kernel already had, so after a call the shim cut short the
 * socket is "kicked": the next epoll_wait of every instance watching it
 * reports it again if the kernel still has bytes (or room), the way a
 * fresh segment would. Ends of stream and resets the shim makes are
 * readiness the kernel does not know about; waits report them themselves.
 *
 * To know which descriptor an epoll event is for, the shim registers
 * every descriptor with the kernel under its own number and keeps the
 * program's epoll_data in a table per epoll instance.
 *
 * One recursive mutex guards the tables (python may call from threads; a
 * signal handler that writes is the reason it is recursive). It is never
 * held across a call that can block. Connection numbers come from a
 * counter in shared memory, so processes forked from the program (nginx's
 * workers) continue one sequence. */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/select.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "pl_decide.h"

#define WR_PL_EXPORT __attribute__((visibility("default")))
#define MAX_FD 65536
#define MAX_EP 64
#define MAX_IOV 1024

/* ---- the real functions --------------------------------------------- */

static struct {
  ssize_t (*read)(int, void *, size_t);
  ssize_t (*recv)(int, void *, size_t, int);
  ssize_t (*recvfrom)(int, void *, size_t, int, struct sockaddr *, socklen_t *);
  ssize_t (*recvmsg)(int, struct msghdr *, int);
  ssize_t (*readv)(int, const struct iovec *, int);
  ssize_t (*write)(int, const void *, size_t);
  ssize_t (*send)(int, const void *, size_t, int);
  ssize_t (*sendto)(int, const void *, size_t, int, const struct sockaddr *,
                    socklen_t);
  ssize_t (*sendmsg)(int, const struct msghdr *, int);
  ssize_t (*writev)(int, const struct iovec *, int);
  ssize_t (*sendfile)(int, int, off_t *, size_t);
  ssize_t (*splice)(int, loff_t *, int, loff_t *, size_t, unsigned);
  int (*accept)(int, struct sockaddr *, socklen_t *);
  int (*accept4)(int, struct sockaddr *, socklen_t *, int);
  int (*connect)(int, const struct sockaddr *, socklen_t);
  int (*close)(int);
  int (*shutdown)(int, int);
  int (*poll)(struct pollfd *, nfds_t, int);
  int (*ppoll)(struct pollfd *, nfds_t, const struct timespec *,
               const sigset_t *);
  int (*select)(int, fd_set *, fd_set *, fd_set *, struct timeval *);
  int (*pselect)(int, fd_set *, fd_set *, fd_set *, const struct timespec *,
                 const sigset_t *);
  int (*epoll_create)(int);
  int (*epoll_create1)(int);
  int (*epoll_ctl)(int, int, int, struct epoll_event *);
  int (*epoll_wait)(int, struct epoll_event *, int, int);
  int (*epoll_pwait)(int, struct epoll_event *, int, int, const sigset_t *);
  int (*ioctl)(int, unsigned long, ...);
} real;

static atomic_int resolved;

static void resolve(void) {
  if (atomic_load_explicit(&resolved, memory_order_acquire))
    return;
#define R(name) *(void **)(&real.name) = dlsym(RTLD_NEXT, #name)
  R(read);
  R(recv);
  R(recvfrom);
  R(recvmsg);
  R(readv);
  R(write);
  R(send);
  R(sendto);
  R(sendmsg);
  R(writev);
  R(sendfile);
  R(splice);
  R(accept);
  R(accept4);
  R(connect);
  R(close);
  R(shutdown);
  R(poll);
  R(ppoll);
  R(select);
  R(pselect);
  R(epoll_create);
  R(epoll_create1);
  R(epoll_ctl);
  R(epoll_wait);
  R(epoll_pwait);
  R(ioctl);
#undef R
  atomic_store_explicit(&resolved, 1, memory_order_release);
}

/* ---- state ------------------------------------------------------------ */

typedef struct fdst {
  atomic_uchar tracked; /* read without the lock on every call */
  uint8_t reset;        /* the shim reset it: every call fails */
  uint8_t rd_snooze, wr_snooze;
  uint8_t rd_forced; /* an end of stream or reset is due: "readable" */
  uint64_t conn;
  wr_pl_cursor rd, wr;
  uint64_t calls;
  uint64_t eof_at, reset_at;
  uint64_t intr_rd_at, intr_wr_at; /* offset + 1 of the last EINTR */
} fdst;

typedef struct epreg {
  uint8_t present, armed, kick_in, kick_out;
  uint32_t events;
  uint64_t data;
} epreg;

typedef struct epinst {
  int epfd; /* -1: free slot */
  int cap;
  epreg *regs; /* indexed by fd */
  int *kicked; /* fds with a kick flag, no duplicates */
  int nkicked, capkicked;
} epinst;

static pthread_mutex_t mu = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
static fdst fds[MAX_FD];
static epinst eps[MAX_EP];
static int neps;
static wr_pl_cfg cfg;
static int passive = 1;
/* Passive and untraced: the calls go straight through (the speed
 * baseline of bench/bench_exec.sh). */
static int passthrough;
static int trace_fd = -1;
static atomic_ullong *conn_counter; /* shared with forked children */
static atomic_ullong local_counter;
static int warned_splice;

static void lock(void) { pthread_mutex_lock(&mu); }
static void unlock(void) { pthread_mutex_unlock(&mu); }

static fdst *tracked(int fd) {
  if (fd < 0 || fd >= MAX_FD ||
      !atomic_load_explicit(&fds[fd].tracked, memory_order_relaxed))
    return NULL;
  return &fds[fd];
}

/* ---- trace -------------------------------------------------------------- */

static void trace_put(const char *line, int n) {
  if (trace_fd < 0 || n <= 0)
    return;
  int e = errno;
  /* One write per line on an O_APPEND descriptor: lines of several
   * processes never interleave. */
  ssize_t w = real.write(trace_fd, line, (size_t)n);
  (void)w;
  errno = e;
}

static void trace_io(const fdst *s, unsigned dir, const char *call,
                     uint64_t asked, long long result, int injected) {
  if (trace_fd < 0)
    return;
  char b[200];
  int n =
      wr_pl_trace_io(b, sizeof b, s->conn, dir, call, asked, result, injected);
  trace_put(b, n < (int)sizeof b ? n : (int)sizeof b - 1);
}

static void trace_ev(uint64_t conn, const char *what) {
  if (trace_fd < 0)
    return;
  char b[160];
  int n =
      snprintf(b, sizeof b, "conn=%llu %s\n", (unsigned long long)conn, what);
  trace_put(b, n < (int)sizeof b ? n : (int)sizeof b - 1);
}

static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void say(const char *fmt, ...) {
  int e = errno;
  char b[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(b, sizeof b, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof b - 1)
    n = (int)sizeof b - 1;
  ssize_t w = real.write(2, b, (size_t)n);
  (void)w;
  errno = e;
}

/* ---- init ------------------------------------------------------------- */

static const char *env_get(const char *name) { return getenv(name); }

/* Nobody may be inside the tables while the process is copied. The child
 * is a new thread id, which does not own the copy of a recursive mutex
 * (unlock would fail with EPERM): it gets a fresh one instead. */
static void prepare_fork(void) { lock(); }
static void parent_fork(void) { unlock(); }
static void child_fork(void) {
  pthread_mutex_t fresh = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
  memcpy(&mu, &fresh, sizeof mu);
}

__attribute__((constructor)) static void wr_pl_init(void) {
  resolve();
  for (int i = 0; i < MAX_EP; i++)
    eps[i].epfd = -1;
  wr_pl_cfg_init(&cfg);
  char err[400];
  if (wr_pl_cfg_from_env(&cfg, env_get, err, sizeof err) < 0) {
    /* Running unshaped would pass a test that was meant to shape: stop. */
    say("wirerig-preload: %s\n", err);
    _exit(125);
  }
  passive = wr_pl_cfg_is_passive(&cfg);
  const char *t = getenv("WIRERIG_PRELOAD_TRACE");
  if (t && *t) {
    trace_fd = open(t, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (trace_fd < 0) {
      say("wirerig-preload: cannot open trace file %s: %s\n", t,
          strerror(errno));
      _exit(125);
    }
  }
  passthrough = passive && trace_fd < 0;
  /* The counter lives in anonymous shared memory: a fork keeps numbering
   * where the parent is, and parent and child never hand out one number
   * twice. An exec starts a new image, whose numbering starts at 0. */
  void *m = mmap(NULL, sizeof(atomic_ullong), PROT_READ | PROT_WRITE,
                 MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  conn_counter = m == MAP_FAILED ? &local_counter : (atomic_ullong *)m;
  atomic_store(conn_counter, 0);
  pthread_atfork(prepare_fork, parent_fork, child_fork);
  /* Tell `wirerig exec` (and the user) the shim is really in: a static
   * program never gets here. */
  const char *mark = getenv("WIRERIG_PRELOAD_MARK");
  if (mark && *mark) {
    int fd = open(mark, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0)
      real.close(fd);
  }
}

/* ---- which sockets ------------------------------------------------------ */

static int is_loopback(const struct sockaddr_storage *a, uint16_t *port) {
  if (a->ss_family == AF_INET) {
    const struct sockaddr_in *s = (const struct sockaddr_in *)a;
    *port = ntohs(s->sin_port);
    return (ntohl(s->sin_addr.s_addr) >> 24) == 127;
  }
  if (a->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)a;
    *port = ntohs(s->sin6_port);
    if (IN6_IS_ADDR_LOOPBACK(&s->sin6_addr))
      return 1;
    /* ::ffff:127.x.y.z, a v4 client of a dual-stack listener */
    return IN6_IS_ADDR_V4MAPPED(&s->sin6_addr) &&
           s->sin6_addr.s6_addr[12] == 127;
  }
  return 0;
}

/* A TCP socket whose both ends are on loopback and one of whose ports is
 * wanted. */
static int wanted(int fd) {
  if (fd < 0 || fd >= MAX_FD)
    return 0;
  int type = 0;
  socklen_t tl = sizeof type;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0 ||
      type != SOCK_STREAM)
    return 0;
  struct sockaddr_storage la, pa;
  socklen_t ll = sizeof la, pl = sizeof pa;
  uint16_t lp = 0, pp = 0;
  if (getsockname(fd, (struct sockaddr *)&la, &ll) < 0 ||
      !is_loopback(&la, &lp))
    return 0;
  if (getpeername(fd, (struct sockaddr *)&pa, &pl) == 0) {
    if (!is_loopback(&pa, &pp))
      return 0;
  }
  return wr_pl_port_wanted(&cfg, lp) || (pp && wr_pl_port_wanted(&cfg, pp));
}

static void track(int fd, uint64_t conn) {
  fdst *s = &fds[fd];
  memset((char *)s + sizeof s->tracked, 0, sizeof *s - sizeof s->tracked);
  s->conn = conn;
  s->eof_at = wr_pl_fault_at(&cfg, WR_PL_FAULT_EOF, conn);
  s->reset_at = wr_pl_fault_at(&cfg, WR_PL_FAULT_RESET, conn);
  s->rd_forced = s->eof_at == 0 || s->reset_at == 0;
  atomic_store(&s->tracked, 1);
}

/* ---- epoll tables ------------------------------------------------------- */

static epinst *ep_find(int epfd) {
  for (int i = 0; i < neps; i++)
    if (eps[i].epfd == epfd)
      return &eps[i];
  return NULL;
}

static epinst *ep_new(int epfd) {
  for (int i = 0; i < MAX_EP; i++) {
    if (eps[i].epfd < 0) {
      memset(&eps[i], 0, sizeof eps[i]);
      eps[i].epfd = epfd;
      if (i >= neps)
        neps = i + 1;
      return &eps[i];
    }
  }
  return NULL; /* more instances than MAX_EP: that one passes through */
}

static void ep_free(epinst *ep) {
  free(ep->regs);
  free(ep->kicked);
  memset(ep, 0, sizeof *ep);
  ep->epfd = -1;
}

static epreg *ep_reg(epinst *ep, int fd, int grow) {
  if (fd < 0)
    return NULL;
  if (fd >= ep->cap) {
    if (!grow)
      return NULL;
    int nc = ep->cap ? ep->cap : 64;
    while (nc <= fd)
      nc *= 2;
    epreg *r = realloc(ep->regs, (size_t)nc * sizeof *r);
    if (!r)
      return NULL;
    memset(r + ep->cap, 0, (size_t)(nc - ep->cap) * sizeof *r);
    ep->regs = r;
    ep->cap = nc;
  }
  return &ep->regs[fd];
}

static void ep_kick(epinst *ep, int fd, int in, int out) {
  epreg *r = ep_reg(ep, fd, 0);
  if (!r || !r->present)
    return;
  int had = r->kick_in || r->kick_out;
  if (in && (r->events & EPOLLIN))
    r->kick_in = 1;
  if (out && (r->events & EPOLLOUT))
    r->kick_out = 1;
  if (had || !(r->kick_in || r->kick_out))
    return;
  if (ep->nkicked == ep->capkicked) {
    int nc = ep->capkicked ? ep->capkicked * 2 : 16;
    int *k = realloc(ep->kicked, (size_t)nc * sizeof *k);
    if (!k) {
      r->kick_in = r->kick_out = 0;
      return;
    }
    ep->kicked = k;
    ep->capkicked = nc;
  }
  ep->kicked[ep->nkicked++] = fd;
}

/* Every epoll instance watching fd reports it again on its next wait if
 * it is ready then (lock held). */
static void kick(int fd, int in, int out) {
  for (int i = 0; i < neps; i++)
    if (eps[i].epfd >= 0)
      ep_kick(&eps[i], fd, in, out);
}

static void forget_fd(int fd) {
  for (int i = 0; i < neps; i++) {
    if (eps[i].epfd < 0)
      continue;
    epreg *r = ep_reg(&eps[i], fd, 0);
    if (r)
      memset(r, 0, sizeof *r);
  }
}

/* ---- the shaped calls ----------------------------------------------- */

static int nonblocking(int fd, int flags) {
  if (flags & MSG_DONTWAIT)
    return 1;
  int e = errno;
  int fl = fcntl(fd, F_GETFL);
  errno = e;
  return fl >= 0 && (fl & O_NONBLOCK);
}

/* The reset fault: RST to the peer, ECONNRESET to the program from now
 * on. connect(AF_UNSPEC) makes Linux abort the connection (tcp_disconnect
 * sends an RST) while the descriptor stays the program's. */
static void do_reset(int fd, fdst *s) {
  struct linger lg = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  struct sockaddr sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_family = AF_UNSPEC;
  real.connect(fd, &sa, sizeof sa);
  s->reset = 1;
  s->rd_forced = 1;
  trace_ev(s->conn, "reset injected");
  kick(fd, 1, 1);
}

/* What an I/O call needs: the limit the shim allows, then the call. */
typedef ssize_t (*io_fn)(int fd, void *ctx, size_t lim);

/* Shared by every read call. Returns the result with errno set. */
static ssize_t shaped_in(int fd, fdst *s, const char *call, size_t asked,
                         int flags, io_fn io, void *ctx) {
  int peek = (flags & MSG_PEEK) != 0;
  lock();
  if (s->reset) {
    trace_io(s, WR_PL_IN, call, asked, -ECONNRESET, 1);
    unlock();
    errno = ECONNRESET;
    return -1;
  }
  uint64_t off = s->rd.off;
  if (off >= s->reset_at) {
    do_reset(fd, s);
    trace_io(s, WR_PL_IN, call, asked, -ECONNRESET, 1);
    unlock();
    errno = ECONNRESET;
    return -1;
  }
  if (off >= s->eof_at) {
    trace_io(s, WR_PL_IN, call, asked, 0, 1);
    unlock();
    return 0;
  }
  int nb = nonblocking(fd, flags);
  if (nb && s->rd_snooze && !peek) {
    s->rd_snooze = 0;
    kick(fd, 1, 0);
    trace_io(s, WR_PL_IN, call, asked, -EAGAIN, 1);
    unlock();
    errno = EAGAIN;
    return -1;
  }
  uint64_t lim = wr_pl_piece(&cfg.reads, cfg.seed, s->conn, WR_PL_IN, &s->rd);
  if (s->eof_at - off < lim)
    lim = s->eof_at - off;
  if (s->reset_at - off < lim)
    lim = s->reset_at - off;
  /* EINTR only where the kernel could give it: a call that would sleep.
   * Linux never interrupts a non-blocking call, and programs rightly take
   * EINTR there as an error (BEAM's inet driver does). */
  if (!peek) {
    s->calls++;
    if (!nb && wr_pl_eintr(&cfg, s->conn, WR_PL_IN, off, s->calls) &&
        s->intr_rd_at != off + 1) {
      s->intr_rd_at = off + 1;
      kick(fd, 1, 0);
      trace_io(s, WR_PL_IN, call, asked, -EINTR, 1);
      unlock();
      errno = EINTR;
      return -1;
    }
  }
  unlock();
  size_t give = lim < asked ? (size_t)lim : asked;
  ssize_t n = io(fd, ctx, give);
  int e = errno;
  if (n < 0 && (e == EAGAIN || e == EWOULDBLOCK)) {
    errno = e; /* the kernel's, not a decision: not traced */
    return n;
  }
  lock();
  if (n > 0 && !peek) {
    s->rd.off += (uint64_t)n;
    if ((size_t)n == give && give < asked) {
      /* Cut short by the shim: the kernel may hold more, which an
       * edge-triggered loop would never hear of again. */
      s->rd_snooze = (uint8_t)nb;
      kick(fd, 1, 0);
    }
    if (s->rd.off >= s->eof_at || s->rd.off >= s->reset_at) {
      s->rd_forced = 1;
      kick(fd, 1, 0);
    }
  }
  trace_io(s, WR_PL_IN, peek ? "recv-peek" : call, asked,
           n < 0 ? -(long long)e : (long long)n, 0);
  unlock();
  errno = e;
  return n;
}

static ssize_t shaped_out(int fd, fdst *s, const char *call, size_t asked,
                          int flags, io_fn io, void *ctx) {
  lock();
  if (s->reset) {
    trace_io(s, WR_PL_OUT, call, asked, -ECONNRESET, 1);
    unlock();
    errno = ECONNRESET;
    return -1;
  }
  uint64_t off = s->wr.off;
  int nb = nonblocking(fd, flags);
  if (nb && s->wr_snooze) {
    s->wr_snooze = 0;
    kick(fd, 0, 1);
    trace_io(s, WR_PL_OUT, call, asked, -EAGAIN, 1);
    unlock();
    errno = EAGAIN;
    return -1;
  }
  uint64_t lim = wr_pl_piece(&cfg.writes, cfg.seed, s->conn, WR_PL_OUT, &s->wr);
  s->calls++;
  if (!nb && wr_pl_eintr(&cfg, s->conn, WR_PL_OUT, off, s->calls) &&
      s->intr_wr_at != off + 1) {
    s->intr_wr_at = off + 1;
    kick(fd, 0, 1);
    trace_io(s, WR_PL_OUT, call, asked, -EINTR, 1);
    unlock();
    errno = EINTR;
    return -1;
  }
  unlock();
  size_t give = lim < asked ? (size_t)lim : asked;
  ssize_t n = io(fd, ctx, give);
  int e = errno;
  if (n < 0 && (e == EAGAIN || e == EWOULDBLOCK)) {
    errno = e;
    return n;
  }
  lock();
  if (n > 0) {
    s->wr.off += (uint64_t)n;
    if ((size_t)n == give && give < asked) {
      s->wr_snooze = (uint8_t)nb;
      kick(fd, 0, 1);
    }
  }
  trace_io(s, WR_PL_OUT, call, asked, n < 0 ? -(long long)e : (long long)n, 0);
  unlock();
  errno = e;
  return n;
}

/* iovecs cut to lim bytes in total (into out, at most MAX_IOV). */
static int cut_iov(const struct iovec *iov, int cnt, size_t lim,
                   struct iovec *out) {
  int k = 0;
  for (int i = 0; i < cnt && k < MAX_IOV && lim > 0; i++) {
    size_t l = iov[i].iov_len < lim ? iov[i].iov_len : lim;
    out[k].iov_base = iov[i].iov_base;
    out[k].iov_len = l;
    k++;
    lim -= l;
  }
  return k;
}

static size_t iov_total(const struct iovec *iov, int cnt) {
  size_t t = 0;
  for (int i = 0; i < cnt; i++)
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
  struct iovec cut[MAX_IOV];
  return real.readv(fd, cut, cut_iov(v->iov, v->cnt, lim, cut));
}
static ssize_t io_writev(int fd, void *c, size_t lim) {
  iov_ctx *v = c;
  struct iovec cut[MAX_IOV];
  return real.writev(fd, cut, cut_iov(v->iov, v->cnt, lim, cut));
}
static ssize_t io_recvmsg(int fd, void *c, size_t lim) {
  iov_ctx *v = c;
  struct iovec cut[MAX_IOV];
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
  struct iovec cut[MAX_IOV];
  struct msghdr m = *v->msg;
  m.msg_iov = cut;
  m.msg_iovlen = (size_t)cut_iov(v->iov, v->cnt, lim, cut);
  return real.sendmsg(fd, &m, v->flags);
}

WR_PL_EXPORT ssize_t read(int fd, void *buf, size_t n) {
  resolve();
  fdst *s = tracked(fd);
  if (!s || n == 0 || passthrough)
    return real.read(fd, buf, n);
  return shaped_in(fd, s, "read", n, 0, io_read,
                   &(buf_ctx){buf, 0, NULL, NULL});
}

WR_PL_EXPORT ssize_t recvfrom(int fd, void *buf, size_t n, int flags,
                              struct sockaddr *from, socklen_t *fromlen) {
  resolve();
  fdst *s = tracked(fd);
  if (!s || n == 0 || passthrough)
    return real.recvfrom(fd, buf, n, flags, from, fromlen);
  return shaped_in(fd, s, "recvfrom", n, flags, io_recv,
                   &(buf_ctx){buf, flags, from, fromlen});
}

WR_PL_EXPORT ssize_t recv(int fd, void *buf, size_t n, int flags) {
  resolve();
  fdst *s = tracked(fd);
  if (!s || n == 0 || passthrough)
    return real.recv(fd, buf, n, flags);
  return shaped_in(fd, s, "recv", n, flags, io_recv,
                   &(buf_ctx){buf, flags, NULL, NULL});
}

WR_PL_EXPORT ssize_t recvmsg(int fd, struct msghdr *msg, int flags) {
  resolve();
  fdst *s = tracked(fd);
  size_t n = msg ? iov_total(msg->msg_iov, (int)msg->msg_iovlen) : 0;
  if (!s || n == 0 || msg->msg_iovlen > MAX_IOV || passthrough)
    return real.recvmsg(fd, msg, flags);
  return shaped_in(fd, s, "recvmsg", n, flags, io_recvmsg,
                   &(iov_ctx){msg->msg_iov, (int)msg->msg_iovlen, msg, flags});
}

WR_PL_EXPORT ssize_t readv(int fd, const struct iovec *iov, int cnt) {
  resolve();
  fdst *s = tracked(fd);
  size_t n = cnt > 0 && cnt <= MAX_IOV ? iov_total(iov, cnt) : 0;
  if (!s || n == 0 || passthrough)
    return real.readv(fd, iov, cnt);
  return shaped_in(fd, s, "readv", n, 0, io_readv,
                   &(iov_ctx){iov, cnt, NULL, 0});
}

WR_PL_EXPORT ssize_t write(int fd, const void *buf, size_t n) {
  resolve();
  fdst *s = tracked(fd);
  if (!s || n == 0 || passthrough)
    return real.write(fd, buf, n);
  return shaped_out(fd, s, "write", n, 0, io_write,
                    &(buf_ctx){(void *)buf, 0, NULL, NULL});
}

WR_PL_EXPORT ssize_t send(int fd, const void *buf, size_t n, int flags) {
  resolve();
  fdst *s = tracked(fd);
  if (!s || n == 0 || passthrough)
    return real.send(fd, buf, n, flags);
  return shaped_out(fd, s, "send", n, flags, io_send,
                    &(buf_ctx){(void *)buf, flags, NULL, NULL});
}

WR_PL_EXPORT ssize_t sendto(int fd, const void *buf, size_t n, int flags,
                            const struct sockaddr *to, socklen_t tolen) {
  resolve();
  fdst *s = tracked(fd);
  /* On a connected TCP socket the address is ignored (or EISCONN). */
  if (!s || n == 0 || to || passthrough)
    return real.sendto(fd, buf, n, flags, to, tolen);
  return shaped_out(fd, s, "sendto", n, flags, io_send,
                    &(buf_ctx){(void *)buf, flags, NULL, NULL});
}

WR_PL_EXPORT ssize_t sendmsg(int fd, const struct msghdr *msg, int flags) {
  resolve();
  fdst *s = tracked(fd);
  size_t n = msg ? iov_total(msg->msg_iov, (int)msg->msg_iovlen) : 0;
  if (!s || n == 0 || msg->msg_iovlen > MAX_IOV || passthrough)
    return real.sendmsg(fd, msg, flags);
  return shaped_out(fd, s, "sendmsg", n, flags, io_sendmsg,
                    &(iov_ctx){msg->msg_iov, (int)msg->msg_iovlen,
                               (struct msghdr *)msg, flags});
}

WR_PL_EXPORT ssize_t writev(int fd, const struct iovec *iov, int cnt) {
  resolve();
  fdst *s = tracked(fd);
  size_t n = cnt > 0 && cnt <= MAX_IOV ? iov_total(iov, cnt) : 0;
  if (!s || n == 0 || passthrough)
    return real.writev(fd, iov, cnt);
  return shaped_out(fd, s, "writev", n, 0, io_writev,
                    &(iov_ctx){iov, cnt, NULL, 0});
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
  resolve();
  fdst *s = tracked(out);
  if (!s || n == 0 || passthrough)
    return real.sendfile(out, in, off, n);
  return shaped_out(out, s, "sendfile", n, 0, io_sendfile, &(sf_ctx){in, off});
}

/* splice moves bytes inside the kernel through a pipe; the shim does not
 * cut it. Reported once to stderr and on every call in the trace, so a
 * run that was not shaped does not pass for one that was. */
WR_PL_EXPORT ssize_t splice(int in, loff_t *oin, int out, loff_t *oout,
                            size_t n, unsigned flags) {
  resolve();
  fdst *s = tracked(in);
  if (!s)
    s = tracked(out);
  if (s) {
    lock();
    trace_ev(s->conn, "splice unshaped");
    if (!warned_splice) {
      warned_splice = 1;
      say("wirerig-preload: splice() on connection %llu: bytes moved "
          "unshaped (docs/exec.md, limits)\n",
          (unsigned long long)s->conn);
    }
    unlock();
  }
  return real.splice(in, oin, out, oout, n, flags);
}

/* ---- connections --------------------------------------------------- */

static int on_accepted(int fd, const char *call) {
  if (fd < 0 || !wanted(fd))
    return fd;
  uint64_t conn = atomic_fetch_add(conn_counter, 1);
  lock();
  if (wr_pl_refused(&cfg, conn)) {
    trace_ev(conn, "accept refused");
    unlock();
    /* The peer sees its connection reset; the program an aborted
     * accept, as when a client gives up before accept(2) returns. */
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    real.close(fd);
    errno = ECONNABORTED;
    return -1;
  }
  track(fd, conn);
  trace_ev(conn, call);
  unlock();
  return fd;
}

WR_PL_EXPORT int accept(int lfd, struct sockaddr *a, socklen_t *l) {
  resolve();
  int fd = real.accept(lfd, a, l);
  if (fd < 0)
    return fd;
  int e = errno;
  int r = on_accepted(fd, "accept");
  if (r >= 0)
    errno = e;
  return r;
}

WR_PL_EXPORT int accept4(int lfd, struct sockaddr *a, socklen_t *l, int flags) {
  resolve();
  int fd = real.accept4(lfd, a, l, flags);
  if (fd < 0)
    return fd;
  int e = errno;
  int r = on_accepted(fd, "accept");
  if (r >= 0)
    errno = e;
  return r;
}

WR_PL_EXPORT int connect(int fd, const struct sockaddr *a, socklen_t l) {
  resolve();
  int rc = real.connect(fd, a, l);
  int e = errno;
  if ((rc == 0 || e == EINPROGRESS) && a &&
      (a->sa_family == AF_INET || a->sa_family == AF_INET6) && fd < MAX_FD &&
      !tracked(fd)) {
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof ss);
    memcpy(&ss, a, l < sizeof ss ? l : sizeof ss);
    uint16_t port = 0;
    int type = 0;
    socklen_t tl = sizeof type;
    if (is_loopback(&ss, &port) &&
        getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) == 0 &&
        type == SOCK_STREAM && wr_pl_port_wanted(&cfg, port)) {
      uint64_t conn = atomic_fetch_add(conn_counter, 1);
      lock();
      track(fd, conn);
      trace_ev(conn, "connect");
      unlock();
    }
  }
  errno = e;
  return rc;
}

WR_PL_EXPORT int close(int fd) {
  resolve();
  if (fd >= 0 && fd < MAX_FD) {
    lock();
    fdst *s = tracked(fd);
    if (s) {
      trace_ev(s->conn, "close");
      atomic_store(&s->tracked, 0);
    }
    if (neps) {
      forget_fd(fd);
      epinst *ep = ep_find(fd);
      if (ep)
        ep_free(ep);
    }
    unlock();
  }
  return real.close(fd);
}

WR_PL_EXPORT int shutdown(int fd, int how) {
  resolve();
  fdst *s = tracked(fd);
  if (s) {
    lock();
    trace_ev(s->conn, how == SHUT_RD   ? "shutdown read"
                      : how == SHUT_WR ? "shutdown write"
                                       : "shutdown both");
    unlock();
  }
  return real.shutdown(fd, how);
}

WR_PL_EXPORT int ioctl(int fd, unsigned long req, ...) {
  resolve();
  va_list ap;
  va_start(ap, req);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  int rc = real.ioctl(fd, req, arg);
  fdst *s = tracked(fd);
  if (rc == 0 && s && req == FIONREAD && arg) {
    /* Never more than the next read would give. */
    int e = errno;
    lock();
    int *v = arg;
    uint64_t lim = wr_pl_piece(&cfg.reads, cfg.seed, s->conn, WR_PL_IN, &s->rd);
    if (s->reset || s->rd.off >= s->eof_at)
      *v = 0;
    else if ((uint64_t)*v > lim)
      *v = (int)lim;
    unlock();
    errno = e;
  }
  return rc;
}

/* ---- readiness -------------------------------------------------------- */

/* Ends any snooze of fd (a wait covers it) and says whether the shim
 * itself has readiness to report: an end of stream or reset is due. */
static int wait_covers(int fd) {
  fdst *s = tracked(fd);
  if (!s)
    return 0;
  s->rd_snooze = 0;
  s->wr_snooze = 0;
  return s->rd_forced || s->reset;
}

static int do_poll(struct pollfd *p, nfds_t n, int timeout,
                   const struct timespec *ts, const sigset_t *mask,
                   int is_ppoll) {
  int forced = 0;
  lock();
  for (nfds_t i = 0; i < n; i++)
    if (wait_covers(p[i].fd) && (p[i].events & POLLIN))
      forced++;
  unlock();
  struct timespec zero = {0, 0};
  int rc = is_ppoll ? real.ppoll(p, n, forced ? &zero : ts, mask)
                    : real.poll(p, n, forced ? 0 : timeout);
  if (!forced || rc < 0)
    return rc;
  int e = errno;
  rc = 0;
  lock();
  for (nfds_t i = 0; i < n; i++) {
    fdst *s = tracked(p[i].fd);
    if (s && (s->rd_forced || s->reset) && (p[i].events & POLLIN))
      p[i].revents |= POLLIN | (s->reset ? POLLERR | POLLHUP : 0);
    if (p[i].revents)
      rc++;
  }
  unlock();
  errno = e;
  return rc;
}

WR_PL_EXPORT int poll(struct pollfd *p, nfds_t n, int timeout) {
  resolve();
  return do_poll(p, n, timeout, NULL, NULL, 0);
}

WR_PL_EXPORT int ppoll(struct pollfd *p, nfds_t n, const struct timespec *ts,
                       const sigset_t *mask) {
  resolve();
  return do_poll(p, n, 0, ts, mask, 1);
}

static int do_select(int nfds, fd_set *r, fd_set *w, fd_set *x,
                     struct timeval *tv, const struct timespec *ts,
                     const sigset_t *mask, int is_pselect) {
  fd_set forced;
  FD_ZERO(&forced);
  int nforced = 0;
  lock();
  for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++) {
    int in_r = r && FD_ISSET(fd, r), in_w = w && FD_ISSET(fd, w);
    if ((in_r || in_w) && wait_covers(fd) && in_r) {
      FD_SET(fd, &forced);
      nforced++;
    }
  }
  unlock();
  struct timeval tz = {0, 0};
  struct timespec tsz = {0, 0};
  int rc = is_pselect ? real.pselect(nfds, r, w, x, nforced ? &tsz : ts, mask)
                      : real.select(nfds, r, w, x, nforced ? &tz : tv);
  if (!nforced || rc < 0)
    return rc;
  for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++)
    if (FD_ISSET(fd, &forced) && !FD_ISSET(fd, r)) {
      FD_SET(fd, r);
      rc++;
    }
  return rc;
}

WR_PL_EXPORT int select(int nfds, fd_set *r, fd_set *w, fd_set *x,
                        struct timeval *tv) {
  resolve();
  return do_select(nfds, r, w, x, tv, NULL, NULL, 0);
}

WR_PL_EXPORT int pselect(int nfds, fd_set *r, fd_set *w, fd_set *x,
                         const struct timespec *ts, const sigset_t *mask) {
  resolve();
  return do_select(nfds, r, w, x, NULL, ts, mask, 1);
}

WR_PL_EXPORT int epoll_create(int size) {
  resolve();
  int fd = real.epoll_create(size);
  if (fd >= 0) {
    lock();
    ep_new(fd);
    unlock();
  }
  return fd;
}

WR_PL_EXPORT int epoll_create1(int flags) {
  resolve();
  int fd = real.epoll_create1(flags);
  if (fd >= 0) {
    lock();
    ep_new(fd);
    unlock();
  }
  return fd;
}

WR_PL_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev) {
  resolve();
  lock();
  epinst *ep = ep_find(epfd);
  if (!ep) {
    unlock();
    return real.epoll_ctl(epfd, op, fd, ev);
  }
  if (op == EPOLL_CTL_DEL) {
    int rc = real.epoll_ctl(epfd, op, fd, ev);
    int e = errno;
    epreg *r = ep_reg(ep, fd, 0);
    if (rc == 0 && r)
      memset(r, 0, sizeof *r);
    unlock();
    errno = e;
    return rc;
  }
  if (!ev) {
    unlock();
    errno = EFAULT;
    return -1;
  }
  epreg *r = ep_reg(ep, fd, 1);
  if (!r) {
    unlock();
    errno = ENOMEM;
    return -1;
  }
  /* The kernel carries the descriptor; the program's data stays here. */
  struct epoll_event kev = *ev;
  kev.data.u64 = (uint64_t)(uint32_t)fd;
  int rc = real.epoll_ctl(epfd, op, fd, &kev);
  int e = errno;
  if (rc == 0) {
    int kin = r->kick_in, kout = r->kick_out;
    r->present = 1;
    r->armed = 1;
    r->events = ev->events;
    r->data = ev->data.u64;
    r->kick_in = (uint8_t)kin;
    r->kick_out = (uint8_t)kout;
    fdst *s = tracked(fd);
    if (s && (s->rd_forced || s->reset))
      ep_kick(ep, fd, 1, 0);
  }
  unlock();
  errno = e;
  return rc;
}

/* The kicked registrations of ep that are ready now, as events in syn
 * (at most max); the others lose their kick. Lock held. */
static int collect_kicks(epinst *ep, struct epoll_event *syn, int max) {
  int n = 0, keep = 0;
  for (int i = 0; i < ep->nkicked; i++) {
    int fd = ep->kicked[i];
    epreg *r = ep_reg(ep, fd, 0);
    if (!r || !r->present || !(r->kick_in || r->kick_out) ||
        ((r->events & EPOLLONESHOT) && !r->armed)) {
      if (r)
        r->kick_in = r->kick_out = 0;
      continue;
    }
    if (n >= max) {
      ep->kicked[keep++] = fd;
      continue;
    }
    struct pollfd p = {fd, POLLIN | POLLOUT | POLLRDHUP, 0};
    if (real.poll(&p, 1, 0) < 0)
      p.revents = 0;
    fdst *s = tracked(fd);
    uint32_t ev = 0;
    int in_ready = (p.revents & (POLLIN | POLLHUP | POLLERR | POLLRDHUP)) ||
                   (s && (s->rd_forced || s->reset));
    if (r->kick_in && in_ready)
      ev |= EPOLLIN | (p.revents & (POLLHUP | POLLERR)) |
            (r->events & EPOLLRDHUP & (uint32_t)p.revents);
    if (r->kick_out && (p.revents & POLLOUT))
      ev |= EPOLLOUT;
    r->kick_in = r->kick_out = 0;
    if (!ev)
      continue;
    syn[n].events = ev;
    syn[n].data.u64 = (uint64_t)(uint32_t)fd;
    n++;
  }
  ep->nkicked = keep;
  return n;
}

/* A oneshot registration fired: the kernel must not report it again
 * until the program re-arms it. */
static void disarm(epinst *ep, int fd, epreg *r) {
  r->armed = 0;
  struct epoll_event kev = {EPOLLONESHOT | EPOLLET, {.u64 = (uint32_t)fd}};
  real.epoll_ctl(ep->epfd, EPOLL_CTL_MOD, fd, &kev);
}

static int do_epoll_wait(int epfd, struct epoll_event *evs, int max,
                         int timeout, const sigset_t *mask, int is_pwait) {
  lock();
  epinst *ep = ep_find(epfd);
  if (!ep || max <= 0) {
    unlock();
    return is_pwait ? real.epoll_pwait(epfd, evs, max, timeout, mask)
                    : real.epoll_wait(epfd, evs, max, timeout);
  }
  struct epoll_event syn[64];
  int nsyn = collect_kicks(ep, syn, max < 64 ? max : 64);
  unlock();
  int rc = is_pwait ? real.epoll_pwait(epfd, evs, max, nsyn ? 0 : timeout, mask)
                    : real.epoll_wait(epfd, evs, max, nsyn ? 0 : timeout);
  if (rc < 0 && !nsyn)
    return rc;
  int e = errno;
  if (rc < 0)
    rc = 0;
  lock();
  ep = ep_find(epfd); /* another thread may have closed it */
  int out = 0;
  for (int i = 0; i < rc; i++) {
    int fd = (int)(uint32_t)evs[i].data.u64;
    epreg *r = ep ? ep_reg(ep, fd, 0) : NULL;
    if (!r || !r->present)
      continue; /* removed meanwhile: its data is gone */
    uint32_t ev = evs[i].events;
    for (int k = 0; k < nsyn; k++)
      if ((int)syn[k].data.u64 == fd) {
        ev |= syn[k].events;
        syn[k].events = 0;
      }
    wait_covers(fd);
    if (r->events & EPOLLONESHOT)
      r->armed = 0; /* the kernel disarmed it */
    evs[out].events = ev;
    evs[out].data.u64 = r->data;
    out++;
  }
  for (int k = 0; k < nsyn && out < max; k++) {
    int fd = (int)syn[k].data.u64;
    epreg *r = ep ? ep_reg(ep, fd, 0) : NULL;
    if (!syn[k].events || !r || !r->present)
      continue;
    wait_covers(fd);
    if (r->events & EPOLLONESHOT)
      disarm(ep, fd, r);
    evs[out].events = syn[k].events;
    evs[out].data.u64 = r->data;
    out++;
  }
  unlock();
  errno = e;
  return out;
}

WR_PL_EXPORT int epoll_wait(int epfd, struct epoll_event *evs, int max,
                            int timeout) {
  resolve();
  return do_epoll_wait(epfd, evs, max, timeout, NULL, 0);
}

WR_PL_EXPORT int epoll_pwait(int epfd, struct epoll_event *evs, int max,
                             int timeout, const sigset_t *mask) {
  resolve();
  return do_epoll_wait(epfd, evs, max, timeout, mask, 1);
}
