/* wirerig transports: one interface for the simulated network (simnet.h) and
 * for real loopback sockets (loopback.h).
 *
 * A transport is a versioned table of operations (wr_net_ops) behind the
 * static inline wrappers below. Callers use only the wrappers. The wrappers
 * own what both transports share -- the handle table, argument checks, the
 * interest masks -- so that the two implementations cannot drift apart in
 * that bookkeeping; the operations own what the kernel decides (what recv and
 * send return, which events are ready), and both follow Linux (docs/simnet.md
 * lists where simnet knowingly differs).
 *
 * Handles are small non-negative integers, like file descriptors, allocated
 * lowest-free by the wrappers. Every call is non-blocking: it returns at once
 * with a result, WR_EAGAIN, or another negative wr_err (error.h). Waiting is
 * done by wr_net_poll / wr_net_run, which advance virtual time instantly on
 * simnet and wait in real time on loopback.
 *
 * Results follow the Linux system calls on a non-blocking TCP socket:
 *   recv  > 0 bytes read; 0 at end of stream (peer FIN, or own shutdown(read)
 *         with nothing buffered, or after a reset was reported); WR_EAGAIN;
 *         a pending socket error (WR_ECONNRESET, WR_ECONNREFUSED, WR_EPIPE,
 *         WR_ETIMEDOUT) once; WR_ENOTCONN on a listener.
 *   send  > 0 bytes taken (possibly fewer than asked: a short write);
 *         WR_EAGAIN when the send buffer is full or still connecting; a
 *         pending socket error once; then WR_EPIPE after shutdown(write),
 *         a reset or a refused connect.
 *   sendv the same, for the concatenation of its pieces: one send of
 *         those bytes in every respect (writev / sendmsg).
 * A pending socket error is reported exactly once, by whichever of recv,
 * send or wr_net_sockerr comes first, as SO_ERROR is on Linux.
 *
 * What only some transports can do -- shape a direction, stall it, size a
 * socket's buffers, name a connection -- is an optional operation: the
 * wrapper answers WR_ENOTSUP where the transport has none, so a caller
 * tries the operation and reports "not supported on this transport"
 * instead of asking which transport it has. Faults only a simulation can
 * inject stay simnet's own calls (simnet.h), which answer WR_ENOTSUP on
 * any other transport in the same way.
 */
#ifndef WIRERIG_NET_H
#define WIRERIG_NET_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/error.h"
#include "wirerig/policy.h"
#include "wirerig/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* 127.0.0.1:port and [::1]:port. */
wr_addr wr_addr_loopback4(uint16_t port);
wr_addr wr_addr_loopback6(uint16_t port);
/* Parses "127.0.0.1:8080", "[::1]:8080", "127.0.0.1" (port 0), "::1".
 * Returns 0 or WR_EINVAL with a message in err. */
int wr_addr_parse(const char *text, wr_addr *out, char *err, size_t errlen);
/* Writes "127.0.0.1:8080" / "[::1]:8080"; returns the length. */
int wr_addr_format(const wr_addr *a, char *buf, size_t len);
/* Nonzero for 127.0.0.0/8 and ::1. */
int wr_addr_is_loopback(const wr_addr *a);
/* wr_addr_format into buf, returned: "10.0.0.1:40000", "[::1]:80". */
const char *wr_addr_str(const wr_addr *a, char buf[WR_ADDR_STRLEN]);
/* 1 when a and b are the same address and port. */
int wr_addr_equal(const wr_addr *a, const wr_addr *b);

/* shutdown directions, as SHUT_RD / SHUT_WR / SHUT_RDWR. */
/* shutdown's how: WR_SHUT_RD, WR_SHUT_WR, WR_SHUT_RDWR (types.h). */

/* Readiness bits, the same as epoll's for a TCP socket (tcp_poll):
 * IN: data or a connection to accept, or end of stream; OUT: send would
 * take bytes (always set after shutdown(write)); RDHUP: the read side is
 * shut (peer FIN or own shutdown(read)); HUP: both sides are shut or the
 * connection is closed; ERR: a socket error is pending. TIMER marks a timer
 * event (handle -1). ERR and HUP are always reported, as with epoll. */
