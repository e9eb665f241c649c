/* TCP reassembly on crafted captures: every case of the policy in
 * tcpreasm.h, each checked against the exact stream, gaps and counters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pcap/craft.h"
#include "pcap/pcaptest.h"
#include "testutil.h"
#include "wirerig/pcapflows.h"

static const cr_end C = {"10.0.0.1", 40000}, S = {"10.0.0.2", 80};
#define ISN_C 1000u
#define ISN_S 5000u

static cr_file *start(const char *name, cr_conv *c) {
  int link = CR_LINK_ETHERNET;
  cr_file *f = cr_open(pt_path(name), CR_PCAP_US, &link, 1, 0);
  TU_CHECK(f != NULL, "cannot create %s", name);
  cr_conv_init(c, f, link, C, S, ISN_C, ISN_S);
  return f;
}

static const wr_tcp_dir_stats *st(const wr_pcap_capture *cap, size_t i,
                                  int dir) {
  return &cap->flows[i].flow.dir[dir];
}

static void test_basic(void **state) {
  (void)state;
  cr_conv c;
  cr_file *f = start("basic.pcap", &c);
  cr_handshake(&c);
  cr_send(&c, CR_C2S, WR_TCP_PSH, "hello", 5);
  cr_send(&c, CR_S2C, WR_TCP_PSH, "world!", 6);
  pt_close_both(&c);
  pt_finish(f);

  wr_pcap_capture cap;
  pt_collect(pt_path("basic.pcap"), NULL, NULL, &cap);
  assert_int_equal(cap.count, 1);
  const wr_tcp_flow *fl = &cap.flows[0].flow;
  char a[WR_ADDR_STRLEN], b[WR_ADDR_STRLEN];
  assert_string_equal(wr_addr_str(&fl->client, a), "10.0.0.1:40000");
  assert_string_equal(wr_addr_str(&fl->server, b), "10.0.0.2:80");
  assert_int_equal(fl->id, 1);
  assert_int_equal(fl->client_by, WR_CLIENT_BY_SYN);
  PT_EXPECT_STR(&cap.flows[0].dir[WR_C2S], "hello", "c2s");
  PT_EXPECT_STR(&cap.flows[0].dir[WR_S2C], "world!", "s2c");
  assert_int_equal(st(&cap, 0, WR_C2S)->packets, 5);
  assert_int_equal(st(&cap, 0, WR_S2C)->packets, 3);
  assert_int_equal(st(&cap, 0, WR_C2S)->bytes, 5);
  assert_int_equal(st(&cap, 0, WR_S2C)->bytes, 6);
  for (int d = 0; d < 2; d++) {
    assert_int_equal(st(&cap, 0, d)->gaps, 0);
    assert_int_equal(st(&cap, 0, d)->overlaps, 0);
    assert_int_equal(st(&cap, 0, d)->retransmits, 0);
    assert_true(st(&cap, 0, d)->syn && st(&cap, 0, d)->fin);
  }
  assert_int_equal(st(&cap, 0, WR_C2S)->isn, ISN_C);
  /* The first packet is at 1700000000.001 s (craft's clock). */
  assert_true(fl->first_ts == 1700000000001000000LL);
  assert_true(fl->last_ts == fl->first_ts + 7 * 1000000LL);
  assert_int_equal(cap.pcap.tcp_segments, 8);
  wr_pcap_capture_free(&cap);
}

static void test_out_of_order(void **state) {
  (void)state;
  cr_conv c;
  cr_file *f = start("ooo.pcap", &c);
  cr_handshake(&c);
  uint32_t s0 = c.seq[CR_C2S];
  cr_send_at(&c, CR_C2S, s0 + 6, WR_TCP_PSH, "ghi", 3);
  cr_send_at(&c, CR_C2S, s0, WR_TCP_PSH, "abc", 3);
  int64_t ts_abc = c.ts;
  cr_send_at(&c, CR_C2S, s0 + 3, WR_TCP_PSH, "def", 3);
  int64_t ts_def = c.ts;
  c.seq[CR_C2S] += 9;
  pt_close_both(&c);
  pt_finish(f);

  wr_pcap_capture cap;
  pt_collect(pt_path("ooo.pcap"), NULL, NULL, &cap);
  assert_int_equal(cap.count, 1);
  const wr_tcp_stream *s = &cap.flows[0].dir[WR_C2S];
  PT_EXPECT_STR(s, "abcdefghi", "c2s");
  assert_int_equal(st(&cap, 0, WR_C2S)->gaps, 0);
  /* "ghi" became deliverable when "def" filled the hole. */
  assert_int_equal(s->npieces, 3);
  assert_true(s->pieces[0].ts_ns == ts_abc);
  assert_true(s->pieces[1].ts_ns == ts_def);
  assert_true(s->pieces[2].ts_ns == ts_def);
  assert_int_equal(s->pieces[2].offset, 6);
  assert_int_equal(s->pieces[2].at, 6);
  wr_pcap_capture_free(&cap);
}

