/* simnet engine: the event queue, connections, and the wr_net operations.
 *
 * Reading order: the event queue, the trace and readiness lists, byte
 * rings and segment queues, connections and listeners, the data path
 * (cut, deliver, FIN, RST), the handshake, the event dispatcher, and the
 * operations last. docs/simnet.md explains the model; comments here say
 * which Linux behaviour each rule copies.
 */
#include "simnet_int.h"

#include <stdlib.h>
#include <string.h>

/* ---- the event queue: a binary heap keyed by (time, sequence) -----------
 * The sequence number makes the order total, so events due at the same
 * virtual time run in the order they were scheduled on every machine. Each
 * direction of a connection has at most one entry (for its first segment):
 * its segments arrive in order, so the heap stays small however many
 * segments are in flight. */

static int ev_less(const sev *a, const sev *b) {
  return a->at < b->at || (a->at == b->at && a->seq < b->seq);
}

int wr_sim_push_(wr_simnet *s, wr_time at, uint32_t kind, void *p,
                 uint64_t arg) {
  if (s->nev == s->evcap) {
    size_t cap = s->evcap ? s->evcap * 2 : 64;
    sev *e = realloc(s->ev, cap * sizeof *e);
    if (!e)
      return WR_ENOMEM;
    s->ev = e;
    s->evcap = cap;
  }
  if (at < s->now)
    at = s->now;
  sev x = {at, s->seq++, kind, p, arg};
  size_t i = s->nev++;
  while (i > 0) {
    size_t parent = (i - 1) / 2;
    if (!ev_less(&x, &s->ev[parent]))
      break;
    s->ev[i] = s->ev[parent];
    i = parent;
  }
  s->ev[i] = x;
  return 0;
}

static sev ev_pop(wr_simnet *s) {
  sev top = s->ev[0];
  sev last = s->ev[--s->nev];
  size_t i = 0, n = s->nev;
  for (;;) {
    size_t l = 2 * i + 1, m = i;
    const sev *best = &last;
    if (l < n && ev_less(&s->ev[l], best)) {
      m = l;
      best = &s->ev[l];
    }
    if (l + 1 < n && ev_less(&s->ev[l + 1], best))
      m = l + 1;
    if (m == i)
      break;
    s->ev[i] = s->ev[m];
    i = m;
  }
  if (n)
    s->ev[i] = last;
  return top;
}

/* ---- the trace -------------------------------------------------------------
 * Every event folds five 64-bit words into the hash: time, kind << 32 | dir,
 * conn, a, b; each word as h = (h ^ w) * FNV64_PRIME; h ^= h >> 32. */

void wr_sim_trace_(wr_simnet *s, uint32_t kind, uint32_t conn, uint32_t dir,
                   uint64_t a, uint64_t b) {
  s->moves++;
  const uint64_t w[5] = {s->now, (uint64_t)kind << 32 | dir, conn, a, b};
  uint64_t h = s->hash;
  for (int i = 0; i < 5; i++) {
    h = (h ^ w[i]) * 0x100000001b3ull;
    h ^= h >> 32;
  }
  s->hash = h;
  if (!s->keep)
    return;
  if (s->ntr == s->trcap) {
    size_t cap = s->trcap ? s->trcap * 2 : 256;
    wr_trace_rec *t = realloc(s->tr, cap * sizeof *t);
    if (!t) {
      s->keep = 0; /* out of memory: the hash goes on, the records stop */
      return;
    }
    s->tr = t;
    s->trcap = cap;
  }
  s->tr[s->ntr++] = (wr_trace_rec){s->now, kind, conn, dir, a, b};
}

static cstat *stat_of(wr_simnet *s, const sconn *c) {
  return &s->st[c->id - 1];
}

/* Readiness candidates: handles whose state changed since they were last
 * found not ready, in the order they changed. wr_net_poll scans only
 * these, so 100,000 idle connections cost nothing per poll. */
void wr_sim_touch_(wr_simnet *s, int handle) {
  s->moves++; /* even for a handle already listed: its state changed */
  if (handle < 0 || handle >= s->hcap || s->h[handle].in_cand)
    return;
  if (s->ncand == s->candcap) {
    int cap = s->candcap ? s->candcap * 2 : 64;
    int *c = realloc(s->cand, (size_t)cap * sizeof *c);
    if (!c)
      return; /* a later touch retries; poll also rescans on watch */
    s->cand = c;
    s->candcap = cap;
  }
  s->cand[s->ncand++] = handle;
  s->h[handle].in_cand = 1;
}

hent *wr_sim_hent_(wr_simnet *s, int h) {
  if (h < 0 || h >= s->hcap)
    return NULL;
  return &s->h[h];
}

/* Rebinds a handle entry, keeping its place in the readiness list. */
static void hent_set(wr_simnet *s, int h, sconn *c, slisten *l, int side) {
  uint8_t in_cand = s->h[h].in_cand;
  s->h[h] = (hent){c, l, (uint8_t)side, in_cand};
}

static int hent_reserve(wr_simnet *s, int h) {
  if (h < s->hcap)
    return 0;
  int cap = s->hcap ? s->hcap : 16;
  while (cap <= h)
    cap *= 2;
  hent *e = realloc(s->h, (size_t)cap * sizeof *e);
  if (!e)
    return WR_ENOMEM;
  memset(e + s->hcap, 0, (size_t)(cap - s->hcap) * sizeof *e);
  s->h = e;
  s->hcap = cap;
  return 0;
}

/* ---- byte rings and segment queues --------------------------------------- */

/* Makes room for n more bytes at wr; the ring grows by doubling, so an idle
 * connection holds no buffer at all and a busy one reaches its window. */
static int ring_reserve(sdir *d, uint64_t n) {
  uint64_t need = d->wr - d->rd + n;
  if (need <= d->cap)
    return 0;
  uint64_t cap = d->cap ? d->cap : 4096;
  while (cap < need)
    cap *= 2;
  uint8_t *b = malloc(cap);
  if (!b)
    return WR_ENOMEM;
  for (uint64_t off = d->rd; off < d->wr;) {
    uint64_t i = off & (d->cap - 1), run = d->cap - i;
    if (run > d->wr - off)
      run = d->wr - off;
    uint64_t j = off & (cap - 1), room = cap - j;
    if (run > room)
      run = room;
    memcpy(b + j, d->buf + i, run);
    off += run;
  }
  free(d->buf);
  d->buf = b;
  d->cap = cap;
  return 0;
}

static void ring_put(sdir *d, const uint8_t *src, uint64_t n) {
  while (n) {
    uint64_t i = d->wr & (d->cap - 1), run = d->cap - i;
    if (run > n)
      run = n;
    memcpy(d->buf + i, src, run);
    src += run;
    n -= run;
    d->wr += run;
  }
}

static void ring_get(sdir *d, uint8_t *dst, uint64_t n) {
  while (n) {
    uint64_t i = d->rd & (d->cap - 1), run = d->cap - i;
    if (run > n)
      run = n;
    memcpy(dst, d->buf + i, run);
    dst += run;
    n -= run;
    d->rd += run;
  }
}

