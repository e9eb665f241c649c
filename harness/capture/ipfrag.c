/* IP fragment reassembly (IPv4 and IPv6).
 *
 * Fragments are rare next to the TCP traffic they interrupt, so this path
 * favours clarity: datagrams in a list ordered by first arrival, each with a
 * buffer and two sorted range sets -- the bytes the wire carried (to know
 * when the datagram is whole) and the bytes the capture holds (a snaplen can
 * cut a fragment). Overlaps keep the first copy, as for TCP; disagreeing
 * bytes are counted. A datagram waits at most 30 s of capture time, the
 * Linux default (net.ipv4.ipfrag_time), and the oldest ones give way when
 * the memory limit is reached.
 */
#include <stdlib.h>
#include <string.h>

#include "pcap_internal.h"

#define FRAG_TIMEOUT_NS (30LL * 1000000000LL)
#define MAX_DATAGRAM 65535u

typedef struct range {
  uint32_t a, b; /* [a, b) */
} range;

typedef struct rangeset {
  range *r;
  size_t n, cap;
} rangeset;

typedef struct dgram {
  struct dgram *prev, *next;
  int family;
  uint8_t src[16], dst[16];
  uint32_t id;
  uint8_t proto; /* IPv4: part of the key; IPv6: from the first fragment */
  int have_proto;
  int64_t first_ts;
  uint8_t *data;
  size_t cap;
  rangeset wire, got;
  uint32_t total;
  int have_total;
} dgram;

struct wr_fragq {
  dgram *head, *tail;
  size_t count, mem, limit;
  dgram *done; /* the datagram last handed out, freed on the next call */
};

wr_fragq *wr_fragq_new(size_t mem_limit) {
  wr_fragq *q = calloc(1, sizeof *q);
  if (q)
    q->limit = mem_limit ? mem_limit : WR_PCAP_DEFAULT_FRAG_MEM;
  return q;
}

static void dgram_free(dgram *d) {
  if (!d)
    return;
  free(d->data);
  free(d->wire.r);
  free(d->got.r);
  free(d);
}

static void unlink_dgram(wr_fragq *q, dgram *d) {
  if (d->prev)
    d->prev->next = d->next;
  else
    q->head = d->next;
  if (d->next)
    d->next->prev = d->prev;
  else
    q->tail = d->prev;
  q->count--;
  q->mem -= d->cap;
}

void wr_fragq_free(wr_fragq *q) {
  if (!q)
    return;
  while (q->head) {
    dgram *d = q->head;
    unlink_dgram(q, d);
    dgram_free(d);
  }
  dgram_free(q->done);
  free(q);
}

size_t wr_fragq_pending(const wr_fragq *q) { return q->count; }

/* Adds [a, b) to a sorted set of disjoint ranges, merging neighbours. */
static int range_add(rangeset *s, uint32_t a, uint32_t b) {
  if (a >= b)
    return 0;
  size_t i = 0;
  while (i < s->n && s->r[i].b < a)
    i++;
  size_t j = i;
  while (j < s->n && s->r[j].a <= b) {
    if (s->r[j].a < a)
      a = s->r[j].a;
    if (s->r[j].b > b)
      b = s->r[j].b;
    j++;
  }
  if (j == i) { /* no range touched: insert at i */
    if (s->n == s->cap) {
      size_t ncap = s->cap ? s->cap * 2 : 4;
      range *nr = realloc(s->r, ncap * sizeof *nr);
      if (!nr)
        return WR_ENOMEM;
      s->r = nr;
      s->cap = ncap;
    }
    memmove(s->r + i + 1, s->r + i, (s->n - i) * sizeof *s->r);
    s->n++;
  } else if (j > i + 1) { /* ranges i..j-1 become one */
    memmove(s->r + i + 1, s->r + j, (s->n - j) * sizeof *s->r);
    s->n -= j - i - 1;
  }
  s->r[i].a = a;
  s->r[i].b = b;
  return 0;
}

static dgram *find(wr_fragq *q, const ip_info *ip) {
  for (dgram *d = q->head; d; d = d->next)
    if (d->family == ip->family && d->id == ip->frag_id &&
        (ip->family == 6 || d->proto == ip->proto) &&
        memcmp(d->src, ip->src, 16) == 0 && memcmp(d->dst, ip->dst, 16) == 0)
      return d;
  return NULL;
}

