/* Internal state of simnet, shared by simnet.c (the engine), simnet_ctl.c
 * (policies, faults, trace, stats). */
#ifndef WIRERIG_HARNESS_SIMNET_INT_H
#define WIRERIG_HARNESS_SIMNET_INT_H

#include "shape.h"
#include "wirerig/simnet.h"

/* TCP states, as Linux names them. */
enum {
  ST_CLOSED = 0,
  ST_SYN_SENT,
  ST_SYN_RCVD, /* server side between SYN and the final ACK */
  ST_ESTABLISHED,
  ST_FIN_WAIT1,
  ST_FIN_WAIT2,
  ST_CLOSE_WAIT,
  ST_CLOSING,
  ST_LAST_ACK,
  ST_TIME_WAIT,
};

/* sk_shutdown bits. */
enum { RCV_SHUT = 1, SEND_SHUT = 2 };

enum { SEG_FIN = 1, SEG_RST = 2 };

typedef struct seg {
  wr_time at;   /* arrival time */
  uint64_t end; /* stream offset after the segment's bytes */
  uint32_t ack; /* opposite stream position when it was sent (pcap) */
  uint32_t flags;
} seg;

typedef struct sconn sconn;

/* One direction of a connection: the byte stream from ep[idx] to
 * ep[1 - idx]. All bytes not yet read live in one ring, at their stream
 * offsets: [rd, dlv) delivered and unread (the receiver's queue),
 * [dlv, snt) in flight, [snt, wr) waiting to be cut (the sender's queue
 * is [dlv, wr)). */
typedef struct sdir {
  sconn *conn;
  uint8_t idx;
  uint8_t in_heap;
  uint8_t fin_pending; /* shutdown(write) asked: FIN goes after byte wr */
  uint8_t fin_sent;
  uint8_t fin_dlv;
  uint8_t rst_sent;
  uint8_t stalled; /* held until released */
  uint8_t *buf;
  uint64_t cap; /* power of two, or 0 before the first byte */
  uint64_t rd, dlv, snt, wr;
  seg *q;
  uint32_t qcap, qhead, qlen;
  uint32_t policy; /* index into the network's policy table */
  uint32_t sndbuf, rcvbuf;
  wr_shape shape;
  wr_time stall_until;
  uint64_t reset_after; /* UINT64_MAX: no fault */
} sdir;

typedef struct sep {
  int handle; /* -1 once closed (an orphan) or before accept */
  uint8_t state;
  uint8_t shut;
  uint8_t done;   /* FIN received (SOCK_DONE) */
  uint8_t closed; /* the application closed it */
  int err;        /* pending socket error, 0 or a negative wr_err */
  wr_addr addr;
  uint32_t short_write_max;
  uint32_t eagain_send, eagain_recv;
  int tos, priority, nodelay; /* wr_net_set_sockopt's records */
} sep;

struct sconn {
  uint32_t id;
  uint8_t dropped;
  uint8_t in_acceptq;
  uint8_t syn_tries;
  uint8_t dead;         /* freed at the next chance */
  uint32_t listener_id; /* the listener holding a SYN slot, 0 = none */
  int refs;             /* queued events that point at this connection */
  uint32_t isn[2];
  wr_time syn_first;
  sep ep[2];
  sdir d[2];
  sconn *next, *prev; /* all connections */
  sconn *accept_next; /* the listener's accept queue */
};

typedef struct slisten {
  uint32_t id;
  int handle;
  int backlog;
  int qlen, syn_pending;
  int refuse;
  wr_addr addr;
  sconn *qhead, *qtail;
  /* Kernel options set on the listener, for the connections it accepts
   * (Linux copies them into each new socket): a bit per wr_net_sockopt
   * in `set`, the value in `opt`. */
  unsigned set;
  int opt[5];
} slisten;

typedef struct hent {
  sconn *c;
  slisten *l;
  uint8_t side;
  uint8_t in_cand;
} hent;

