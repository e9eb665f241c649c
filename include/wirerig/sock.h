/* wirerig sockets: gen_tcp's socket model (inet_drv) over a wirerig
 * transport (net.h), on simnet and on loopback alike.
 *
 * A wr_sockenv owns every socket on one transport and runs its event loop.
 * A wr_mailbox stands for an Erlang process: active sockets deliver their
 * messages into their owner's mailbox, in order, as the driver does --
 * `tcp` / `http` data, `tcp_closed`, `tcp_error` with a reason,
 * `tcp_passive`. Everything is single-threaded: a call that blocks in
 * gen_tcp (recv with a timeout, a send held at the high watermark, close
 * draining the queue, a mailbox read) runs the transport's event loop until
 * its condition holds or its deadline passes -- in virtual time on simnet,
 * in real time on loopback. While it waits, every other socket of the
 * environment keeps working as its driver would: active sockets read and
 * fill their owners' mailboxes, send queues drain; passive sockets leave
 * their data in the kernel.
 *
 * Results are 0 / positive counts, or a negative wr_err whose name is
 * gen_tcp's atom (wr_err_name): closed, timeout, einval, emsgsize,
 * econnreset, enotconn, ealready, enomem, ... docs/semantics.md §4 and
 * §5 are the specification; docs/sockets.md describes the model.
 *
 * A wr_sock stays valid until its environment is destroyed, so using a
 * closed socket returns `closed` instead of touching freed memory.
 */
#ifndef WIRERIG_SOCK_H
#define WIRERIG_SOCK_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/framing.h"
#include "wirerig/mailbox.h"
#include "wirerig/net.h"
#include "wirerig/sockopt.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Timeouts are in milliseconds, as in gen_tcp; this is `infinity`. On a
 * quiet simnet an infinite wait can never end and returns WR_TIMEOUT at
 * once (nothing is left to happen). */
#define WR_SOCK_INFINITY (-1L)

/* recv lengths above this return WR_ENOMEM, as prim_inet does. */
#define WR_SOCK_MAX_RECV (64u * 1024u * 1024u)

typedef struct wr_sockenv wr_sockenv;
typedef struct wr_sock wr_sock;

/* ---- the environment --------------------------------------------------- */

/* Wraps a transport; the environment does not own it (destroy it after the
 * environment). 0 or WR_ENOMEM. */
int wr_sockenv_create(wr_net *net, wr_sockenv **out);
/* Frees every socket and mailbox of the environment; open sockets are
 * aborted at the transport without further messages. */
void wr_sockenv_destroy(wr_sockenv *env);
wr_net *wr_sockenv_net(wr_sockenv *env);

/* Runs the event loop for `ms` milliseconds (0: handle what is ready now),
 * as time passing while no call blocks. Returns 0 or a negative wr_err. */
int wr_sockenv_run(wr_sockenv *env, long ms);

/* Mailboxes (the controlling processes): mailbox.h. */

/* ---- cooperative processes ------------------------------------------------
 * A caller that runs several gen_tcp "processes" on one environment (the
 * runner's `spawn`) lets every wait of the environment hand control to the
 * others instead of running the event loop at once: a process blocked in
 * accept, recv, send, close or a mailbox read lets the others run, and the
 * event loop (the simnet clock) moves only when every process waits.
 *
 * A wait whose condition does not hold calls killed(ctx) first: non-zero
 * ends the wait with that code (the process is gone, its call returns).
 * Then yield(ctx, own, first, &until): 1 means other processes ran (the
 * condition is looked at again, nothing else happens); 0 means every
 * process waits, so this one runs the event loop until `until` -- the
 * earliest deadline of all the waits, never later than `own`. first is 1
 * on a wait's first call: the process acted since its last wait (closed a
 * socket another one waits on ...), so the others must look again. */
typedef struct wr_sock_sched {
  int (*killed)(void *ctx);
  int (*yield)(void *ctx, wr_time own, int first, wr_time *until);
  void *ctx;
} wr_sock_sched;
/* Installs (a copy) or, with NULL, removes the hooks. */
void wr_sockenv_set_sched(wr_sockenv *env, const wr_sock_sched *sched);

/* Runs the event loop until done(ctx) holds (0), timeout_ms passes
 * (WR_TIMEOUT; WR_SOCK_INFINITY: no timeout) or nothing more can happen
 * (WR_TIMEOUT): the wait of the socket calls, for a condition of the
 * caller's (a process awaiting another). */
