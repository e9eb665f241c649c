/* simnet controls: policies, buffer sizes, stalls, fault injection, the
 * trace and byte accounting. Faults live here, below the wr_net interface:
 * the code under test sees only what a kernel would show it. */
#include "simnet_int.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* The connection of h and h's side of it. WR_ENOTSUP on a network that is
 * not a simnet -- callers try a simnet-only call and report that answer
 * (net.h) -- and WR_EINVAL for a handle that is no connection. */
static int conn_get(wr_net *n, int h, sconn **c, int *side) {
  if (!wr_simnet_is(n))
    return WR_ENOTSUP;
  hent *e = wr_sim_hent_(sim_of(n), h);
  if (!e || !e->c || !wr_net_slot_(n, h))
    return WR_EINVAL;
  /* A control call may change what polls see. Getters count too: a move
   * too many only delays the spin guard, one too few could trip it. */
  sim_of(n)->moves++;
  *c = e->c;
  if (side)
    *side = e->side;
  return 0;
}

/* Policies are stored once per network and shared by index: a policy is
 * about 600 bytes and 100,000 connections usually share two. */
int wr_sim_policy_intern_(wr_simnet *s, const wr_policy *p, uint32_t *idx) {
  for (uint32_t i = 0; i < s->npol; i++)
    if (memcmp(&s->pol[i], p, sizeof *p) == 0) {
      *idx = i;
      return 0;
    }
  if (s->npol == s->polcap) {
    uint32_t cap = s->polcap * 2;
    wr_policy *np = realloc(s->pol, (size_t)cap * sizeof *np);
    if (!np)
      return WR_ENOMEM;
    s->pol = np;
    s->polcap = cap;
  }
  s->pol[s->npol] = *p;
  *idx = s->npol++;
  return 0;
}

int wr_simnet_set_policy(wr_net *n, int h, const wr_policy *p) {
  int side;
  sconn *c;
  int rc = conn_get(n, h, &c, &side);
  if (rc < 0)
    return rc;
  if (!p || wr_policy_check(p, NULL, 0) < 0)
    return WR_EINVAL;
  wr_simnet *s = sim_of(n);
  /* A canonical copy (unused cut slots zeroed) so equal policies intern
   * to one entry. */
  wr_policy canon;
  memset(&canon, 0, sizeof canon);
  canon.seg = p->seg;
  canon.seg_min = p->seg_min;
  canon.seg_max = p->seg_max;
  canon.ncuts = p->seg == WR_SEG_CUTS ? p->ncuts : 0;
  memcpy(canon.cuts, p->cuts, canon.ncuts * sizeof canon.cuts[0]);
  canon.latency = p->latency;
  canon.jitter_min = p->jitter_min;
  canon.jitter_max = p->jitter_max;
  canon.bandwidth = p->bandwidth;
  uint32_t idx;
  rc = wr_sim_policy_intern_(s, &canon, &idx);
  if (rc < 0)
    return rc;
  sdir *d = &c->d[side];
  d->policy = idx;
  d->shape.cut_idx = 0;
  wr_sim_pump_(s, d);
  return 0;
}

int wr_simnet_set_bufsizes(wr_net *n, int h, uint32_t sndbuf, uint32_t rcvbuf) {
  int side;
  sconn *c;
  int rc = conn_get(n, h, &c, &side);
  if (rc < 0)
    return rc;
  if (sndbuf > WR_SIMNET_MAX_BUF || rcvbuf > WR_SIMNET_MAX_BUF)
    return WR_EINVAL;
  wr_simnet *s = sim_of(n);
  if (sndbuf)
    c->d[side].sndbuf = sndbuf;
  if (rcvbuf) {
    c->d[1 - side].rcvbuf = rcvbuf;
    wr_sim_pump_(s, &c->d[1 - side]); /* a larger window lets bytes go */
  }
  wr_sim_touch_(s, h);
  return 0;
}

int wr_sim_get_bufsizes_(wr_net *n, int h, uint32_t *sndbuf, uint32_t *rcvbuf) {
  int side;
  sconn *c;
  int rc = conn_get(n, h, &c, &side);
  if (rc < 0)
    return rc;
  *sndbuf = c->d[side].sndbuf;
  *rcvbuf = c->d[1 - side].rcvbuf;
  return 0;
}