/* The bytes [off, off + n) as at most two pieces (for the packet hook). */
static void ring_span(const sdir *d, uint64_t off, uint64_t n,
                      const uint8_t **p1, size_t *l1, const uint8_t **p2,
                      size_t *l2) {
  *p1 = *p2 = NULL;
  *l1 = *l2 = 0;
  if (!n || !d->cap)
    return;
  uint64_t i = off & (d->cap - 1), run = d->cap - i;
  if (run > n)
    run = n;
  *p1 = d->buf + i;
  *l1 = (size_t)run;
  if (run < n) {
    *p2 = d->buf;
    *l2 = (size_t)(n - run);
  }
}

static int segq_push(sdir *d, seg g) {
  if (d->qlen == d->qcap) {
    uint32_t cap = d->qcap ? d->qcap * 2 : 8;
    seg *q = malloc((size_t)cap * sizeof *q);
    if (!q)
      return WR_ENOMEM;
    for (uint32_t i = 0; i < d->qlen; i++)
      q[i] = d->q[(d->qhead + i) & (d->qcap - 1)];
    free(d->q);
    d->q = q;
    d->qcap = cap;
    d->qhead = 0;
  }
  d->q[(d->qhead + d->qlen) & (d->qcap - 1)] = g;
  d->qlen++;
  return 0;
}

static seg *segq_head(sdir *d) { return &d->q[d->qhead]; }

static void segq_pop(sdir *d) {
  d->qhead = (d->qhead + 1) & (d->qcap - 1);
  d->qlen--;
}

/* Puts the direction's first segment in the event queue if it is not. */
void wr_sim_dir_schedule_(wr_simnet *s, sdir *d) {
  if (d->in_heap || !d->qlen || d->stalled || d->conn->dropped)
    return;
  wr_time at = segq_head(d)->at;
  if (at < d->stall_until)
    at = d->stall_until;
  if (wr_sim_push_(s, at, EV_DIR, d, 0) == 0)
    d->in_heap = 1;
}

/* ---- connections and listeners ------------------------------------------ */

static uint32_t isn_of(uint32_t id, int side) {
  uint64_t x = (uint64_t)id * 2 + (uint64_t)side;
  return (uint32_t)wr_splitmix64(&x);
}

static sconn *conn_new(wr_simnet *s) {
  if (s->nconn == UINT32_MAX - 1)
    return NULL;
  if (s->nconn == s->stcap) {
    uint32_t cap = s->stcap ? s->stcap * 2 : 64;
    cstat *st = realloc(s->st, (size_t)cap * sizeof *st);
    if (!st)
      return NULL;
    s->st = st;
    s->stcap = cap;
  }
  sconn *c = calloc(1, sizeof *c);
  if (!c)
    return NULL;
  c->id = ++s->nconn;
  memset(&s->st[c->id - 1], 0, sizeof s->st[0]);
  for (int x = 0; x < 2; x++) {
    c->isn[x] = isn_of(c->id, x);
    c->ep[x].handle = -1;
    c->ep[x].state = ST_CLOSED;
    sdir *d = &c->d[x];
    d->conn = c;
    d->idx = (uint8_t)x;
    d->reset_after = UINT64_MAX;
  }
  c->next = s->conns;
  if (s->conns)
    s->conns->prev = c;
  s->conns = c;
  return c;
}

static void conn_free(wr_simnet *s, sconn *c) {
  if (c->prev)
    c->prev->next = c->next;
  else
    s->conns = c->next;
  if (c->next)
    c->next->prev = c->prev;
  for (int x = 0; x < 2; x++) {
    free(c->d[x].buf);
    free(c->d[x].q);
  }
  free(c);
}

static int ep_terminal(const sep *e) {
  return e->state == ST_CLOSED || e->state == ST_TIME_WAIT;
}

/* Frees a connection nobody can observe any more: both ends closed by the
 * application (or never accepted), nothing queued that points at it. */
static void conn_maybe_free(wr_simnet *s, sconn *c) {
  if (c->refs || c->in_acceptq || c->d[0].in_heap || c->d[1].in_heap)
    return;
  for (int x = 0; x < 2; x++) {
    if (c->ep[x].handle >= 0)
      return;
    if (!ep_terminal(&c->ep[x]) && !c->dropped)
      return;
  }
  conn_free(s, c);
}

static slisten *listener_find(wr_simnet *s, const wr_addr *a) {
  static const uint8_t any[16];
  for (int i = 0; i < s->nls; i++) {
    slisten *l = s->ls[i];
    if (l->addr.family != a->family || l->addr.port != a->port)
      continue;
    size_t n = a->family == 4 ? 4 : 16;
    if (memcmp(l->addr.ip, a->ip, n) == 0 || memcmp(l->addr.ip, any, n) == 0)
      return l;
  }
  return NULL;
}

static slisten *listener_by_id(wr_simnet *s, uint32_t id) {
  for (int i = 0; i < s->nls; i++)
    if (s->ls[i]->id == id)
      return s->ls[i];
  return NULL;
}

static int port_in_use(wr_simnet *s, uint8_t family, uint16_t port) {
  for (int i = 0; i < s->nls; i++)
    if (s->ls[i]->addr.family == family && s->ls[i]->addr.port == port)
      return 1;
  return 0;
}

/* Ephemeral ports count up through Linux's default range 32768..60999. */
static uint16_t port_next(wr_simnet *s, uint8_t family) {
  for (int tries = 0; tries < 28232; tries++) {
    uint16_t p = s->next_port;
    s->next_port = p >= 60999 ? 32768 : (uint16_t)(p + 1);
    if (!port_in_use(s, family, p))
      return p;
  }
  return 0;
}

/* ---- the data path --------------------------------------------------------
 */

static uint32_t ack_pos(const sconn *c, int x) {
  const sdir *o = &c->d[1 - x];
  return (uint32_t)(o->dlv + o->fin_dlv);
}

/* Cuts the bytes that may leave into segments and schedules them. Bytes
 * may leave while the receiver's window (its receive buffer, counting
 * bytes in flight and unread) has room -- TCP's flow control. */
void wr_sim_pump_(wr_simnet *s, sdir *d) {
  sconn *c = d->conn;
  if (c->dropped || c->ep[d->idx].state == ST_SYN_SENT ||
      c->ep[d->idx].state == ST_CLOSED)
    return;
  const wr_policy *p = &s->pol[d->policy];
  while (d->snt < d->wr) {
    uint64_t inflight = d->snt - d->rd;
    if (inflight >= d->rcvbuf)
      break;
    uint64_t avail = d->wr - d->snt;
    if (avail > d->rcvbuf - inflight)
      avail = d->rcvbuf - inflight;
    if (d->reset_after != UINT64_MAX && d->snt < d->reset_after &&
        avail > d->reset_after - d->snt)
      avail = d->reset_after - d->snt; /* the fault lands on a boundary */
    uint64_t len = wr_shape_seg_len(p, &s->rng, &d->shape, d->snt, avail);
    seg g = {wr_shape_arrival(p, &s->rng, &d->shape, s->now, len), d->snt + len,
             ack_pos(c, d->idx), 0};
    if (segq_push(d, g) < 0)
      break; /* out of memory: the bytes wait for the next pump */
    d->snt += len;
  }
  if (d->fin_pending && !d->fin_sent && d->snt == d->wr) {
    seg g = {wr_shape_arrival(p, &s->rng, &d->shape, s->now, 0), d->wr,
             ack_pos(c, d->idx), SEG_FIN};
    if (segq_push(d, g) == 0)
      d->fin_sent = 1;
  }
  wr_sim_dir_schedule_(s, d);
}