static void test_retransmit_identical(void **state) {
  (void)state;
  cr_conv c;
  cr_file *f = start("retx.pcap", &c);
  cr_handshake(&c);
  uint32_t s0 = c.seq[CR_C2S];
  cr_send(&c, CR_C2S, 0, "abc", 3);
  cr_send_at(&c, CR_C2S, s0, 0, "abc", 3);
  cr_send(&c, CR_C2S, 0, "def", 3);
  pt_close_both(&c);
  pt_finish(f);

  wr_pcap_capture cap;
  pt_collect(pt_path("retx.pcap"), NULL, NULL, &cap);
  PT_EXPECT_STR(&cap.flows[0].dir[WR_C2S], "abcdef", "c2s");
  assert_int_equal(st(&cap, 0, WR_C2S)->retransmits, 1);
  assert_int_equal(st(&cap, 0, WR_C2S)->overlaps, 0);
  wr_pcap_capture_free(&cap);
}

static void test_overlap_first_wins(void **state) {
  (void)state;
  cr_conv c;
  cr_file *f = start("overlap.pcap", &c);
  cr_handshake(&c);
  uint32_t s0 = c.seq[CR_C2S];
  /* Against delivered data. */
  cr_send_at(&c, CR_C2S, s0, 0, "abcdef", 6);
  cr_send_at(&c, CR_C2S, s0 + 3, 0, "XYZghi", 6);
  /* Against queued data: [15,18) twice, differently, before the hole
   * [9,15) fills. */
  cr_send_at(&c, CR_C2S, s0 + 15, 0, "pqr", 3);
  cr_send_at(&c, CR_C2S, s0 + 15, 0, "PQR", 3);
  /* A segment over two queued ones and the holes around them. */
  cr_send_at(&c, CR_C2S, s0 + 21, 0, "vwx", 3);
  cr_send_at(&c, CR_C2S, s0 + 9, 0, "JKLMNOPQRSTUVWXYZ", 17);
  c.seq[CR_C2S] = s0 + 26;
  pt_close_both(&c);
  pt_finish(f);

  wr_pcap_capture cap;
  pt_collect(pt_path("overlap.pcap"), NULL, NULL, &cap);
  PT_EXPECT_STR(&cap.flows[0].dir[WR_C2S], "abcdefghiJKLMNOpqrSTUvwxYZ", "c2s");
  const wr_tcp_dir_stats *d = st(&cap, 0, WR_C2S);
  assert_int_equal(d->overlaps, 3);
  assert_int_equal(d->overlap_bytes, 3 + 3 + 6);
  assert_int_equal(d->gaps, 0);
  wr_pcap_capture_free(&cap);
}

static void test_gap_missing(void **state) {
  (void)state;
  cr_conv c;
  cr_file *f = start("gap.pcap", &c);
  cr_handshake(&c);
  uint32_t s0 = c.seq[CR_C2S];
  cr_send_at(&c, CR_C2S, s0, 0, "abc", 3);
  cr_send_at(&c, CR_C2S, s0 + 6, 0, "ghi", 3);
  c.seq[CR_C2S] = s0 + 9;
  pt_close_both(&c);
  pt_finish(f);

  wr_pcap_capture cap;
  pt_collect(pt_path("gap.pcap"), NULL, NULL, &cap);
  const wr_tcp_stream *s = &cap.flows[0].dir[WR_C2S];
  PT_EXPECT_STR(s, "abcghi", "c2s");
  pt_expect_one_gap(s, 3, 3, WR_GAP_MISSING, "c2s");
  assert_int_equal(s->gaps[0].at, 3);
  assert_int_equal(st(&cap, 0, WR_C2S)->gap_bytes, 3);
  assert_int_equal(cap.flows[0].dir[WR_S2C].ngaps, 0);
  wr_pcap_capture_free(&cap);
}

/* The server acknowledges bytes the capture never held while later bytes
 * wait: the hole is declared at once, not at the end. */
static void test_gap_by_ack(void **state) {
  (void)state;
  cr_conv c;
  cr_file *f = start("gapack.pcap", &c);
  cr_handshake(&c);
  uint32_t s0 = c.seq[CR_C2S];
  cr_send_at(&c, CR_C2S, s0, 0, "abc", 3);
  cr_send_at(&c, CR_C2S, s0 + 6, 0, "ghi", 3);
  c.seq[CR_C2S] = s0 + 9;
  cr_send(&c, CR_S2C, WR_TCP_ACK, NULL, 0);
  int64_t ts_ack = c.ts;
  cr_send(&c, CR_C2S, 0, "jkl", 3);
  pt_close_both(&c);
  pt_finish(f);

  wr_pcap_capture cap;
  pt_collect(pt_path("gapack.pcap"), NULL, NULL, &cap);
  const wr_tcp_stream *s = &cap.flows[0].dir[WR_C2S];
  PT_EXPECT_STR(s, "abcghijkl", "c2s");
  pt_expect_one_gap(s, 3, 3, WR_GAP_MISSING, "c2s");
  assert_int_equal(s->npieces, 3);
  assert_true(s->pieces[1].ts_ns == ts_ack);
  wr_pcap_capture_free(&cap);
}

/* Bytes at the end that the peer acknowledged, or that a FIN shows, but
 * that were never captured. */
