/* IP fragment reassembly (IPv4 and IPv6).
 *
 * A capture can hold an attack: thousands of datagrams that never complete,
 * or one datagram cut into 8-byte fragments sent in random order. Every
 * step is therefore bounded: datagrams are found through a hash table (kept
 * in first-arrival order too, for timeouts and eviction), and each one
 * records which bytes it has in two bitmaps of one bit per byte -- the bytes
 * the wire carried (to know when the datagram is whole) and the bytes the
 * capture holds (a snaplen can cut a fragment). A fragment costs time in
 * proportion to its length, whatever arrived before it. Overlaps keep the
 * first copy, as for TCP; disagreeing bytes are counted.
 *
 * Limits (wr_pcap_options): a datagram waits at most 30 s of capture time,
 * the Linux default (net.ipv4.ipfrag_time); at most frag_mem bytes and
 * frag_max_pending datagrams wait, the oldest giving way; a datagram that
 * receives more than frag_max_fragments fragments is given up. Each limit
 * that bites is counted in wr_pcap_stats.
 */
#include <stdlib.h>
#include <string.h>

#include "base/hash.h"
#include "pcap_internal.h"

#define FRAG_TIMEOUT_NS (30LL * 1000000000LL)
#define MAX_DATAGRAM 65535u
#define MIN_BYTES 2048u /* first allocation of a datagram's buffer */

typedef struct dgram {
  struct dgram *prev, *next; /* arrival order, oldest first */
  struct dgram *hnext;       /* hash chain */
  uint64_t hash;
  int family;
  uint8_t src[16], dst[16];
  uint32_t id;
  uint8_t proto; /* IPv4: part of the key; IPv6: from the first fragment */
  int have_proto;
  int64_t first_ts;
  /* Given up (too many fragments): holds no bytes, absorbs the rest of its
   * fragments until it expires, so that they do not start a new datagram
   * that could never complete. */
  int dead;
  uint32_t nfrags;
  uint8_t *data;
  size_t cap;           /* bytes of data; the bitmaps cover as many bits */
  uint64_t *wire, *got; /* one bit per byte: carried / captured */
  uint32_t wire_bytes;  /* bits set in wire */
  uint32_t wire_end;    /* end of the highest fragment seen */
  uint32_t total;
  int have_total;
} dgram;

struct wr_fragq {
  wr_fragq_limits lim;
  dgram *head, *tail;
  dgram **buckets;
  size_t nbuckets;
  size_t count, live, mem;
  dgram *done; /* the datagram last handed out, freed on the next call */
};

wr_fragq *wr_fragq_new(const wr_fragq_limits *lim) {
  wr_fragq *q = calloc(1, sizeof *q);
  if (!q)
    return NULL;
  q->lim = *lim;
  if (!q->lim.mem)
    q->lim.mem = WR_PCAP_DEFAULT_FRAG_MEM;
  if (!q->lim.max_pending)
    q->lim.max_pending = WR_PCAP_DEFAULT_FRAG_PENDING;
  if (!q->lim.max_fragments)
    q->lim.max_fragments = WR_PCAP_DEFAULT_FRAG_FRAGMENTS;
  q->nbuckets = 64;
  q->buckets = calloc(q->nbuckets, sizeof *q->buckets);
  if (!q->buckets) {
    free(q);
    return NULL;
  }
  return q;
}

/* What a datagram's storage costs: its bytes and its two bitmaps. */
static size_t dgram_mem(size_t cap) { return cap + 2 * (cap / 8); }

static void dgram_release(dgram *d) {
  free(d->data);
  free(d->wire);
  free(d->got);
  d->data = NULL;
  d->wire = d->got = NULL;
  d->cap = 0;
}

static void dgram_free(dgram *d) {
  if (!d)
    return;
  dgram_release(d);
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
  dgram **pp = &q->buckets[d->hash & (q->nbuckets - 1)];
  while (*pp != d)
    pp = &(*pp)->hnext;
  *pp = d->hnext;
  q->count--;
  if (!d->dead)
    q->live--;
  q->mem -= dgram_mem(d->cap);
}

void wr_fragq_free(wr_fragq *q) {
  if (!q)
    return;
  dgram *d = q->head;
  while (d) {
    dgram *next = d->next;
    dgram_free(d);
    d = next;
  }
  dgram_free(q->done);
  free(q->buckets);
  free(q);
}