static void drop_oldest(wr_fragq *q, wr_pcap_stats *st) {
  dgram *d = q->head;
  unlink_dgram(q, d);
  dgram_free(d);
  st->frag_dropped++;
}

/* Copies the captured bytes [a, e) into d, leaving bytes already held
 * untouched (first copy wins) and counting those that disagree. */
static void merge_bytes(dgram *d, uint32_t a, uint32_t e, const uint8_t *src,
                        wr_pcap_stats *st) {
  uint32_t x = a;
  for (size_t i = 0; i < d->got.n && x < e; i++) {
    range r = d->got.r[i];
    if (r.b <= x)
      continue;
    if (r.a >= e)
      break;
    if (r.a > x) {
      memcpy(d->data + x, src + (x - a), r.a - x);
      x = r.a;
    }
    uint32_t end = r.b < e ? r.b : e;
    for (uint32_t k = x; k < end; k++)
      if (d->data[k] != src[k - a])
        st->frag_overlaps++;
    x = end;
  }
  if (x < e)
    memcpy(d->data + x, src + (x - a), e - x);
}

int wr_fragq_add(wr_fragq *q, const ip_info *ip, int64_t ts_ns,
                 wr_pcap_stats *st, ip_info *whole) {
  dgram_free(q->done);
  q->done = NULL;
  while (q->head && ts_ns - q->head->first_ts > FRAG_TIMEOUT_NS)
    drop_oldest(q, st);

  uint32_t a = ip->frag_off;
  if (ip->len > MAX_DATAGRAM || a + ip->len > MAX_DATAGRAM)
    return -2; /* larger than any datagram: the caller counts it malformed */
  uint32_t b = a + (uint32_t)ip->len;
  uint32_t e = a + (uint32_t)ip->cap_len;
  if (ip->cap_len < ip->len)
    st->frag_truncated++;

  dgram *d = find(q, ip);
  if (!d) {
    d = calloc(1, sizeof *d);
    if (!d)
      return WR_ENOMEM;
    d->family = ip->family;
    memcpy(d->src, ip->src, 16);
    memcpy(d->dst, ip->dst, 16);
    d->id = ip->frag_id;
    d->first_ts = ts_ns;
    if (ip->family == 4) {
      d->proto = ip->proto;
      d->have_proto = 1;
    }
    d->prev = q->tail;
    if (q->tail)
      q->tail->next = d;
    else
      q->head = d;
    q->tail = d;
    q->count++;
  }
  if (!ip->frag_more) {
    /* A second, different end would be a contradiction; the first wins. */
    if (!d->have_total) {
      d->total = b;
      d->have_total = 1;
    }
  }
  if (ip->family == 6 && a == 0 && !d->have_proto) {
    d->proto = ip->proto;
    d->have_proto = 1;
  }
  if (e > d->cap) {
    size_t ncap = d->cap ? d->cap : 2048;
    while (ncap < e)
      ncap *= 2;
    if (ncap > MAX_DATAGRAM)
      ncap = MAX_DATAGRAM;
    uint8_t *nd = realloc(d->data, ncap);
    if (!nd)
      return WR_ENOMEM;
    q->mem += ncap - d->cap;
    d->data = nd;
    d->cap = ncap;
  }
  merge_bytes(d, a, e, ip->payload, st);
  if (range_add(&d->wire, a, b) || range_add(&d->got, a, e))
    return WR_ENOMEM;

  int complete = d->have_total && d->have_proto && d->wire.n == 1 &&
                 d->wire.r[0].a == 0 && d->wire.r[0].b >= d->total;
  if (!complete) {
    while (q->mem > q->limit && q->head && q->head != d)
      drop_oldest(q, st);
    if (q->mem > q->limit)
      drop_oldest(q, st); /* d alone is over the limit: give it up too */
    return 0;
  }
  unlink_dgram(q, d);
  q->done = d;
  st->reassembled++;
  memset(whole, 0, sizeof *whole);
  whole->family = d->family;
  memcpy(whole->src, d->src, 16);
  memcpy(whole->dst, d->dst, 16);
  whole->proto = d->proto;
  whole->payload = d->data;
  whole->len = d->total;
  whole->cap_len = 0;
  if (d->got.n > 0 && d->got.r[0].a == 0)
    whole->cap_len = d->got.r[0].b < d->total ? d->got.r[0].b : d->total;
  return 1;
}