static void test_trailing_gap(void **state) {
  (void)state;
  cr_conv c;
  cr_file *f = start("trail.pcap", &c);
  cr_handshake(&c);
  uint32_t s0 = c.seq[CR_C2S], t0 = c.seq[CR_S2C];
  cr_send(&c, CR_C2S, 0, "abc", 3);
  c.seq[CR_C2S] = s0 + 6; /* [3,6) never captured, acknowledged */
  cr_send(&c, CR_S2C, 0, "xy", 2);
  cr_send_at(&c, CR_S2C, t0 + 5, WR_TCP_FIN, NULL, 0); /* [2,5) missing */
  pt_finish(f);

  wr_pcap_capture cap;
  pt_collect(pt_path("trail.pcap"), NULL, NULL, &cap);
  PT_EXPECT_STR(&cap.flows[0].dir[WR_C2S], "abc", "c2s");
  pt_expect_one_gap(&cap.flows[0].dir[WR_C2S], 3, 3, WR_GAP_MISSING, "c2s");
  PT_EXPECT_STR(&cap.flows[0].dir[WR_S2C], "xy", "s2c");
  pt_expect_one_gap(&cap.flows[0].dir[WR_S2C], 2, 3, WR_GAP_MISSING, "s2c");
  wr_pcap_capture_free(&cap);
}

static void test_wraparound(void **state) {
  (void)state;
  cr_conv c;
  int link = CR_LINK_ETHERNET;
  cr_file *f = cr_open(pt_path("wrap.pcap"), CR_PCAP_US, &link, 1, 0);
  cr_conv_init(&c, f, link, C, S, 0xFFFFFFF0u, 0xFFFFFFFFu);
  cr_handshake(&c);
  uint32_t s0 = c.seq[CR_C2S];
  char want[64];
  pt_fill(want, sizeof want, 7);
  /* 0xFFFFFFF1 + 15 wraps; the segment across the wrap comes last. */
  cr_send_at(&c, CR_C2S, s0, 0, want, 10);
  cr_send_at(&c, CR_C2S, s0 + 20, 0, want + 20, 20);
  cr_send_at(&c, CR_C2S, s0 + 40, 0, want + 40, 24);
  cr_send_at(&c, CR_C2S, s0 + 10, 0, want + 10, 10);
  c.seq[CR_C2S] = s0 + 64;
  cr_send(&c, CR_S2C, 0, "server", 6); /* the server's ISN+1 is 0 */
  pt_close_both(&c);
  pt_finish(f);

  wr_pcap_capture cap;
  pt_collect(pt_path("wrap.pcap"), NULL, NULL, &cap);
  assert_int_equal(cap.count, 1);
  pt_expect_bytes(&cap.flows[0].dir[WR_C2S], want, sizeof want, "c2s");
  PT_EXPECT_STR(&cap.flows[0].dir[WR_S2C], "server", "s2c");
  assert_int_equal(st(&cap, 0, WR_C2S)->gaps, 0);
  assert_int_equal(st(&cap, 0, WR_S2C)->gaps, 0);
  wr_pcap_capture_free(&cap);
}

/* No SYN: the higher port is the client, the first data fixes the start,
 * and older bytes are counted, not delivered. */
static void test_midstream(void **state) {
  (void)state;
  cr_conv c;
  cr_file *f = start("mid.pcap", &c);
  c.seq[CR_C2S] = 777;
  c.seq[CR_S2C] = 999;
  cr_send(&c, CR_S2C, WR_TCP_PSH, "HTTP", 4); /* the server speaks first */
  cr_send(&c, CR_C2S, WR_TCP_PSH, "GET /", 5);
  cr_send_at(&c, CR_C2S, 770, 0, "0123456GE", 9); /* 7 bytes before 777 */
  cr_send(&c, CR_C2S, 0, "more", 4);
  pt_finish(f);

  wr_pcap_capture cap;
  pt_collect(pt_path("mid.pcap"), NULL, NULL, &cap);
  assert_int_equal(cap.count, 1);
  const wr_tcp_flow *fl = &cap.flows[0].flow;
  assert_int_equal(fl->client_by, WR_CLIENT_BY_PORT);
  assert_int_equal(fl->client.port, 40000);
  PT_EXPECT_STR(&cap.flows[0].dir[WR_C2S], "GET /more", "c2s");
  PT_EXPECT_STR(&cap.flows[0].dir[WR_S2C], "HTTP", "s2c");
  assert_int_equal(st(&cap, 0, WR_C2S)->before_start, 7);
  assert_int_equal(st(&cap, 0, WR_C2S)->retransmits, 1);
  assert_int_equal(st(&cap, 0, WR_C2S)->gaps, 0);
  wr_pcap_capture_free(&cap);
}