/* Counts and traces `lost` bytes of d from stream offset `at` as discarded,
 * so conservation (written = read + discarded) keeps adding up. */
static void account_discard(wr_simnet *s, sdir *d, uint64_t at, uint64_t lost) {
  if (!lost)
    return;
  stat_of(s, d->conn)->d[d->idx].discarded += lost;
  wr_sim_trace_(s, WR_TR_DISCARD, d->conn->id, d->idx, at, lost);
}

/* Discards what d's sender has written but not yet sent. */
static void dir_drop_unsent(wr_simnet *s, sdir *d) {
  account_discard(s, d, d->snt, d->wr - d->snt);
  d->wr = d->snt;
}

/* Discards everything of d that was not delivered yet: in flight and
 * unsent. Used when the receiver can never get it (closed or reset) and by
 * Linux's write-queue purge on reset. */
static void dir_purge(wr_simnet *s, sdir *d) {
  account_discard(s, d, d->dlv, d->wr - d->dlv);
  d->snt = d->wr = d->dlv;
  d->fin_pending = 0;
  /* An RST already on its way still arrives (to whatever is there). */
  seg rst = {0, 0, 0, 0};
  for (uint32_t i = 0; i < d->qlen; i++) {
    const seg *g = &d->q[(d->qhead + i) & (d->qcap - 1)];
    if (g->flags & SEG_RST)
      rst = *g;
  }
  d->qlen = 0;
  if (rst.flags) {
    rst.end = d->wr;
    segq_push(d, rst);
    wr_sim_dir_schedule_(s, d);
  }
}

/* Discards what the receiver of d has not read (its receive queue). */
static void dir_drop_unread(wr_simnet *s, sdir *d) {
  account_discard(s, d, d->rd, d->dlv - d->rd);
  d->rd = d->dlv;
}

void wr_sim_packet_(wr_simnet *s, sconn *c, int from, uint8_t flags,
                    uint32_t seq, uint32_t ack, const uint8_t *p1, size_t l1,
                    const uint8_t *p2, size_t l2) {
  if (!s->pkt_fn)
    return;
  wr_sim_packet pkt = {.at = s->now,
                       .src = &c->ep[from].addr,
                       .dst = &c->ep[1 - from].addr,
                       .flags = flags,
                       .seq = seq,
                       .ack = ack,
                       .p1 = p1,
                       .l1 = l1,
                       .p2 = p2,
                       .l2 = l2};
  s->pkt_fn(s->pkt_ctx, &pkt);
}

static void packet_ctl(wr_simnet *s, sconn *c, int from, uint8_t flags,
                       uint64_t seqoff) {
  if (!s->pkt_fn)
    return;
  uint32_t ack =
      (flags & WR_TCPF_ACK) ? c->isn[1 - from] + 1 + ack_pos(c, from) : 0;
  wr_sim_packet_(s, c, from, flags, c->isn[from] + 1 + (uint32_t)seqoff, ack,
                 NULL, 0, NULL, 0);
}

/* Side x sends an RST (close with unread data, abort, data after close):
 * its unread input is dropped, its unsent output too; segments already in
 * flight still arrive first, then the RST. */
static void rst_send(wr_simnet *s, sconn *c, int x, int drop_unread) {
  sep *e = &c->ep[x];
  sdir *out = &c->d[x], *in = &c->d[1 - x];
  if (drop_unread)
    dir_drop_unread(s, in);
  dir_drop_unsent(s, out);
  out->fin_pending = 0;
  e->state = ST_CLOSED;
  e->shut = RCV_SHUT | SEND_SHUT;
  if (out->rst_sent)
    return;
  out->rst_sent = 1;
  if (c->dropped)
    return;
  seg g = {
      wr_shape_arrival(&s->pol[out->policy], &s->rng, &out->shape, s->now, 0),
      out->wr, ack_pos(c, x), SEG_RST};
  if (segq_push(out, g) == 0)
    wr_sim_dir_schedule_(s, out);
}

/* Side x receives an RST: Linux's tcp_reset. The error depends on the
 * state; the write queue is purged; bytes already received stay readable
 * (they come out before the error). */
static void rst_receive(wr_simnet *s, sconn *c, int x) {
  sep *e = &c->ep[x];
  stat_of(s, c)->d[1 - x].rst = 1;
  wr_sim_trace_(s, WR_TR_RST, c->id, (uint32_t)(1 - x), c->d[1 - x].dlv, 0);
  if (e->state == ST_CLOSED)
    return;
  if (e->state == ST_TIME_WAIT) {
    e->state = ST_CLOSED;
    return;
  }
  e->err = e->state == ST_SYN_SENT     ? WR_ECONNREFUSED
           : e->state == ST_CLOSE_WAIT ? WR_EPIPE
                                       : WR_ECONNRESET;
  dir_purge(s, &c->d[x]);
  e->state = ST_CLOSED;
  e->shut = RCV_SHUT | SEND_SHUT;
  wr_sim_touch_(s, e->handle);
}

/* A reset from the network itself (fault injection): both ends get an RST
 * now and everything in flight is lost. */
void wr_sim_fault_reset_(wr_simnet *s, sconn *c) {
  wr_sim_trace_(s, WR_TR_FAULT, c->id, 0, 1, 0);
  for (int x = 0; x < 2; x++)
    dir_purge(s, &c->d[x]);
  for (int x = 0; x < 2; x++) {
    if (c->ep[x].state == ST_CLOSED)
      continue;
    packet_ctl(s, c, 1 - x, WR_TCPF_RST | WR_TCPF_ACK, c->d[1 - x].wr);
    rst_receive(s, c, x);
  }
}

static void fin_receive(wr_simnet *s, sconn *c, int x) {
  sep *r = &c->ep[x], *snd = &c->ep[1 - x];
  sdir *d = &c->d[1 - x];
  d->fin_dlv = 1;
  stat_of(s, c)->d[1 - x].fin_delivered = 1;
  wr_sim_trace_(s, WR_TR_FIN, c->id, (uint32_t)(1 - x), d->dlv, 0);
  if (r->state != ST_CLOSED) {
    r->done = 1;
    r->shut |= RCV_SHUT;
    switch (r->state) {
    case ST_ESTABLISHED:
      r->state = ST_CLOSE_WAIT;
      break;
    case ST_FIN_WAIT1:
      r->state = c->d[x].fin_dlv ? ST_TIME_WAIT : ST_CLOSING;
      break;
    case ST_FIN_WAIT2:
      r->state = ST_TIME_WAIT;
      break;
    default:
      break;
    }
  }
  /* Delivered counts as acknowledged: the sender's FIN is done. */
  switch (snd->state) {
  case ST_FIN_WAIT1:
    snd->state = snd->done ? ST_TIME_WAIT : ST_FIN_WAIT2;
    break;
  case ST_CLOSING:
    snd->state = ST_TIME_WAIT;
    break;
  case ST_LAST_ACK:
    snd->state = ST_CLOSED;
    break;
  default:
    break;
  }
  wr_sim_touch_(s, r->handle);
  wr_sim_touch_(s, snd->handle);
}

/* The first segment of d arrives: its bytes are the receiver's, or it
 * is refused; a FIN or an RST takes effect. */
