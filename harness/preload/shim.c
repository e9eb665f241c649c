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
 * workers) continue one sequence.
 *
 * Files: shim.c (this: set-up, which sockets, connections, descriptors
 * and their copies), shim_io.c (the shaped reads and writes), shim_wait.c
 * (poll, select, epoll). A connection's state is shared by every
 * descriptor dup'd from it (shim_int.h). */
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "shim_int.h"

wr_pl_real wr_pl_real_;
wr_pl_cfg wr_pl_cfg_;
int wr_pl_passthrough_;

#define cfg wr_pl_cfg_

/* ---- the real functions --------------------------------------------- */

static atomic_int resolved;

void wr_pl_resolve_(void) {
  if (atomic_load_explicit(&resolved, memory_order_acquire))
    return;
#define R(name) *(void **)(&real.name) = dlsym(RTLD_NEXT, #name)
  R(read);
  R(recv);
  R(recvfrom);
  R(recvmsg);
  R(recvmmsg);
  R(readv);
  R(write);
  R(send);
  R(sendto);
  R(sendmsg);
  R(sendmmsg);
  R(writev);
  R(sendfile);
  R(splice);
  R(accept);
  R(accept4);
  R(connect);
  R(close);
  R(shutdown);
  R(dup);
  R(dup2);
  R(dup3);
  R(fcntl);
  R(fcntl64); /* what _FILE_OFFSET_BITS=64 programs call (glibc >= 2.28) */
  R(poll);
  R(ppoll);
  R(select);
  R(pselect);
  R(epoll_create);
  R(epoll_create1);
  R(epoll_ctl);
  R(epoll_wait);
  R(epoll_pwait);
  R(epoll_pwait2); /* glibc >= 2.35; NULL before */
  R(ioctl);
#undef R
  if (!real.fcntl64)
    real.fcntl64 = real.fcntl;
  atomic_store_explicit(&resolved, 1, memory_order_release);
}

/* ---- state ------------------------------------------------------------ */

static pthread_mutex_t mu = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
/* Descriptor -> its connection. Read without the lock by every call;
 * written under it. */
static wr_pl_conn *_Atomic fdmap[WR_PL_MAX_FD];
/* Connections whose last descriptor closed, for reuse: never freed, so a
 * racing call of another thread on a just-closed descriptor reads stale
 * state rather than freed memory. */
static wr_pl_conn *free_conns;
static int trace_fd = -1;
static atomic_ullong *conn_counter; /* shared with forked children */
static atomic_ullong local_counter;

void wr_pl_lock_(void) { pthread_mutex_lock(&mu); }
void wr_pl_unlock_(void) { pthread_mutex_unlock(&mu); }