/* A capture that starts with the SYN-ACK: its receiver is the client. */
static void test_synack_first(void **state) {
  (void)state;
  cr_conv c;
  cr_file *f = start("synack.pcap", &c);
  c.seq[CR_C2S] = ISN_C + 1;
  cr_send(&c, CR_S2C, WR_TCP_SYN | WR_TCP_ACK, NULL, 0);
  cr_send(&c, CR_C2S, 0, "hi", 2);
  pt_finish(f);
  wr_pcap_capture cap;
  pt_collect(pt_path("synack.pcap"), NULL, NULL, &cap);
  assert_int_equal(cap.count, 1);
  assert_int_equal(cap.flows[0].flow.client_by, WR_CLIENT_BY_SYNACK);
  assert_int_equal(cap.flows[0].flow.client.port, 40000);
  PT_EXPECT_STR(&cap.flows[0].dir[WR_C2S], "hi", "c2s");
  wr_pcap_capture_free(&cap);
}

static void test_syn_with_data(void **state) {
  (void)state;
  cr_conv c;
  cr_file *f = start("syndata.pcap", &c);
  cr_send(&c, CR_C2S, WR_TCP_SYN, "hello", 5); /* TCP Fast Open */
  cr_send(&c, CR_S2C, WR_TCP_SYN | WR_TCP_ACK, NULL, 0);
  cr_send(&c, CR_C2S, 0, " world", 6);
  cr_send(&c, CR_S2C, 0, "ok", 2);
  pt_close_both(&c);
  pt_finish(f);

  wr_pcap_capture cap;
  pt_collect(pt_path("syndata.pcap"), NULL, NULL, &cap);
  PT_EXPECT_STR(&cap.flows[0].dir[WR_C2S], "hello world", "c2s");
  PT_EXPECT_STR(&cap.flows[0].dir[WR_S2C], "ok", "s2c");
  assert_int_equal(st(&cap, 0, WR_C2S)->gaps, 0);
  wr_pcap_capture_free(&cap);
}

static void test_rst(void **state) {
  (void)state;
  cr_conv c;
  cr_file *f = start("rst.pcap", &c);
  cr_handshake(&c);
  uint32_t s0 = c.seq[CR_C2S];
  cr_send(&c, CR_C2S, 0, "abc", 3);
  cr_send_at(&c, CR_C2S, s0 + 6, 0, "ghi", 3); /* waits behind [3,6) */
  cr_send(&c, CR_S2C, WR_TCP_RST, NULL, 0);
  cr_send_at(&c, CR_C2S, s0 + 3, 0, "def", 3); /* too late */
  cr_send(&c, CR_S2C, 0, "zzz", 3);
  pt_finish(f);

  wr_pcap_capture cap;
  pt_collect(pt_path("rst.pcap"), NULL, NULL, &cap);
  assert_int_equal(cap.count, 1);
  const wr_tcp_stream *s = &cap.flows[0].dir[WR_C2S];
  PT_EXPECT_STR(s, "abcghi", "c2s");
  pt_expect_one_gap(s, 3, 3, WR_GAP_MISSING, "c2s");
  PT_EXPECT_STR(&cap.flows[0].dir[WR_S2C], "", "s2c");
  assert_true(st(&cap, 0, WR_S2C)->rst);
  assert_int_equal(st(&cap, 0, WR_C2S)->after_rst, 1);
  assert_int_equal(st(&cap, 0, WR_S2C)->after_rst, 1);
  wr_pcap_capture_free(&cap);
}

/* The client closes its side and the server goes on sending. */
static void test_half_close(void **state) {
  (void)state;
  cr_conv c;
  cr_file *f = start("half.pcap", &c);
  cr_handshake(&c);
  cr_send(&c, CR_C2S, 0, "req", 3);
  cr_send(&c, CR_C2S, WR_TCP_FIN, NULL, 0);
  cr_send(&c, CR_S2C, 0, "resp1", 5);
  cr_send(&c, CR_C2S, 0, "zzz", 3); /* past the FIN: not delivered */
  cr_send(&c, CR_S2C, 0, "resp2", 5);
  cr_send(&c, CR_S2C, WR_TCP_FIN, NULL, 0);
  cr_send(&c, CR_C2S, WR_TCP_ACK, NULL, 0);
  pt_finish(f);

  wr_pcap_capture cap;
  pt_collect(pt_path("half.pcap"), NULL, NULL, &cap);
  assert_int_equal(cap.count, 1);
  PT_EXPECT_STR(&cap.flows[0].dir[WR_C2S], "req", "c2s");
  PT_EXPECT_STR(&cap.flows[0].dir[WR_S2C], "resp1resp2", "s2c");
  assert_int_equal(st(&cap, 0, WR_C2S)->after_fin, 3);
  assert_int_equal(st(&cap, 0, WR_C2S)->gaps, 0);
  assert_int_equal(st(&cap, 0, WR_S2C)->gaps, 0);
  wr_pcap_capture_free(&cap);
}

