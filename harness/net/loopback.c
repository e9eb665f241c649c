/* loopback transport: real sockets, epoll, a timer heap; the shaper's
 * queue is in loopback_shaper.c. Every errno goes through
 * wr_err_from_errno, so the result codes are simnet's. */
#include "loopback_int.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define ORPHAN_TAG (1ull << 32)
/* lsock.registered for a socket out of epoll (WR_EV_QUIET). */
#define LB_PARKED ((uint32_t)-2)

static int err_now(void) { return wr_err_from_errno(errno); }

wr_time wr_lb_clock_(wr_loopback *l) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  wr_time t = (wr_time)ts.tv_sec * WR_NS_PER_SEC + (wr_time)ts.tv_nsec;
  return t - l->t0;
}

static lsock *sock_of(wr_loopback *l, int h) {
  if (h < 0 || h >= l->scap || l->s[h].fd < 0)
    return NULL;
  return &l->s[h];
}

static int sock_reserve(wr_loopback *l, int h) {
  if (h < l->scap)
    return 0;
  int cap = l->scap ? l->scap : 16;
  while (cap <= h)
    cap *= 2;
  lsock *s = realloc(l->s, (size_t)cap * sizeof *s);
  if (!s)
    return WR_ENOMEM;
  for (int i = l->scap; i < cap; i++)
    s[i] = (lsock){.fd = -1};
  l->s = s;
  l->scap = cap;
  return 0;
}

static void to_sockaddr(const wr_addr *a, struct sockaddr_storage *ss,
                        socklen_t *len) {
  memset(ss, 0, sizeof *ss);
  if (a->family == 6) {
    struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;
    s6->sin6_family = AF_INET6;
    s6->sin6_port = htons(a->port);
    memcpy(&s6->sin6_addr, a->ip, 16);
    *len = sizeof *s6;
  } else {
    struct sockaddr_in *s4 = (struct sockaddr_in *)ss;
    s4->sin_family = AF_INET;
    s4->sin_port = htons(a->port);
    memcpy(&s4->sin_addr, a->ip, 4);
    *len = sizeof *s4;
  }
}

static void from_sockaddr(const struct sockaddr_storage *ss, wr_addr *a) {
  memset(a, 0, sizeof *a);
  if (ss->ss_family == AF_INET6) {
    const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;
    a->family = 6;
    a->port = ntohs(s6->sin6_port);
    memcpy(a->ip, &s6->sin6_addr, 16);
  } else {
    const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;
    a->family = 4;
    a->port = ntohs(s4->sin_port);
    memcpy(a->ip, &s4->sin_addr, 4);
  }
}

static uint32_t to_epoll(uint32_t ev) {
  uint32_t e = 0;
  if (ev & WR_EV_IN)
    e |= EPOLLIN;
  if (ev & WR_EV_OUT)
    e |= EPOLLOUT;
  if (ev & WR_EV_RDHUP)
    e |= EPOLLRDHUP;
  return e;
}

static uint32_t from_poll(uint32_t e) {
  uint32_t ev = 0;
  if (e & (EPOLLIN | EPOLLPRI))
    ev |= WR_EV_IN;
  if (e & EPOLLOUT)
    ev |= WR_EV_OUT;
  if (e & EPOLLRDHUP)
    ev |= WR_EV_RDHUP;
  if (e & EPOLLHUP)
    ev |= WR_EV_HUP;
  if (e & EPOLLERR)
    ev |= WR_EV_ERR;
  return ev;
}

static int shaped(const lsock *s) {
  return s->sh && (s->sh->active || !wr_lb_shaper_empty_(s));
}

/* What epoll should watch for h: the owner's interest, except that a
 * shaped socket's OUT is the shaper's business (queue room is reported
 * without the kernel; the kernel's OUT is needed only to finish a connect
 * or to write a chunk it refused). */
