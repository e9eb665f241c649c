/* TCP reassembly: the flow table and what a segment means to its flow
 * (handshake, FIN, RST, port reuse, keep-alives). The bytes themselves are
 * tcpstream.c's business. */
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "reasm_internal.h"

#define DEFAULT_IDLE_NS (120LL * 1000000000LL)
#define HISTORY ((size_t)64 << 10)
#define MIN_CAP ((size_t)4096)

const char *wr_tcp_dir_name(int dir) { return dir == WR_S2C ? "s2c" : "c2s"; }

const char *wr_gap_reason_name(int reason) {
  switch (reason) {
  case WR_GAP_TRUNCATED:
    return "truncated";
  case WR_GAP_CAP:
    return "cap";
  default:
    return "missing";
  }
}

int wr_tcp_reasm_create(const wr_tcp_options *opt, const wr_tcp_sink *sink,
                        wr_tcp_reasm **out) {
  wr_tcp_reasm *r = calloc(1, sizeof *r);
  *out = r;
  if (!r)
    return WR_ENOMEM;
  if (sink)
    r->sink = *sink;
  wr_tcp_options o = {0};
  if (opt)
    o = *opt;
  r->cap = o.stream_cap ? o.stream_cap : WR_TCP_DEFAULT_STREAM_CAP;
  if (r->cap < MIN_CAP)
    r->cap = MIN_CAP;
  r->flush = o.flush_size ? o.flush_size : WR_TCP_DEFAULT_FLUSH;
  /* Data waiting for the sink and the history both count against the cap;
   * keep them well inside it so that small caps still work. */
  if (r->flush > r->cap / 2)
    r->flush = r->cap / 2;
  r->hist = HISTORY < r->cap / 4 ? HISTORY : r->cap / 4;
  r->idle_ns = o.finished_idle_ns ? o.finished_idle_ns : DEFAULT_IDLE_NS;
  r->total_cap = o.total_cap ? o.total_cap : WR_TCP_DEFAULT_TOTAL_CAP;
  if (r->total_cap < MIN_CAP)
    r->total_cap = MIN_CAP;
  r->max_queued = o.max_queued ? o.max_queued : WR_TCP_DEFAULT_MAX_QUEUED;
  r->nbuckets = 1024;
  r->buckets = calloc(r->nbuckets, sizeof *r->buckets);
  if (!r->buckets) {
    free(r);
    *out = NULL;
    return WR_ENOMEM;
  }
  r->next_id = 1;
  return 0;
}

const wr_tcp_stats *wr_tcp_reasm_stats(const wr_tcp_reasm *r) { return &r->st; }

/* ---- the flow table ---------------------------------------------------- */

static uint64_t endpoint_hash(const wr_addr *e) {
  uint64_t a, b;
  memcpy(&a, e->ip, 8);
  memcpy(&b, e->ip + 8, 8);
  return wr_mix64(a ^ wr_mix64(b ^ ((uint64_t)e->port << 8 | e->family)));
}

/* Symmetric in its arguments, so both directions find the flow. */
static uint64_t flow_hash(const wr_addr *a, const wr_addr *b) {
  return wr_mix64(endpoint_hash(a) + endpoint_hash(b));
}

static rflow *lookup(wr_tcp_reasm *r, uint64_t h, const wr_addr *src,
                     const wr_addr *dst) {
  for (rflow *f = r->buckets[h & (r->nbuckets - 1)]; f; f = f->hnext)
    if (f->hash == h && ((wr_addr_equal(&f->pub.client, src) &&
                          wr_addr_equal(&f->pub.server, dst)) ||
                         (wr_addr_equal(&f->pub.client, dst) &&
                          wr_addr_equal(&f->pub.server, src))))
      return f;
  return NULL;
}

static int grow(wr_tcp_reasm *r) {
  size_t n = r->nbuckets * 2;
  rflow **nb = calloc(n, sizeof *nb);
  if (!nb)
    return WR_ENOMEM;
  for (size_t i = 0; i < r->nbuckets; i++) {
    rflow *f = r->buckets[i];
    while (f) {
      rflow *next = f->hnext;
      f->hnext = nb[f->hash & (n - 1)];
      nb[f->hash & (n - 1)] = f;
      f = next;
    }
  }
  free(r->buckets);
  r->buckets = nb;
  r->nbuckets = n;
  return 0;
}

static void unhash(wr_tcp_reasm *r, rflow *f) {
  rflow **pp = &r->buckets[f->hash & (r->nbuckets - 1)];
  while (*pp != f)
    pp = &(*pp)->hnext;
  *pp = f->hnext;
  r->count--;
}

static void fifo_remove(wr_tcp_reasm *r, rflow *f) {
  if (!f->in_fifo)
    return;
  if (f->fprev)
    f->fprev->fnext = f->fnext;
  else
    r->fin_head = f->fnext;
  if (f->fnext)
    f->fnext->fprev = f->fprev;
  else
    r->fin_tail = f->fprev;
  f->in_fifo = 0;
}