static void test_port_reuse(void **state) {
  (void)state;
  cr_conv c;
  cr_file *f = start("reuse.pcap", &c);
  /* First connection: the SYN is sent twice (same ISN: one flow). */
  uint32_t isn = c.seq[CR_C2S];
  cr_send_at(&c, CR_C2S, isn, WR_TCP_SYN, NULL, 0);
  cr_handshake(&c);
  cr_send(&c, CR_C2S, 0, "first", 5);
  pt_close_both(&c);
  /* Second: same four-tuple, new ISNs. */
  c.seq[CR_C2S] = 90000;
  c.seq[CR_S2C] = 70000;
  cr_handshake(&c);
  cr_send(&c, CR_C2S, 0, "second", 6);
  cr_send(&c, CR_S2C, WR_TCP_RST, NULL, 0);
  /* Third after a RST. */
  c.seq[CR_C2S] = 123456;
  cr_handshake(&c);
  cr_send(&c, CR_C2S, 0, "third", 5);
  pt_finish(f);

  wr_pcap_capture cap;
  pt_collect(pt_path("reuse.pcap"), NULL, NULL, &cap);
  assert_int_equal(cap.count, 3);
  PT_EXPECT_STR(&cap.flows[0].dir[WR_C2S], "first", "flow 1");
  PT_EXPECT_STR(&cap.flows[1].dir[WR_C2S], "second", "flow 2");
  PT_EXPECT_STR(&cap.flows[2].dir[WR_C2S], "third", "flow 3");
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(cap.flows[i].flow.id, i + 1);
    assert_int_equal(cap.flows[i].flow.client_by, WR_CLIENT_BY_SYN);
    assert_int_equal(st(&cap, i, WR_C2S)->gaps, 0);
  }
  assert_int_equal(st(&cap, 0, WR_C2S)->isn, isn);
  assert_int_equal(st(&cap, 1, WR_C2S)->isn, 90000);
  wr_pcap_capture_free(&cap);
}

static void test_keepalive(void **state) {
  (void)state;
  cr_conv c;
  cr_file *f = start("keepalive.pcap", &c);
  cr_handshake(&c);
  cr_send(&c, CR_C2S, 0, "abc", 3);
  uint32_t next = c.seq[CR_C2S];
  cr_send_at(&c, CR_C2S, next - 1, 0, NULL, 0); /* Linux */
  cr_send_at(&c, CR_C2S, next - 1, 0, "X", 1);  /* one garbage byte */
  cr_send(&c, CR_C2S, 0, "def", 3);
  pt_close_both(&c);
  pt_finish(f);

  wr_pcap_capture cap;
  pt_collect(pt_path("keepalive.pcap"), NULL, NULL, &cap);
  PT_EXPECT_STR(&cap.flows[0].dir[WR_C2S], "abcdef", "c2s");
  assert_int_equal(st(&cap, 0, WR_C2S)->keepalives, 2);
  assert_int_equal(st(&cap, 0, WR_C2S)->overlaps, 0);
  assert_int_equal(st(&cap, 0, WR_C2S)->retransmits, 0);
  wr_pcap_capture_free(&cap);
}

static void write_checksums(const char *name) {
  cr_conv c;
  cr_file *f = start(name, &c);
  cr_handshake(&c);
  uint32_t s0 = c.seq[CR_C2S];
  cr_send(&c, CR_C2S, 0, "abc", 3);
  cr_tcp t = {C, S, s0 + 3, c.seq[CR_S2C], WR_TCP_ACK, 0, "def", 3, 1, 0};
  cr_write(&c, &t, 0); /* bad */
  t.bad_checksum = 0;
  cr_write(&c, &t, 0); /* the retransmission is good */
  cr_tcp g = {C, S, s0 + 6, c.seq[CR_S2C], WR_TCP_ACK, 0, "ghi", 3, 1, 0};
  cr_write(&c, &g, 0); /* bad, never repaired */
  cr_tcp o = {C, S, s0 + 9, c.seq[CR_S2C], WR_TCP_ACK, 0, "jkl", 3, 0, 1};
  cr_write(&c, &o, 0); /* offloaded: accepted */
  c.seq[CR_C2S] = s0 + 12;
  pt_close_both(&c);
  pt_finish(f);
}

static void test_bad_checksum(void **state) {
  (void)state;
  write_checksums("csum.pcap");
  wr_pcap_capture cap;
  pt_collect(pt_path("csum.pcap"), NULL, NULL, &cap);
  const wr_tcp_stream *s = &cap.flows[0].dir[WR_C2S];
  PT_EXPECT_STR(s, "abcdefjkl", "c2s");
  pt_expect_one_gap(s, 6, 3, WR_GAP_MISSING, "c2s");
  assert_int_equal(st(&cap, 0, WR_C2S)->bad_checksums, 2);
  assert_int_equal(cap.pcap.csum_bad, 2);
  assert_int_equal(cap.pcap.csum_offloaded, 1);
  wr_pcap_capture_free(&cap);

  /* With checking off the bad segments count like any other. */
  wr_pcap_options po = {.no_checksum = 1};
  pt_collect(pt_path("csum.pcap"), &po, NULL, &cap);
  PT_EXPECT_STR(&cap.flows[0].dir[WR_C2S], "abcdefghijkl", "c2s");
  assert_int_equal(st(&cap, 0, WR_C2S)->bad_checksums, 0);
  assert_int_equal(st(&cap, 0, WR_C2S)->retransmits, 1);
  wr_pcap_capture_free(&cap);
}

/* A bad checksum on the very first segment: there is no flow to count it
 * in yet. */
