/* Reassembly under faults: shuffled and overlapping TCP segments and IP
 * fragments give exactly the bytes of the same traffic in order (several
 * seeded shuffles each, prng.h), and every limit of wr_pcap_options and
 * wr_tcp_options that bites is counted and printed, never silent. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pcap/craft.h"
#include "pcap/pcaptest.h"
#include "testutil.h"
#include "wirerig/pcapflows.h"
#include "wirerig/pcaptools.h"
#include "wirerig/prng.h"

static const cr_end C = {"10.0.0.1", 40000}, S = {"10.0.0.2", 80};
#define ISN_C 1000u
#define ISN_S 5000u
#define SEEDS 5

static cr_file *start(const char *path, cr_conv *c, int link) {
  cr_file *f = cr_open(path, CR_PCAP_US, &link, 1, 0);
  TU_CHECK(f != NULL, "cannot create %s", path);
  cr_conv_init(c, f, link, C, S, ISN_C, ISN_S);
  return f;
}

static void shuffle(size_t *v, size_t n, wr_prng *r) {
  for (size_t i = n; i > 1; i--) {
    size_t j = (size_t)wr_prng_below(r, i);
    size_t t = v[i - 1];
    v[i - 1] = v[j];
    v[j] = t;
  }
}

/* Fails unless both captures hold the same flows with the same bytes and
 * the same gaps. */
static void expect_same(const wr_pcap_capture *a, const wr_pcap_capture *b,
                        const char *what) {
  TU_CHECK(a->count == b->count, "%s: %zu flows, in order %zu", what, b->count,
           a->count);
  for (size_t i = 0; i < a->count; i++)
    for (int d = 0; d < 2; d++) {
      const wr_tcp_stream *x = &a->flows[i].dir[d], *y = &b->flows[i].dir[d];
      TU_CHECK(x->len == y->len, "%s: flow %zu dir %d: %zu bytes, in order %zu",
               what, i + 1, d, y->len, x->len);
      TU_CHECK(x->len == 0 || memcmp(x->data, y->data, x->len) == 0,
               "%s: flow %zu dir %d: bytes differ", what, i + 1, d);
      TU_CHECK(x->ngaps == y->ngaps,
               "%s: flow %zu dir %d: %zu gaps, in "
               "order %zu",
               what, i + 1, d, y->ngaps, x->ngaps);
      for (size_t g = 0; g < x->ngaps; g++)
        TU_CHECK(x->gaps[g].offset == y->gaps[g].offset &&
                     x->gaps[g].len == y->gaps[g].len,
                 "%s: flow %zu dir %d: gap %zu differs", what, i + 1, d, g);
    }
}

/* ---- TCP: shuffled and overlapping segments ----------------------------- */

#define STREAM 40000
#define NSEG_MAX 2000

typedef struct seg {
  uint32_t off, len;
} seg;

/* The c2s stream cut at random sizes, plus `extra` retransmissions of
 * random stretches (same bytes, overlapping several segments). */
static size_t make_segments(seg *v, wr_prng *r, size_t extra) {
  size_t n = 0;
  for (uint32_t off = 0; off < STREAM;) {
    uint32_t len = (uint32_t)wr_prng_range(r, 1, 200);
    if (off + len > STREAM)
      len = STREAM - off;
    v[n++] = (seg){off, len};
    off += len;
  }
  for (size_t i = 0; i < extra; i++) {
    uint32_t a = (uint32_t)wr_prng_below(r, STREAM - 1);
    uint32_t len = (uint32_t)wr_prng_range(r, 1, 900);
    if (a + len > STREAM)
      len = STREAM - a;
    v[n++] = (seg){a, len};
  }
  return n;
}