enum {
  WR_EV_IN = 1u << 0,
  WR_EV_OUT = 1u << 1,
  WR_EV_RDHUP = 1u << 2,
  WR_EV_HUP = 1u << 3,
  WR_EV_ERR = 1u << 4,
  WR_EV_TIMER = 1u << 5,
  /* As the whole interest of wr_net_watch: nothing at all, not even ERR
   * and HUP, until the interest changes (epoll would report those for a
   * registered descriptor whatever it asks for). For a socket whose owner
   * is not reading, as inet_drv deselects one: what the kernel learns
   * meanwhile is found by the next call that looks. */
  WR_EV_QUIET = 1u << 6,
};
#define WR_EV_ALWAYS_ (WR_EV_ERR | WR_EV_HUP)

typedef struct wr_net_event {
  int handle;      /* -1 for a timer */
  uint32_t events; /* WR_EV_* bits */
  uint64_t timer;  /* the timer id when events has WR_EV_TIMER */
} wr_net_event;

/* Formats an event mask as "IN|OUT|RDHUP" into buf ("-" when empty). */
const char *wr_net_events_str(uint32_t events, char *buf, size_t len);

typedef enum wr_slot_kind {
  WR_SLOT_FREE = 0,
  WR_SLOT_LISTENER = 1,
  WR_SLOT_CONN = 2,
} wr_slot_kind;

/* The per-handle record the wrappers keep for both transports. */
typedef struct wr_net_slot {
  uint8_t kind; /* wr_slot_kind */
  uint8_t shut; /* WR_SHUT_* bits successfully requested */
  uint16_t reserved_;
  uint32_t interest; /* WR_EV_* bits the owner waits for */
} wr_net_slot;

typedef struct wr_net wr_net;

/* One piece of a vectored send (struct iovec, with a const base). */
typedef struct wr_iovec {
  const void *base;
  size_t len;
} wr_iovec;

/* The most pieces one wr_net_sendv takes, as Linux's UIO_MAXIOV. */
#define WR_NET_IOV_MAX 1024

/* What wr_net_poll_flags reports besides the events. */
enum {
  /* Nothing more can happen without a call from the user: no timer is
   * armed and nothing is in flight or due, so a poll that returned 0
   * would return 0 however long it waited. Set only with a result of 0.
   * simnet says it when its event queue is empty; loopback never does,
   * since the kernel and other processes (a target) act on their own. */
  WR_POLL_QUIET = 1u << 0,
};

/* Version 2: `send` became `sendv` (wr_net_send is a one-piece sendv).
 * Version 3: `poll` reports flags (WR_POLL_QUIET), and the optional
 * operations at the end of the table.
 * Version 4: the optional set_sockopt / get_sockopt.
 * Version 5: the optional recv_arrived. */
#define WR_NET_OPS_VERSION 5u

/* Options of the kernel's socket under a gen_tcp socket, with the values
 * setsockopt takes (wr_net_set_sockopt). */
typedef enum wr_net_sockopt {
  WR_NET_SO_SNDBUF,   /* SO_SNDBUF */
  WR_NET_SO_RCVBUF,   /* SO_RCVBUF */
  WR_NET_SO_PRIORITY, /* SO_PRIORITY */
  WR_NET_IP_TOS,      /* IP_TOS */
  WR_NET_TCP_NODELAY  /* TCP_NODELAY (0 or 1) */
} wr_net_sockopt;

/* The operations a transport implements. The wrappers have already checked
 * that handles exist and have the right kind, and that arguments are sane,
 * before an operation runs; `h` for listen/accept/connect is the handle the
 * wrapper allocated for the new socket. Every operation above `destroy`
 * is required; those after it are optional (NULL: the wrapper answers
 * WR_ENOTSUP). */