void wr_lb_register_(wr_loopback *l, lsock *s, int h) {
  uint32_t want = 0;
  if (h >= 0) {
    wr_net_slot *slot = wr_net_slot_(&l->base, h);
    want = to_epoll(slot ? slot->interest : 0);
  }
  if (s->sh && shaped(s)) {
    want &= ~(uint32_t)EPOLLOUT;
    if (!s->connected || s->sh->blocked)
      want |= EPOLLOUT;
  }
  if (s->orphan)
    want = wr_lb_shaper_empty_(s) ? 0 : EPOLLOUT;
  /* WR_EV_QUIET: out of epoll altogether, or HUP and ERR would come. */
  wr_net_slot *qs = h >= 0 ? wr_net_slot_(&l->base, h) : NULL;
  if (!want && qs && qs->interest == WR_EV_QUIET)
    want = LB_PARKED;
  if (want == s->registered)
    return;
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.events = want == LB_PARKED ? 0 : want;
  ev.data.u64 = s->orphan ? ORPHAN_TAG | (uint64_t)(uint32_t)s->fd
                          : (uint64_t)(uint32_t)h;
  if (want == LB_PARKED)
    epoll_ctl(l->epfd, EPOLL_CTL_DEL, s->fd, &ev);
  else
    epoll_ctl(l->epfd,
              s->registered == LB_PARKED ? EPOLL_CTL_ADD : EPOLL_CTL_MOD, s->fd,
              &ev);
  s->registered = want;
}

static int sock_add(wr_loopback *l, int h, int fd, int listener) {
  if (sock_reserve(l, h) < 0)
    return WR_ENOMEM;
  struct epoll_event ev;
  memset(&ev, 0, sizeof ev);
  ev.data.u64 = (uint64_t)(uint32_t)h;
  if (epoll_ctl(l->epfd, EPOLL_CTL_ADD, fd, &ev) < 0)
    return err_now();
  l->s[h] = (lsock){.fd = fd, .listener = listener};
  wr_lb_register_(l, &l->s[h], h);
  return 0;
}

static void set_bufs(wr_loopback *l, int fd) {
  int v;
  if (l->cfg.sndbuf) {
    v = (int)l->cfg.sndbuf;
    setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
  }
  if (l->cfg.rcvbuf) {
    v = (int)l->cfg.rcvbuf;
    setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
  }
}

/* Only loopback unless the configuration says otherwise; that includes
 * listening on "any", which would open the port to the outside. */
static int check_addr(wr_loopback *l, const wr_addr *a) {
  if (l->cfg.allow_any_addr || wr_addr_is_loopback(a))
    return 0;
  return WR_EADDRNOTAVAIL;
}

/* ---- the operations --------------------------------------------------------
 */

/* A non-blocking socket for addr's family, with the configured buffer
 * sizes, once addr has passed the loopback check: the start that listen
 * and connect share. The descriptor, or a negative wr_err. */
static int new_socket(wr_loopback *l, const wr_addr *addr) {
  int rc = check_addr(l, addr);
  if (rc < 0)
    return rc;
  int fd = socket(addr->family == 6 ? AF_INET6 : AF_INET,
                  SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0)
    return err_now();
  set_bufs(l, fd);
  return fd;
}

static int lb_listen(wr_net *n, int h, const wr_addr *addr, int backlog) {
  wr_loopback *l = lb_of(n);
  int rc, fd = new_socket(l, addr);
  if (fd < 0)
    return fd;
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  struct sockaddr_storage ss;
  socklen_t len;
  to_sockaddr(addr, &ss, &len);
  if (bind(fd, (struct sockaddr *)&ss, len) < 0 || listen(fd, backlog) < 0) {
    rc = err_now();
    close(fd);
    return rc;
  }
  rc = sock_add(l, h, fd, 1);
  if (rc < 0)
    close(fd);
  return rc;
}