static inline __attribute__((always_inline)) void seg_arrive(wr_simnet *s,
                                                             sdir *d) {
  sconn *c = d->conn;
  seg g = *segq_head(d);
  segq_pop(d);
  int x = d->idx, y = 1 - x;
  sep *r = &c->ep[y];
  if (g.flags & SEG_RST) {
    if (r->state != ST_CLOSED)
      packet_ctl(s, c, x, WR_TCPF_RST | WR_TCPF_ACK, g.end + d->fin_sent);
    rst_receive(s, c, y);
  } else if (g.flags & SEG_FIN) {
    packet_ctl(s, c, x, WR_TCPF_FIN | WR_TCPF_ACK, g.end);
    fin_receive(s, c, y);
  } else {
    uint64_t len = g.end - d->dlv;
    /* Data for an end that is closed, or that shut its read side after
     * sending its FIN, is refused with an RST (RFC 1122; Linux's
     * tcp_rcv_state_process counts it as TCPAbortOnData). */
    int refuse = r->state == ST_CLOSED ||
                 ((r->state == ST_FIN_WAIT1 || r->state == ST_FIN_WAIT2) &&
                  (r->shut & RCV_SHUT));
    if (refuse) {
      if (s->pkt_fn) {
        const uint8_t *p1, *p2;
        size_t l1, l2;
        ring_span(d, d->dlv, len, &p1, &l1, &p2, &l2);
        wr_sim_packet_(s, c, x, WR_TCPF_ACK | WR_TCPF_PSH,
                       c->isn[x] + 1 + (uint32_t)d->dlv, c->isn[y] + 1 + g.ack,
                       p1, l1, p2, l2);
      }
      dir_purge(s, d);
      if (r->state != ST_CLOSED) {
        r->err = WR_ECONNRESET;
        wr_sim_touch_(s, r->handle);
      }
      if (!c->d[y].rst_sent && c->ep[x].state != ST_CLOSED)
        rst_send(s, c, y, 0);
      else {
        r->state = ST_CLOSED;
        r->shut = RCV_SHUT | SEND_SHUT;
      }
    } else {
      if (s->pkt_fn) {
        const uint8_t *p1, *p2;
        size_t l1, l2;
        ring_span(d, d->dlv, len, &p1, &l1, &p2, &l2);
        wr_sim_packet_(s, c, x, WR_TCPF_ACK | WR_TCPF_PSH,
                       c->isn[x] + 1 + (uint32_t)d->dlv, c->isn[y] + 1 + g.ack,
                       p1, l1, p2, l2);
      }
      wr_sim_trace_(s, WR_TR_SEGMENT, c->id, (uint32_t)x, d->dlv, len);
      d->dlv = g.end;
      stat_of(s, c)->d[x].delivered += len;
      wr_sim_touch_(s, r->handle);
      wr_sim_touch_(s, c->ep[x].handle);
      if (d->reset_after != UINT64_MAX && d->dlv >= d->reset_after) {
        d->reset_after = UINT64_MAX;
        wr_sim_fault_reset_(s, c);
      }
    }
  }
}

/* Delivers the first segment of d, when it may arrive now. */
static void dir_deliver(wr_simnet *s, sdir *d) {
  sconn *c = d->conn;
  d->in_heap = 0;
  if (!d->qlen || c->dropped || d->stalled)
    return;
  if (s->now < d->stall_until) {
    wr_sim_dir_schedule_(s, d);
    return;
  }
  seg_arrive(s, d);
  wr_sim_dir_schedule_(s, d);
  conn_maybe_free(s, c);
}

/* ---- the handshake --------------------------------------------------------
 * SYN, SYN-ACK and ACK each take the latency of their direction. As on
 * Linux, a listener holds backlog + 1 established connections; a SYN that
 * finds the queue full is dropped and the client retransmits it 1, 3, 7,
 * 15, 31 and 63 s after the first, giving up with ETIMEDOUT at 127 s. */

static wr_time hs_latency(wr_simnet *s, sconn *c, int dir) {
  return s->pol[c->d[dir].policy].latency;
}

static void push_conn_ev(wr_simnet *s, sconn *c, wr_time at, uint32_t kind) {
  if (wr_sim_push_(s, at, kind, c, 0) == 0)
    c->refs++;
}

static void on_syn(wr_simnet *s, sconn *c) {
  sep *cl = &c->ep[0];
  if (cl->state != ST_SYN_SENT || c->dropped)
    return;
  slisten *l = listener_find(s, &c->ep[1].addr);
  if (!l || l->refuse) {
    if (l && l->refuse > 0)
      l->refuse--;
    wr_sim_trace_(s, WR_TR_REFUSED, c->id, 0, cl->addr.port,
                  c->ep[1].addr.port);
    push_conn_ev(s, c, s->now + hs_latency(s, c, 1), EV_REFUSE);
    return;
  }
  if (l->qlen + l->syn_pending > l->backlog) {
    wr_sim_trace_(s, WR_TR_SYN_DROP, c->id, 0, c->syn_tries, 0);
    wr_time next =
        c->syn_first + ((((wr_time)2) << c->syn_tries) - 1) * WR_NS_PER_SEC;
    push_conn_ev(s, c, next, EV_SYN_RETRY);
    return;
  }
  l->syn_pending++;
  c->listener_id = l->id;
  c->ep[1].state = ST_SYN_RCVD;
  /* The new socket is the listener's child from here on. */
  wr_sim_inherit_opts_(s, c, l);
  wr_sim_trace_(s, WR_TR_SYN, c->id, 0, cl->addr.port, l->addr.port);
  packet_ctl(s, c, 0, WR_TCPF_SYN, (uint64_t)-1);
  push_conn_ev(s, c, s->now + hs_latency(s, c, 1), EV_SYNACK);
}

static void release_syn_slot(wr_simnet *s, sconn *c) {
  slisten *l = c->listener_id ? listener_by_id(s, c->listener_id) : NULL;
  if (l && l->syn_pending > 0)
    l->syn_pending--;
  c->listener_id = 0;
}

static void on_synack(wr_simnet *s, sconn *c) {
  sep *cl = &c->ep[0];
  if (cl->state != ST_SYN_SENT || c->dropped) {
    /* The client gave up meanwhile: its RST frees the listener's slot. */
    release_syn_slot(s, c);
    c->ep[1].state = ST_CLOSED;
    return;
  }
  if (s->pkt_fn) {
    wr_sim_packet_(s, c, 1, WR_TCPF_SYN | WR_TCPF_ACK, c->isn[1], c->isn[0] + 1,
                   NULL, 0, NULL, 0);
  }
  cl->state = ST_ESTABLISHED;
  wr_sim_trace_(s, WR_TR_ESTABLISHED, c->id, 0, 0, 0);
  wr_time ack_at = s->now + hs_latency(s, c, 0);
  push_conn_ev(s, c, ack_at, EV_ACK);
  /* Data the client sends now must not overtake its ACK. */
  if (c->d[0].shape.last_arrival < ack_at)
    c->d[0].shape.last_arrival = ack_at;
  wr_sim_pump_(s, &c->d[0]);
  wr_sim_touch_(s, cl->handle);
}

