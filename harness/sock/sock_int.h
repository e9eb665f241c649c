/* Internals of the gen_tcp socket model, shared by the files of
 * harness/sock/. Not installed. */
#ifndef WIRERIG_SOCK_INT_H
#define WIRERIG_SOCK_INT_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/sock.h"
#include "wirerig/stream.h"

struct wr_mailbox {
  wr_sockenv *env;
  wr_msg *msgs; /* a ring: len messages from head */
  size_t head, len, cap;
  size_t bytes, peak;
};

struct wr_sock {
  wr_sockenv *env;
  int id;
  int h; /* transport handle, -1 once released */
  int listener, connecting, accepting;
  wr_mailbox *owner;

  /* options */
  int active; /* WR_ACTIVE_* */
  int count;  /* the {active, N} counter, signed 16-bit */
  wr_packet_type packet;
  uint32_t packet_size;
  uint8_t delimiter;
  int64_t buffer; /* as set; the stream holds the effective value */
  uint32_t header;
  int exit_on_close, show_econnreset, send_timeout_close, delay_send;
  int nodelay, reuseaddr, backlog;
  int64_t send_timeout; /* ms, or WR_SEND_TIMEOUT_INFINITY */
  uint32_t high, low;
  int linger_on;
  int64_t linger_s;
  int buffer_user; /* `buffer` was set: recbuf no longer raises it */
  /* Kernel options (sndbuf, recbuf, priority, tos, nodelay) set but not
   * yet handed to the transport: a bit per wr_net_sockopt, the 32-bit
   * value inet encodes in netval. */
  unsigned net_pending, net_set; /* net_set: ever set */
  int net_val[5];

  wr_stream rx;

  /* receive-side state (semantics §4.3) */
  int port_closed; /* the port is gone: everything returns closed */
  int fd_closed;   /* descriptor closed, port alive: enotconn */
  /* inet_drv's delayed reports (TCP_ADDF_DELAYED_*): after the descriptor
   * closed, the next send says closed (dcs) and the next recv says closed
   * (dcr) instead of enotconn; with der, econnreset instead of closed
   * (semantics §4.3). */
  int dcs, dcr, der;
  int rd_done;    /* end of stream seen; rd_reason says how */
  int rd_reason;  /* WR_CLOSED, WR_ECONNRESET */
  int closed_msg; /* tcp_closed was sent */
  /* Active, after a framing error with exit_on_close false: nothing is
   * delivered until setopts arms the socket again (sock_recv.c). */
  int paused;
  /* The close was reported (tcp_closed, or a passive recv's closed) and
   * exit_on_close is false: the read side is done (inet_drv's
   * desc_close_read), nothing is read or delivered until a setopts
   * changes the active mode or a passive recv reads again. */
  int rd_closed;
  int in_recv;     /* a recv is waiting for this socket */
  int send_answer; /* a write of ours failed: what it answered (< 0) */

  /* send side (semantics §5.3, §5.4): qlen bytes queued, the first
   * qlen - blen of them at q + qoff; the last blen are borrowed at bq, the
   * payload of a send waiting in wr_sock_send (sock_send.c) */
  uint8_t *q;
  size_t qoff, qlen, qcap;
  const uint8_t *bq;
  size_t blen;
  int busy;
  int shut_pending; /* WR_SHUT_* postponed until the queue is empty */
  int wr_shut;      /* shutdown(write) done */
  /* ... by the postponed path, once the queue drained: only then does
   * inet_drv set TCP_ADDF_SHUTDOWN_WR_DONE, which keeps a later EPIPE
   * from counting as a reset (OTP 25 sets it after an immediate shutdown
   * only when that failed). */
  int wr_shut_done;
  /* The owner exited with data queued (wr_sock_owner_exit): the port is
   * closed for every caller, and the descriptor closes once the loop has
   * written the queue out. */
  int exit_flush;
};

/* The most an `active true` socket reads in one call (sock_recv.c): one
 * call takes what a sender typically writes between two turns of the
 * event loop, and a read never takes more storage than eight 16 KiB
 * packets, the most a held packet of that size may pin. */
#define WR_SOCK_READ_AHEAD (128u * 1024u)

#define WR_MSG_CACHE 64
#define WR_MSG_CACHE_MAX (1u << 20) /* larger buffers are not kept */
/* Buffers of the smallest size (WR_MSG_SMALL bytes) are kept apart, in a
 * list taken and given in O(1), up to this many: a turn of 64-byte
 * messages keeps a couple of thousand in flight, which the 64 slots above
 * could not hold, and malloc and free then cost a quarter of a message's
 * time on simnet (bench_sock). At most 4096 * 80 bytes stay allocated. */
#define WR_MSG_SMALL 64
#define WR_MSG_SMALL_CACHE 4096