static int lb_accept(wr_net *n, int lh, int h, wr_addr *peer) {
  wr_loopback *l = lb_of(n);
  lsock *ls = sock_of(l, lh);
  if (!ls || !ls->listener)
    return WR_EINVAL;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  int fd = accept4(ls->fd, (struct sockaddr *)&ss, &len,
                   SOCK_NONBLOCK | SOCK_CLOEXEC);
  if (fd < 0)
    return err_now();
  if (peer)
    from_sockaddr(&ss, peer);
  int rc = sock_add(l, h, fd, 0);
  if (rc < 0) {
    close(fd);
    return rc;
  }
  l->s[h].connected = 1;
  return 0;
}

static int lb_connect(wr_net *n, int h, const wr_addr *addr) {
  wr_loopback *l = lb_of(n);
  int rc, fd = new_socket(l, addr);
  if (fd < 0)
    return fd;
  struct sockaddr_storage ss;
  socklen_t len;
  to_sockaddr(addr, &ss, &len);
  if (connect(fd, (struct sockaddr *)&ss, len) < 0 && errno != EINPROGRESS) {
    rc = err_now();
    close(fd);
    return rc;
  }
  rc = sock_add(l, h, fd, 0);
  if (rc < 0)
    close(fd);
  return rc;
}

static uint32_t kernel_mask(const lsock *s) {
  struct pollfd p = {s->fd, POLLIN | POLLOUT | POLLRDHUP, 0};
  if (poll(&p, 1, 0) < 0)
    return 0;
  return from_poll((uint32_t)p.revents);
}

static uint32_t lb_readiness(wr_net *n, int h) {
  wr_loopback *l = lb_of(n);
  lsock *s = sock_of(l, h);
  if (!s)
    return 0;
  uint32_t m = kernel_mask(s);
  if (s->listener)
    return m & (WR_EV_IN | WR_EV_ERR);
  if (m & WR_EV_OUT)
    s->connected = 1;
  if (shaped(s) && !(m & (WR_EV_ERR | WR_EV_HUP))) {
    if (s->sh->shut_pending || (s->connected && wr_lb_shaper_room_(l, s)))
      m |= WR_EV_OUT;
    else
      m &= ~(uint32_t)WR_EV_OUT;
  }
  return m;
}

/* wr_iovec is struct iovec with a const base, so that a piece array goes
 * to sendmsg as it is; these make sure the layouts agree. */
_Static_assert(sizeof(wr_iovec) == sizeof(struct iovec), "wr_iovec layout");
_Static_assert(offsetof(wr_iovec, base) == offsetof(struct iovec, iov_base),
               "wr_iovec layout");
_Static_assert(offsetof(wr_iovec, len) == offsetof(struct iovec, iov_len),
               "wr_iovec layout");

/* One sendmsg for all pieces: the kernel takes a prefix of their
 * concatenation, exactly as send of the joined bytes would. */
static long lb_sendv(wr_net *n, int h, const wr_iovec *iov, int iovcnt) {
  wr_loopback *l = lb_of(n);
  lsock *s = sock_of(l, h);
  if (!s)
    return WR_EBADF;
  if (shaped(s) && !s->sh->failed && !s->listener) {
    if (s->sh->shut_pending)
      return WR_EPIPE;
    if (!s->connected && !(kernel_mask(s) & WR_EV_OUT)) {
      /* Still connecting (or failed): the kernel answers. */
      ssize_t r = send(s->fd, "", 0, MSG_NOSIGNAL);
      return r < 0 ? err_now() : WR_EAGAIN;
    }
    s->connected = 1;
    /* The kernel's answer first: a reset or a shutdown it knows of fails
     * the send, as it would if the shaper were not between (a zero-length
     * send checks just that). */
    if (send(s->fd, "", 0, MSG_NOSIGNAL) < 0)
      return err_now();
    long r = wr_lb_shaper_sendv_(l, s, iov, iovcnt);
    wr_lb_register_(l, s, h);
    return r;
  }
  struct msghdr mh;
  memset(&mh, 0, sizeof mh);
  mh.msg_iov = (struct iovec *)(uintptr_t)iov; /* the kernel only reads it */
  mh.msg_iovlen = (size_t)iovcnt;
  ssize_t r = sendmsg(s->fd, &mh, MSG_NOSIGNAL);
  if (r > 0)
    s->sent += (uint64_t)r;
  return r < 0 ? err_now() : (long)r;
}