/* ---- kernel socket options (net.h wr_net_set_sockopt) ------------------ */

/* What Linux stores for SO_SNDBUF / SO_RCVBUF = v: v taken as unsigned and
 * capped at the sysctl maximum, doubled for the kernel's bookkeeping, and
 * at least the minimum (experiment: inet:setopts(S, [{recbuf, 1153}])
 * reads back 2306, 1 reads back 2304, -1 reads back 2 * rmem_max). */
static uint32_t linux_buf(int v, uint32_t max, uint32_t min) {
  uint32_t u = (uint32_t)v;
  if (u > max)
    u = max;
  return u * 2 < min ? min : u * 2;
}

#define SIM_MIN_SNDBUF 4608u
#define SIM_MIN_RCVBUF 2304u

/* Applies one option to side `side` of c, as Linux would. */
static void conn_set_opt(wr_simnet *s, sconn *c, int side, wr_net_sockopt opt,
                         int value) {
  sep *e = &c->ep[side];
  switch (opt) {
  case WR_NET_SO_SNDBUF:
    c->d[side].sndbuf = linux_buf(value, WR_SIMNET_WMEM_MAX, SIM_MIN_SNDBUF);
    break;
  case WR_NET_SO_RCVBUF:
    c->d[1 - side].rcvbuf =
        linux_buf(value, WR_SIMNET_RMEM_MAX, SIM_MIN_RCVBUF);
    wr_sim_pump_(s, &c->d[1 - side]); /* a larger window lets bytes go */
    break;
  case WR_NET_SO_PRIORITY:
    e->priority = value;
    break;
  case WR_NET_IP_TOS:
    /* A TCP socket keeps the ECN bits for itself (experiment: tos 7 reads
     * back 4, 255 reads back 252, 256 reads back 0). */
    e->tos = value & 0xfc;
    break;
  case WR_NET_TCP_NODELAY:
    e->nodelay = value != 0;
    break;
  }
}

int wr_sim_set_sockopt_(wr_net *n, int h, wr_net_sockopt opt, int value) {
  wr_simnet *s = sim_of(n);
  hent *e = wr_sim_hent_(s, h);
  if (!e || (!e->c && !e->l))
    return WR_EINVAL;
  if (e->l) {
    e->l->set |= 1u << opt;
    e->l->opt[opt] = value;
    return 0;
  }
  conn_set_opt(s, e->c, e->side, opt, value);
  wr_sim_touch_(s, h);
  return 0;
}

void wr_sim_inherit_opts_(wr_simnet *s, sconn *c, const slisten *l) {
  /* All but SO_PRIORITY, which a Linux child socket does not keep
   * (loopback: a listener with priority 3 accepts one that reads 0). */
  for (int o = WR_NET_SO_SNDBUF; o <= WR_NET_TCP_NODELAY; o++)
    if ((l->set & (1u << o)) && o != WR_NET_SO_PRIORITY)
      conn_set_opt(s, c, 1, (wr_net_sockopt)o, l->opt[o]);
}

/* The value one option of a listener reads back: what it was set to, as a
 * connection of it would store it, else the default. */
static int listener_opt(const wr_simnet *s, const slisten *l,
                        wr_net_sockopt opt) {
  int set = (l->set >> opt) & 1, v = l->opt[opt];
  switch (opt) {
  case WR_NET_SO_SNDBUF:
    return (int)(set ? linux_buf(v, WR_SIMNET_WMEM_MAX, SIM_MIN_SNDBUF)
                     : s->cfg.sndbuf);
  case WR_NET_SO_RCVBUF:
    return (int)(set ? linux_buf(v, WR_SIMNET_RMEM_MAX, SIM_MIN_RCVBUF)
                     : s->cfg.rcvbuf);
  case WR_NET_IP_TOS:
    return set ? v & 0xfc : 0;
  case WR_NET_TCP_NODELAY:
    return set ? v != 0 : 0;
  default:
    return set ? v : 0;
  }
}