static void write_tcp_n(const char *path, const uint8_t *data, uint32_t total,
                        const seg *v, const size_t *order, size_t n) {
  cr_conv c;
  cr_file *f = start(path, &c, CR_LINK_ETHERNET);
  cr_handshake(&c);
  uint32_t s0 = c.seq[CR_C2S];
  for (size_t i = 0; i < n; i++) {
    const seg *s = &v[order[i]];
    cr_send_at(&c, CR_C2S, s0 + s->off, 0, data + s->off, s->len);
  }
  c.seq[CR_C2S] = s0 + total;
  cr_send(&c, CR_S2C, WR_TCP_PSH, "ok", 2);
  pt_close_both(&c);
  pt_finish(f);
}

static void write_tcp(const char *path, const uint8_t *data, const seg *v,
                      const size_t *order, size_t n) {
  write_tcp_n(path, data, STREAM, v, order, n);
}

static void test_shuffled_segments(void **state) {
  (void)state;
  static uint8_t data[STREAM];
  pt_fill(data, sizeof data, 7);
  static seg v[NSEG_MAX];
  static size_t order[NSEG_MAX];
  for (uint64_t seed = 1; seed <= SEEDS; seed++) {
    wr_prng r;
    wr_prng_seed(&r, seed);
    size_t n = make_segments(v, &r, seed == 1 ? 0 : 50);
    TU_CHECK(n <= NSEG_MAX, "too many segments");
    for (size_t i = 0; i < n; i++)
      order[i] = i;
    /* In order: the first segments, sorted by offset, retransmissions
     * after everything. */
    write_tcp(pt_path("inorder.pcap"), data, v, order, n);
    shuffle(order, n, &r);
    write_tcp(pt_path("shuffled.pcap"), data, v, order, n);
    wr_pcap_capture a, b;
    pt_collect(pt_path("inorder.pcap"), NULL, NULL, &a);
    pt_collect(pt_path("shuffled.pcap"), NULL, NULL, &b);
    pt_expect_bytes(&a.flows[0].dir[WR_C2S], data, STREAM, "in order");
    char what[64];
    snprintf(what, sizeof what, "seed %llu", (unsigned long long)seed);
    expect_same(&a, &b, what);
    assert_int_equal(b.flows[0].dir[WR_C2S].ngaps, 0);
    assert_int_equal(b.flows[0].flow.dir[WR_C2S].overlaps, 0);
    assert_int_equal(
        b.tcp.queue_cap_hits + b.tcp.stream_cap_hits + b.tcp.total_cap_hits, 0);
    wr_pcap_capture_free(&a);
    wr_pcap_capture_free(&b);
  }
}

/* A stream longer than the reassembler's window of queued bytes (64 KiB
 * to start), so that the window slides and grows under the queue, while a
 * few segments from far ahead (a sparse queue) get their own allocations,
 * and retransmissions overlap both kinds: the bytes come out exact. */
#define LONG_STREAM (1u << 20)
#define LONG_SEG_MAX 3000
#define SCOUTS 40
#define DISPLACE 300

static int by_off(const void *a, const void *b) {
  const seg *x = a, *y = b;
  return x->off < y->off ? -1 : x->off > y->off;
}

typedef struct keyed {
  size_t key, i;
} keyed;

static int by_key(const void *a, const void *b) {
  const keyed *x = a, *y = b;
  if (x->key != y->key)
    return x->key < y->key ? -1 : 1;
  return x->i < y->i ? -1 : x->i > y->i;
}

