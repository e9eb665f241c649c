/* loopback: real non-blocking TCP sockets on 127.0.0.1 and ::1 behind the
 * wr_net interface (net.h), with epoll.
 *
 * Same handles, same result codes, same readiness bits as simnet; the
 * kernel decides what happens. Addresses other than 127.0.0.0/8 and ::1 are
 * refused unless the configuration allows them, so a test can never reach
 * the outside by mistake. Ports are ephemeral unless named.
 *
 * The shaper applies simnet's segmentation and delay policies (policy.h) to
 * what a socket sends: bytes go into a queue, are cut by the policy and
 * written chunk by chunk with TCP_NODELAY at the times the policy gives,
 * waiting in real time, so that the peer's kernel delivers partial reads
 * too. At most one chunk per socket is written per wr_net_poll call, so a
 * reader in the same event loop sees every boundary of a schedule whose
 * chunks are due at once. The queue is the socket's send buffer as far as
 * the interface shows: send takes what fits (short writes, WR_EAGAIN) and
 * WR_EV_OUT means the queue has room. shutdown(write) and close wait until
 * the queue has been written (the handle is released at once); abort
 * discards it.
 */
#ifndef WIRERIG_LOOPBACK_H
#define WIRERIG_LOOPBACK_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/net.h"
#include "wirerig/policy.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WR_LOOPBACK_SHAPER_QUEUE (256u * 1024u)

typedef struct wr_loopback_config {
  uint64_t seed;         /* for random segment sizes and jitter */
  int allow_any_addr;    /* nonzero: accept addresses beyond loopback */
  uint32_t sndbuf;       /* SO_SNDBUF for new sockets, 0 = kernel default */
  uint32_t rcvbuf;       /* SO_RCVBUF for new sockets, 0 = kernel default */
  uint32_t shaper_queue; /* bytes a shaped socket queues, 0 = default */
} wr_loopback_config;

void wr_loopback_config_init(wr_loopback_config *cfg);

/* Creates the transport (an epoll instance). 0, WR_EINVAL with a message,
 * or a mapped errno. */
int wr_loopback_create(const wr_loopback_config *cfg, wr_net **out, char *err,
                       size_t errlen);

/* Nonzero if n is a loopback transport: for harness/net and for tests of
 * a transport; code above the interface does not ask (tests/layering/
 * run.sh). The int calls below answer WR_ENOTSUP for any other network. */
int wr_loopback_is(const wr_net *n);

/* The kernel socket behind a handle (-1 if none), for tests. */
int wr_loopback_fd(wr_net *n, int h);

/* The calls below are loopback's implementations of net.h's optional
 * operations (wr_net_set_policy, wr_net_stall, wr_net_release,
 * wr_net_queued), which code that runs on any transport calls instead. */

/* Shapes what h sends from now on (NULL: stop shaping once the queue is
 * empty). Enables TCP_NODELAY on the socket. */
int wr_loopback_set_policy(wr_net *n, int h, const wr_policy *p);
/* Holds h's shaped output until `until` (WR_TIME_NEVER: until released). */
int wr_loopback_stall(wr_net *n, int h, wr_time until);
int wr_loopback_release(wr_net *n, int h);
/* Bytes waiting in h's shaper queue. */
size_t wr_loopback_queued(wr_net *n, int h);

#ifdef __cplusplus
}
#endif
#endif
