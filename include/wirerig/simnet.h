/* simnet: a deterministic simulated TCP network behind the wr_net interface.
 *
 * A virtual clock (nanoseconds) and an event queue ordered by (time,
 * sequence number); no wall clock and no global state, so any number of
 * networks can live in one process. All randomness comes from the
 * network's own PRNG (prng.h), drawn in event order, so a seed and the same
 * sequence of calls give the same run -- the same trace hash -- on every
 * machine and compiler. docs/simnet.md describes the model.
 *
 * Use it through net.h (wr_net_listen, wr_net_send, wr_net_poll, ...); this
 * header adds what only a simulation can do: run the clock, set policies per
 * connection and direction, stall directions, inject faults, trace, and
 * export a run as pcap.
 */
#ifndef WIRERIG_SIMNET_H
#define WIRERIG_SIMNET_H

#include <stdint.h>
#include <stdio.h>

#include "wirerig/net.h"
#include "wirerig/policy.h"
#include "wirerig/prng.h"

#ifdef __cplusplus
extern "C" {
#endif

#define WR_SIMNET_DEFAULT_SNDBUF (64u * 1024u)
#define WR_SIMNET_DEFAULT_RCVBUF (128u * 1024u)
#define WR_SIMNET_MAX_BUF (64u * 1024u * 1024u)
/* net.core.wmem_max / rmem_max of a Linux machine left at its defaults:
 * the caps of SO_SNDBUF / SO_RCVBUF (wr_net_set_sockopt). */
#define WR_SIMNET_WMEM_MAX 212992u
#define WR_SIMNET_RMEM_MAX 212992u
/* Polls in a row that find ready events at one instant while nothing
 * changes between them, before wr_net_poll answers WR_LIVELOCK. Ready
 * events that are never served keep simulated time still for ever (a bug
 * of the caller: wirerig's socket layer or code on the transport); with
 * this bound the run ends with an error instead of hanging. Legitimate
 * loops change something on every pass, so the count never nears it. */
#define WR_SIMNET_SPIN_MAX (1u << 20)

typedef struct wr_simnet_config {
  uint64_t seed;
  uint32_t sndbuf; /* per endpoint send buffer, bytes (1..WR_SIMNET_MAX_BUF) */
  uint32_t rcvbuf; /* per endpoint receive buffer = the window */
  wr_policy c2s;   /* policy of new connections, client -> server */
  wr_policy s2c;   /* server -> client */
} wr_simnet_config;

/* seed 0, default buffers, whole segments, no delay. */
void wr_simnet_config_init(wr_simnet_config *cfg);

/* Creates a simulated network. 0, WR_EINVAL (bad config; message in err)
 * or WR_ENOMEM. */
int wr_simnet_create(const wr_simnet_config *cfg, wr_net **out, char *err,
                     size_t errlen);

/* Nonzero if n is a simnet: for harness/net and for tests of a transport.
 * Code above the interface does not ask (tests/layering/run.sh checks it):
 * every wr_simnet_* call below that returns an int answers WR_ENOTSUP for a
 * network that is not a simnet, so a caller tries the call and reports
 * that answer ("not supported on this transport"). */
int wr_simnet_is(const wr_net *n);

/* ---- the clock ---------------------------------------------------------- */

/* Processes every event due at or before `until` (WR_TIME_NEVER: until the
 * network is quiet); the clock ends at `until` when it is finite. Returns
 * the number of events processed. Ready handles are not reported: this is
 * for code that calls recv/send itself between runs. */
long wr_simnet_run(wr_net *n, wr_time until);
/* Processes the single next event; 1, or 0 if none is queued. */
int wr_simnet_step(wr_net *n);
/* Events waiting in the queue. */
size_t wr_simnet_pending(const wr_net *n);

/* ---- per connection and direction ---------------------------------------
 * "The direction of h" is the byte stream that h sends to its peer. These
 * are simnet's implementations of net.h's optional operations
 * (wr_net_set_policy, wr_net_set_bufsizes, wr_net_stall, wr_net_release),
 * which code that runs on any transport calls instead. */

/* Segmentation and delay for the direction of h, from the next cut on. */
int wr_simnet_set_policy(wr_net *n, int h, const wr_policy *p);
/* Buffer sizes of h's endpoint (send buffer of its direction, receive
 * buffer = window of the opposite one). 0 leaves a size unchanged. Sizes
 * already exceeded by queued bytes take effect as the queue drains. */
int wr_simnet_set_bufsizes(wr_net *n, int h, uint32_t sndbuf, uint32_t rcvbuf);
/* Holds the direction of h: nothing is delivered until `until` (absolute
 * virtual time), or until wr_simnet_release when until is WR_TIME_NEVER.
 * Segments already cut keep their order and arrive after the stall. */
int wr_simnet_stall(wr_net *n, int h, wr_time until);
int wr_simnet_release(wr_net *n, int h);

/* ---- fault injection (below the interface) ------------------------------ */

/* Resets the connection of h as a middlebox would (an RST to both ends,
 * undelivered bytes lost) once `bytes` of h's direction have been
 * delivered. */
int wr_simnet_fault_reset_after(wr_net *n, int h, uint64_t bytes);
/* The same at absolute virtual time `at`. */
int wr_simnet_fault_reset_at(wr_net *n, int h, wr_time at);
/* Drops the connection of h silently: from now on nothing is delivered in
 * either direction and neither end is told (a pulled cable). */
int wr_simnet_fault_drop(wr_net *n, int h);
/* The next `count` connection attempts to listener lh are refused with an
 * RST (count < 0: all, until called again with 0). */
int wr_simnet_fault_refuse(wr_net *n, int lh, int count);
/* Each send on h takes at most max_bytes (0: no limit): forced short
 * writes. */
int wr_simnet_fault_short_writes(wr_net *n, int h, uint32_t max_bytes);
/* The next `count` calls of send (how = WR_SHUT_WR) or recv (WR_SHUT_RD)
 * on h return WR_EAGAIN whatever the buffers hold: a would-block storm. */
int wr_simnet_fault_eagain(wr_net *n, int h, int how, uint32_t count);

/* ---- the trace -------------------------------------------------------- */

typedef enum wr_trace_kind {
  WR_TR_CONNECT = 1, /* a: client port, b: server port */
  WR_TR_SYN,         /* SYN arrived at the listener */
  WR_TR_REFUSED,     /* SYN answered with RST */
  WR_TR_SYN_DROP,    /* SYN dropped, accept queue full */
  WR_TR_ESTABLISHED, /* dir 0: client side, 1: server side */
  WR_TR_ACCEPT,
  WR_TR_WRITE,    /* a: stream offset, b: bytes taken */
  WR_TR_SEGMENT,  /* a: stream offset, b: bytes delivered */
  WR_TR_READ,     /* a: stream offset, b: bytes read */
  WR_TR_FIN,      /* FIN delivered; a: stream length */
  WR_TR_RST,      /* RST delivered to the receiver of dir */
  WR_TR_DISCARD,  /* a: stream offset, b: bytes of dir lost to a reset */
  WR_TR_SHUTDOWN, /* a: how */
  WR_TR_CLOSE,    /* a: 1 if it sent an RST */
  WR_TR_TIMER,    /* a: timer id */
  WR_TR_FAULT,    /* a: fault kind */
  WR_TR_TIMEOUT,  /* connect gave up */
} wr_trace_kind;

typedef struct wr_trace_rec {
  wr_time time;
  uint32_t kind; /* wr_trace_kind */
  uint32_t conn; /* connection id, from 1 in creation order; 0 for timers */
  uint32_t dir;  /* 0: client -> server, 1: server -> client */
  uint64_t a, b;
} wr_trace_rec;

/* The hash of every event so far (docs/simnet.md gives the function). */
uint64_t wr_simnet_trace_hash(const wr_net *n);
/* Keeps trace records in memory from now on (off by default). */
int wr_simnet_trace_keep(wr_net *n, int on);
size_t wr_simnet_trace_count(const wr_net *n);
const wr_trace_rec *wr_simnet_trace_get(const wr_net *n, size_t i);
const char *wr_trace_kind_name(uint32_t kind);
/* Prints the kept records, one per line. */
void wr_simnet_trace_dump(const wr_net *n, FILE *out);

/* Connection id and side (0 client, 1 server) of a connection handle:
 * wr_net_conn_id on a simnet. */
int wr_simnet_conn_id(wr_net *n, int h, uint32_t *conn, int *side);

/* Byte accounting of one direction (conn id, dir), kept for the whole
 * life of the network: written = read + discarded + still queued. */
typedef struct wr_simnet_dirstats {
  uint64_t written, delivered, read, discarded, queued;
  int fin_delivered, rst;
} wr_simnet_dirstats;
int wr_simnet_dirstats_get(wr_net *n, uint32_t conn, int dir,
                           wr_simnet_dirstats *out);
/* Connections created so far (ids run 1..count). */
uint32_t wr_simnet_conn_count(const wr_net *n);

/* ---- the packet hook ---------------------------------------------------- */

/* TCP header flags of a wr_sim_packet. */
enum {
  WR_TCPF_FIN = 0x01,
  WR_TCPF_SYN = 0x02,
  WR_TCPF_RST = 0x04,
  WR_TCPF_PSH = 0x08,
  WR_TCPF_ACK = 0x10
};

/* One segment as it would appear on the wire: SYN, SYN-ACK, ACK, data, FIN
 * or RST, with consistent sequence and acknowledgement numbers (from a
 * per-connection ISN), stamped with the virtual time it arrived. Data comes
 * in at most two pieces (p1, p2) because it sits in a ring. */
typedef struct wr_sim_packet {
  wr_time at;
  const wr_addr *src, *dst;
  uint8_t flags; /* WR_TCPF_* */
  uint32_t seq, ack;
  const uint8_t *p1, *p2;
  size_t l1, l2;
} wr_sim_packet;

/* Called with each packet; with pkt NULL once, when the hook is replaced or
 * the network is destroyed, so its owner can flush and free ctx. */
typedef void (*wr_sim_packet_fn)(void *ctx, const wr_sim_packet *pkt);

/* Installs fn (NULL removes the hook). simnet itself writes no files: the
 * pcap export lives in wirerig::capture (wr_pcap_export_open, pcap.h) so
 * that the network library does not link libpcap. 0 or WR_ENOTSUP. */
int wr_simnet_packet_hook(wr_net *n, wr_sim_packet_fn fn, void *ctx);
/* The installed hook's context when its function is fn, else NULL. */
void *wr_simnet_packet_hook_ctx(const wr_net *n, wr_sim_packet_fn fn);

#ifdef __cplusplus
}
#endif
#endif