static void test_shuffled_long_stream(void **state) {
  (void)state;
  static uint8_t data[LONG_STREAM];
  pt_fill(data, sizeof data, 11);
  static seg v[LONG_SEG_MAX];
  static size_t order[LONG_SEG_MAX];
  for (uint64_t seed = 1; seed <= 3; seed++) {
    wr_prng r;
    wr_prng_seed(&r, seed);
    size_t n = 0;
    for (uint32_t off = 0; off < LONG_STREAM;) {
      uint32_t len = (uint32_t)wr_prng_range(&r, 1, 1460);
      if (off + len > LONG_STREAM)
        len = LONG_STREAM - off;
      TU_CHECK(n < LONG_SEG_MAX - 200, "too many segments");
      v[n++] = (seg){off, len};
      off += len;
    }
    for (int i = 0; i < 150; i++) { /* retransmitted stretches */
      uint32_t a = (uint32_t)wr_prng_below(&r, LONG_STREAM - 1);
      uint32_t len = (uint32_t)wr_prng_range(&r, 1, 3000);
      v[n++] = (seg){a, a + len > LONG_STREAM ? LONG_STREAM - a : len};
    }
    qsort(v, n, sizeof v[0], by_off);
    /* Scouts first: segments from the second half, far ahead of the
     * stream; then every segment moved later by up to DISPLACE places, so
     * that the queue never empties while the stream advances. */
    size_t k = 0;
    for (size_t i = 0; i < SCOUTS; i++)
      order[k++] = n / 2 + (size_t)wr_prng_below(&r, n / 2);
    static keyed kv[LONG_SEG_MAX];
    for (size_t i = 0; i < n; i++)
      kv[i] = (keyed){i + (size_t)wr_prng_below(&r, DISPLACE), i};
    qsort(kv, n, sizeof kv[0], by_key);
    for (size_t i = 0; i < n; i++)
      order[k++] = kv[i].i; /* a scout sent twice is a retransmission */
    write_tcp_n(pt_path("long.pcap"), data, LONG_STREAM, v, order, k);
    wr_pcap_capture b;
    pt_collect(pt_path("long.pcap"), NULL, NULL, &b);
    char what[64];
    snprintf(what, sizeof what, "seed %llu", (unsigned long long)seed);
    pt_expect_bytes(&b.flows[0].dir[WR_C2S], data, LONG_STREAM, what);
    assert_int_equal(b.flows[0].dir[WR_C2S].ngaps, 0);
    assert_int_equal(b.flows[0].flow.dir[WR_C2S].overlaps, 0);
    assert_true(b.flows[0].flow.dir[WR_C2S].retransmits > 0);
    assert_int_equal(
        b.tcp.queue_cap_hits + b.tcp.stream_cap_hits + b.tcp.total_cap_hits, 0);
    wr_pcap_capture_free(&b);
    /* Under a stream cap of 1.5 times the stream: the collector holds the
     * whole stream, and the queue never more than a few hundred segments,
     * so the cap bites only if delivered segments are still counted as
     * queued. */
    wr_tcp_options to = {.stream_cap = LONG_STREAM + LONG_STREAM / 2};
    pt_collect(pt_path("long.pcap"), NULL, &to, &b);
    snprintf(what, sizeof what, "seed %llu, stream cap",
             (unsigned long long)seed);
    pt_expect_bytes(&b.flows[0].dir[WR_C2S], data, LONG_STREAM, what);
    assert_int_equal(b.flows[0].dir[WR_C2S].ngaps, 0);
    assert_int_equal(
        b.tcp.queue_cap_hits + b.tcp.stream_cap_hits + b.tcp.total_cap_hits, 0);
    wr_pcap_capture_free(&b);
  }
}

/* ---- IP fragments: shuffled, overlapping, interleaved -------------------- */

#define NDGRAM 3
#define PAYLOAD 3000
#define FRAG_MAX 1200

typedef struct frag {
  int dg;
  uint32_t off, len; /* within the datagram's IP payload */
} frag;

static uint16_t ip_csum(const uint8_t *p, size_t n) {
  uint32_t s = 0;
  for (size_t i = 0; i + 1 < n; i += 2)
    s += (uint32_t)p[i] << 8 | p[i + 1];
  while (s >> 16)
    s = (s & 0xFFFF) + (s >> 16);
  return (uint16_t)~s;
}

/* An IPv4 fragment of dgram (20-byte header) carrying payload bytes
 * [off, off + len); MF unless it reaches the end. Returns its size. */