typedef struct wr_net_ops {
  uint32_t version; /* WR_NET_OPS_VERSION */
  const char *name; /* "simnet", "loopback" */
  int (*listen)(wr_net *n, int h, const wr_addr *addr, int backlog);
  int (*accept)(wr_net *n, int lh, int h, wr_addr *peer);
  int (*connect)(wr_net *n, int h, const wr_addr *addr);
  /* Takes bytes from the concatenation of the pieces exactly as one send
   * of them would: the same flow control and short writes, one write (one
   * trace record, one write boundary on simnet). */
  long (*sendv)(wr_net *n, int h, const wr_iovec *iov, int iovcnt);
  long (*recv)(wr_net *n, int h, void *buf, size_t len);
  int (*shutdown)(wr_net *n, int h, int how);
  /* Closes; with `abort` the connection is reset (SO_LINGER {1,0}). The
   * handle is released by the wrapper whatever this returns. */
  int (*close)(wr_net *n, int h, int abort);
  int (*sockerr)(wr_net *n, int h);
  uint32_t (*readiness)(wr_net *n, int h);
  int (*watch)(wr_net *n, int h, uint32_t interest);
  /* *flags is 0 on entry; a poll that returns 0 may set WR_POLL_QUIET. */
  int (*poll)(wr_net *n, wr_net_event *evs, int max, wr_time deadline,
              uint32_t *flags);
  wr_time (*now)(wr_net *n);
  int (*timer_start)(wr_net *n, wr_time at, uint64_t *id);
  int (*timer_cancel)(wr_net *n, uint64_t id);
  int (*local_addr)(wr_net *n, int h, wr_addr *out);
  int (*peer_addr)(wr_net *n, int h, wr_addr *out);
  void (*destroy)(wr_net *n);

  /* ---- optional (see the wrappers of the same names) ---- */
  int (*set_policy)(wr_net *n, int h, const wr_policy *p);
  int (*stall)(wr_net *n, int h, wr_time until);
  int (*release)(wr_net *n, int h);
  int (*set_bufsizes)(wr_net *n, int h, uint32_t sndbuf, uint32_t rcvbuf);
  /* Both pointers are valid (the wrapper passes scratch for a NULL). */
  int (*get_bufsizes)(wr_net *n, int h, uint32_t *sndbuf, uint32_t *rcvbuf);
  int (*conn_id)(wr_net *n, int h, uint32_t *conn, int *side);
  int (*queued)(wr_net *n, int h, size_t *bytes);
  int (*set_sockopt)(wr_net *n, int h, wr_net_sockopt opt, int value);
  int (*get_sockopt)(wr_net *n, int h, wr_net_sockopt opt, int *value);
  long (*recv_arrived)(wr_net *n, int h, void *buf, size_t len);
} wr_net_ops;

/* The part of every transport the wrappers use. Transports embed it first
 * in their own state. */
struct wr_net {
  const wr_net_ops *ops;
  wr_net_slot *slots;
  int nslots; /* slots in use are below nslots */
  int cap;
  int lowest_free; /* no free slot below this index */
  int live;        /* handles in use */
};

/* Slot management for the wrappers and the transports' create functions. */
int wr_net_base_init_(wr_net *n, const wr_net_ops *ops);
void wr_net_base_free_(wr_net *n);
int wr_net_slot_alloc_(wr_net *n, wr_slot_kind kind);
void wr_net_slot_free_(wr_net *n, int h);

static inline wr_net_slot *wr_net_slot_(wr_net *n, int h) {
  if (h < 0 || h >= n->nslots || n->slots[h].kind == WR_SLOT_FREE)
    return NULL;
  return &n->slots[h];
}

/* ---- the interface ---------------------------------------------------- */

/* The transport's name: "simnet" or "loopback". */
static inline const char *wr_net_name(const wr_net *n) { return n->ops->name; }

/* Listens on addr (NULL: 127.0.0.1, ephemeral port). backlog >= 0; as on
 * Linux, backlog + 1 established connections may wait for accept. Returns
 * the new handle (>= 0) or a negative wr_err. */
static inline int wr_net_listen(wr_net *n, const wr_addr *addr, int backlog) {
  if (backlog < 0)
    return WR_EINVAL;
  wr_addr def;
  if (!addr) {
    def = wr_addr_loopback4(0);
    addr = &def;
  }
  if (addr->family != 4 && addr->family != 6)
    return WR_EINVAL;
  int h = wr_net_slot_alloc_(n, WR_SLOT_LISTENER);
  if (h < 0)
    return h;
  n->slots[h].interest = WR_EV_IN;
  int rc = n->ops->listen(n, h, addr, backlog);
  if (rc < 0) {
    wr_net_slot_free_(n, h);
    return rc;
  }
  return h;
}

/* Takes one established connection from a listener: the new handle, or
 * WR_EAGAIN when none waits. peer may be NULL. */