static long lb_recv(wr_net *n, int h, void *buf, size_t len) {
  lsock *s = sock_of(lb_of(n), h);
  if (!s)
    return WR_EBADF;
  ssize_t r = recv(s->fd, buf, len, 0);
  return r < 0 ? err_now() : (long)r;
}

static int lb_shutdown(wr_net *n, int h, int how) {
  wr_loopback *l = lb_of(n);
  lsock *s = sock_of(l, h);
  if (!s)
    return WR_EBADF;
  if ((how & WR_SHUT_WR) && shaped(s) &&
      (!wr_lb_shaper_empty_(s) || wr_lb_shaper_held_(l, s)) && !s->sh->failed) {
    /* Postponed until the queue is written, as gen_tcp does. */
    s->sh->shut_pending = 1;
    if (how & WR_SHUT_RD && shutdown(s->fd, SHUT_RD) < 0)
      return err_now();
    return 0;
  }
  int sh = how == WR_SHUT_RD   ? SHUT_RD
           : how == WR_SHUT_WR ? SHUT_WR
                               : SHUT_RDWR;
  if (shutdown(s->fd, sh) < 0)
    return err_now();
  return 0;
}

static int orphan_add(wr_loopback *l, lsock *s) {
  if (l->norphans == l->orphcap) {
    int cap = l->orphcap ? l->orphcap * 2 : 8;
    lsock *o = realloc(l->orphans, (size_t)cap * sizeof *o);
    if (!o)
      return WR_ENOMEM;
    l->orphans = o;
    l->orphcap = cap;
  }
  lsock *o = &l->orphans[l->norphans++];
  *o = *s;
  o->orphan = 1;
  /* force the update below (an ADD if the socket was out of epoll) */
  if (o->registered != LB_PARKED)
    o->registered = (uint32_t)-1;
  wr_lb_register_(l, o, -1);
  return 0;
}

static void orphan_finish(wr_loopback *l, int i) {
  lsock *o = &l->orphans[i];
  if (!o->sh->failed && o->sh->shut_pending)
    shutdown(o->fd, SHUT_WR);
  close(o->fd);
  wr_lb_shaper_free_(o);
  l->orphans[i] = l->orphans[--l->norphans];
}

static int lb_close(wr_net *n, int h, int abort) {
  wr_loopback *l = lb_of(n);
  lsock *s = sock_of(l, h);
  if (!s)
    return WR_EBADF;
  int rc = 0;
  if (abort) {
    struct linger lg = {1, 0};
    setsockopt(s->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
  }
  if (!abort && s->sh &&
      (!wr_lb_shaper_empty_(s) || wr_lb_shaper_held_(l, s)) && !s->sh->failed &&
      orphan_add(l, s) == 0) {
    /* The queue is still written; the kernel socket closes after it. */
  } else {
    if (close(s->fd) < 0)
      rc = err_now();
    wr_lb_shaper_free_(s);
  }
  *s = (lsock){.fd = -1};
  return rc;
}

static int lb_sockerr(wr_net *n, int h) {
  lsock *s = sock_of(lb_of(n), h);
  if (!s)
    return WR_EBADF;
  int e = 0;
  socklen_t len = sizeof e;
  if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &e, &len) < 0)
    return err_now();
  return e ? wr_err_from_errno(e) : 0;
}

static int lb_watch(wr_net *n, int h, uint32_t interest) {
  wr_loopback *l = lb_of(n);
  lsock *s = sock_of(l, h);
  if (!s)
    return WR_EBADF;
  /* The wrapper stores the interest after this returns. */
  wr_net_slot *slot = wr_net_slot_(n, h);
  uint32_t old = slot->interest;
  slot->interest = interest;
  wr_lb_register_(l, s, h);
  slot->interest = old;
  return 0;
}