static void test_bad_checksum_orphan(void **state) {
  (void)state;
  cr_conv c;
  cr_file *f = start("orphan.pcap", &c);
  cr_tcp t = {C, S, 1, 0, WR_TCP_SYN, 0, NULL, 0, 1, 0};
  cr_write(&c, &t, 0);
  pt_finish(f);
  wr_pcap_capture cap;
  pt_collect(pt_path("orphan.pcap"), NULL, NULL, &cap);
  assert_int_equal(cap.count, 0);
  assert_int_equal(cap.tcp.orphan_bad_checksums, 1);
  wr_pcap_capture_free(&cap);
}

static void test_snaplen_truncation(void **state) {
  (void)state;
  cr_conv c;
  cr_file *f = start("snap.pcap", &c);
  cr_handshake(&c);
  uint32_t s0 = c.seq[CR_C2S];
  cr_tcp t = {C, S, s0, c.seq[CR_S2C], WR_TCP_ACK, 0, "0123456789", 10, 0, 0};
  /* Ethernet 14 + IPv4 20 + TCP 20 + 6 of the 10 payload bytes. */
  cr_write(&c, &t, 14 + 20 + 20 + 6);
  c.seq[CR_C2S] = s0 + 10;
  cr_send(&c, CR_C2S, 0, "abc", 3);
  cr_tcp h = {C, S, s0 + 13, c.seq[CR_S2C], WR_TCP_ACK, 0, "zz", 2, 0, 0};
  cr_write(&c, &h, 14 + 20 + 10); /* cut inside the TCP header */
  c.seq[CR_C2S] = s0 + 15;
  pt_close_both(&c);
  pt_finish(f);

  wr_pcap_capture cap;
  pt_collect(pt_path("snap.pcap"), NULL, NULL, &cap);
  const wr_tcp_stream *s = &cap.flows[0].dir[WR_C2S];
  PT_EXPECT_STR(s, "012345abc", "c2s");
  assert_int_equal(s->ngaps, 2);
  assert_int_equal(s->gaps[0].offset, 6);
  assert_int_equal(s->gaps[0].len, 4);
  assert_int_equal(s->gaps[0].reason, WR_GAP_TRUNCATED);
  assert_int_equal(s->gaps[1].offset, 13); /* the segment with no header */
  assert_int_equal(s->gaps[1].len, 2);
  assert_int_equal(st(&cap, 0, WR_C2S)->truncated, 1);
  assert_int_equal(cap.pcap.short_headers, 1);
  wr_pcap_capture_free(&cap);
}

static void test_memory_cap(void **state) {
  (void)state;
  enum { N = 10000, CAP = 4096 };
  static uint8_t data[N];
  pt_fill(data, N, 3);
  cr_conv c;
  cr_file *f = start("cap.pcap", &c);
  cr_handshake(&c);
  uint32_t s0 = c.seq[CR_C2S];
  /* Bytes [0,100) never come; 60 segments of 100 bytes wait behind them
   * until the cap forces the hole closed. */
  for (int i = 1; i <= 60; i++)
    cr_send_at(&c, CR_C2S, s0 + (uint32_t)i * 100, 0, data + i * 100, 100);
  c.seq[CR_C2S] = s0 + 6100;
  cr_send(&c, CR_S2C, 0, data, 5000); /* server: simply longer than the cap */
  pt_close_both(&c);
  pt_finish(f);

  wr_tcp_options to = {.stream_cap = CAP};
  wr_pcap_capture cap;
  pt_collect(pt_path("cap.pcap"), NULL, &to, &cap);
  const wr_tcp_stream *s = &cap.flows[0].dir[WR_C2S];
  assert_true(s->ngaps >= 1);
  assert_int_equal(s->gaps[0].offset, 0);
  assert_int_equal(s->gaps[0].len, 100);
  assert_int_equal(s->gaps[0].reason, WR_GAP_CAP);
  assert_true(s->len <= CAP);
  /* What is kept is the stream from 100 on, and the rest is accounted. */
  assert_memory_equal(s->data, data + 100, s->len);
  const wr_tcp_dir_stats *d = st(&cap, 0, WR_C2S);
  assert_int_equal(s->len + d->cap_dropped, 6000);
  if (d->cap_dropped) {
    assert_int_equal(s->ngaps, 2);
    assert_int_equal(s->gaps[1].reason, WR_GAP_CAP);
    assert_int_equal(s->gaps[1].len, d->cap_dropped);
  }
  const wr_tcp_stream *r = &cap.flows[0].dir[WR_S2C];
  assert_int_equal(r->len, CAP);
  assert_memory_equal(r->data, data, CAP);
  pt_expect_one_gap(r, CAP, 5000 - CAP, WR_GAP_CAP, "s2c");
  assert_int_equal(st(&cap, 0, WR_S2C)->cap_dropped, 5000 - CAP);
  wr_pcap_capture_free(&cap);
}