static size_t frag4(const uint8_t *dgram, size_t n, uint32_t off, uint32_t len,
                    uint8_t *out) {
  size_t plen = n - 20;
  memcpy(out, dgram, 20);
  memcpy(out + 20, dgram + 20 + off, len);
  uint16_t total = (uint16_t)(20 + len);
  out[2] = (uint8_t)(total >> 8);
  out[3] = (uint8_t)total;
  uint16_t fo = (uint16_t)(off / 8) | (off + len < plen ? 0x2000 : 0);
  out[6] = (uint8_t)(fo >> 8);
  out[7] = (uint8_t)fo;
  out[10] = out[11] = 0;
  uint16_t cs = ip_csum(out, 20);
  out[10] = (uint8_t)(cs >> 8);
  out[11] = (uint8_t)cs;
  return 20 + len;
}

static uint8_t dgrams[NDGRAM][65600];
static size_t dlen[NDGRAM];

/* Datagram k: the k-th c2s segment of the flow, PAYLOAD bytes. */
static void make_dgrams(const uint8_t *data) {
  for (int k = 0; k < NDGRAM; k++) {
    cr_tcp t = {C,
                S,
                ISN_C + 1 + (uint32_t)k * PAYLOAD,
                ISN_S + 1,
                WR_TCP_ACK,
                65535,
                data + k * PAYLOAD,
                PAYLOAD,
                0,
                0};
    dlen[k] = cr_ip_tcp(dgrams[k], &t, (uint16_t)(100 + k));
  }
}

/* 8-byte pieces, a few larger ones, and overlapping copies of random
 * stretches (same bytes). */
static size_t make_frags(frag *v, wr_prng *r, size_t extra) {
  size_t n = 0;
  for (int k = 0; k < NDGRAM; k++) {
    uint32_t plen = (uint32_t)(dlen[k] - 20);
    for (uint32_t off = 0; off < plen;) {
      uint32_t len = 8 * (uint32_t)wr_prng_range(r, 1, 4);
      if (off + len > plen)
        len = plen - off;
      v[n++] = (frag){k, off, len};
      off += len;
    }
    for (size_t i = 0; i < extra; i++) {
      uint32_t a = 8 * (uint32_t)wr_prng_below(r, plen / 8);
      uint32_t len = 8 * (uint32_t)wr_prng_range(r, 1, 40);
      if (a + len > plen)
        len = plen - a;
      v[n++] = (frag){k, a, len};
    }
  }
  return n;
}

static void write_frags(const char *path, const frag *v, const size_t *order,
                        size_t n) {
  cr_conv c;
  cr_file *f = start(path, &c, CR_LINK_RAW);
  cr_handshake(&c);
  static uint8_t fr[65600], frame[65700];
  for (size_t i = 0; i < n; i++) {
    const frag *x = &v[order[i]];
    size_t m = frag4(dgrams[x->dg], dlen[x->dg], x->off, x->len, fr);
    size_t fl = cr_frame(frame, &c.link, fr, m);
    c.ts += 1000;
    cr_record(f, 0, c.ts, frame, fl, fl);
  }
  c.seq[CR_C2S] += NDGRAM * PAYLOAD;
  pt_close_both(&c);
  pt_finish(f);
}