/* ---- timers ---------------------------------------------------------------
 */

static int tm_less(const ltimer *a, const ltimer *b) {
  return a->at < b->at || (a->at == b->at && a->id < b->id);
}

static int lb_timer_start(wr_net *n, wr_time at, uint64_t *id) {
  wr_loopback *l = lb_of(n);
  if (l->ntm == l->tmcap) {
    size_t cap = l->tmcap ? l->tmcap * 2 : 16;
    ltimer *t = realloc(l->tm, cap * sizeof *t);
    if (!t)
      return WR_ENOMEM;
    l->tm = t;
    l->tmcap = cap;
  }
  if (l->ntimers == l->tstcap) {
    uint64_t cap = l->tstcap ? l->tstcap * 2 : 64;
    uint8_t *t = realloc(l->tstate, cap);
    if (!t)
      return WR_ENOMEM;
    l->tstate = t;
    l->tstcap = cap;
  }
  ltimer x = {at, ++l->ntimers};
  l->tstate[x.id - 1] = 1;
  size_t i = l->ntm++;
  while (i > 0 && tm_less(&x, &l->tm[(i - 1) / 2])) {
    l->tm[i] = l->tm[(i - 1) / 2];
    i = (i - 1) / 2;
  }
  l->tm[i] = x;
  *id = x.id;
  return 0;
}

static ltimer tm_pop(wr_loopback *l) {
  ltimer top = l->tm[0], last = l->tm[--l->ntm];
  size_t i = 0;
  for (;;) {
    size_t c = 2 * i + 1, m = i;
    const ltimer *best = &last;
    if (c < l->ntm && tm_less(&l->tm[c], best)) {
      m = c;
      best = &l->tm[c];
    }
    if (c + 1 < l->ntm && tm_less(&l->tm[c + 1], best))
      m = c + 1;
    if (m == i)
      break;
    l->tm[i] = l->tm[m];
    i = m;
  }
  if (l->ntm)
    l->tm[i] = last;
  return top;
}

static int lb_timer_cancel(wr_net *n, uint64_t id) {
  wr_loopback *l = lb_of(n);
  if (id == 0 || id > l->ntimers || l->tstate[id - 1] != 1)
    return WR_ENOENT;
  l->tstate[id - 1] = 2;
  return 0;
}

/* ---- poll
 * -------------------------------------------------------------------- */

static int add_event(wr_net_event *evs, int k, int max, int h, uint32_t bits) {
  for (int i = 0; i < k; i++)
    if (evs[i].handle == h && h >= 0) {
      evs[i].events |= bits;
      return k;
    }
  if (k < max)
    evs[k++] = (wr_net_event){h, bits, 0};
  return k;
}

/* Never reports WR_POLL_QUIET: the kernel and other processes (a target
 * connecting, a peer's data already on its way) can make an event without
 * a call from this process, and nothing here can tell that they will not. */