static void on_ack(wr_simnet *s, sconn *c) {
  sep *sv = &c->ep[1];
  slisten *l = c->listener_id ? listener_by_id(s, c->listener_id) : NULL;
  if (s->pkt_fn && !c->dropped)
    wr_sim_packet_(s, c, 0, WR_TCPF_ACK, c->isn[0] + 1, c->isn[1] + 1, NULL, 0,
                   NULL, 0);
  if (c->dropped)
    return;
  sv->state = ST_ESTABLISHED;
  if (!l) {
    /* The listener closed after answering the SYN: the client is reset. */
    c->listener_id = 0;
    rst_send(s, c, 1, 1);
    return;
  }
  release_syn_slot(s, c);
  wr_sim_trace_(s, WR_TR_ESTABLISHED, c->id, 1, 0, 0);
  c->accept_next = NULL;
  if (l->qtail)
    l->qtail->accept_next = c;
  else
    l->qhead = c;
  l->qtail = c;
  l->qlen++;
  c->in_acceptq = 1;
  wr_sim_pump_(s, &c->d[1]);
  wr_sim_touch_(s, l->handle);
}

static void on_refuse(wr_simnet *s, sconn *c) {
  sep *cl = &c->ep[0];
  if (cl->state != ST_SYN_SENT)
    return;
  if (s->pkt_fn)
    wr_sim_packet_(s, c, 1, WR_TCPF_RST | WR_TCPF_ACK, 0, c->isn[0] + 1, NULL,
                   0, NULL, 0);
  rst_receive(s, c, 0);
}

static void on_syn_retry(wr_simnet *s, sconn *c) {
  sep *cl = &c->ep[0];
  if (cl->state != ST_SYN_SENT)
    return;
  if (++c->syn_tries > 6) {
    cl->err = WR_ETIMEDOUT;
    cl->state = ST_CLOSED;
    cl->shut = RCV_SHUT | SEND_SHUT;
    wr_sim_trace_(s, WR_TR_TIMEOUT, c->id, 0, 0, 0);
    wr_sim_touch_(s, cl->handle);
    return;
  }
  if (s->pkt_fn)
    packet_ctl(s, c, 0, WR_TCPF_SYN, (uint64_t)-1);
  push_conn_ev(s, c, s->now + hs_latency(s, c, 0), EV_SYN);
}

/* ---- the dispatcher --------------------------------------------------------
 */

static void fire_timer(wr_simnet *s, uint64_t id) {
  if (id > s->ntimers || s->tstate[id - 1] != 1)
    return; /* cancelled */
  s->tstate[id - 1] = 2;
  wr_sim_trace_(s, WR_TR_TIMER, 0, 0, id, 0);
  if (s->nfired == s->firedcap) {
    size_t cap = s->firedcap ? s->firedcap * 2 : 16;
    uint64_t *f = realloc(s->fired, cap * sizeof *f);
    if (!f)
      return;
    s->fired = f;
    s->firedcap = cap;
  }
  s->fired[s->nfired++] = id;
}

int wr_simnet_step(wr_net *n) {
  if (!wr_simnet_is(n))
    return WR_ENOTSUP;
  wr_simnet *s = sim_of(n);
  if (!s->nev)
    return 0;
  sev e = ev_pop(s);
  s->now = e.at;
  s->moves++;
  sconn *c = e.p;
  switch (e.kind) {
  case EV_DIR:
    dir_deliver(s, e.p);
    return 1;
  case EV_TIMER:
    fire_timer(s, e.arg);
    return 1;
  default:
    break;
  }
  c->refs--;
  switch (e.kind) {
  case EV_SYN:
    on_syn(s, c);
    break;
  case EV_SYNACK:
    on_synack(s, c);
    break;
  case EV_ACK:
    on_ack(s, c);
    break;
  case EV_REFUSE:
    on_refuse(s, c);
    break;
  case EV_SYN_RETRY:
    on_syn_retry(s, c);
    break;
  case EV_FAULT_RST:
    if (!c->dropped)
      wr_sim_fault_reset_(s, c);
    break;
  default:
    break;
  }
  conn_maybe_free(s, c);
  return 1;
}

long wr_simnet_run(wr_net *n, wr_time until) {
  if (!wr_simnet_is(n))
    return WR_ENOTSUP;
  wr_simnet *s = sim_of(n);
  long count = 0;
  while (s->nev && s->ev[0].at <= until) {
    wr_simnet_step(n);
    count++;
  }
  if (until != WR_TIME_NEVER && s->now < until)
    s->now = until;
  return count;
}

size_t wr_simnet_pending(const wr_net *n) {
  return wr_simnet_is(n) ? ((const wr_simnet *)n)->nev : 0;
}

/* ---- the operations --------------------------------------------------------
 */

static sep *ep_of(wr_simnet *s, int h, sconn **cp, int *side) {
  hent *e = wr_sim_hent_(s, h);
  if (!e || !e->c)
    return NULL;
  *cp = e->c;
  *side = e->side;
  return &e->c->ep[e->side];
}

static int sim_listen(wr_net *n, int h, const wr_addr *addr, int backlog) {
  wr_simnet *s = sim_of(n);
  wr_addr a = *addr;
  if (a.port == 0 && !(a.port = port_next(s, a.family)))
    return WR_EADDRINUSE;
  else if (port_in_use(s, a.family, a.port))
    return WR_EADDRINUSE;
  if (hent_reserve(s, h) < 0)
    return WR_ENOMEM;
  if (s->nls == s->lscap) {
    int cap = s->lscap ? s->lscap * 2 : 8;
    slisten **ls = realloc(s->ls, (size_t)cap * sizeof *ls);
    if (!ls)
      return WR_ENOMEM;
    s->ls = ls;
    s->lscap = cap;
  }
  slisten *l = calloc(1, sizeof *l);
  if (!l)
    return WR_ENOMEM;
  l->id = ++s->next_lid;
  l->handle = h;
  l->backlog = backlog;
  l->addr = a;
  s->ls[s->nls++] = l;
  s->moves++;
  hent_set(s, h, NULL, l, 0);
  return 0;
}

static int sim_accept(wr_net *n, int lh, int h, wr_addr *peer) {
  wr_simnet *s = sim_of(n);
  hent *le = wr_sim_hent_(s, lh);
  if (!le || !le->l)
    return WR_EINVAL;
  slisten *l = le->l;
  if (!l->qhead)
    return WR_EAGAIN;
  if (hent_reserve(s, h) < 0)
    return WR_ENOMEM;
  sconn *c = l->qhead;
  l->qhead = c->accept_next;
  if (!l->qhead)
    l->qtail = NULL;
  l->qlen--;
  c->in_acceptq = 0;
  c->accept_next = NULL;
  c->ep[1].handle = h;
  hent_set(s, h, c, NULL, 1);
  if (peer)
    *peer = c->ep[0].addr;
  wr_sim_trace_(s, WR_TR_ACCEPT, c->id, 1, c->ep[0].addr.port, 0);
  wr_sim_touch_(s, h);
  return 0;
}