int wr_sim_get_sockopt_(wr_net *n, int h, wr_net_sockopt opt, int *value) {
  wr_simnet *s = sim_of(n);
  hent *e = wr_sim_hent_(s, h);
  if (!e || (!e->c && !e->l))
    return WR_EINVAL;
  if (e->l) {
    *value = listener_opt(s, e->l, opt);
    return 0;
  }
  const sconn *c = e->c;
  const sep *ep = &c->ep[e->side];
  switch (opt) {
  case WR_NET_SO_SNDBUF:
    *value = (int)c->d[e->side].sndbuf;
    break;
  case WR_NET_SO_RCVBUF:
    *value = (int)c->d[1 - e->side].rcvbuf;
    break;
  case WR_NET_SO_PRIORITY:
    *value = ep->priority;
    break;
  case WR_NET_IP_TOS:
    *value = ep->tos;
    break;
  case WR_NET_TCP_NODELAY:
    *value = ep->nodelay;
    break;
  }
  return 0;
}

/* Bytes of h's direction not yet cut into segments, [snt, wr): what the
 * receiver's window holds back. Bytes are cut as soon as they may leave,
 * stall or not, so this is the part of the send buffer not on its way. */
int wr_sim_queued_(wr_net *n, int h, size_t *bytes) {
  int side;
  sconn *c;
  int rc = conn_get(n, h, &c, &side);
  if (rc < 0)
    return rc;
  const sdir *d = &c->d[side];
  *bytes = (size_t)(d->wr - d->snt);
  return 0;
}

int wr_simnet_stall(wr_net *n, int h, wr_time until) {
  int side;
  sconn *c;
  int rc = conn_get(n, h, &c, &side);
  if (rc < 0)
    return rc;
  sdir *d = &c->d[side];
  if (until == WR_TIME_NEVER) {
    d->stalled = 1;
  } else {
    d->stall_until = until;
  }
  return 0;
}

int wr_simnet_release(wr_net *n, int h) {
  int side;
  sconn *c;
  int rc = conn_get(n, h, &c, &side);
  if (rc < 0)
    return rc;
  sdir *d = &c->d[side];
  d->stalled = 0;
  d->stall_until = 0;
  wr_sim_dir_schedule_(sim_of(n), d);
  return 0;
}

int wr_simnet_fault_reset_after(wr_net *n, int h, uint64_t bytes) {
  int side;
  sconn *c;
  int rc = conn_get(n, h, &c, &side);
  if (rc < 0)
    return rc;
  wr_simnet *s = sim_of(n);
  sdir *d = &c->d[side];
  if (d->dlv >= bytes) {
    wr_sim_fault_reset_(s, c);
    return 0;
  }
  d->reset_after = bytes;
  return 0;
}

int wr_simnet_fault_reset_at(wr_net *n, int h, wr_time at) {
  sconn *c;
  int rc = conn_get(n, h, &c, NULL);
  if (rc < 0)
    return rc;
  wr_simnet *s = sim_of(n);
  rc = wr_sim_push_(s, at, EV_FAULT_RST, c, 0);
  if (rc == 0)
    c->refs++;
  return rc;
}

int wr_simnet_fault_drop(wr_net *n, int h) {
  sconn *c;
  int rc = conn_get(n, h, &c, NULL);
  if (rc < 0)
    return rc;
  wr_simnet *s = sim_of(n);
  wr_sim_trace_(s, WR_TR_FAULT, c->id, 0, 2, 0);
  c->dropped = 1;
  /* Segments in flight are lost, but to TCP they are still unacknowledged:
   * they stay counted in the sender's queue. */
  for (int x = 0; x < 2; x++)
    c->d[x].qlen = 0;
  return 0;
}

int wr_simnet_fault_refuse(wr_net *n, int lh, int count) {
  if (!wr_simnet_is(n))
    return WR_ENOTSUP;
  hent *e = wr_sim_hent_(sim_of(n), lh);
  if (!e || !e->l)
    return WR_EINVAL;
  e->l->refuse = count;
  sim_of(n)->moves++;
  return 0;
}

int wr_simnet_fault_short_writes(wr_net *n, int h, uint32_t max_bytes) {
  int side;
  sconn *c;
  int rc = conn_get(n, h, &c, &side);
  if (rc < 0)
    return rc;
  c->ep[side].short_write_max = max_bytes;
  return 0;
}