static int lb_poll(wr_net *n, wr_net_event *evs, int max, wr_time deadline,
                   uint32_t *flags) {
  (void)flags;
  wr_loopback *l = lb_of(n);
  for (;;) {
    wr_time now = wr_lb_clock_(l);
    wr_time next = deadline;
    int k = 0, more = 0;
    /* 1. Shaper queues: one due chunk per socket. */
    for (int h = 0; h < l->scap; h++) {
      lsock *s = &l->s[h];
      if (s->fd < 0 || !s->sh ||
          (wr_lb_shaper_empty_(s) && !s->sh->shut_pending))
        continue;
      more |= wr_lb_shaper_flush_(l, s);
      if (wr_lb_shaper_empty_(s) && s->sh->shut_pending && !s->sh->failed &&
          !wr_lb_shaper_held_(l, s)) {
        /* The postponed shutdown(write) of a live socket (added by the
         * sock helper): done now, and the kernel answers from here on. */
        shutdown(s->fd, SHUT_WR);
        s->sh->failed = 1;
        continue;
      }
      wr_time t = wr_lb_shaper_next_(s);
      if (wr_lb_shaper_empty_(s) && s->sh->stall_until > now)
        t = s->sh->stall_until; /* the held FIN */
      if (t < next)
        next = t;
      wr_lb_register_(l, s, h);
    }
    for (int i = 0; i < l->norphans;) {
      lsock *o = &l->orphans[i];
      more |= wr_lb_shaper_flush_(l, o);
      if ((wr_lb_shaper_empty_(o) && !wr_lb_shaper_held_(l, o)) ||
          o->sh->failed) {
        orphan_finish(l, i);
        continue;
      }
      wr_time t = wr_lb_shaper_next_(o);
      if (wr_lb_shaper_empty_(o) && o->sh->stall_until > now)
        t = o->sh->stall_until; /* the held FIN */
      if (t < next)
        next = t;
      wr_lb_register_(l, o, -1);
      i++;
    }
    /* 2. Timers. */
    while (l->ntm && l->tm[0].at <= now && k < max) {
      ltimer t = tm_pop(l);
      if (l->tstate[t.id - 1] != 1)
        continue;
      l->tstate[t.id - 1] = 2;
      evs[k++] = (wr_net_event){-1, WR_EV_TIMER, t.id};
    }
    while (l->ntm && l->tstate[l->tm[0].id - 1] != 1)
      tm_pop(l); /* cancelled */
    if (l->ntm && l->tm[0].at < next)
      next = l->tm[0].at;
    /* 3. Shaped sockets whose queue has room: OUT without the kernel. */
    for (int h = 0; h < l->scap; h++) {
      lsock *s = &l->s[h];
      wr_net_slot *slot = s->fd >= 0 ? wr_net_slot_(n, h) : NULL;
      if (!slot || !s->sh || !shaped(s) || !(slot->interest & WR_EV_OUT))
        continue;
      uint32_t m = lb_readiness(n, h);
      if (m & WR_EV_OUT)
        k = add_event(evs, k, max, h, WR_EV_OUT);
    }
    /* 4. The kernel. */
    struct epoll_event ee[64];
    int want = max - k < 64 ? max - k : 64;
    if (want < 1)
      want = 1;
    struct timespec ts = {0, 0};
    if (!k && !more && next > now) {
      wr_time wait = next - now;
      if (wait > 3600 * WR_NS_PER_SEC)
        wait = 3600 * WR_NS_PER_SEC; /* re-check at least hourly */
      ts.tv_sec = (time_t)(wait / WR_NS_PER_SEC);
      ts.tv_nsec = (long)(wait % WR_NS_PER_SEC);
    }
    int r = epoll_pwait2(l->epfd, ee, want, &ts, NULL);
    if (r < 0 && errno != EINTR)
      return err_now();
    for (int i = 0; i < r; i++) {
      if (ee[i].data.u64 & ORPHAN_TAG)
        continue; /* an orphan can write again: flushed next round */
      int h = (int)(uint32_t)ee[i].data.u64;
      lsock *s = sock_of(l, h);
      wr_net_slot *slot = wr_net_slot_(n, h);
      if (!s || !slot)
        continue;
      uint32_t bits = from_poll(ee[i].events);
      if (bits & WR_EV_OUT)
        s->connected = 1;
      if (shaped(s)) {
        bits &= ~(uint32_t)WR_EV_OUT; /* reported from the queue */
        if ((slot->interest & WR_EV_OUT) && (lb_readiness(n, h) & WR_EV_OUT))
          bits |= WR_EV_OUT;
        wr_lb_register_(l, s, h);
      }
      bits &=
          slot->interest == WR_EV_QUIET ? 0 : slot->interest | WR_EV_ALWAYS_;
      if (bits)
        k = add_event(evs, k, max, h, bits);
    }
    if (k)
      return k;
    if (deadline != WR_TIME_NEVER && wr_lb_clock_(l) >= deadline)
      return 0;
  }
}