static void test_shuffled_fragments(void **state) {
  (void)state;
  static uint8_t data[NDGRAM * PAYLOAD];
  pt_fill(data, sizeof data, 11);
  make_dgrams(data);
  static frag v[NDGRAM * FRAG_MAX];
  static size_t order[NDGRAM * FRAG_MAX];
  for (uint64_t seed = 1; seed <= SEEDS; seed++) {
    wr_prng r;
    wr_prng_seed(&r, seed);
    size_t n = make_frags(v, &r, seed == 1 ? 0 : 30);
    for (size_t i = 0; i < n; i++)
      order[i] = i;
    write_frags(pt_path("frag-inorder.pcap"), v, order, n);
    shuffle(order, n, &r);
    write_frags(pt_path("frag-shuffled.pcap"), v, order, n);
    wr_pcap_capture a, b;
    pt_collect(pt_path("frag-inorder.pcap"), NULL, NULL, &a);
    pt_collect(pt_path("frag-shuffled.pcap"), NULL, NULL, &b);
    pt_expect_bytes(&a.flows[0].dir[WR_C2S], data, sizeof data, "in order");
    char what[64];
    snprintf(what, sizeof what, "seed %llu", (unsigned long long)seed);
    expect_same(&a, &b, what);
    assert_int_equal(a.pcap.reassembled, NDGRAM);
    assert_int_equal(b.pcap.reassembled, NDGRAM);
    assert_int_equal(b.pcap.frag_overlaps, 0);
    assert_int_equal(b.pcap.frag_cap_mem + b.pcap.frag_cap_pending +
                         b.pcap.frag_cap_fragments,
                     0);
    /* Copies that come after their datagram completed start one that
     * never does: counted, and only then. */
    if (seed == 1)
      assert_int_equal(b.pcap.frag_dropped, 0);
    wr_pcap_capture_free(&a);
    wr_pcap_capture_free(&b);
  }
}

/* ---- limits that bite are reported ------------------------------------ */

/* wr_pcap_print_notes into a string (freed by the caller). */
static char *notes(const wr_pcap_capture *cap) {
  char *text = NULL;
  size_t len = 0;
  FILE *m = open_memstream(&text, &len);
  TU_CHECK(m != NULL, "open_memstream failed");
  wr_pcap_print_notes(m, "capture: ", &cap->pcap, &cap->tcp);
  fclose(m);
  return text;
}

static void expect_note(const wr_pcap_capture *cap, const char *line) {
  char *text = notes(cap);
  TU_CHECK(strstr(text, line) != NULL, "expected \"%s\" in the notes:\n%s",
           line, text);
  free(text);
}

static void test_frag_max_fragments(void **state) {
  (void)state;
  static uint8_t data[NDGRAM * PAYLOAD];
  pt_fill(data, sizeof data, 3);
  make_dgrams(data);
  /* Datagram 0 in 375 pieces of 8 bytes; the others whole-ish. */
  static frag v[1000];
  static size_t order[1000];
  size_t n = 0;
  for (uint32_t off = 0; off < dlen[0] - 20; off += 8) {
    uint32_t len = off + 8 <= dlen[0] - 20 ? 8 : (uint32_t)(dlen[0] - 20) - off;
    v[n++] = (frag){0, off, len};
  }
  for (int k = 1; k < NDGRAM; k++) {
    v[n++] = (frag){k, 0, 1024};
    v[n++] = (frag){k, 1024, (uint32_t)(dlen[k] - 20) - 1024};
  }
  for (size_t i = 0; i < n; i++)
    order[i] = i;
  write_frags(pt_path("frag-many.pcap"), v, order, n);
  wr_pcap_options po = {.frag_max_fragments = 100};
  wr_pcap_capture cap;
  pt_collect(pt_path("frag-many.pcap"), &po, NULL, &cap);
  /* Datagram 0 is given up once, its other 275 fragments absorbed. */
  assert_int_equal(cap.pcap.frag_cap_fragments, 1);
  assert_int_equal(cap.pcap.frag_dropped, 1);
  assert_int_equal(cap.pcap.reassembled, NDGRAM - 1);
  const wr_tcp_stream *s = &cap.flows[0].dir[WR_C2S];
  assert_int_equal(s->len, (NDGRAM - 1) * PAYLOAD);
  assert_memory_equal(s->data, data + PAYLOAD, s->len);
  pt_expect_one_gap(s, 0, PAYLOAD, WR_GAP_MISSING, "datagram 0 given up");
  expect_note(&cap, "capture: 1 IP datagrams given up for taking more "
                    "fragments than the limit");
  wr_pcap_capture_free(&cap);

  /* With the default limit the same capture is whole. */
  pt_collect(pt_path("frag-many.pcap"), NULL, NULL, &cap);
  assert_int_equal(cap.pcap.frag_cap_fragments, 0);
  assert_int_equal(cap.pcap.reassembled, NDGRAM);
  pt_expect_bytes(&cap.flows[0].dir[WR_C2S], data, sizeof data, "default");
  wr_pcap_capture_free(&cap);
}