int wr_simnet_fault_eagain(wr_net *n, int h, int how, uint32_t count) {
  int side;
  sconn *c;
  int rc = conn_get(n, h, &c, &side);
  if (rc < 0)
    return rc;
  if (how != WR_SHUT_RD && how != WR_SHUT_WR)
    return WR_EINVAL;
  if (how == WR_SHUT_WR)
    c->ep[side].eagain_send = count;
  else
    c->ep[side].eagain_recv = count;
  return 0;
}

/* ---- the packet hook ----------------------------------------------------- */

int wr_simnet_packet_hook(wr_net *n, wr_sim_packet_fn fn, void *ctx) {
  if (!wr_simnet_is(n))
    return WR_ENOTSUP;
  wr_simnet *s = sim_of(n);
  if (s->pkt_fn)
    s->pkt_fn(s->pkt_ctx, NULL);
  s->pkt_fn = fn;
  s->pkt_ctx = fn ? ctx : NULL;
  return 0;
}

void *wr_simnet_packet_hook_ctx(const wr_net *n, wr_sim_packet_fn fn) {
  if (!wr_simnet_is(n))
    return NULL;
  const wr_simnet *s = (const wr_simnet *)n;
  return s->pkt_fn == fn && fn ? s->pkt_ctx : NULL;
}

/* ---- trace and accounting ------------------------------------------------ */

uint64_t wr_simnet_trace_hash(const wr_net *n) {
  return wr_simnet_is(n) ? ((const wr_simnet *)n)->hash : 0;
}

int wr_simnet_trace_keep(wr_net *n, int on) {
  if (!wr_simnet_is(n))
    return WR_ENOTSUP;
  sim_of(n)->keep = on != 0;
  return 0;
}

size_t wr_simnet_trace_count(const wr_net *n) {
  return wr_simnet_is(n) ? ((const wr_simnet *)n)->ntr : 0;
}

const wr_trace_rec *wr_simnet_trace_get(const wr_net *n, size_t i) {
  if (!wr_simnet_is(n))
    return NULL;
  const wr_simnet *s = (const wr_simnet *)n;
  return i < s->ntr ? &s->tr[i] : NULL;
}

const char *wr_trace_kind_name(uint32_t kind) {
  static const char *names[] = {
      "?",       "connect",  "syn",     "refused", "syn-drop", "established",
      "accept",  "write",    "segment", "read",    "fin",      "rst",
      "discard", "shutdown", "close",   "timer",   "fault",    "timeout"};
  return kind < sizeof names / sizeof names[0] ? names[kind] : "?";
}

void wr_simnet_trace_dump(const wr_net *n, FILE *out) {
  if (!wr_simnet_is(n))
    return;
  const wr_simnet *s = (const wr_simnet *)n;
  for (size_t i = 0; i < s->ntr; i++) {
    const wr_trace_rec *r = &s->tr[i];
    fprintf(out,
            "%" PRIu64 ".%09" PRIu64 " conn %u %s %s a=%" PRIu64 " b=%" PRIu64
            "\n",
            (uint64_t)(r->time / WR_NS_PER_SEC),
            (uint64_t)(r->time % WR_NS_PER_SEC), r->conn,
            r->dir ? "s->c" : "c->s", wr_trace_kind_name(r->kind), r->a, r->b);
  }
}

int wr_simnet_conn_id(wr_net *n, int h, uint32_t *conn, int *side) {
  int sd;
  sconn *c;
  int rc = conn_get(n, h, &c, &sd);
  if (rc < 0)
    return rc;
  if (conn)
    *conn = c->id;
  if (side)
    *side = sd;
  return 0;
}

int wr_simnet_dirstats_get(wr_net *n, uint32_t conn, int dir,
                           wr_simnet_dirstats *out) {
  if (!wr_simnet_is(n))
    return WR_ENOTSUP;
  if (!out || (dir != 0 && dir != 1))
    return WR_EINVAL;
  wr_simnet *s = sim_of(n);
  if (conn < 1 || conn > s->nconn)
    return WR_EINVAL;
  *out = s->st[conn - 1].d[dir];
  out->queued = out->written - out->read - out->discarded;
  return 0;
}

uint32_t wr_simnet_conn_count(const wr_net *n) {
  return wr_simnet_is(n) ? ((const wr_simnet *)n)->nconn : 0;
}