static int sim_connect(wr_net *n, int h, const wr_addr *addr) {
  wr_simnet *s = sim_of(n);
  if (hent_reserve(s, h) < 0)
    return WR_ENOMEM;
  sconn *c = conn_new(s);
  if (!c)
    return WR_ENOMEM;
  uint16_t port = port_next(s, addr->family);
  if (!port) {
    conn_free(s, c);
    return WR_EADDRNOTAVAIL;
  }
  c->ep[0].addr =
      addr->family == 4 ? wr_addr_loopback4(port) : wr_addr_loopback6(port);
  c->ep[1].addr = *addr;
  c->ep[0].handle = h;
  c->ep[0].state = ST_SYN_SENT;
  for (int x = 0; x < 2; x++) {
    c->d[x].policy = x == 0 ? 0 : 1; /* the configured defaults */
    c->d[x].sndbuf = s->cfg.sndbuf;
    c->d[x].rcvbuf = s->cfg.rcvbuf;
  }
  c->syn_first = s->now;
  hent_set(s, h, c, NULL, 0);
  wr_sim_trace_(s, WR_TR_CONNECT, c->id, 0, port, addr->port);
  push_conn_ev(s, c, s->now + hs_latency(s, c, 0), EV_SYN);
  return 0;
}

static uint64_t iov_total(const wr_iovec *iov, int iovcnt) {
  uint64_t t = 0;
  for (int i = 0; i < iovcnt; i++)
    t += iov[i].len;
  return t;
}

/* A pending error, answered once and cleared (sock_error). */
static int take_err(wr_simnet *s, sep *e) {
  int err = e->err;
  e->err = 0;
  s->moves++;
  return err;
}

/* One send of the concatenated pieces: one WRITE record, one pump, so the
 * bytes form one write whatever the number of pieces (a one-piece sendv
 * is exactly the old send, trace included). */
static long sim_sendv(wr_net *n, int h, const wr_iovec *iov, int iovcnt) {
  wr_simnet *s = sim_of(n);
  sconn *c;
  int x;
  sep *e = ep_of(s, h, &c, &x);
  if (!e)
    return WR_EPIPE; /* a listener: Linux says EPIPE */
  /* The checks of tcp_sendmsg, in its order. */
  if (e->state != ST_ESTABLISHED && e->state != ST_CLOSE_WAIT) {
    if (e->err)
      return take_err(s, e);
    return e->state == ST_SYN_SENT ? WR_EAGAIN : WR_EPIPE;
  }
  if (e->err)
    return take_err(s, e);
  if (e->shut & SEND_SHUT)
    return WR_EPIPE;
  if (e->eagain_send) {
    e->eagain_send--;
    s->moves++;
    return WR_EAGAIN;
  }
  sdir *d = &c->d[x];
  uint64_t queued = d->wr - d->dlv;
  if (queued >= d->sndbuf)
    return WR_EAGAIN;
  uint64_t take = d->sndbuf - queued, len = iov_total(iov, iovcnt);
  if (take > len)
    take = len;
  if (e->short_write_max && take > e->short_write_max)
    take = e->short_write_max;
  if (take == 0)
    return 0;
  if (ring_reserve(d, take) < 0)
    return WR_ENOMEM;
  wr_sim_trace_(s, WR_TR_WRITE, c->id, (uint32_t)x, d->wr, take);
  for (uint64_t left = take; left; iov++) {
    uint64_t k = iov->len < left ? iov->len : left;
    ring_put(d, iov->base, k);
    left -= k;
  }
  stat_of(s, c)->d[x].written += take;
  wr_sim_pump_(s, d);
  return (long)take;
}

/* May d's segments arrive now without anything but bytes changing hands?
 * Not while a stall holds them or a fault waits for a byte count, nor
 * into a receiver that refuses data. Delivering a data segment changes
 * none of this. (A dropped connection has no segments:
 * wr_simnet_fault_drop empties the queues.) */
static int open_to_arrivals(const wr_simnet *s, const sdir *d) {
  const sep *r = &d->conn->ep[1 - d->idx];
  return !d->stalled && d->stall_until <= s->now &&
         d->reset_after == UINT64_MAX &&
         (r->state == ST_ESTABLISHED ||
          ((r->state == ST_FIN_WAIT1 || r->state == ST_FIN_WAIT2) &&
           !(r->shut & RCV_SHUT)));
}

/* Is d's first segment data (not a FIN or RST) due by now? */
static int data_due(const wr_simnet *s, const sdir *d) {
  if (!d->qlen)
    return 0; /* and d->q may still be NULL */
  const seg *g = &d->q[d->qhead];
  return g->at <= s->now && !(g->flags & (SEG_FIN | SEG_RST));
}

/* Does the network have an event due now? */
static int event_now(const wr_simnet *s) {
  return s->nev && s->ev[0].at <= s->now;
}

/* wr_net_recv_arrived: the segments of d that arrive now and are the next
 * events are delivered until the reader has `want` bytes, as the steps
 * that poll would take next, each with its trace record. The first is
 * d's entry at the head of the event queue; each one after it would be
 * pushed with the newest sequence number and popped at once, being due
 * now with no other event due now, so it is taken from d's queue
 * directly: the same order, without a trip through the heap each. */
static void take_arrivals(wr_simnet *s, sdir *d, uint64_t want) {
  /* A policy that cuts the stream is there to have each piece read on
   * its own: its segments wait for the poll, as for wr_net_recv. */
  const wr_policy *p = &s->pol[d->policy];
  if (p->seg != WR_SEG_WHOLE || d->dlv - d->rd >= want || !event_now(s) ||
      s->ev[0].kind != EV_DIR || s->ev[0].p != d || !data_due(s, d) ||
      !open_to_arrivals(s, d))
    return;
  ev_pop(s);
  s->moves++;
  d->in_heap = 0;
  do
    seg_arrive(s, d);
  while (d->dlv - d->rd < want && !event_now(s) && data_due(s, d));
  wr_sim_dir_schedule_(s, d);
}

static long recv_from(wr_net *n, int h, void *buf, size_t len, int arrived) {
  wr_simnet *s = sim_of(n);
  sconn *c;
  int x;
  sep *e = ep_of(s, h, &c, &x);
  if (!e)
    return WR_ENOTCONN; /* a listener */
  if (e->eagain_recv) {
    e->eagain_recv--;
    s->moves++;
    return WR_EAGAIN;
  }
  sdir *d = &c->d[1 - x];
  if (arrived)
    take_arrivals(s, d, len);
  uint64_t avail = d->dlv - d->rd;
  if (avail && len) {
    uint64_t take = avail < len ? avail : len;
    wr_sim_trace_(s, WR_TR_READ, c->id, (uint32_t)(1 - x), d->rd, take);
    ring_get(d, buf, take);
    stat_of(s, c)->d[1 - x].read += take;
    wr_sim_pump_(s, d); /* the window opened */
    return (long)take;
  }
  if (!len)
    return 0;
  /* Nothing to read: the order of tcp_recvmsg's checks. */
  if (e->done)
    return 0;
  if (e->err)
    return take_err(s, e);
  if (e->shut & RCV_SHUT)
    return 0;
  if (e->state == ST_CLOSED)
    return WR_ENOTCONN;
  return WR_EAGAIN;
}

static long sim_recv(wr_net *n, int h, void *buf, size_t len) {
  return recv_from(n, h, buf, len, 0);
}

static long sim_recv_arrived(wr_net *n, int h, void *buf, size_t len) {
  return recv_from(n, h, buf, len, 1);
}