static wr_time lb_now(wr_net *n) { return wr_lb_clock_(lb_of(n)); }

/* getsockname or getpeername of a handle, as a wr_addr. */
static int lb_addr(wr_net *n, int h, wr_addr *out,
                   int (*name)(int, struct sockaddr *, socklen_t *)) {
  lsock *s = sock_of(lb_of(n), h);
  if (!s)
    return WR_EBADF;
  struct sockaddr_storage ss;
  socklen_t len = sizeof ss;
  if (name(s->fd, (struct sockaddr *)&ss, &len) < 0)
    return err_now();
  from_sockaddr(&ss, out);
  return 0;
}

static int lb_local_addr(wr_net *n, int h, wr_addr *out) {
  return lb_addr(n, h, out, getsockname);
}

static int lb_peer_addr(wr_net *n, int h, wr_addr *out) {
  return lb_addr(n, h, out, getpeername);
}

/* SO_SNDBUF / SO_RCVBUF of h's socket; the kernel clamps a value past its
 * limit (wmem_max, rmem_max), so a large size is no error. */
static int lb_set_bufsizes(wr_net *n, int h, uint32_t sndbuf, uint32_t rcvbuf) {
  lsock *s = sock_of(lb_of(n), h);
  if (!s)
    return WR_EBADF;
  const uint32_t size[2] = {sndbuf, rcvbuf};
  const int opt[2] = {SO_SNDBUF, SO_RCVBUF};
  for (int i = 0; i < 2; i++) {
    if (!size[i])
      continue;
    int v = size[i] > INT_MAX ? INT_MAX : (int)size[i];
    if (setsockopt(s->fd, SOL_SOCKET, opt[i], &v, sizeof v) < 0)
      return err_now();
  }
  return 0;
}

static int lb_get_bufsizes(wr_net *n, int h, uint32_t *sndbuf,
                           uint32_t *rcvbuf) {
  lsock *s = sock_of(lb_of(n), h);
  if (!s)
    return WR_EBADF;
  uint32_t *out[2] = {sndbuf, rcvbuf};
  const int opt[2] = {SO_SNDBUF, SO_RCVBUF};
  for (int i = 0; i < 2; i++) {
    int v = 0;
    socklen_t len = sizeof v;
    if (getsockopt(s->fd, SOL_SOCKET, opt[i], &v, &len) < 0)
      return err_now();
    *out[i] = v < 0 ? 0 : (uint32_t)v;
  }
  return 0;
}

/* The kernel's own option, set and read as it is: Linux does the
 * doubling, clamping and masking that simnet imitates. */
static int lb_sockopt_id(wr_net_sockopt opt, int *level, int *name) {
  static const int map[][2] = {{SOL_SOCKET, SO_SNDBUF},
                               {SOL_SOCKET, SO_RCVBUF},
                               {SOL_SOCKET, SO_PRIORITY},
                               {IPPROTO_IP, IP_TOS},
                               {IPPROTO_TCP, TCP_NODELAY}};
  if ((unsigned)opt >= sizeof map / sizeof map[0])
    return WR_EINVAL;
  *level = map[opt][0];
  *name = map[opt][1];
  return 0;
}

static int lb_set_sockopt(wr_net *n, int h, wr_net_sockopt opt, int value) {
  lsock *s = sock_of(lb_of(n), h);
  int level, name;
  if (!s)
    return WR_EBADF;
  if (lb_sockopt_id(opt, &level, &name) < 0)
    return WR_EINVAL;
  if (setsockopt(s->fd, level, name, &value, sizeof value) < 0)
    return err_now();
  return 0;
}