int wr_sockenv_wait(wr_sockenv *env, long timeout_ms, int (*done)(void *ctx),
                    void *ctx);

/* ---- harness limits ------------------------------------------------------
 * Bounds a harness sets on an environment so that a flooding peer, a send
 * loop or a peer that never answers ends a run with a report instead of
 * growing without end or waiting forever. gen_tcp has no such limits (an
 * Erlang mailbox grows until the VM runs out of memory): they are the
 * harness's, and a run that meets one is the harness's ERROR, not a
 * verdict about the code under test. All are off by default. */
typedef struct wr_sock_limits {
  /* One mailbox's data bytes: a message that would take it past this is
   * not delivered, the limit is recorded, and the socket stops reading. */
  size_t mailbox_bytes;
  /* One socket's send queue (bytes gen_tcp:send queued in the driver):
   * a send that would pass it queues nothing and returns WR_ENOMEM. */
  size_t queue_bytes;
  /* Transport time (wr_net_now) at which every wait of the environment
   * ends; 0: none. On loopback that is the real clock. */
  wr_time deadline;
} wr_sock_limits;

typedef enum wr_sock_limit_kind {
  WR_SOCK_LIMIT_NONE = 0,
  WR_SOCK_LIMIT_MAILBOX,
  WR_SOCK_LIMIT_QUEUE,
  WR_SOCK_LIMIT_DEADLINE,
  /* Not a limit set here but one of the system's the harness met: the
   * process or the system out of descriptors (WR_EMFILE, WR_ENFILE) or
   * memory (WR_ENOMEM) where the environment needed one. gen_tcp would
   * return the same atom, but what it says is about the machine running
   * the test, not about the code under test. */
  WR_SOCK_LIMIT_SYSTEM,
  /* Not a limit either: the transport said the event loop spun
   * (WR_LIVELOCK, wr_net_poll), ready events that no socket served. A bug
   * of the socket layer, never of the code under test; the run cannot go
   * on, so it ends here rather than hang. */
  WR_SOCK_LIMIT_LIVELOCK
} wr_sock_limit_kind;

/* The first limit met: which, where, and the size it had reached. */
typedef struct wr_sock_limit_hit {
  wr_sock_limit_kind kind;
  const wr_mailbox *mailbox; /* MAILBOX */
  const wr_sock *sock;       /* MAILBOX: the socket delivering; QUEUE */
  size_t bytes;              /* MAILBOX: bytes waiting; QUEUE: bytes queued */
  size_t messages;           /* MAILBOX: messages waiting */
  size_t adding;             /* the bytes that would have passed the limit */
  int err;                   /* SYSTEM: WR_EMFILE, WR_ENFILE or WR_ENOMEM */
} wr_sock_limit_hit;

/* Sets the limits (a copy). 0 or WR_EINVAL. */
int wr_sockenv_set_limits(wr_sockenv *env, const wr_sock_limits *lim);
/* 1 and *out filled once a limit was met (the first one is kept; from then
 * on every wait of the environment returns at once, WR_ENOMEM for a size
 * limit, WR_TIMEOUT for the deadline, the error for SYSTEM, and active
 * sockets stop reading), else 0. SYSTEM is recorded whatever the limits
 * set (none need be). */
int wr_sockenv_limit_hit(const wr_sockenv *env, wr_sock_limit_hit *out);

/* ---- connecting --------------------------------------------------------- */

/* gen_tcp:listen. addr NULL: 127.0.0.1 with an ephemeral port. The options
 * (backlog, and every socket option, inherited by accepted sockets) are
 * checked first: WR_EINVAL for a bad one. */
int wr_sock_listen(wr_sockenv *env, wr_mailbox *owner, const wr_addr *addr,
                   const wr_sockopt *opts, size_t nopts, wr_sock **out);
/* gen_tcp:accept: the new socket, owned by `owner`, with the listener's
 * options. WR_TIMEOUT, WR_CLOSED (listener closed), WR_EINVAL. */
int wr_sock_accept(wr_sock *ls, wr_mailbox *owner, long timeout_ms,
                   wr_sock **out);