static void test_frag_max_pending(void **state) {
  (void)state;
  static uint8_t data[NDGRAM * PAYLOAD];
  pt_fill(data, sizeof data, 4);
  make_dgrams(data);
  /* The first halves of all three datagrams (three wait at once), then
   * the second halves of datagrams 1, 2 and 0. */
  frag v[2 * NDGRAM];
  size_t order[2 * NDGRAM] = {0, 1, 2, 4, 5, 3};
  for (int k = 0; k < NDGRAM; k++) {
    v[k] = (frag){k, 0, 1024};
    v[NDGRAM + k] = (frag){k, 1024, (uint32_t)(dlen[k] - 20) - 1024};
  }
  write_frags(pt_path("frag-pending.pcap"), v, order, 2 * NDGRAM);
  wr_pcap_options po = {.frag_max_pending = 2};
  wr_pcap_capture cap;
  pt_collect(pt_path("frag-pending.pcap"), &po, NULL, &cap);
  /* Datagram 0 gives way to datagram 2; its second half then starts one
   * that waits alone and is dropped at the end of the file. */
  assert_int_equal(cap.pcap.frag_cap_pending, 1);
  assert_int_equal(cap.pcap.frag_dropped, 2);
  assert_int_equal(cap.pcap.reassembled, NDGRAM - 1);
  expect_note(&cap, "capture: 1 IP datagrams given up to the limit of "
                    "datagrams waiting for fragments");
  wr_pcap_capture_free(&cap);

  /* frag_mem: every datagram takes at least 2048 bytes and its bitmaps. */
  po = (wr_pcap_options){.frag_mem = 3000};
  pt_collect(pt_path("frag-pending.pcap"), &po, NULL, &cap);
  assert_true(cap.pcap.frag_cap_mem >= 1);
  assert_true(cap.pcap.reassembled < NDGRAM);
  expect_note(&cap, "IP datagrams given up to the fragment memory limit");
  wr_pcap_capture_free(&cap);

  pt_collect(pt_path("frag-pending.pcap"), NULL, NULL, &cap);
  assert_int_equal(cap.pcap.frag_cap_pending + cap.pcap.frag_cap_mem, 0);
  assert_int_equal(cap.pcap.reassembled, NDGRAM);
  char *text = notes(&cap);
  assert_string_equal(text, "");
  free(text);
  wr_pcap_capture_free(&cap);
}

static void test_max_queued(void **state) {
  (void)state;
  static uint8_t data[3000];
  pt_fill(data, sizeof data, 5);
  cr_conv c;
  cr_file *f = start(pt_path("queued.pcap"), &c, CR_LINK_ETHERNET);
  cr_handshake(&c);
  uint32_t s0 = c.seq[CR_C2S];
  /* Bytes [0,100) never come; 29 segments of 100 bytes wait behind them. */
  for (uint32_t i = 1; i < 30; i++)
    cr_send_at(&c, CR_C2S, s0 + i * 100, 0, data + i * 100, 100);
  c.seq[CR_C2S] = s0 + 3000;
  pt_close_both(&c);
  pt_finish(f);

  wr_tcp_options to = {.max_queued = 10};
  wr_pcap_capture cap;
  pt_collect(pt_path("queued.pcap"), NULL, &to, &cap);
  const wr_tcp_stream *s = &cap.flows[0].dir[WR_C2S];
  /* The 11th queued segment forces the hole closed as a cap gap; the rest
   * is delivered as it comes. */
  pt_expect_one_gap(s, 0, 100, WR_GAP_CAP, "queue cap");
  assert_int_equal(s->len, 2900);
  assert_memory_equal(s->data, data + 100, 2900);
  assert_int_equal(cap.tcp.queue_cap_hits, 1);
  assert_int_equal(cap.tcp.stream_cap_hits + cap.tcp.total_cap_hits, 0);
  /* The first ten became deliverable when the 11th arrived (craft's clock:
   * 1 ms a segment, the handshake first), not before. */
  assert_true(s->npieces >= 1);
  assert_true(s->pieces[0].ts_ns == 1700000000000000000LL + 14 * 1000000LL);
  expect_note(&cap, "capture: 1 times the limit of segments queued behind a "
                    "hole forced a gap");
  wr_pcap_capture_free(&cap);

  /* Under the default the hole stays a missing gap found at the end. */
  pt_collect(pt_path("queued.pcap"), NULL, NULL, &cap);
  pt_expect_one_gap(&cap.flows[0].dir[WR_C2S], 0, 100, WR_GAP_MISSING,
                    "default");
  assert_int_equal(cap.tcp.queue_cap_hits, 0);
  wr_pcap_capture_free(&cap);
}