wr_pl_conn *wr_pl_tracked_(int fd) {
  if (fd < 0 || fd >= WR_PL_MAX_FD)
    return NULL;
  return atomic_load_explicit(&fdmap[fd], memory_order_acquire);
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

void wr_pl_trace_io_(const wr_pl_conn *s, unsigned dir, const char *call,
                     uint64_t asked, long long result, int injected) {
  if (trace_fd < 0)
    return;
  char b[200];
  int n =
      wr_pl_trace_io(b, sizeof b, s->conn, dir, call, asked, result, injected);
  trace_put(b, n < (int)sizeof b ? n : (int)sizeof b - 1);
}

void wr_pl_trace_ev_(uint64_t conn, const char *what) {
  if (trace_fd < 0)
    return;
  char b[160];
  int n =
      snprintf(b, sizeof b, "conn=%llu %s\n", (unsigned long long)conn, what);
  trace_put(b, n < (int)sizeof b ? n : (int)sizeof b - 1);
}

void wr_pl_say_(const char *fmt, ...) {
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
static void prepare_fork(void) { wr_pl_lock_(); }
static void parent_fork(void) { wr_pl_unlock_(); }
static void child_fork(void) {
  pthread_mutex_t fresh = PTHREAD_RECURSIVE_MUTEX_INITIALIZER_NP;
  memcpy(&mu, &fresh, sizeof mu);
}

void wr_pl_wait_init_(void);

__attribute__((constructor)) static void wr_pl_init(void) {
  wr_pl_resolve_();
  wr_pl_wait_init_();
  wr_pl_cfg_init(&cfg);
  char err[400];
  if (wr_pl_cfg_from_env(&cfg, env_get, err, sizeof err) < 0) {
    /* Running unshaped would pass a test that was meant to shape: stop. */
    wr_pl_say_("wirerig-preload: %s\n", err);
    _exit(125);
  }
  const char *t = getenv("WIRERIG_PRELOAD_TRACE");
  if (t && *t) {
    trace_fd = open(t, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (trace_fd < 0) {
      wr_pl_say_("wirerig-preload: cannot open trace file %s: %s\n", t,
                 strerror(errno));
      _exit(125);
    }
  }
  wr_pl_passthrough_ = wr_pl_cfg_is_passive(&cfg) && trace_fd < 0;
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
  if (fd < 0 || fd >= WR_PL_MAX_FD)
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

/* ---- connections and their descriptors (lock held) -------------------- */

static void track(int fd, uint64_t conn) {
  wr_pl_conn *s = free_conns;
  if (s)
    free_conns = s->next_free;
  else if (!(s = malloc(sizeof *s)))
    return; /* out of memory: this connection passes unshaped */
  memset(s, 0, sizeof *s);
  s->conn = conn;
  s->pol[WR_PL_IN] = wr_pl_reads_for(&cfg, conn);
  s->pol[WR_PL_OUT] = &cfg.writes;
  s->eof_at = wr_pl_fault_at(&cfg, WR_PL_FAULT_EOF, conn);
  s->reset_at = wr_pl_fault_at(&cfg, WR_PL_FAULT_RESET, conn);
  s->rd_forced = s->eof_at == 0 || s->reset_at == 0;
  s->fds[s->nfds++] = fd;
  atomic_store_explicit(&fdmap[fd], s, memory_order_release);
}

/* fd no longer names its connection (closed, or replaced by dup2). The
 * connection ends with its last descriptor. */
static void release(int fd) {
  wr_pl_conn *s = wr_pl_tracked_(fd);
  if (!s)
    return;
  atomic_store_explicit(&fdmap[fd], NULL, memory_order_release);
  for (int i = 0; i < s->nfds; i++)
    if (s->fds[i] == fd) {
      s->fds[i] = s->fds[--s->nfds];
      break;
    }
  if (s->nfds > 0) {
    wr_pl_trace_ev_(s->conn, "close (a copy of its descriptor stays open)");
    return;
  }
  wr_pl_trace_ev_(s->conn, "close");
  s->next_free = free_conns;
  free_conns = s;
}

/* newfd is now a copy of oldfd (dup, dup2, dup3, F_DUPFD): it names the
 * same connection, or none. */
static void copied(int oldfd, int newfd) {
  if (newfd < 0 || newfd >= WR_PL_MAX_FD || newfd == oldfd)
    return;
  wr_pl_lock_();
  /* dup2 onto an open descriptor closed it first. */
  release(newfd);
  wr_pl_ep_forget_(newfd);
  wr_pl_conn *s = wr_pl_tracked_(oldfd);
  if (s && s->nfds < WR_PL_MAX_DUPS) {
    s->fds[s->nfds++] = newfd;
    atomic_store_explicit(&fdmap[newfd], s, memory_order_release);
    wr_pl_trace_ev_(s->conn, "dup");
  } else if (s) {
    wr_pl_say_("wirerig-preload: more than %d descriptors for connection "
               "%llu: descriptor %d passes unshaped (docs/exec.md, limits)\n",
               WR_PL_MAX_DUPS, (unsigned long long)s->conn, newfd);
  }
  wr_pl_unlock_();
}

WR_PL_EXPORT int dup(int fd) {
  wr_pl_resolve_();
  int n = real.dup(fd);
  if (n >= 0) {
    int e = errno;
    copied(fd, n);
    errno = e;
  }
  return n;
}

WR_PL_EXPORT int dup2(int fd, int to) {
  wr_pl_resolve_();
  int n = real.dup2(fd, to);
  if (n >= 0) {
    int e = errno;
    copied(fd, n);
    errno = e;
  }
  return n;
}

WR_PL_EXPORT int dup3(int fd, int to, int flags) {
  wr_pl_resolve_();
  int n = real.dup3(fd, to, flags);
  if (n >= 0) {
    int e = errno;
    copied(fd, n);
    errno = e;
  }
  return n;
}

/* fcntl's third argument is an int or a pointer; glibc reads it as a
 * pointer-sized word either way, and so does this. */
static int do_fcntl(int (*fn)(int, int, ...), int fd, int cmd, void *arg) {
  int n = fn(fd, cmd, arg);
  if (n >= 0 && (cmd == F_DUPFD || cmd == F_DUPFD_CLOEXEC)) {
    int e = errno;
    copied(fd, n);
    errno = e;
  }
  return n;
}

WR_PL_EXPORT int fcntl(int fd, int cmd, ...) {
  wr_pl_resolve_();
  va_list ap;
  va_start(ap, cmd);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  return do_fcntl(real.fcntl, fd, cmd, arg);
}

WR_PL_EXPORT int fcntl64(int fd, int cmd, ...) {
  wr_pl_resolve_();
  va_list ap;
  va_start(ap, cmd);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  return do_fcntl(real.fcntl64, fd, cmd, arg);
}

static int on_accepted(int fd, const char *call) {
  if (fd < 0 || !wanted(fd))
    return fd;
  uint64_t conn = atomic_fetch_add(conn_counter, 1);
  wr_pl_lock_();
  if (wr_pl_refused(&cfg, conn)) {
    wr_pl_trace_ev_(conn, "accept refused");
    wr_pl_unlock_();
    /* The peer sees its connection reset; the program an aborted
     * accept, as when a client gives up before accept(2) returns. */
    struct linger lg = {1, 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    real.close(fd);
    errno = ECONNABORTED;
    return -1;
  }
  release(fd); /* a stale entry, if the program closed fd behind our back */
  track(fd, conn);
  wr_pl_trace_ev_(conn, call);
  wr_pl_unlock_();
  return fd;
}

WR_PL_EXPORT int accept(int lfd, struct sockaddr *a, socklen_t *l) {
  wr_pl_resolve_();
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
  wr_pl_resolve_();
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
  wr_pl_resolve_();
  int rc = real.connect(fd, a, l);
  int e = errno;
  if ((rc == 0 || e == EINPROGRESS) && a &&
      (a->sa_family == AF_INET || a->sa_family == AF_INET6) &&
      fd < WR_PL_MAX_FD && fd >= 0 && !wr_pl_tracked_(fd)) {
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
      wr_pl_lock_();
      track(fd, conn);
      wr_pl_trace_ev_(conn, "connect");
      wr_pl_unlock_();
    }
  }
  errno = e;
  return rc;
}

WR_PL_EXPORT int close(int fd) {
  wr_pl_resolve_();
  if (fd >= 0 && fd < WR_PL_MAX_FD) {
    wr_pl_lock_();
    release(fd);
    wr_pl_ep_forget_(fd);
    wr_pl_unlock_();
  }
  return real.close(fd);
}

WR_PL_EXPORT int shutdown(int fd, int how) {
  wr_pl_resolve_();
  wr_pl_conn *s = wr_pl_tracked_(fd);
  if (s) {
    wr_pl_lock_();
    wr_pl_trace_ev_(s->conn, how == SHUT_RD   ? "shutdown read"
                             : how == SHUT_WR ? "shutdown write"
                                              : "shutdown both");
    wr_pl_unlock_();
  }
  return real.shutdown(fd, how);
}

void wr_pl_do_reset_(int fd, wr_pl_conn *s) {
  /* connect(AF_UNSPEC) makes Linux abort the connection (tcp_disconnect
   * sends an RST) while the descriptor stays the program's. */
  struct linger lg = {1, 0};
  setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  struct sockaddr sa;
  memset(&sa, 0, sizeof sa);
  sa.sa_family = AF_UNSPEC;
  real.connect(fd, &sa, sizeof sa);
  s->reset = 1;
  s->rd_forced = 1;
  wr_pl_trace_ev_(s->conn, "reset injected");
  wr_pl_kick_(s, 1, 1);
}

WR_PL_EXPORT int ioctl(int fd, unsigned long req, ...) {
  wr_pl_resolve_();
  va_list ap;
  va_start(ap, req);
  void *arg = va_arg(ap, void *);
  va_end(ap);
  int rc = real.ioctl(fd, req, arg);
  wr_pl_conn *s = wr_pl_tracked_(fd);
  if (rc == 0 && s && req == FIONREAD && arg) {
    /* Never more than the next read would give. */
    int e = errno;
    wr_pl_lock_();
    int *v = arg;
    uint64_t lim = wr_pl_piece(s->pol[WR_PL_IN], cfg.seed, s->conn, WR_PL_IN,
                               &s->cur[WR_PL_IN]);
    if (s->reset || s->cur[WR_PL_IN].off >= s->eof_at)
      *v = 0;
    else if ((uint64_t)*v > lim)
      *v = (int)lim;
    wr_pl_unlock_();
    errno = e;
  }
  return rc;
}