/* gen_tcp:connect. WR_ECONNREFUSED, WR_TIMEOUT, WR_EINVAL. */
int wr_sock_connect(wr_sockenv *env, wr_mailbox *owner, const wr_addr *addr,
                    const wr_sockopt *opts, size_t nopts, long timeout_ms,
                    wr_sock **out);
/* The listening address (port chosen by the system included). */
int wr_sock_sockname(wr_sock *s, wr_addr *out);
/* inet:peername: the connected peer's address; WR_ENOTCONN on a listener,
 * WR_EINVAL once the port is closed (as wr_sock_sockname). */
int wr_sock_peername(wr_sock *s, wr_addr *out);

/* ---- data --------------------------------------------------------------- */

/* gen_tcp:send: frames the payload for packet 1/2/4 (size modulo 2^8/2^16
 * /2^32, never checked) and queues it; returns once queued. Blocks at the
 * high watermark as semantics §5.3 says; WR_TIMEOUT leaves the data
 * queued. */
int wr_sock_send(wr_sock *s, const void *data, size_t len);

/* One received packet: bytes for `tcp`, and the parsed line for `http`. */
typedef struct wr_sock_data {
  uint8_t *data; /* malloc'd, freed by wr_sock_data_free */
  size_t len;
  int is_http;
  int http_bin; /* parsed as http_bin / httph_bin: strings are binaries */
  /* is_http: the line as the socket's framing parsed it, its spans
   * pointing into data (valid until wr_sock_data_free). The line is parsed
   * once, when it is framed: nothing downstream parses it again. */
  wr_http_packet http;
} wr_sock_data;
void wr_sock_data_free(wr_sock_data *d);

/* gen_tcp:recv(S, length, timeout). WR_EINVAL on an active socket or with
 * a length in a packet mode, WR_ENOMEM over 64 MiB, WR_TIMEOUT (received
 * bytes are kept), WR_CLOSED, WR_ECONNRESET, WR_EMSGSIZE, WR_ENOTCONN. */
int wr_sock_recv(wr_sock *s, size_t length, long timeout_ms, wr_sock_data *out);

/* gen_tcp:shutdown; how is WR_SHUT_RD / WR_SHUT_WR / WR_SHUT_RDWR. */
int wr_sock_shutdown(wr_sock *s, int how);
/* gen_tcp:close: waits for the send queue under the linger rules. Closing
 * twice returns 0 (the port is gone, as in Erlang's close). */
int wr_sock_close(wr_sock *s);
/* gen_tcp:controlling_process: moves the socket, and its messages still
 * waiting in the old owner's mailbox, to mb. */
int wr_sock_controlling_process(wr_sock *s, wr_mailbox *mb);
wr_mailbox *wr_sock_owner(const wr_sock *s);
/* The owner process exited: the port closes at once for every caller,
 * as a linked port does; what the driver still queues is written out by
 * the event loop (no call waits for it), then the FIN follows; with
 * {linger,{true,0}} an RST and the queue is dropped. The peer sees the
 * close. 0; closing twice is 0. */
int wr_sock_owner_exit(wr_sock *s);

/* ---- options ------------------------------------------------------------ */

/* inet:setopts: applies the list as gen_tcp does (the first occurrence of
 * an option wins). WR_EINVAL, with nothing applied, for an unknown option,
 * a value out of range or an option that does not fit the socket. */
int wr_sock_setopts(wr_sock *s, const wr_sockopt *opts, size_t n);
/* inet:getopts for one option; opt->name chooses it. */
int wr_sock_getopt(wr_sock *s, wr_sockopt *opt);

/* ---- observation --------------------------------------------------------- */

/* Bytes in the user-level send queue (the driver queue). */
size_t wr_sock_queued(const wr_sock *s);
/* Bytes received into the driver buffer and not yet delivered. */
size_t wr_sock_buffered(const wr_sock *s);
/* A short name for messages: "sock#3". */
int wr_sock_id(const wr_sock *s);
/* The transport handle (-1 once the descriptor is closed). */
int wr_sock_handle(const wr_sock *s);

/* Which directions a socket can still use (wr_sock_state, types.h). Both
 * directions ended counts as WR_SOCK_CLOSED. The end of the peer's stream is
 * seen when the socket reads it: at once for an active socket, at the next recv
 * for a passive one (the driver reads only on demand). */
wr_sock_state wr_sock_get_state(const wr_sock *s);

#ifdef __cplusplus
}
#endif
#endif