static inline int wr_net_accept(wr_net *n, int lh, wr_addr *peer) {
  wr_net_slot *s = wr_net_slot_(n, lh);
  if (!s)
    return WR_EBADF;
  if (s->kind != WR_SLOT_LISTENER)
    return WR_EINVAL;
  int h = wr_net_slot_alloc_(n, WR_SLOT_CONN);
  if (h < 0)
    return h;
  n->slots[h].interest = WR_EV_IN;
  int rc = n->ops->accept(n, lh, h, peer);
  if (rc < 0) {
    wr_net_slot_free_(n, h);
    return rc;
  }
  return h;
}

/* Starts connecting; returns the new handle at once. Completion shows as
 * WR_EV_OUT (connected) or WR_EV_ERR (wr_net_sockerr says why: refused,
 * timed out). Fails synchronously only for bad arguments or resources. */
static inline int wr_net_connect(wr_net *n, const wr_addr *addr) {
  if (!addr || (addr->family != 4 && addr->family != 6) || addr->port == 0)
    return WR_EINVAL;
  int h = wr_net_slot_alloc_(n, WR_SLOT_CONN);
  if (h < 0)
    return h;
  n->slots[h].interest = WR_EV_OUT;
  int rc = n->ops->connect(n, h, addr);
  if (rc < 0) {
    wr_net_slot_free_(n, h);
    return rc;
  }
  return h;
}

/* Sends up to len bytes; see the top of this file for results. */
static inline long wr_net_send(wr_net *n, int h, const void *buf, size_t len) {
  wr_net_slot *s = wr_net_slot_(n, h);
  if (!s)
    return WR_EBADF;
  if (!buf && len)
    return WR_EINVAL;
  if (len > (size_t)INT32_MAX)
    len = (size_t)INT32_MAX; /* a short write, as Linux does past 2 GiB */
  wr_iovec one = {buf, len};
  return n->ops->sendv(n, h, &one, 1);
}

/* Sends up to the total length of iov[0..iovcnt) as one send of the
 * concatenated bytes (writev): the bytes taken are a prefix of the
 * concatenation, and on simnet they form one write, so a header and its
 * payload given as two pieces never leave as two writes. iovcnt is
 * 0..WR_NET_IOV_MAX; WR_EINVAL for more, for a NULL piece with a length,
 * or when the lengths add up past SIZE_MAX. Results as for send. */
static inline long wr_net_sendv(wr_net *n, int h, const wr_iovec *iov,
                                int iovcnt) {
  wr_net_slot *s = wr_net_slot_(n, h);
  if (!s)
    return WR_EBADF;
  if (iovcnt < 0 || iovcnt > WR_NET_IOV_MAX || (!iov && iovcnt))
    return WR_EINVAL;
  size_t total = 0;
  for (int i = 0; i < iovcnt; i++) {
    if (!iov[i].base && iov[i].len)
      return WR_EINVAL;
    if (iov[i].len > SIZE_MAX - total)
      return WR_EINVAL;
    total += iov[i].len;
  }
  /* Past 2 GiB the transports take less, a short write as with send. */
  return n->ops->sendv(n, h, iov, iovcnt);
}

/* The checks of wr_net_recv and wr_net_recv_arrived, then op. */
static inline long wr_net_recv_via_(wr_net *n, int h, void *buf, size_t len,
                                    long (*op)(wr_net *, int, void *, size_t)) {
  wr_net_slot *s = wr_net_slot_(n, h);
  if (!s)
    return WR_EBADF;
  if (!buf && len)
    return WR_EINVAL;
  if (len > (size_t)INT32_MAX)
    len = (size_t)INT32_MAX;
  return op(n, h, buf, len);
}

/* Receives up to len bytes; see the top of this file for results. */
static inline long wr_net_recv(wr_net *n, int h, void *buf, size_t len) {
  return wr_net_recv_via_(n, h, buf, len, n->ops->recv);
}

/* wr_net_recv for a reader to whom the boundaries between segments mean
 * nothing: the transport first lets in the bytes that arrive for h at
 * this same instant and would be the next events anyway, so one read
 * takes what one poll per segment would have taken in as many reads. The
 * same bytes, at the same time; only the read sizes differ. simnet
 * delivers the plain data segments of h's incoming direction that are
 * due now and next in its event order (never a FIN, a reset, or one a
 * stall or fault holds), and only while that direction's policy does not
 * cut the stream (`whole`): cut pieces are there to be read one by one.
 * A transport without the operation (loopback, whose kernel has
 * everything sent by now) does a plain recv. */