static void test_ipv6(void **state) {
  (void)state;
  cr_conv c;
  int link = CR_LINK_ETHERNET;
  cr_file *f = cr_open(pt_path("v6.pcap"), CR_PCAP_US, &link, 1, 0);
  cr_end c6 = {"fd00::1", 50000}, s6 = {"fd00::2", 443};
  cr_conv_init(&c, f, link, c6, s6, 1, 2);
  cr_handshake(&c);
  cr_send(&c, CR_C2S, 0, "v6 data", 7);
  cr_send(&c, CR_S2C, 0, "reply", 5);
  pt_close_both(&c);
  pt_finish(f);
  wr_pcap_capture cap;
  pt_collect(pt_path("v6.pcap"), NULL, NULL, &cap);
  assert_int_equal(cap.count, 1);
  char a[WR_ADDR_STRLEN];
  assert_string_equal(wr_addr_str(&cap.flows[0].flow.client, a),
                      "[fd00::1]:50000");
  PT_EXPECT_STR(&cap.flows[0].dir[WR_C2S], "v6 data", "c2s");
  PT_EXPECT_STR(&cap.flows[0].dir[WR_S2C], "reply", "s2c");
  wr_pcap_capture_free(&cap);
}

/* A long stream cut into random segments, shuffled, with duplicates mixed
 * in, over many seeds: the stream always comes out whole. */
static void test_shuffled(void **state) {
  (void)state;
  enum { N = 60000, MAXSEG = 300, SEEDS = 12 };
  static uint8_t data[N];
  static uint32_t offs[N], lens[N];
  pt_fill(data, N, 11);
  for (unsigned seed = 1; seed <= SEEDS; seed++) {
    tu_where_set("seed %u", seed);
    uint32_t x = seed * 7919u;
#define RND() (x ^= x << 13, x ^= x >> 17, x ^= x << 5, x)
    size_t n = 0;
    for (uint32_t o = 0; o < N;) {
      uint32_t l = 1 + RND() % MAXSEG;
      if (o + l > N)
        l = N - o;
      offs[n] = o;
      lens[n++] = l;
      if (RND() % 5 == 0) { /* a duplicate */
        offs[n] = o;
        lens[n++] = l;
      }
      o += l;
    }
    /* Shuffle locally: a segment moves at most 8 places, as reordering
     * does on a real path (and a hole never waits for the whole stream). */
    for (size_t i = 0; i < n; i++) {
      size_t j = i + RND() % 8;
      if (j >= n)
        j = n - 1;
      uint32_t t = offs[i];
      offs[i] = offs[j];
      offs[j] = t;
      t = lens[i];
      lens[i] = lens[j];
      lens[j] = t;
    }
#undef RND
    cr_conv c;
    cr_file *f = start("shuffle.pcap", &c);
    cr_handshake(&c);
    uint32_t s0 = c.seq[CR_C2S];
    for (size_t i = 0; i < n; i++)
      cr_send_at(&c, CR_C2S, s0 + offs[i], 0, data + offs[i], lens[i]);
    c.seq[CR_C2S] = s0 + N;
    pt_close_both(&c);
    pt_finish(f);
    wr_pcap_capture cap;
    pt_collect(pt_path("shuffle.pcap"), NULL, NULL, &cap);
    pt_expect_bytes(&cap.flows[0].dir[WR_C2S], data, N, tu_where());
    assert_int_equal(st(&cap, 0, WR_C2S)->gaps, 0);
    assert_int_equal(st(&cap, 0, WR_C2S)->overlaps, 0);
    wr_pcap_capture_free(&cap);
  }
  tu_where_set("%s", "");
}

/* ---- the sink interface: partial consumption, pieces -------------------- */

typedef struct half_sink {
  uint8_t out[2][70000];
  size_t len[2];
  uint64_t next_off[2];
  int bad;
  size_t calls;
} half_sink;

/* Takes half of what it is offered (everything when final), checking that
 * chunks continue where the last one stopped and pieces cover them. */
static size_t half_data(void *ctx, wr_tcp_flow *f, int dir,
                        const wr_tcp_chunk *ch) {
  (void)f;
  half_sink *h = ctx;
  h->calls++;
  if (ch->offset != h->next_off[dir])
    h->bad = 1;
  uint64_t at = ch->offset;
  for (size_t i = 0; i < ch->npieces; i++) {
    if (ch->pieces[i].offset != at)
      h->bad = 2;
    at += ch->pieces[i].len;
  }
  if (at != ch->offset + ch->len)
    h->bad = 3;
  size_t k = ch->final ? ch->len : ch->len / 2;
  memcpy(h->out[dir] + h->len[dir], ch->data, k);
  h->len[dir] += k;
  h->next_off[dir] += k;
  return k;
}

static void test_sink_partial(void **state) {
  (void)state;
  enum { N = 50000 };
  static uint8_t data[N];
  pt_fill(data, N, 5);
  cr_conv c;
  cr_file *f = start("sink.pcap", &c);
  cr_handshake(&c);
  for (size_t o = 0; o < N; o += 1000)
    cr_send(&c, CR_C2S, 0, data + o, 1000);
  pt_close_both(&c);
  pt_finish(f);
  static half_sink h;
  memset(&h, 0, sizeof h);
  wr_tcp_sink sink = {&h, NULL, half_data, NULL, NULL};
  wr_tcp_options to = {.flush_size = 3000};
  char err[256];
  wr_pcap_stats ps;
  wr_tcp_stats ts;
  int rc = wr_pcap_run(pt_path("sink.pcap"), NULL, &to, &sink, &ps, &ts, err,
                       sizeof err);
  assert_int_equal(rc, 0);
  assert_int_equal(h.bad, 0);
  assert_int_equal(h.len[WR_C2S], N);
  assert_memory_equal(h.out[WR_C2S], data, N);
  assert_true(h.calls >= 5); /* offered many times, partly taken each time */
  assert_int_equal(ts.flows, 1);
}

