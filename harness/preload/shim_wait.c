/* Readiness in libwirerig_preload.so: poll, ppoll, select, pselect and
 * epoll (epoll_wait, epoll_pwait, epoll_pwait2), kept consistent with the
 * shaped calls (shim.c: the readiness rule). */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>

#include "shim_int.h"

static wr_pl_epinst eps[WR_PL_MAX_EP];
static int neps;

void wr_pl_wait_init_(void);
void wr_pl_wait_init_(void) {
  for (int i = 0; i < WR_PL_MAX_EP; i++)
    eps[i].epfd = -1;
}

/* ---- epoll tables ------------------------------------------------------- */

static wr_pl_epinst *ep_find(int epfd) {
  for (int i = 0; i < neps; i++)
    if (eps[i].epfd == epfd)
      return &eps[i];
  return NULL;
}

static wr_pl_epinst *ep_new(int epfd) {
  for (int i = 0; i < WR_PL_MAX_EP; i++) {
    if (eps[i].epfd < 0) {
      memset(&eps[i], 0, sizeof eps[i]);
      eps[i].epfd = epfd;
      if (i >= neps)
        neps = i + 1;
      return &eps[i];
    }
  }
  return NULL; /* more instances than WR_PL_MAX_EP: that one passes through */
}

static void ep_free(wr_pl_epinst *ep) {
  free(ep->regs);
  free(ep->kicked);
  memset(ep, 0, sizeof *ep);
  ep->epfd = -1;
}

static wr_pl_epreg *ep_reg(wr_pl_epinst *ep, int fd, int grow) {
  if (fd < 0)
    return NULL;
  if (fd >= ep->cap) {
    if (!grow)
      return NULL;
    int nc = ep->cap ? ep->cap : 64;
    while (nc <= fd)
      nc *= 2;
    wr_pl_epreg *r = realloc(ep->regs, (size_t)nc * sizeof *r);
    if (!r)
      return NULL;
    memset(r + ep->cap, 0, (size_t)(nc - ep->cap) * sizeof *r);
    ep->regs = r;
    ep->cap = nc;
  }
  return &ep->regs[fd];
}