static inline long wr_net_recv_arrived(wr_net *n, int h, void *buf,
                                       size_t len) {
  return wr_net_recv_via_(n, h, buf, len,
                          n->ops->recv_arrived ? n->ops->recv_arrived
                                               : n->ops->recv);
}

/* shutdown(read / write / both). WR_ENOTCONN unless connected. */
static inline int wr_net_shutdown(wr_net *n, int h, int how) {
  wr_net_slot *s = wr_net_slot_(n, h);
  if (!s)
    return WR_EBADF;
  if (how < WR_SHUT_RD || how > WR_SHUT_RDWR)
    return WR_EINVAL;
  if (s->kind != WR_SLOT_CONN)
    return WR_ENOTCONN;
  int rc = n->ops->shutdown(n, h, how);
  if (rc == 0)
    s->shut |= (uint8_t)how;
  return rc;
}

/* The handle is released whatever the transport's close returns. */
static inline int wr_net_close_(wr_net *n, int h, int abort) {
  if (!wr_net_slot_(n, h))
    return WR_EBADF;
  int rc = n->ops->close(n, h, abort);
  wr_net_slot_free_(n, h);
  return rc;
}

/* Closes the handle. A connection with unread received data is reset, as
 * on Linux; otherwise a FIN follows the data still queued. */
static inline int wr_net_close(wr_net *n, int h) {
  return wr_net_close_(n, h, 0);
}

/* Closes the handle with a reset (SO_LINGER {1,0}): queued data is
 * discarded and the peer gets an RST. On a listener it is a plain close. */
static inline int wr_net_abort(wr_net *n, int h) {
  return wr_net_close_(n, h, 1);
}

/* Takes the pending socket error (SO_ERROR): 0 or a negative wr_err. */
static inline int wr_net_sockerr(wr_net *n, int h) {
  if (!wr_net_slot_(n, h))
    return WR_EBADF;
  return n->ops->sockerr(n, h);
}

/* The current readiness of a handle (all WR_EV_* bits that hold now,
 * regardless of interest); 0 for an unknown handle. */
static inline uint32_t wr_net_readiness(wr_net *n, int h) {
  if (!wr_net_slot_(n, h))
    return 0;
  return n->ops->readiness(n, h);
}

/* The events a handle is polled for now (its default, or the last
 * wr_net_watch); 0 for an unknown handle. */
static inline uint32_t wr_net_interest(wr_net *n, int h) {
  wr_net_slot *s = wr_net_slot_(n, h);
  return s ? s->interest : 0;
}

/* Sets the events a handle is polled for (WR_EV_IN / WR_EV_OUT / RDHUP;
 * ERR and HUP are always reported, unless the interest is WR_EV_QUIET
 * alone). Defaults: IN for listeners and accepted connections, OUT for
 * connecting ones. */
static inline int wr_net_watch(wr_net *n, int h, uint32_t interest) {
  wr_net_slot *s = wr_net_slot_(n, h);
  if (!s)
    return WR_EBADF;
  if (interest & ~(uint32_t)(WR_EV_IN | WR_EV_OUT | WR_EV_RDHUP)) {
    if (interest != WR_EV_QUIET)
      return WR_EINVAL;
  }
  int rc = n->ops->watch(n, h, interest);
  if (rc == 0)
    s->interest = interest;
  return rc;
}

/* Waits until some handle is ready for its interest or a timer fires, or
 * until `deadline`; fills up to max events (level-triggered, in a defined
 * order) and returns their number, 0 at the deadline. On simnet it runs
 * the simulation: virtual time jumps to the next event; when nothing is
 * left to happen it returns 0 at once (the network is quiet), the clock
 * moved to a finite deadline. *flags (may be NULL) gets WR_POLL_QUIET
 * when the 0 means that nothing can happen any more. WR_LIVELOCK (simnet):
 * the caller has polled WR_SIMNET_SPIN_MAX times in a row at one instant,
 * each time finding ready events and changing nothing before the next
 * poll; virtual time cannot move on, so the caller would spin for ever. */
static inline int wr_net_poll_flags(wr_net *n, wr_net_event *evs, int max,
                                    wr_time deadline, uint32_t *flags) {
  uint32_t f = 0;
  if (flags)
    *flags = 0;
  if (!evs || max <= 0)
    return WR_EINVAL;
  int k = n->ops->poll(n, evs, max, deadline, &f);
  if (flags && k == 0)
    *flags = f & WR_POLL_QUIET;
  return k;
}