static void test_total_cap(void **state) {
  (void)state;
  static uint8_t data[6000];
  pt_fill(data, sizeof data, 6);
  cr_end c2 = {"10.0.0.3", 40001};
  int link = CR_LINK_ETHERNET;
  cr_file *f = cr_open(pt_path("total.pcap"), CR_PCAP_US, &link, 1, 0);
  TU_CHECK(f != NULL, "cannot create total.pcap");
  cr_conv a, b;
  cr_conv_init(&a, f, link, C, S, ISN_C, ISN_S);
  cr_conv_init(&b, f, link, c2, S, ISN_C, ISN_S);
  cr_handshake(&a);
  b.ts = a.ts;
  cr_handshake(&b);
  /* Both streams stay held (the collector keeps whole streams) until
   * their FINs: 12000 bytes together against a total cap of 8192. */
  for (int i = 0; i < 6; i++) {
    a.ts = b.ts;
    cr_send(&a, CR_C2S, WR_TCP_ACK, data + i * 1000, 1000);
    b.ts = a.ts;
    cr_send(&b, CR_C2S, WR_TCP_ACK, data + i * 1000, 1000);
  }
  a.ts = b.ts;
  pt_close_both(&a);
  b.ts = a.ts;
  pt_close_both(&b);
  pt_finish(f);

  wr_tcp_options to = {.total_cap = 8192};
  wr_pcap_capture cap;
  pt_collect(pt_path("total.pcap"), NULL, &to, &cap);
  assert_int_equal(cap.count, 2);
  size_t kept = cap.flows[0].dir[WR_C2S].len + cap.flows[1].dir[WR_C2S].len;
  uint64_t dropped = cap.flows[0].flow.dir[WR_C2S].cap_dropped +
                     cap.flows[1].flow.dir[WR_C2S].cap_dropped;
  assert_int_equal(kept, 8192);
  assert_int_equal(kept + dropped, 12000);
  /* Each direction that reached it counts: flow 1 took the last 192
   * bytes, then flow 2 none. */
  assert_int_equal(cap.tcp.total_cap_hits, 2);
  assert_int_equal(cap.tcp.stream_cap_hits, 0);
  expect_note(&cap, "capture: 2 times the memory cap of all streams "
                    "together forced a gap or dropped bytes");
  wr_pcap_capture_free(&cap);

  pt_collect(pt_path("total.pcap"), NULL, NULL, &cap);
  pt_expect_bytes(&cap.flows[1].dir[WR_C2S], data, sizeof data, "default");
  assert_int_equal(cap.tcp.total_cap_hits, 0);
  wr_pcap_capture_free(&cap);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shuffled_segments),
      cmocka_unit_test(test_shuffled_long_stream),
      cmocka_unit_test(test_shuffled_fragments),
      cmocka_unit_test(test_frag_max_fragments),
      cmocka_unit_test(test_frag_max_pending),
      cmocka_unit_test(test_max_queued),
      cmocka_unit_test(test_total_cap),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