static int sim_shutdown(wr_net *n, int h, int how) {
  wr_simnet *s = sim_of(n);
  sconn *c;
  int x;
  sep *e = ep_of(s, h, &c, &x);
  if (!e)
    return WR_ENOTCONN;
  wr_sim_trace_(s, WR_TR_SHUTDOWN, c->id, (uint32_t)x, (uint64_t)how, 0);
  /* inet_shutdown: a closed socket still gets the bits but says ENOTCONN;
   * a connecting one is disconnected (tcp_disconnect: ECONNRESET). A
   * socket in TIME_WAIT is a closed one to Linux (tcp_time_wait hands the
   * connection to a timewait sock and sets TCP_CLOSE): checked with erl,
   * a second shutdown after the peer's close says enotconn. */
  if (e->state == ST_CLOSED || e->state == ST_TIME_WAIT) {
    e->shut |= (uint8_t)how;
    wr_sim_touch_(s, h);
    return WR_ENOTCONN;
  }
  if (e->state == ST_SYN_SENT) {
    e->state = ST_CLOSED;
    e->err = WR_ECONNRESET;
    e->shut = 0;
    wr_sim_touch_(s, h);
    return 0;
  }
  e->shut |= (uint8_t)how;
  if (how & WR_SHUT_WR) {
    if (e->state == ST_ESTABLISHED || e->state == ST_CLOSE_WAIT) {
      e->state = e->state == ST_ESTABLISHED ? ST_FIN_WAIT1 : ST_LAST_ACK;
      c->d[x].fin_pending = 1;
      wr_sim_pump_(s, &c->d[x]);
    }
  }
  wr_sim_touch_(s, h);
  return 0;
}

static void listener_close(wr_simnet *s, int h, slisten *l) {
  /* Established connections nobody accepted are reset, as Linux's
   * inet_csk_listen_stop does. */
  while (l->qhead) {
    sconn *c = l->qhead;
    l->qhead = c->accept_next;
    c->accept_next = NULL;
    c->in_acceptq = 0;
    c->ep[1].closed = 1;
    rst_send(s, c, 1, 1);
    conn_maybe_free(s, c);
  }
  for (int i = 0; i < s->nls; i++)
    if (s->ls[i] == l) {
      memmove(&s->ls[i], &s->ls[i + 1], (size_t)(s->nls - i - 1) * sizeof l);
      s->nls--;
      break;
    }
  free(l);
  hent_set(s, h, NULL, NULL, 0);
}

static int sim_close(wr_net *n, int h, int abort) {
  wr_simnet *s = sim_of(n);
  hent *he = wr_sim_hent_(s, h);
  if (!he)
    return 0;
  if (he->l) {
    listener_close(s, h, he->l);
    return 0;
  }
  sconn *c = he->c;
  int x = he->side;
  sep *e = &c->ep[x];
  sdir *in = &c->d[1 - x], *out = &c->d[x];
  int rst = 0;
  /* tcp_close: unread data means RST; then linger 0 means tcp_disconnect
   * (RST in the states tcp_need_reset names); else a FIN. */
  if (in->dlv > in->rd)
    rst = e->state != ST_CLOSED;
  else if (abort)
    rst = e->state == ST_ESTABLISHED || e->state == ST_CLOSE_WAIT ||
          e->state == ST_FIN_WAIT1 || e->state == ST_FIN_WAIT2 ||
          ((e->state == ST_CLOSING || e->state == ST_LAST_ACK) &&
           out->snt != out->wr);
  wr_sim_trace_(s, WR_TR_CLOSE, c->id, (uint32_t)x, (uint64_t)rst, 0);
  if (rst) {
    rst_send(s, c, x, 1);
  } else {
    dir_drop_unread(s, in);
    switch (e->state) {
    case ST_ESTABLISHED:
      e->state = ST_FIN_WAIT1;
      out->fin_pending = 1;
      break;
    case ST_CLOSE_WAIT:
      e->state = ST_LAST_ACK;
      out->fin_pending = 1;
      break;
    case ST_SYN_SENT:
      e->state = ST_CLOSED;
      break;
    default:
      break;
    }
    if (abort) {
      /* Linger 0 in a state without RST: whatever waits is dropped. */
      dir_drop_unsent(s, out);
      e->state = ST_CLOSED;
    }
    e->shut = RCV_SHUT | SEND_SHUT;
    wr_sim_pump_(s, out);
  }
  e->handle = -1;
  e->closed = 1;
  e->err = 0;
  hent_set(s, h, NULL, NULL, 0);
  conn_maybe_free(s, c);
  return 0;
}

static int sim_sockerr(wr_net *n, int h) {
  wr_simnet *s = sim_of(n);
  sconn *c;
  int x;
  sep *e = ep_of(s, h, &c, &x);
  if (!e || !e->err)
    return 0;
  return take_err(s, e);
}

/* tcp_poll's mask. */
static uint32_t sim_readiness(wr_net *n, int h) {
  wr_simnet *s = sim_of(n);
  hent *he = wr_sim_hent_(s, h);
  if (!he)
    return 0;
  if (he->l)
    return he->l->qhead ? WR_EV_IN : 0;
  if (!he->c)
    return 0;
  sconn *c = he->c;
  int x = he->side;
  const sep *e = &c->ep[x];
  uint32_t m = 0;
  if (e->shut == (RCV_SHUT | SEND_SHUT) || e->state == ST_CLOSED)
    m |= WR_EV_HUP;
  if (e->shut & RCV_SHUT)
    m |= WR_EV_IN | WR_EV_RDHUP;
  if (e->state != ST_SYN_SENT) {
    const sdir *in = &c->d[1 - x], *out = &c->d[x];
    if (in->dlv > in->rd)
      m |= WR_EV_IN;
    if (e->shut & SEND_SHUT) {
      m |= WR_EV_OUT;
    } else {
      uint64_t queued = out->wr - out->dlv;
      uint64_t room = queued < out->sndbuf ? out->sndbuf - queued : 0;
      /* sk_stream_is_writeable: free space at least half the queue. */
      if (room && room >= queued / 2)
        m |= WR_EV_OUT;
    }
  }
  if (e->err)
    m |= WR_EV_ERR;
  return m;
}

static int sim_watch(wr_net *n, int h, uint32_t interest) {
  wr_sim_touch_(sim_of(n), h);
  return 0;
}

static int collect(wr_simnet *s, wr_net_event *evs, int max) {
  int k = 0;
  size_t f = 0;
  for (; f < s->nfired && k < max; f++)
    evs[k++] = (wr_net_event){-1, WR_EV_TIMER, s->fired[f]};
  if (f) {
    memmove(s->fired, s->fired + f, (s->nfired - f) * sizeof *s->fired);
    s->nfired -= f;
    s->moves++; /* a timer is reported once */
  }
  int keep = 0;
  for (int i = 0; i < s->ncand; i++) {
    int h = s->cand[i];
    wr_net_slot *slot = wr_net_slot_(&s->base, h);
    uint32_t ready = slot ? sim_readiness(&s->base, h) : 0;
    uint32_t want = slot && slot->interest != WR_EV_QUIET
                        ? ready & (slot->interest | WR_EV_ALWAYS_)
                        : 0;
    if (want && k < max)
      evs[k++] = (wr_net_event){h, want, 0};
    if (want) {
      s->cand[keep++] = h; /* level-triggered: stays a candidate */
    } else if (h < s->hcap) {
      s->h[h].in_cand = 0;
    }
  }
  s->ncand = keep;
  return k;
}

/* k ready events found: one more spin when nothing moved since the last
 * poll that found some at this instant. Ready events are level-triggered
 * and time moves only when none is ready, so a caller that serves none of
 * them and changes nothing would get the same answer for ever. */