struct wr_sockenv {
  wr_net *net;
  wr_sock **socks; /* by id */
  int nsocks, capsocks;
  wr_sock **by_handle; /* by transport handle */
  int caph;
  wr_mailbox **boxes;
  int nboxes, capboxes;
  /* Message buffers given back by wr_msg_free, reused by the next
   * messages: freeing and allocating a packet-sized block per message
   * made glibc trim and re-fault the heap top, a third of the time of a
   * 16 KiB flood (bench_sock). */
  void *cache[WR_MSG_CACHE];
  int ncache;
  wr_sock_sched sched; /* wr_sockenv_set_sched; yield NULL: none */
  void *small; /* the list of WR_MSG_SMALL buffers, linked through data */
  size_t nsmall;
  wr_sock_limits limits; /* wr_sockenv_set_limits */
  wr_sock_limit_hit hit; /* the first limit met */
  /* Last, and never zeroed (wr_sockenv_create clears only what comes
   * before it): clearing 64 KiB per environment was a fifth of a
   * stateful fuzz case under ASan (bench_statefuzz). */
  uint8_t scratch[64 * 1024];
};

/* mailbox.c */
/* A message data buffer of at least len bytes (from the cache when one
 * fits); NULL on ENOMEM. */
uint8_t *wr_msgbuf_get_(wr_sockenv *env, size_t len);
/* Frees the buffers kept for reuse (wr_sockenv_destroy). */
void wr_msgbuf_clear_(wr_sockenv *env);
int wr_mailbox_push_(wr_mailbox *mb, const wr_msg *m);
/* wr_mailbox_push_ of {tcp, S, Data} with a copy of the len bytes at p,
 * built in place: the path of every small packet. */
int wr_mailbox_push_copy_(wr_mailbox *mb, wr_sock *s, const uint8_t *p,
                          size_t len);
void wr_mailbox_free_(wr_mailbox *mb);
/* Moves the messages of s from `from` to the end of `to`, in order. */
int wr_mailbox_move_(wr_mailbox *from, wr_mailbox *to, const wr_sock *s);

/* sock_env.c: the one wait of the socket layer. Runs the event loop until
 * done(ctx) (NULL: never), the deadline, or a network on which nothing
 * more can happen; 0 when done, WR_TIMEOUT, or a transport error. */
typedef int (*wr_sock_cond_fn)(void *ctx);
int wr_sock_wait_(wr_sockenv *env, wr_time deadline, wr_sock_cond_fn done,
                  void *ctx);
wr_time wr_sock_deadline_(wr_sockenv *env, long timeout_ms);

/* sock_env.c: records the first limit met (later ones are consequences)
 * and returns the error the call that met it returns. */
int wr_sock_limit_met_(wr_sockenv *env, const wr_sock_limit_hit *hit);
/* rc as it is; a resource of the system the harness ran out of (WR_EMFILE,
 * WR_ENFILE, WR_ENOMEM) is recorded as a SYSTEM limit first. */
int wr_sock_system_(wr_sockenv *env, int rc);

/* sock_env.c */
void wr_sock_watch_(wr_sock *s);
/* Releases the transport handle (abort: with an RST) and the send queue. */
void wr_sock_release_(wr_sock *s, int abort);
/* Closes the port: every later call returns closed. */
void wr_sock_close_port_(wr_sock *s, int abort);
/* A message for the owner: tcp data (copied) or a message without data;
 * http lines go through sock_recv.c, which hands their parse on too. */
int wr_sock_post_(wr_sock *s, wr_msg_kind kind, int reason, const uint8_t *p,
                  size_t len);

/* Hands the kernel options set since the last push to the transport. */
int wr_sock_push_net_(wr_sock *s);
/* sock_opts.c: checks and applies an option list as the call of that kind
 * does (listen: backlog allowed; listen and connect: the last occurrence
 * of an option wins, setopts: the first). 0 or WR_EINVAL with nothing
 * applied. */
typedef enum wr_sock_list_kind {
  WR_SOCK_LIST_SETOPTS,
  WR_SOCK_LIST_LISTEN,
  WR_SOCK_LIST_CONNECT
} wr_sock_list_kind;
int wr_sock_apply_list_(wr_sock *s, const wr_sockopt *opts, size_t n,
                        wr_sock_list_kind kind);

/* sock_recv.c */
/* An input event (IN / HUP / ERR) for a connection. */
void wr_sock_input_(wr_sock *s, uint32_t events);
/* Delivers buffered packets to an active socket's owner (after a read or
 * when the socket is armed); reports the close once the stream ended. */
void wr_sock_deliver_(wr_sock *s);
/* The connection failed under a send (EPIPE, ECONNRESET). */
void wr_sock_fail_io_(wr_sock *s, int err);
/* inet_drv's tcp_send_or_shutdown_error: a write met err; caller: a send
 * is there to answer. Reports it as gen_tcp does and closes the descriptor
 * (or, active with exit_on_close, the port); returns the send's answer. */
int wr_sock_send_failed_(wr_sock *s, int err, int caller);
/* What an active socket is owed at a close: {tcp_error, S, econnreset}
 * when with_reset, then tcp_closed unless it was posted (once per port). */
void wr_sock_post_closed_(wr_sock *s, int with_reset);
/* inet_drv's tcp_desc_close: the descriptor goes (input and output
 * discarded), the port stays: later calls are not connected. */
void wr_sock_desc_close_(wr_sock *s);
/* The socket was made active: deliver, or report a close seen earlier.
 * rearm: the active mode changed (false, true, once, N), which is what
 * makes inet_drv read again after a read-side close or a pause;
 * active_set: an active option was applied (on a closed descriptor it
 * posts the close). */
void wr_sock_armed_(wr_sock *s, int rearm, int active_set);

/* sock_send.c */
void wr_sock_flush_(wr_sock *s);

#endif