size_t wr_fragq_pending(const wr_fragq *q) { return q->live; }

static uint64_t key_hash(const ip_info *ip) {
  uint64_t h =
      wr_mix64((uint64_t)ip->frag_id << 16 | (uint64_t)ip->family << 8 |
               (ip->family == 4 ? ip->proto : 0));
  for (int i = 0; i < 16; i += 8) {
    uint64_t a, b;
    memcpy(&a, ip->src + i, 8);
    memcpy(&b, ip->dst + i, 8);
    h = wr_mix64(h ^ a) + wr_mix64(h ^ b ^ 0x9e3779b97f4a7c15ULL);
  }
  return h;
}

static dgram *find(wr_fragq *q, const ip_info *ip, uint64_t h) {
  for (dgram *d = q->buckets[h & (q->nbuckets - 1)]; d; d = d->hnext)
    if (d->hash == h && d->family == ip->family && d->id == ip->frag_id &&
        (ip->family == 6 || d->proto == ip->proto) &&
        memcmp(d->src, ip->src, 16) == 0 && memcmp(d->dst, ip->dst, 16) == 0)
      return d;
  return NULL;
}

/* Doubles the hash table; on failure the longer chains only cost time. */
static void grow_table(wr_fragq *q) {
  size_t n = q->nbuckets * 2;
  dgram **nb = calloc(n, sizeof *nb);
  if (!nb)
    return;
  for (dgram *d = q->head; d; d = d->next) {
    d->hnext = nb[d->hash & (n - 1)];
    nb[d->hash & (n - 1)] = d;
  }
  free(q->buckets);
  q->buckets = nb;
  q->nbuckets = n;
}

/* Gives up the oldest datagram; *why counts it (a cap that bit), or NULL
 * for a timeout. A dead datagram was counted when it died. */
static void drop_oldest(wr_fragq *q, wr_pcap_stats *st, uint64_t *why) {
  dgram *d = q->head;
  int was_dead = d->dead;
  unlink_dgram(q, d);
  dgram_free(d);
  if (!was_dead) {
    st->frag_dropped++;
    if (why)
      (*why)++;
  }
}

/* ---- bitmaps ------------------------------------------------------------ */

static int bit_get(const uint64_t *bm, uint32_t i) {
  return (int)(bm[i >> 6] >> (i & 63) & 1);
}

/* The first index in [x, e) whose bit is `value`, or e. */
static uint32_t find_bit(const uint64_t *bm, uint32_t x, uint32_t e,
                         int value) {
  while (x < e) {
    uint64_t w = bm[x >> 6];
    if (!value)
      w = ~w;
    w &= ~0ULL << (x & 63);
    if (w) {
      uint32_t i = (x & ~63u) + (uint32_t)__builtin_ctzll(w);
      return i < e ? i : e;
    }
    x = (x & ~63u) + 64;
  }
  return e;
}

/* Sets bits [a, b); returns how many were clear. */
static uint32_t set_bits(uint64_t *bm, uint32_t a, uint32_t b) {
  uint32_t added = 0;
  while (a < b) {
    uint32_t w = a >> 6, lo = a & 63;
    uint32_t hi = (b - (a & ~63u)) < 64 ? (b & 63) : 64;
    uint64_t mask = (hi == 64 ? ~0ULL : ((1ULL << hi) - 1)) & (~0ULL << lo);
    added += (uint32_t)__builtin_popcountll(mask & ~bm[w]);
    bm[w] |= mask;
    a = (a & ~63u) + 64;
  }
  return added;
}

/* Grows d's storage to hold byte offsets below `end`. */
static int reserve(wr_fragq *q, dgram *d, uint32_t end) {
  if (end <= d->cap)
    return 0;
  size_t ncap = d->cap ? d->cap : MIN_BYTES;
  while (ncap < end)
    ncap *= 2;
  if (ncap > MAX_DATAGRAM + 1)
    ncap = MAX_DATAGRAM + 1; /* 65536: a multiple of 64 bits */
  uint8_t *nd = realloc(d->data, ncap);
  if (!nd)
    return WR_ENOMEM;
  d->data = nd;
  uint64_t *bm[2] = {d->wire, d->got};
  for (int i = 0; i < 2; i++) {
    uint64_t *nb = realloc(bm[i], ncap / 8);
    if (!nb)
      return WR_ENOMEM;
    memset((uint8_t *)nb + d->cap / 8, 0, (ncap - d->cap) / 8);
    if (i == 0)
      d->wire = nb;
    else
      d->got = nb;
    bm[i] = nb;
  }
  q->mem += dgram_mem(ncap) - dgram_mem(d->cap);
  d->cap = ncap;
  return 0;
}