/* wr_net_poll_flags for a caller that does not need the flags. */
static inline int wr_net_poll(wr_net *n, wr_net_event *evs, int max,
                              wr_time deadline) {
  return wr_net_poll_flags(n, evs, max, deadline, NULL);
}

/* The transport's clock (nanoseconds). */
static inline wr_time wr_net_now(wr_net *n) { return n->ops->now(n); }

/* A one-shot timer at absolute time `at`; it fires as a WR_EV_TIMER event
 * from wr_net_poll carrying *id. */
static inline int wr_net_timer_start(wr_net *n, wr_time at, uint64_t *id) {
  if (!id)
    return WR_EINVAL;
  return n->ops->timer_start(n, at, id);
}

/* Cancels a timer that has not fired; WR_ENOENT otherwise. */
static inline int wr_net_timer_cancel(wr_net *n, uint64_t id) {
  return n->ops->timer_cancel(n, id);
}

static inline int wr_net_local_addr(wr_net *n, int h, wr_addr *out) {
  if (!wr_net_slot_(n, h))
    return WR_EBADF;
  if (!out)
    return WR_EINVAL;
  return n->ops->local_addr(n, h, out);
}

static inline int wr_net_peer_addr(wr_net *n, int h, wr_addr *out) {
  wr_net_slot *s = wr_net_slot_(n, h);
  if (!s)
    return WR_EBADF;
  if (!out)
    return WR_EINVAL;
  if (s->kind != WR_SLOT_CONN)
    return WR_ENOTCONN;
  return n->ops->peer_addr(n, h, out);
}

/* Destroys the transport and everything in it (no FIN, no RST is sent on
 * simnet; loopback closes its sockets). */
static inline void wr_net_destroy(wr_net *n) {
  if (n)
    n->ops->destroy(n);
}

/* ---- optional operations -----------------------------------------------
 * Each answers WR_ENOTSUP, before looking at its arguments, on a transport
 * that leaves the operation out, so "not supported here" never depends on
 * the handle; then WR_EBADF for an unknown handle. "The direction of h" is
 * the byte stream h sends to its peer. */

/* Segmentation and delay (policy.h) for the direction of h from now on.
 * simnet: the direction's policy, from the next cut. loopback: the shaper
 * queues what h sends and writes it in chunks at the policy's times (with
 * TCP_NODELAY); p NULL stops shaping once the queue is empty. WR_EINVAL
 * for a listener, a bad policy, or NULL on simnet. */
static inline int wr_net_set_policy(wr_net *n, int h, const wr_policy *p) {
  if (!n->ops->set_policy)
    return WR_ENOTSUP;
  if (!wr_net_slot_(n, h))
    return WR_EBADF;
  return n->ops->set_policy(n, h, p);
}

/* Holds the direction of h: nothing more of it arrives until `until`
 * (absolute transport time), or until wr_net_release when until is
 * WR_TIME_NEVER; what was held keeps its order. loopback holds only
 * shaped output (WR_EINVAL before a policy was set). */
static inline int wr_net_stall(wr_net *n, int h, wr_time until) {
  if (!n->ops->stall)
    return WR_ENOTSUP;
  if (!wr_net_slot_(n, h))
    return WR_EBADF;
  return n->ops->stall(n, h, until);
}

/* Ends a stall of the direction of h. */
static inline int wr_net_release(wr_net *n, int h) {
  if (!n->ops->release)
    return WR_ENOTSUP;
  if (!wr_net_slot_(n, h))
    return WR_EBADF;
  return n->ops->release(n, h);
}

/* The send buffer of h and its receive buffer (0 leaves a size as it
 * is). simnet: connections only, at most WR_SIMNET_MAX_BUF, the receive
 * buffer being the window of the opposite direction; sizes already
 * exceeded by queued bytes take effect as the queue drains. loopback:
 * SO_SNDBUF / SO_RCVBUF, which the kernel clamps to its limits. */
static inline int wr_net_set_bufsizes(wr_net *n, int h, uint32_t sndbuf,
                                      uint32_t rcvbuf) {
  if (!n->ops->set_bufsizes)
    return WR_ENOTSUP;
  if (!wr_net_slot_(n, h))
    return WR_EBADF;
  return n->ops->set_bufsizes(n, h, sndbuf, rcvbuf);
}