static int lb_get_sockopt(wr_net *n, int h, wr_net_sockopt opt, int *value) {
  lsock *s = sock_of(lb_of(n), h);
  int level, name, v = 0;
  socklen_t len = sizeof v;
  if (!s)
    return WR_EBADF;
  if (lb_sockopt_id(opt, &level, &name) < 0)
    return WR_EINVAL;
  if (getsockopt(s->fd, level, name, &v, &len) < 0)
    return err_now();
  *value = v;
  return 0;
}

static void lb_destroy(wr_net *n) {
  wr_loopback *l = lb_of(n);
  for (int h = 0; h < l->scap; h++)
    if (l->s[h].fd >= 0) {
      close(l->s[h].fd);
      wr_lb_shaper_free_(&l->s[h]);
    }
  for (int i = 0; i < l->norphans; i++) {
    close(l->orphans[i].fd);
    wr_lb_shaper_free_(&l->orphans[i]);
  }
  close(l->epfd);
  free(l->s);
  free(l->orphans);
  free(l->tm);
  free(l->tstate);
  wr_net_base_free_(&l->base);
  free(l);
}

static const wr_net_ops loopback_ops = {
    .version = WR_NET_OPS_VERSION,
    .name = "loopback",
    .listen = lb_listen,
    .accept = lb_accept,
    .connect = lb_connect,
    .sendv = lb_sendv,
    .recv = lb_recv,
    .shutdown = lb_shutdown,
    .close = lb_close,
    .sockerr = lb_sockerr,
    .readiness = lb_readiness,
    .watch = lb_watch,
    .poll = lb_poll,
    .now = lb_now,
    .timer_start = lb_timer_start,
    .timer_cancel = lb_timer_cancel,
    .local_addr = lb_local_addr,
    .peer_addr = lb_peer_addr,
    .destroy = lb_destroy,
    .set_policy = wr_loopback_set_policy,
    .stall = wr_loopback_stall,
    .release = wr_loopback_release,
    .set_bufsizes = lb_set_bufsizes,
    .get_bufsizes = lb_get_bufsizes,
    .conn_id = NULL, /* no records that name connections */
    .queued = wr_lb_queued_,
    .set_sockopt = lb_set_sockopt,
    .get_sockopt = lb_get_sockopt,
};

int wr_loopback_is(const wr_net *n) { return n && n->ops == &loopback_ops; }

void wr_loopback_config_init(wr_loopback_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
}

int wr_loopback_create(const wr_loopback_config *cfg, wr_net **out, char *err,
                       size_t errlen) {
  wr_loopback_config def;
  if (!out)
    return WR_EINVAL;
  *out = NULL;
  if (!cfg) {
    wr_loopback_config_init(&def);
    cfg = &def;
  }
  if (cfg->sndbuf > (1u << 30) || cfg->rcvbuf > (1u << 30) ||
      cfg->shaper_queue > (1u << 30)) {
    if (err && errlen)
      snprintf(err, errlen, "loopback buffer sizes must be at most 1 GiB");
    return WR_EINVAL;
  }
  wr_loopback *l = calloc(1, sizeof *l);
  if (!l)
    return WR_ENOMEM;
  wr_net_base_init_(&l->base, &loopback_ops);
  l->cfg = *cfg;
  if (!l->cfg.shaper_queue)
    l->cfg.shaper_queue = WR_LOOPBACK_SHAPER_QUEUE;
  wr_prng_seed(&l->rng, cfg->seed);
  l->epfd = epoll_create1(EPOLL_CLOEXEC);
  if (l->epfd < 0) {
    int rc = err_now();
    if (err && errlen)
      snprintf(err, errlen, "epoll_create1 failed: %s", wr_strerror(rc));
    free(l);
    return rc;
  }
  l->t0 = 0;
  l->t0 = wr_lb_clock_(l);
  *out = &l->base;
  return 0;
}

int wr_loopback_fd(wr_net *n, int h) {
  if (!wr_loopback_is(n))
    return -1;
  lsock *s = sock_of(lb_of(n), h);
  return s ? s->fd : -1;
}