typedef struct sev {
  wr_time at;
  uint64_t seq;
  uint32_t kind;
  void *p;
  uint64_t arg;
} sev;

typedef struct cstat {
  wr_simnet_dirstats d[2];
} cstat;

typedef struct wr_simnet {
  wr_net base;
  wr_simnet_config cfg;
  wr_time now;
  uint64_t seq;
  wr_prng rng;

  sev *ev;
  size_t nev, evcap;

  hent *h;
  int hcap;

  int *cand;
  int ncand, candcap;

  uint64_t *fired;
  size_t nfired, firedcap;
  uint8_t *tstate; /* per timer id: 0 unused, 1 armed, 2 done */
  uint64_t ntimers, tcap;

  slisten **ls;
  int nls, lscap;
  uint32_t next_lid;

  wr_policy *pol;
  uint32_t npol, polcap;

  sconn *conns;
  uint32_t nconn;
  cstat *st;
  uint32_t stcap;

  uint16_t next_port;

  uint64_t hash;
  int keep;
  wr_trace_rec *tr;
  size_t ntr, trcap;

  /* The spin guard (sim_poll, WR_SIMNET_SPIN_MAX). `moves` counts every
   * change a caller could see: an event scheduled or stepped, a trace
   * record, a readiness candidate touched, an error or a fault count
   * consumed, a control call. A poll that finds ready events at the
   * instant of the previous one with no move between is one more spin. */
  uint64_t moves, spin_moves;
  wr_time spin_now;
  uint32_t spins;

  /* The packet hook (wr_simnet_packet_hook): every segment as it would
   * appear on the wire, for exporters such as wirerig::capture's pcap
   * writer. NULL when nobody listens, so the engine skips the work. */
  wr_sim_packet_fn pkt_fn;
  void *pkt_ctx;
} wr_simnet;

static inline wr_simnet *sim_of(wr_net *n) { return (wr_simnet *)n; }

/* The engine's services for simnet_ctl.c. */
void wr_sim_trace_(wr_simnet *s, uint32_t kind, uint32_t conn, uint32_t dir,
                   uint64_t a, uint64_t b);
void wr_sim_touch_(wr_simnet *s, int handle);
void wr_sim_pump_(wr_simnet *s, sdir *d);
void wr_sim_dir_schedule_(wr_simnet *s, sdir *d);
void wr_sim_fault_reset_(wr_simnet *s, sconn *c);
int wr_sim_push_(wr_simnet *s, wr_time at, uint32_t kind, void *p,
                 uint64_t arg);
int wr_sim_policy_intern_(wr_simnet *s, const wr_policy *p, uint32_t *idx);
/* The optional operations simnet.h has no public name for (simnet_ctl.c). */
int wr_sim_get_bufsizes_(wr_net *n, int h, uint32_t *sndbuf, uint32_t *rcvbuf);
int wr_sim_set_sockopt_(wr_net *n, int h, wr_net_sockopt opt, int value);
int wr_sim_get_sockopt_(wr_net *n, int h, wr_net_sockopt opt, int *value);
/* A new connection of listener l takes the options set on l. */
void wr_sim_inherit_opts_(wr_simnet *s, sconn *c, const slisten *l);
int wr_sim_queued_(wr_net *n, int h, size_t *bytes);
hent *wr_sim_hent_(wr_simnet *s, int h);

enum {
  EV_DIR = 1,
  EV_SYN,
  EV_SYNACK,
  EV_ACK,
  EV_REFUSE,
  EV_SYN_RETRY,
  EV_TIMER,
  EV_FAULT_RST
};

/* Hands one segment to the packet hook (simnet.c); flags are WR_TCPF_*. */
void wr_sim_packet_(wr_simnet *s, sconn *c, int from, uint8_t flags,
                    uint32_t seq, uint32_t ack, const uint8_t *p1, size_t l1,
                    const uint8_t *p2, size_t l2);

#endif