/* Copies the captured bytes [a, e) into d, leaving bytes already held
 * untouched (first copy wins) and counting those that disagree. Runs of
 * held and missing bytes are found a bitmap word at a time. */
static void merge_bytes(dgram *d, uint32_t a, uint32_t e, const uint8_t *src,
                        wr_pcap_stats *st) {
  uint32_t x = a;
  while (x < e) {
    int held = bit_get(d->got, x);
    uint32_t y = find_bit(d->got, x, e, !held);
    if (held) {
      const uint8_t *p = d->data + x, *s = src + (x - a);
      if (memcmp(p, s, y - x) != 0)
        for (uint32_t k = 0; k < y - x; k++)
          st->frag_overlaps += p[k] != s[k];
    } else {
      memcpy(d->data + x, src + (x - a), y - x);
      set_bits(d->got, x, y);
    }
    x = y;
  }
}

static dgram *new_dgram(wr_fragq *q, const ip_info *ip, uint64_t h,
                        int64_t ts_ns) {
  dgram *d = calloc(1, sizeof *d);
  if (!d)
    return NULL;
  d->hash = h;
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
  size_t b = h & (q->nbuckets - 1);
  d->hnext = q->buckets[b];
  q->buckets[b] = d;
  q->count++;
  q->live++;
  if (q->count > q->nbuckets)
    grow_table(q);
  return d;
}

int wr_fragq_add(wr_fragq *q, const ip_info *ip, int64_t ts_ns,
                 wr_pcap_stats *st, ip_info *whole) {
  dgram_free(q->done);
  q->done = NULL;
  while (q->head && ts_ns - q->head->first_ts > FRAG_TIMEOUT_NS)
    drop_oldest(q, st, NULL);

  uint32_t a = ip->frag_off;
  if (ip->len > MAX_DATAGRAM || a + ip->len > MAX_DATAGRAM)
    return -2; /* larger than any datagram: the caller counts it malformed */
  uint32_t b = a + (uint32_t)ip->len;
  uint32_t e = a + (uint32_t)ip->cap_len;
  if (ip->cap_len < ip->len)
    st->frag_truncated++;

  uint64_t h = key_hash(ip);
  dgram *d = find(q, ip, h);
  if (!d) {
    while (q->count >= q->lim.max_pending && q->head)
      drop_oldest(q, st, &st->frag_cap_pending);
    d = new_dgram(q, ip, h, ts_ns);
    if (!d)
      return WR_ENOMEM;
  }
  if (d->dead)
    return 0;
  if (++d->nfrags > q->lim.max_fragments) {
    /* Its storage goes now; the entry stays to absorb what follows. */
    q->mem -= dgram_mem(d->cap);
    dgram_release(d);
    d->dead = 1;
    q->live--;
    st->frag_dropped++;
    st->frag_cap_fragments++;
    return 0;
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
  if (reserve(q, d, b))
    return WR_ENOMEM;
  merge_bytes(d, a, e, ip->payload, st);
  if (a < b) {
    d->wire_bytes += set_bits(d->wire, a, b);
    if (b > d->wire_end)
      d->wire_end = b;
  }

  /* Whole when the carried bytes are exactly [0, wire_end) and reach the
   * end the last fragment gave. */
  int complete = d->have_total && d->have_proto &&
                 d->wire_bytes == d->wire_end && d->wire_end >= d->total &&
                 d->wire_end > 0;
  if (!complete) {
    while (q->mem > q->lim.mem && q->head && q->head != d)
      drop_oldest(q, st, &st->frag_cap_mem);
    if (q->mem > q->lim.mem) /* d alone is over the limit: give it up too */
      drop_oldest(q, st, &st->frag_cap_mem);
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
  whole->cap_len = find_bit(d->got, 0, d->total, 0);
  return 1;
}