static void fifo_push(wr_tcp_reasm *r, rflow *f) {
  if (f->in_fifo)
    return;
  f->fprev = r->fin_tail;
  f->fnext = NULL;
  if (r->fin_tail)
    r->fin_tail->fnext = f;
  else
    r->fin_head = f;
  r->fin_tail = f;
  f->in_fifo = 1;
}

/* Finishes both directions, tells the sink, and frees the flow. */
static void close_flow(wr_tcp_reasm *r, rflow *f) {
  wr_tcpdir_finish(f, WR_C2S);
  wr_tcpdir_finish(f, WR_S2C);
  unhash(r, f);
  fifo_remove(r, f);
  if (r->sink.close)
    r->sink.close(r->sink.ctx, &f->pub);
  wr_tcpdir_free(r, &f->d[0]);
  wr_tcpdir_free(r, &f->d[1]);
  free(f);
}

/* Closes finished flows that have been quiet long enough. A flow at the
 * head that saw a late segment holds the ones behind it back a while,
 * which costs memory, never correctness. */
static void expire(wr_tcp_reasm *r, int64_t now) {
  while (r->fin_head && now - r->fin_head->pub.last_ts > r->idle_ns)
    close_flow(r, r->fin_head);
}

/* The client: the sender of a SYN, the receiver of a SYN-ACK, else the
 * higher port, else the sender. */
static rflow *create(wr_tcp_reasm *r, const wr_tcp_segment *seg, uint64_t h) {
  if (r->count >= r->nbuckets && grow(r))
    return NULL;
  rflow *f = calloc(1, sizeof *f);
  if (!f)
    return NULL;
  f->r = r;
  f->hash = h;
  int syn = seg->flags & WR_TCP_SYN, ack = seg->flags & WR_TCP_ACK;
  int src_is_client;
  if (syn && !ack) {
    src_is_client = 1;
    f->pub.client_by = WR_CLIENT_BY_SYN;
  } else if (syn) {
    src_is_client = 0;
    f->pub.client_by = WR_CLIENT_BY_SYNACK;
  } else if (seg->src.port != seg->dst.port) {
    src_is_client = seg->src.port > seg->dst.port;
    f->pub.client_by = WR_CLIENT_BY_PORT;
  } else {
    src_is_client = 1;
    f->pub.client_by = WR_CLIENT_BY_FIRST;
  }
  f->pub.client = src_is_client ? seg->src : seg->dst;
  f->pub.server = src_is_client ? seg->dst : seg->src;
  f->pub.id = r->next_id++;
  f->pub.first_ts = f->pub.last_ts = seg->ts_ns;
  f->pub.first_record = seg->record;
  f->d[0].flush_at = f->d[1].flush_at = r->flush;
  size_t b = h & (r->nbuckets - 1);
  f->hnext = r->buckets[b];
  r->buckets[b] = f;
  r->count++;
  r->st.flows++;
  if (r->sink.open)
    f->skip = r->sink.open(r->sink.ctx, &f->pub) != 0;
  return f;
}

/* Does this SYN open a new connection on the four-tuple of f? */
static int starts_new_flow(const rflow *f, int dir, const wr_tcp_segment *seg) {
  const wr_tcp_dir_stats *st = &f->pub.dir[dir], *other = &f->pub.dir[!dir];
  if (st->syn && st->isn == seg->seq)
    return 0; /* the same SYN or SYN-ACK again */
  if (f->finished)
    return 1; /* port reuse */
  if (seg->flags & WR_TCP_ACK)
    return st->syn; /* a SYN-ACK with another ISN: a new answer */
  /* A SYN from the side that had not sent one: simultaneous open when the
   * other side's SYN is all that happened so far; otherwise the flow that
   * was going on (maybe started before the capture) is over. */
  if (!st->syn && other->syn && other->bytes == 0 && st->bytes == 0 &&
      !f->d[dir].have_base)
    return 0;
  return 1;
}

static int is_keepalive(const tcp_dir *t, int64_t off,
                        const wr_tcp_segment *seg) {
  return !(seg->flags & (WR_TCP_SYN | WR_TCP_FIN | WR_TCP_RST)) &&
         seg->wire_len <= 1 && t->next > 0 && off == (int64_t)t->next - 1;
}