/* The buffer sizes of h as the transport keeps them (either pointer may
 * be NULL). loopback reports what getsockopt says: Linux doubles the value
 * set, for its bookkeeping. */
static inline int wr_net_get_bufsizes(wr_net *n, int h, uint32_t *sndbuf,
                                      uint32_t *rcvbuf) {
  uint32_t snd_, rcv_;
  if (!n->ops->get_bufsizes)
    return WR_ENOTSUP;
  if (!wr_net_slot_(n, h))
    return WR_EBADF;
  return n->ops->get_bufsizes(n, h, sndbuf ? sndbuf : &snd_,
                              rcvbuf ? rcvbuf : &rcv_);
}

/* The id of h's connection in the transport's own records (simnet: the
 * trace and wr_simnet_dirstats_get, from 1 in creation order) and its
 * side, 0 client and 1 server; either pointer may be NULL. WR_EINVAL for
 * a listener. loopback keeps no such records. */
static inline int wr_net_conn_id(wr_net *n, int h, uint32_t *conn, int *side) {
  if (!n->ops->conn_id)
    return WR_ENOTSUP;
  if (!wr_net_slot_(n, h))
    return WR_EBADF;
  return n->ops->conn_id(n, h, conn, side);
}

/* Bytes that send took on h and the transport still holds back, not yet
 * on their way: loopback's shaper queue (0 for an unshaped socket; what a
 * stall holds stays here), simnet's bytes not yet cut into segments
 * because the receiver's window is full (a stall holds segments already
 * cut, which are on their way). WR_EINVAL for a listener. */
static inline int wr_net_queued(wr_net *n, int h, size_t *bytes) {
  if (!n->ops->queued)
    return WR_ENOTSUP;
  if (!wr_net_slot_(n, h))
    return WR_EBADF;
  if (!bytes)
    return WR_EINVAL;
  return n->ops->queued(n, h, bytes);
}

/* Sets a kernel socket option of h (a listener's are inherited by the
 * connections it accepts, as Linux's are: all but SO_PRIORITY), with
 * Linux's answer: loopback
 * calls setsockopt; simnet applies Linux's rules to its own records --
 * SO_SNDBUF/SO_RCVBUF store twice the value (taken as unsigned, capped at
 * WR_SIMNET_WMEM_MAX/WR_SIMNET_RMEM_MAX, at least 4608/2304 bytes) and
 * become the connection's send buffer and receive window; IP_TOS keeps
 * the low 8 bits without the 2 ECN bits; SO_PRIORITY and TCP_NODELAY are
 * kept (simnet has no queueing discipline and no Nagle delay for them to
 * change). */
static inline int wr_net_set_sockopt(wr_net *n, int h, wr_net_sockopt opt,
                                     int value) {
  if (!n->ops->set_sockopt)
    return WR_ENOTSUP;
  if (!wr_net_slot_(n, h))
    return WR_EBADF;
  if ((unsigned)opt > WR_NET_TCP_NODELAY)
    return WR_EINVAL;
  return n->ops->set_sockopt(n, h, opt, value);
}

/* Reads a kernel socket option of h back as getsockopt reports it. */
static inline int wr_net_get_sockopt(wr_net *n, int h, wr_net_sockopt opt,
                                     int *value) {
  if (!n->ops->get_sockopt)
    return WR_ENOTSUP;
  if (!wr_net_slot_(n, h))
    return WR_EBADF;
  if ((unsigned)opt > WR_NET_TCP_NODELAY || !value)
    return WR_EINVAL;
  return n->ops->get_sockopt(n, h, opt, value);
}

/* Called by wr_net_run for each event; return nonzero to stop. */
typedef int (*wr_net_event_fn)(void *ctx, wr_net *n, const wr_net_event *ev);

/* Polls and dispatches events to fn until fn returns nonzero (returns 1),
 * the deadline passes or the network is quiet (WR_POLL_QUIET; returns 0),
 * or an error occurs (negative). This is the "run until condition or
 * deadline" loop for the layers above. */
int wr_net_run(wr_net *n, wr_time deadline, wr_net_event_fn fn, void *ctx);

#ifdef __cplusplus
}
#endif
#endif