static void ep_kick(wr_pl_epinst *ep, int fd, int in, int out) {
  wr_pl_epreg *r = ep_reg(ep, fd, 0);
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

void wr_pl_kick_(const wr_pl_conn *s, int in, int out) {
  for (int i = 0; i < neps; i++)
    if (eps[i].epfd >= 0)
      for (int k = 0; k < s->nfds; k++)
        ep_kick(&eps[i], s->fds[k], in, out);
}

void wr_pl_ep_forget_(int fd) {
  for (int i = 0; i < neps; i++) {
    if (eps[i].epfd < 0)
      continue;
    wr_pl_epreg *r = ep_reg(&eps[i], fd, 0);
    if (r)
      memset(r, 0, sizeof *r);
  }
  wr_pl_epinst *ep = neps ? ep_find(fd) : NULL;
  if (ep)
    ep_free(ep);
}

/* ---- readiness -------------------------------------------------------- */

/* Ends any snooze of fd (a wait covers it) and says whether the shim
 * itself has readiness to report: an end of stream or reset is due. */
static int wait_covers(int fd) {
  wr_pl_conn *s = wr_pl_tracked_(fd);
  if (!s)
    return 0;
  s->snooze[WR_PL_IN] = 0;
  s->snooze[WR_PL_OUT] = 0;
  return s->rd_forced || s->reset;
}

static int do_poll(struct pollfd *p, nfds_t n, int timeout,
                   const struct timespec *ts, const sigset_t *mask,
                   int is_ppoll) {
  int forced = 0;
  wr_pl_lock_();
  for (nfds_t i = 0; i < n; i++)
    if (wait_covers(p[i].fd) && (p[i].events & POLLIN))
      forced++;
  wr_pl_unlock_();
  struct timespec zero = {0, 0};
  int rc = is_ppoll ? real.ppoll(p, n, forced ? &zero : ts, mask)
                    : real.poll(p, n, forced ? 0 : timeout);
  if (!forced || rc < 0)
    return rc;
  int e = errno;
  rc = 0;
  wr_pl_lock_();
  for (nfds_t i = 0; i < n; i++) {
    wr_pl_conn *s = wr_pl_tracked_(p[i].fd);
    if (s && (s->rd_forced || s->reset) && (p[i].events & POLLIN))
      p[i].revents |= POLLIN | (s->reset ? POLLERR | POLLHUP : 0);
    if (p[i].revents)
      rc++;
  }
  wr_pl_unlock_();
  errno = e;
  return rc;
}

WR_PL_EXPORT int poll(struct pollfd *p, nfds_t n, int timeout) {
  wr_pl_resolve_();
  return do_poll(p, n, timeout, NULL, NULL, 0);
}

WR_PL_EXPORT int ppoll(struct pollfd *p, nfds_t n, const struct timespec *ts,
                       const sigset_t *mask) {
  wr_pl_resolve_();
  return do_poll(p, n, 0, ts, mask, 1);
}

static int do_select(int nfds, fd_set *r, fd_set *w, fd_set *x,
                     struct timeval *tv, const struct timespec *ts,
                     const sigset_t *mask, int is_pselect) {
  fd_set forced;
  FD_ZERO(&forced);
  int nforced = 0;
  wr_pl_lock_();
  for (int fd = 0; fd < nfds && fd < FD_SETSIZE; fd++) {
    int in_r = r && FD_ISSET(fd, r), in_w = w && FD_ISSET(fd, w);
    if ((in_r || in_w) && wait_covers(fd) && in_r) {
      FD_SET(fd, &forced);
      nforced++;
    }
  }
  wr_pl_unlock_();
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
  wr_pl_resolve_();
  return do_select(nfds, r, w, x, tv, NULL, NULL, 0);
}

WR_PL_EXPORT int pselect(int nfds, fd_set *r, fd_set *w, fd_set *x,
                         const struct timespec *ts, const sigset_t *mask) {
  wr_pl_resolve_();
  return do_select(nfds, r, w, x, NULL, ts, mask, 1);
}

WR_PL_EXPORT int epoll_create(int size) {
  wr_pl_resolve_();
  int fd = real.epoll_create(size);
  if (fd >= 0) {
    wr_pl_lock_();
    ep_new(fd);
    wr_pl_unlock_();
  }
  return fd;
}

WR_PL_EXPORT int epoll_create1(int flags) {
  wr_pl_resolve_();
  int fd = real.epoll_create1(flags);
  if (fd >= 0) {
    wr_pl_lock_();
    ep_new(fd);
    wr_pl_unlock_();
  }
  return fd;
}

WR_PL_EXPORT int epoll_ctl(int epfd, int op, int fd, struct epoll_event *ev) {
  wr_pl_resolve_();
  wr_pl_lock_();
  wr_pl_epinst *ep = ep_find(epfd);
  if (!ep) {
    wr_pl_unlock_();
    return real.epoll_ctl(epfd, op, fd, ev);
  }
  if (op == EPOLL_CTL_DEL) {
    int rc = real.epoll_ctl(epfd, op, fd, ev);
    int e = errno;
    wr_pl_epreg *r = ep_reg(ep, fd, 0);
    if (rc == 0 && r)
      memset(r, 0, sizeof *r);
    wr_pl_unlock_();
    errno = e;
    return rc;
  }
  if (!ev) {
    wr_pl_unlock_();
    errno = EFAULT;
    return -1;
  }
  wr_pl_epreg *r = ep_reg(ep, fd, 1);
  if (!r) {
    wr_pl_unlock_();
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
    wr_pl_conn *s = wr_pl_tracked_(fd);
    if (s && (s->rd_forced || s->reset))
      ep_kick(ep, fd, 1, 0);
  }
  wr_pl_unlock_();
  errno = e;
  return rc;
}

/* The kicked registrations of ep that are ready now, as events in syn
 * (at most max); the others lose their kick. Lock held. */
static int collect_kicks(wr_pl_epinst *ep, struct epoll_event *syn, int max) {
  int n = 0, keep = 0;
  for (int i = 0; i < ep->nkicked; i++) {
    int fd = ep->kicked[i];
    wr_pl_epreg *r = ep_reg(ep, fd, 0);
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
    wr_pl_conn *s = wr_pl_tracked_(fd);
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
static void disarm(wr_pl_epinst *ep, int fd, wr_pl_epreg *r) {
  r->armed = 0;
  struct epoll_event kev = {EPOLLONESHOT | EPOLLET, {.u64 = (uint32_t)fd}};
  real.epoll_ctl(ep->epfd, EPOLL_CTL_MOD, fd, &kev);
}

/* Which of the three waits, and its timeout. */
typedef struct ep_call {
  int kind; /* 0 epoll_wait, 1 epoll_pwait, 2 epoll_pwait2 */
  int timeout;
  const struct timespec *ts; /* epoll_pwait2: NULL waits for ever */
  const sigset_t *mask;
} ep_call;

/* The real wait; `now` makes it return at once (events are due). */
static int real_wait(const ep_call *c, int epfd, struct epoll_event *evs,
                     int max, int now) {
  static const struct timespec zero = {0, 0};
  switch (c->kind) {
  case 1:
    return real.epoll_pwait(epfd, evs, max, now ? 0 : c->timeout, c->mask);
  case 2:
    if (!real.epoll_pwait2) {
      errno = ENOSYS; /* a libc without it: the program's own fallback */
      return -1;
    }
    return real.epoll_pwait2(epfd, evs, max, now ? &zero : c->ts, c->mask);
  default:
    return real.epoll_wait(epfd, evs, max, now ? 0 : c->timeout);
  }
}

static int do_epoll_wait(int epfd, struct epoll_event *evs, int max,
                         const ep_call *c) {
  wr_pl_lock_();
  wr_pl_epinst *ep = ep_find(epfd);
  if (!ep || max <= 0) {
    wr_pl_unlock_();
    return real_wait(c, epfd, evs, max, 0);
  }
  struct epoll_event syn[64];
  int nsyn = collect_kicks(ep, syn, max < 64 ? max : 64);
  wr_pl_unlock_();
  int rc = real_wait(c, epfd, evs, max, nsyn > 0);
  if (rc < 0 && !nsyn)
    return rc;
  int e = errno;
  if (rc < 0)
    rc = 0;
  wr_pl_lock_();
  ep = ep_find(epfd); /* another thread may have closed it */
  int out = 0;
  for (int i = 0; i < rc; i++) {
    int fd = (int)(uint32_t)evs[i].data.u64;
    wr_pl_epreg *r = ep ? ep_reg(ep, fd, 0) : NULL;
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
    wr_pl_epreg *r = ep ? ep_reg(ep, fd, 0) : NULL;
    if (!syn[k].events || !r || !r->present)
      continue;
    wait_covers(fd);
    if (r->events & EPOLLONESHOT)
      disarm(ep, fd, r);
    evs[out].events = syn[k].events;
    evs[out].data.u64 = r->data;
    out++;
  }
  wr_pl_unlock_();
  errno = e;
  return out;
}

WR_PL_EXPORT int epoll_wait(int epfd, struct epoll_event *evs, int max,
                            int timeout) {
  wr_pl_resolve_();
  return do_epoll_wait(epfd, evs, max, &(ep_call){0, timeout, NULL, NULL});
}

WR_PL_EXPORT int epoll_pwait(int epfd, struct epoll_event *evs, int max,
                             int timeout, const sigset_t *mask) {
  wr_pl_resolve_();
  return do_epoll_wait(epfd, evs, max, &(ep_call){1, timeout, NULL, mask});
}

WR_PL_EXPORT int epoll_pwait2(int epfd, struct epoll_event *evs, int max,
                              const struct timespec *ts, const sigset_t *mask) {
  wr_pl_resolve_();
  return do_epoll_wait(epfd, evs, max, &(ep_call){2, 0, ts, mask});
}