/* A sink that takes the storage of every final chunk (wr_tcp_chunk_take)
 * and copies the others: what it ends up with must be the stream, each
 * taken block still holding its bytes after the callback returned, and
 * the direction must go on (new storage) after a gap. */
typedef struct take_sink {
  uint8_t out[20000];
  size_t len;
  void *blocks[8];
  const uint8_t *data[8];
  size_t at[8], n[8], nblocks;
  int bad;
} take_sink;

static size_t take_data(void *ctx, wr_tcp_flow *f, int dir,
                        const wr_tcp_chunk *ch) {
  (void)f;
  take_sink *t = ctx;
  if (dir != WR_C2S)
    return ch->len;
  if (!ch->final) {
    if (wr_tcp_chunk_take(ch) != NULL)
      t->bad = 1; /* only final chunks may be taken */
    memcpy(t->out + t->len, ch->data, ch->len);
    t->len += ch->len;
    return ch->len;
  }
  void *b = wr_tcp_chunk_take(ch);
  if (!b || wr_tcp_chunk_take(ch) != NULL || t->nblocks == 8) {
    t->bad = 2; /* taken once, then nothing is left to take */
    free(b);
    return ch->len;
  }
  t->blocks[t->nblocks] = b;
  t->data[t->nblocks] = ch->data;
  t->at[t->nblocks] = t->len;
  t->n[t->nblocks++] = ch->len;
  t->len += ch->len; /* copied at the end, from the block */
  return 0;          /* taken: counts as all used whatever is returned */
}

static void test_sink_take(void **state) {
  (void)state;
  enum { A = 2000, B = 5000 }; /* each leaves 500 bytes for its final chunk */
  static uint8_t data[A + 3 + B];
  pt_fill(data, sizeof data, 9);
  cr_conv c;
  cr_file *f = start("take.pcap", &c);
  cr_handshake(&c);
  uint32_t s0 = c.seq[CR_C2S];
  for (size_t o = 0; o < A; o += 500)
    cr_send_at(&c, CR_C2S, s0 + (uint32_t)o, 0, data + o, 500);
  /* 3 bytes never captured, then B with one segment sent twice */
  for (size_t o = A + 3; o < A + 3 + B; o += 500) {
    cr_send_at(&c, CR_C2S, s0 + (uint32_t)o, 0, data + o, 500);
    if (o == A + 3 + 1000)
      cr_send_at(&c, CR_C2S, s0 + (uint32_t)o, 0, data + o, 500);
  }
  c.seq[CR_C2S] = s0 + A + 3 + B;
  pt_close_both(&c);
  pt_finish(f);
  static take_sink t;
  memset(&t, 0, sizeof t);
  wr_tcp_sink sink = {&t, NULL, take_data, NULL, NULL};
  wr_tcp_options to = {.flush_size = 1200};
  char err[256];
  wr_pcap_stats ps;
  wr_tcp_stats ts;
  int rc = wr_pcap_run(pt_path("take.pcap"), NULL, &to, &sink, &ps, &ts, err,
                       sizeof err);
  assert_int_equal(rc, 0);
  assert_int_equal(t.bad, 0);
  assert_int_equal(t.nblocks, 2); /* before the gap and at the end */
  for (size_t i = 0; i < t.nblocks; i++) {
    memcpy(t.out + t.at[i], t.data[i], t.n[i]);
    free(t.blocks[i]);
  }
  assert_int_equal(t.len, A + B);
  assert_memory_equal(t.out, data, A);
  assert_memory_equal(t.out + A, data + A + 3, B);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic),
      cmocka_unit_test(test_out_of_order),
      cmocka_unit_test(test_retransmit_identical),
      cmocka_unit_test(test_overlap_first_wins),
      cmocka_unit_test(test_gap_missing),
      cmocka_unit_test(test_gap_by_ack),
      cmocka_unit_test(test_trailing_gap),
      cmocka_unit_test(test_wraparound),
      cmocka_unit_test(test_midstream),
      cmocka_unit_test(test_synack_first),
      cmocka_unit_test(test_syn_with_data),
      cmocka_unit_test(test_rst),
      cmocka_unit_test(test_half_close),
      cmocka_unit_test(test_port_reuse),
      cmocka_unit_test(test_keepalive),
      cmocka_unit_test(test_bad_checksum),
      cmocka_unit_test(test_bad_checksum_orphan),
      cmocka_unit_test(test_snaplen_truncation),
      cmocka_unit_test(test_memory_cap),
      cmocka_unit_test(test_ipv6),
      cmocka_unit_test(test_shuffled),
      cmocka_unit_test(test_sink_partial),
      cmocka_unit_test(test_sink_take),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