static int spin_check(wr_simnet *s, int k) {
  if (s->moves == s->spin_moves && s->now == s->spin_now) {
    if (++s->spins >= WR_SIMNET_SPIN_MAX)
      return WR_LIVELOCK;
  } else {
    s->spins = 0;
  }
  s->spin_moves = s->moves;
  s->spin_now = s->now;
  return k;
}

/* An empty event queue is a quiet network: every timer, segment, SYN and
 * retry is an event, so only a call from the user can make another. */
static int sim_poll(wr_net *n, wr_net_event *evs, int max, wr_time deadline,
                    uint32_t *flags) {
  wr_simnet *s = sim_of(n);
  for (;;) {
    int k = collect(s, evs, max);
    if (k)
      return spin_check(s, k);
    if (!s->nev || s->ev[0].at > deadline) {
      if (!s->nev)
        *flags |= WR_POLL_QUIET;
      if (deadline != WR_TIME_NEVER && s->now < deadline)
        s->now = deadline;
      return 0;
    }
    wr_simnet_step(n);
  }
}

static wr_time sim_now(wr_net *n) { return sim_of(n)->now; }

static int sim_timer_start(wr_net *n, wr_time at, uint64_t *id) {
  wr_simnet *s = sim_of(n);
  if (s->ntimers == s->tcap) {
    uint64_t cap = s->tcap ? s->tcap * 2 : 64;
    uint8_t *t = realloc(s->tstate, cap);
    if (!t)
      return WR_ENOMEM;
    s->tstate = t;
    s->tcap = cap;
  }
  uint64_t tid = s->ntimers + 1;
  if (wr_sim_push_(s, at, EV_TIMER, NULL, tid) < 0)
    return WR_ENOMEM;
  s->tstate[s->ntimers++] = 1;
  *id = tid;
  return 0;
}

static int sim_timer_cancel(wr_net *n, uint64_t id) {
  wr_simnet *s = sim_of(n);
  if (id == 0 || id > s->ntimers || s->tstate[id - 1] != 1)
    return WR_ENOENT;
  s->tstate[id - 1] = 2;
  s->moves++;
  return 0;
}

static int sim_local_addr(wr_net *n, int h, wr_addr *out) {
  wr_simnet *s = sim_of(n);
  hent *he = wr_sim_hent_(s, h);
  if (!he)
    return WR_EBADF;
  if (he->l) {
    *out = he->l->addr;
    return 0;
  }
  if (!he->c)
    return WR_EBADF;
  *out = he->c->ep[he->side].addr;
  return 0;
}

static int sim_peer_addr(wr_net *n, int h, wr_addr *out) {
  wr_simnet *s = sim_of(n);
  hent *he = wr_sim_hent_(s, h);
  if (!he || !he->c)
    return WR_ENOTCONN;
  const sep *e = &he->c->ep[he->side];
  if (e->state == ST_SYN_SENT || (e->state == ST_CLOSED && !e->done))
    return WR_ENOTCONN;
  *out = he->c->ep[1 - he->side].addr;
  return 0;
}

static void sim_destroy(wr_net *n) {
  wr_simnet *s = sim_of(n);
  if (s->pkt_fn) /* the hook's owner lets go of its state */
    s->pkt_fn(s->pkt_ctx, NULL);
  while (s->conns)
    conn_free(s, s->conns);
  for (int i = 0; i < s->nls; i++)
    free(s->ls[i]);
  free(s->ls);
  free(s->ev);
  free(s->h);
  free(s->cand);
  free(s->fired);
  free(s->tstate);
  free(s->pol);
  free(s->st);
  free(s->tr);
  wr_net_base_free_(&s->base);
  free(s);
}

static const wr_net_ops simnet_ops = {
    .version = WR_NET_OPS_VERSION,
    .name = "simnet",
    .listen = sim_listen,
    .accept = sim_accept,
    .connect = sim_connect,
    .sendv = sim_sendv,
    .recv = sim_recv,
    .shutdown = sim_shutdown,
    .close = sim_close,
    .sockerr = sim_sockerr,
    .readiness = sim_readiness,
    .watch = sim_watch,
    .poll = sim_poll,
    .now = sim_now,
    .timer_start = sim_timer_start,
    .timer_cancel = sim_timer_cancel,
    .local_addr = sim_local_addr,
    .peer_addr = sim_peer_addr,
    .destroy = sim_destroy,
    .set_policy = wr_simnet_set_policy,
    .stall = wr_simnet_stall,
    .release = wr_simnet_release,
    .set_bufsizes = wr_simnet_set_bufsizes,
    .get_bufsizes = wr_sim_get_bufsizes_,
    .set_sockopt = wr_sim_set_sockopt_,
    .get_sockopt = wr_sim_get_sockopt_,
    .conn_id = wr_simnet_conn_id,
    .queued = wr_sim_queued_,
    .recv_arrived = sim_recv_arrived,
};

int wr_simnet_is(const wr_net *n) { return n && n->ops == &simnet_ops; }

void wr_simnet_config_init(wr_simnet_config *cfg) {
  memset(cfg, 0, sizeof *cfg);
  cfg->sndbuf = WR_SIMNET_DEFAULT_SNDBUF;
  cfg->rcvbuf = WR_SIMNET_DEFAULT_RCVBUF;
  wr_policy_init(&cfg->c2s);
  wr_policy_init(&cfg->s2c);
}

int wr_simnet_create(const wr_simnet_config *cfg, wr_net **out, char *err,
                     size_t errlen) {
  wr_simnet_config def;
  if (!out)
    return WR_EINVAL;
  *out = NULL;
  if (!cfg) {
    wr_simnet_config_init(&def);
    cfg = &def;
  }
  char sub[200];
  if (cfg->sndbuf < 1 || cfg->sndbuf > WR_SIMNET_MAX_BUF || cfg->rcvbuf < 1 ||
      cfg->rcvbuf > WR_SIMNET_MAX_BUF) {
    if (err && errlen)
      snprintf(err, errlen,
               "simnet buffer sizes must be 1..%u bytes, found sndbuf %u "
               "rcvbuf %u",
               WR_SIMNET_MAX_BUF, cfg->sndbuf, cfg->rcvbuf);
    return WR_EINVAL;
  }
  if (wr_policy_check(&cfg->c2s, sub, sizeof sub) < 0) {
    if (err && errlen)
      snprintf(err, errlen, "client->server policy: %s", sub);
    return WR_EINVAL;
  }
  if (wr_policy_check(&cfg->s2c, sub, sizeof sub) < 0) {
    if (err && errlen)
      snprintf(err, errlen, "server->client policy: %s", sub);
    return WR_EINVAL;
  }
  wr_simnet *s = calloc(1, sizeof *s);
  if (!s)
    return WR_ENOMEM;
  wr_net_base_init_(&s->base, &simnet_ops);
  s->cfg = *cfg;
  wr_prng_seed(&s->rng, cfg->seed);
  s->hash = 0xcbf29ce484222325ull;
  s->next_port = 32768;
  s->pol = malloc(4 * sizeof *s->pol);
  if (!s->pol) {
    free(s);
    return WR_ENOMEM;
  }
  s->polcap = 4;
  s->pol[0] = cfg->c2s; /* indexes 0 and 1 are the defaults */
  s->pol[1] = cfg->s2c;
  s->npol = 2;
  *out = &s->base;
  return 0;
}
