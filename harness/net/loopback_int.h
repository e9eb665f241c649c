/* Internal state of the loopback transport: loopback.c (sockets, epoll,
 * timers) and loopback_shaper.c (the shaper queue). */
#ifndef WIRERIG_HARNESS_LOOPBACK_INT_H
#define WIRERIG_HARNESS_LOOPBACK_INT_H

#include "shape.h"
#include "wirerig/loopback.h"

typedef struct lchunk {
  wr_time at;
  uint32_t len;
} lchunk;

/* A shaped socket's queue: bytes [head, head + len) of buf, cut into
 * chunks that are written at their times. */
typedef struct lshaper {
  wr_policy pol;
  wr_shape st;
  uint64_t off; /* stream offset of the next byte to cut */
  uint8_t *buf;
  size_t cap, head, len;
  lchunk *ch;
  size_t chcap, chhead, chlen;
  size_t chdone; /* bytes of the first chunk already written */
  wr_time stall_until;
  int stalled;
  int active;       /* a policy is set */
  int shut_pending; /* shutdown(write) once the queue is empty */
  int failed;       /* the kernel refused a write: queue dropped */
  int blocked;      /* the kernel's buffer is full: wait for EPOLLOUT */
} lshaper;

typedef struct lsock {
  int fd; /* -1 for a free entry */
  int listener;
  int orphan;          /* closed by the application, flushing its queue */
  uint32_t registered; /* epoll events currently asked for */
  int connected;       /* the kernel once said OUT (connect finished) */
  uint64_t sent;       /* bytes written before any shaping */
  lshaper *sh;
} lsock;

typedef struct ltimer {
  wr_time at;
  uint64_t id;
} ltimer;

typedef struct wr_loopback {
  wr_net base;
  wr_loopback_config cfg;
  int epfd;
  wr_prng rng;
  wr_time t0;
  lsock *s; /* by handle */
  int scap;
  lsock *orphans; /* closed sockets still flushing a shaper queue */
  int norphans, orphcap;
  ltimer *tm; /* a binary heap by (at, id) */
  size_t ntm, tmcap;
  uint8_t *tstate; /* per timer id: 1 armed, 2 done */
  uint64_t ntimers, tstcap;
} wr_loopback;

static inline wr_loopback *lb_of(wr_net *n) { return (wr_loopback *)n; }

wr_time wr_lb_clock_(wr_loopback *l);
void wr_lb_register_(wr_loopback *l, lsock *s, int h);

/* The shaper (loopback_shaper.c). */
/* Queues a prefix of the concatenated pieces as one send: the new bytes
 * are cut together, as one write is on simnet. */
long wr_lb_shaper_sendv_(wr_loopback *l, lsock *s, const wr_iovec *iov,
                         int iovcnt);
/* Writes due chunks of s (at most one per call); returns 1 if more are
 * due now, 0 otherwise. */
int wr_lb_shaper_flush_(wr_loopback *l, lsock *s);
/* The earliest time s has something to write, WR_TIME_NEVER if none. */
wr_time wr_lb_shaper_next_(const lsock *s);
int wr_lb_shaper_empty_(const lsock *s);
int wr_lb_shaper_room_(wr_loopback *l, const lsock *s);
void wr_lb_shaper_free_(lsock *s);
/* net.h's `queued` operation: the bytes in h's shaper queue. */
int wr_lb_queued_(wr_net *n, int h, size_t *bytes);

#endif