static void on_segment(wr_tcp_reasm *r, rflow *f, int dir,
                       const wr_tcp_segment *seg) {
  tcp_dir *t = &f->d[dir];
  wr_tcp_dir_stats *st = &f->pub.dir[dir];
  uint8_t fl = seg->flags;
  if (f->rst) {
    st->after_rst++;
    return;
  }
  if (seg->len < seg->wire_len)
    st->truncated++;
  uint32_t data_seq = seg->seq;
  if (fl & WR_TCP_SYN) {
    if (!st->syn) {
      st->syn = 1;
      st->isn = seg->seq;
    }
    data_seq = seg->seq + 1; /* the SYN takes one sequence number */
    if (!t->have_base) {
      t->base = data_seq;
      t->have_base = 1;
    }
  }
  if (fl & WR_TCP_RST) {
    /* The connection is gone: what was queued ahead of a hole will never
     * be completed, and nothing after this is delivered. */
    st->rst = 1;
    f->rst = f->finished = 1;
    wr_tcpdir_finish(f, WR_C2S);
    wr_tcpdir_finish(f, WR_S2C);
    fifo_push(r, f);
    return;
  }
  /* Without a SYN the first segment that carries data (or a FIN) fixes
   * where the stream starts: a capture that begins mid-stream. */
  if (!t->have_base && (seg->wire_len > 0 || (fl & WR_TCP_FIN))) {
    t->base = data_seq;
    t->have_base = 1;
  }
  if (t->have_base) {
    int64_t off = wr_tcpdir_offset(t, data_seq);
    if (is_keepalive(t, off, seg)) {
      st->keepalives++;
    } else {
      if (seg->wire_len > 0)
        wr_tcpdir_segment(f, dir, off, seg->payload, seg->len,
                          seg->wire_len - seg->len, seg->ts_ns);
      if ((fl & WR_TCP_FIN) && !t->fin) {
        int64_t end = off + (int64_t)seg->wire_len;
        t->fin = 1;
        t->fin_off = end > 0 ? (uint64_t)end : 0;
        st->fin = 1;
      }
    }
  }
  tcp_dir *peer = &f->d[!dir];
  if ((fl & WR_TCP_ACK) && peer->have_base)
    wr_tcpdir_ack(f, !dir, wr_tcpdir_offset(peer, seg->ack), seg->ts_ns);
  wr_tcpdir_check_complete(f, dir);
  wr_tcpdir_check_complete(f, !dir);
  if (f->pub.dir[0].fin && f->pub.dir[1].fin && !f->finished) {
    f->finished = 1;
    fifo_push(r, f);
  }
}

int wr_tcp_reasm_add(wr_tcp_reasm *r, const wr_tcp_segment *seg) {
  if (r->error)
    return r->error;
  expire(r, seg->ts_ns);
  uint64_t h = flow_hash(&seg->src, &seg->dst);
  rflow *f = lookup(r, h, &seg->src, &seg->dst);
  if (seg->csum == WR_CSUM_BAD) {
    /* The receiving kernel drops it; so do we, and say so. */
    if (f)
      f->pub.dir[wr_addr_equal(&seg->src, &f->pub.client) ? WR_C2S : WR_S2C]
          .bad_checksums++;
    else
      r->st.orphan_bad_checksums++;
    return 0;
  }
  if (f && (seg->flags & WR_TCP_SYN)) {
    int dir = wr_addr_equal(&seg->src, &f->pub.client) ? WR_C2S : WR_S2C;
    if (starts_new_flow(f, dir, seg)) {
      close_flow(r, f);
      f = NULL;
    }
  }
  if (!f) {
    f = create(r, seg, h);
    if (!f)
      return r->error = WR_ENOMEM;
  }
  int dir = wr_addr_equal(&seg->src, &f->pub.client) ? WR_C2S : WR_S2C;
  f->pub.dir[dir].packets++;
  if (seg->ts_ns > f->pub.last_ts)
    f->pub.last_ts = seg->ts_ns;
  if (seg->ts_ns < f->pub.first_ts)
    f->pub.first_ts = seg->ts_ns;
  if (f->in_fifo) { /* a late segment: the idle clock restarts */
    fifo_remove(r, f);
    fifo_push(r, f);
  }
  on_segment(r, f, dir, seg);
  return r->error;
}

static int by_id(const void *a, const void *b) {
  const rflow *x = *(rflow *const *)a, *y = *(rflow *const *)b;
  return x->pub.id < y->pub.id ? -1 : x->pub.id > y->pub.id;
}

int wr_tcp_reasm_finish(wr_tcp_reasm *r) {
  /* Closed in id order so that what the sink sees does not depend on the
   * hash table's layout. */
  size_t n = r->count, k = 0;
  rflow **all = malloc((n ? n : 1) * sizeof *all);
  if (!all)
    return r->error = WR_ENOMEM;
  for (size_t i = 0; i < r->nbuckets; i++)
    for (rflow *f = r->buckets[i]; f; f = f->hnext)
      all[k++] = f;
  qsort(all, k, sizeof *all, by_id);
  for (size_t i = 0; i < k; i++)
    close_flow(r, all[i]);
  free(all);
  return r->error;
}

void wr_tcp_reasm_destroy(wr_tcp_reasm *r) {
  if (!r)
    return;
  for (size_t i = 0; i < r->nbuckets; i++) {
    rflow *f = r->buckets[i];
    while (f) {
      rflow *next = f->hnext;
      wr_tcpdir_free(r, &f->d[0]);
      wr_tcpdir_free(r, &f->d[1]);
      free(f);
      f = next;
    }
  }
  free(r->buckets);
  free(r);
}
