/* The capture reader on crafted files: every link type and VLAN stack,
 * pcap in micro- and nanoseconds and pcapng, IPv4 and IPv6 fragments, the
 * BPF filter, traffic that is not TCP, and malformed files, whose errors
 * must name the file and the record. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pcap/craft.h"
#include "pcap/pcaptest.h"
#include "testutil.h"
#include "wirerig/pcapflows.h"
#include "wirerig/pcaptools.h"

static const cr_end C4 = {"10.0.0.1", 40000}, S4 = {"10.0.0.2", 80};
static const cr_end C6 = {"fd00::1", 40000}, S6 = {"fd00::2", 80};

/* A small complete conversation: handshake, "ping", "pong!", close. */
static void converse(cr_conv *c) {
  cr_handshake(c);
  cr_send(c, CR_C2S, WR_TCP_PSH, "ping", 4);
  cr_send(c, CR_S2C, WR_TCP_PSH, "pong!", 5);
  cr_send(c, CR_C2S, WR_TCP_FIN, NULL, 0);
  cr_send(c, CR_S2C, WR_TCP_FIN, NULL, 0);
  cr_send(c, CR_C2S, WR_TCP_ACK, NULL, 0);
}

static void expect_conversation(const char *path, const char *what) {
  wr_pcap_capture cap;
  pt_collect(path, NULL, NULL, &cap);
  TU_CHECK(cap.count == 1, "%s: %zu flows", what, cap.count);
  pt_expect_bytes(&cap.flows[0].dir[WR_C2S], "ping", 4, what);
  pt_expect_bytes(&cap.flows[0].dir[WR_S2C], "pong!", 5, what);
  TU_CHECK(cap.pcap.records == 8 && cap.pcap.tcp_segments == 8,
           "%s: %llu records, %llu segments", what,
           (unsigned long long)cap.pcap.records,
           (unsigned long long)cap.pcap.tcp_segments);
  TU_CHECK(cap.flows[0].flow.client.port == 40000, "%s: wrong client", what);
  wr_pcap_capture_free(&cap);
}

typedef struct link_row {
  const char *name;
  cr_link link;
  int v4, v6; /* which address families the link carries */
} link_row;

static const link_row link_rows[] = {
    {"ethernet", {.type = CR_LINK_ETHERNET}, 1, 1},
    {"ethernet 802.1Q",
     {.type = CR_LINK_ETHERNET, .vlans = {42}, .nvlans = 1},
     1,
     1},
    {"ethernet 802.1ad+802.1Q",
     {.type = CR_LINK_ETHERNET,
      .vlans = {100, 200},
      .vlan_tpid = {0x88A8, 0x8100},
      .nvlans = 2},
     1,
     1},
    {"ethernet three tags, old QinQ",
     {.type = CR_LINK_ETHERNET,
      .vlans = {1, 2, 3},
      .vlan_tpid = {0x9100, 0x88A8, 0x8100},
      .nvlans = 3},
     1,
     1},
    {"linux sll", {.type = CR_LINK_SLL}, 1, 1},
    {"linux sll 802.1Q",
     {.type = CR_LINK_SLL, .vlans = {7}, .nvlans = 1},
     1,
     1},
    {"linux sll2", {.type = CR_LINK_SLL2}, 1, 1},
    {"linux sll2 802.1ad+802.1Q",
     {.type = CR_LINK_SLL2,
      .vlans = {5, 6},
      .vlan_tpid = {0x88A8, 0x8100},
      .nvlans = 2},
     1,
     1},
    {"raw", {.type = CR_LINK_RAW}, 1, 1},
    {"ipv4", {.type = CR_LINK_IPV4}, 1, 0},
    {"ipv6", {.type = CR_LINK_IPV6}, 0, 1},
    {"null little-endian", {.type = CR_LINK_NULL}, 1, 1},
    {"null big-endian", {.type = CR_LINK_NULL, .null_big_endian = 1}, 1, 1},
    {"null AF_INET6=24", {.type = CR_LINK_NULL, .v6_family = 24}, 0, 1},
    {"null AF_INET6=28", {.type = CR_LINK_NULL, .v6_family = 28}, 0, 1},
    {"null AF_INET6=30 big-endian",
     {.type = CR_LINK_NULL, .v6_family = 30, .null_big_endian = 1},
     0,
     1},
    {"loop", {.type = CR_LINK_LOOP}, 1, 1},
    {"loop AF_INET6=24", {.type = CR_LINK_LOOP, .v6_family = 24}, 0, 1},
};

static void test_link_types(void **state) {
  (void)state;
  unsigned ran = 0;
  for (size_t i = 0; i < sizeof link_rows / sizeof link_rows[0]; i++) {
    const link_row *row = &link_rows[i];
    for (int fam = 4; fam <= 6; fam += 2) {
      if ((fam == 4 && !row->v4) || (fam == 6 && !row->v6))
        continue;
      char what[128];
      snprintf(what, sizeof what, "%s over IPv%d", row->name, fam);
      tu_where_set("%s", what);
      const char *path = pt_path("link.pcap");
      int lt = row->link.type;
      cr_file *f = cr_open(path, CR_PCAP_US, &lt, 1, 0);
      cr_conv c;
      cr_conv_init(&c, f, lt, fam == 4 ? C4 : C6, fam == 4 ? S4 : S6, 1, 2);
      c.link = row->link;
      converse(&c);
      assert_int_equal(cr_close(f), 0);
      expect_conversation(path, what);
      ran++;
    }
  }
  tu_where_set("%s", "");
  assert_true(ran >= 30);
}

/* The same conversation in each file format, timestamps to the unit the
 * format holds. */
static void test_formats(void **state) {
  (void)state;
  static const struct {
    cr_format fmt;
    const char *name;
    int64_t unit;
  } rows[] = {{CR_PCAP_US, "pcap-us", 1000},
              {CR_PCAP_NS, "pcap-ns", 1},
              {CR_PCAPNG, "pcapng", 1000}};
  for (size_t i = 0; i < 3; i++) {
    tu_where_set("%s", rows[i].name);
    const char *path = pt_path("format.cap");
    int lt = CR_LINK_ETHERNET;
    cr_file *f = cr_open(path, rows[i].fmt, &lt, 1, 0);
    cr_conv c;
    cr_conv_init(&c, f, lt, C4, S4, 1, 2);
    c.ts += 123456789; /* sub-microsecond digits */
    cr_handshake(&c);
    cr_send(&c, CR_C2S, 0, "ping", 4);
    int64_t ts_ping = c.ts;
    assert_int_equal(cr_close(f), 0);
    wr_pcap_capture cap;
    pt_collect(path, NULL, NULL, &cap);
    assert_int_equal(cap.count, 1);
    pt_expect_bytes(&cap.flows[0].dir[WR_C2S], "ping", 4, rows[i].name);
    assert_int_equal(cap.flows[0].dir[WR_C2S].npieces, 1);
    int64_t want = ts_ping / rows[i].unit * rows[i].unit;
    TU_CHECK(cap.flows[0].dir[WR_C2S].pieces[0].ts_ns == want,
             "timestamp %lld, expected %lld",
             (long long)cap.flows[0].dir[WR_C2S].pieces[0].ts_ns,
             (long long)want);
    wr_pcap_capture_free(&cap);
  }
  tu_where_set("%s", "");
}

/* One TCP segment of 3000 payload bytes sent as IP fragments, out of
 * order, one of them twice with different bytes the second time. */
static void fragments(int fam, int drop_one, const char *path) {
  static uint8_t payload[3000], dgram[65600], frame[65700];
  static uint8_t frags[8][65600];
  size_t lens[8];
  pt_fill(payload, sizeof payload, 9);
  int lt = CR_LINK_ETHERNET;
  cr_file *f = cr_open(path, CR_PCAP_US, &lt, 1, 0);
  cr_conv c;
  cr_conv_init(&c, f, lt, fam == 4 ? C4 : C6, fam == 4 ? S4 : S6, 1, 2);
  cr_handshake(&c);
  cr_tcp t = {c.client, c.server, c.seq[0],       c.seq[1], WR_TCP_ACK,
              0,        payload,  sizeof payload, 0,        0};
  size_t n = cr_ip_tcp(dgram, &t, 77);
  int k = cr_fragment(dgram, n, 1000, 0xBEEF, frags, lens, 8);
  assert_int_equal(k, 4);
  int order[] = {3, 0, 1, -1, 2}; /* -1: fragment 1 again, altered */
  for (size_t i = 0; i < 5; i++) {
    if (drop_one && order[i] == 2)
      continue;
    uint8_t *fr = frags[order[i] < 0 ? 1 : order[i]];
    size_t fl = lens[order[i] < 0 ? 1 : order[i]];
    if (order[i] < 0) {
      static uint8_t alt[65600];
      memcpy(alt, fr, fl);
      alt[fl - 1] ^= 0xFF; /* the last byte differs: first copy wins */
      alt[fl - 2] ^= 0xFF;
      fr = alt;
    }
    size_t m = cr_frame(frame, &c.link, fr, fl);
    c.ts += 1000000;
    cr_record(f, 0, c.ts, frame, m, m);
  }
  c.seq[0] += sizeof payload;
  cr_send(&c, CR_C2S, WR_TCP_FIN, NULL, 0);
  cr_send(&c, CR_S2C, WR_TCP_FIN, NULL, 0);
  assert_int_equal(cr_close(f), 0);

  wr_pcap_capture cap;
  pt_collect(path, NULL, NULL, &cap);
  assert_int_equal(cap.count, 1);
  if (!drop_one) {
    pt_expect_bytes(&cap.flows[0].dir[WR_C2S], payload, sizeof payload,
                    "reassembled");
    assert_int_equal(cap.pcap.fragments, 5);
    assert_int_equal(cap.pcap.reassembled, 1);
    assert_int_equal(cap.pcap.frag_overlaps, 2);
    assert_int_equal(cap.pcap.frag_dropped, 0);
    assert_int_equal(cap.pcap.csum_bad, 0);
  } else {
    /* The datagram never completes: the segment is a gap. */
    assert_int_equal(cap.flows[0].dir[WR_C2S].len, 0);
    pt_expect_one_gap(&cap.flows[0].dir[WR_C2S], 0, sizeof payload,
                      WR_GAP_MISSING, "incomplete");
    assert_int_equal(cap.pcap.reassembled, 0);
    assert_int_equal(cap.pcap.frag_dropped, 1);
  }
  wr_pcap_capture_free(&cap);
}

static void test_fragments_v4(void **state) {
  (void)state;
  fragments(4, 0, pt_path("frag4.pcap"));
  fragments(4, 1, pt_path("frag4-lost.pcap"));
}

static void test_fragments_v6(void **state) {
  (void)state;
  fragments(6, 0, pt_path("frag6.pcap"));
  fragments(6, 1, pt_path("frag6-lost.pcap"));
}

static void test_filter(void **state) {
  (void)state;
  const char *path = pt_path("filter.pcap");
  int lt = CR_LINK_ETHERNET;
  cr_file *f = cr_open(path, CR_PCAP_US, &lt, 1, 0);
  cr_conv a, b;
  cr_end s2 = {"10.0.0.2", 8080};
  cr_conv_init(&a, f, lt, C4, S4, 1, 2);
  cr_conv_init(&b, f, lt, C4, s2, 100, 200);
  converse(&a);
  b.ts = a.ts;
  converse(&b);
  assert_int_equal(cr_close(f), 0);

  wr_pcap_options po = {.filter = "tcp port 8080"};
  wr_pcap_capture cap;
  pt_collect(path, &po, NULL, &cap);
  assert_int_equal(cap.count, 1);
  assert_int_equal(cap.flows[0].flow.server.port, 8080);
  assert_int_equal(cap.pcap.records, 8); /* the filter passed only these */
  wr_pcap_capture_free(&cap);
  pt_collect(path, NULL, NULL, &cap);
  assert_int_equal(cap.count, 2);
  wr_pcap_capture_free(&cap);

  po.filter = "tcp port";
  const char *msg = pt_collect_error(path, &po, WR_EINVAL);
  TU_CHECK(strstr(msg, path) && strstr(msg, "bad filter \"tcp port\""),
           "message: %s", msg);
}

static void test_not_tcp(void **state) {
  (void)state;
  const char *path = pt_path("other.pcap");
  int lt = CR_LINK_ETHERNET;
  cr_file *f = cr_open(path, CR_PCAP_US, &lt, 1, 0);
  uint8_t arp[42] = {0};
  arp[12] = 0x08;
  arp[13] = 0x06;
  cr_record(f, 0, 1, arp, sizeof arp, sizeof arp);
  uint8_t udp[14 + 28] = {0};
  udp[12] = 0x08;
  udp[14] = 0x45;
  udp[14 + 3] = 28;
  udp[14 + 9] = 17;
  cr_record(f, 0, 2, udp, sizeof udp, sizeof udp);
  uint8_t bad[14 + 20] = {0};
  bad[12] = 0x08;
  bad[14] = 0x43; /* IHL 3: impossible */
  cr_record(f, 0, 3, bad, sizeof bad, sizeof bad);
  assert_int_equal(cr_close(f), 0);
  wr_pcap_capture cap;
  pt_collect(path, NULL, NULL, &cap);
  assert_int_equal(cap.count, 0);
  assert_int_equal(cap.pcap.records, 3);
  assert_int_equal(cap.pcap.not_ip, 1);
  assert_int_equal(cap.pcap.not_tcp, 1);
  assert_int_equal(cap.pcap.malformed, 1);
  wr_pcap_capture_free(&cap);
}

/* ---- malformed files ------------------------------------------------------
 */

static void write_bytes(const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  assert_int_equal(fwrite(p, 1, n, f), n);
  assert_int_equal(fclose(f), 0);
}

static size_t read_all(const char *path, uint8_t *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  size_t n = fread(buf, 1, cap, f);
  fclose(f);
  return n;
}

static void expect_msg(const char *msg, const char *a, const char *b) {
  TU_CHECK(strstr(msg, a) != NULL, "message lacks \"%s\": %s", a, msg);
  if (b)
    TU_CHECK(strstr(msg, b) != NULL, "message lacks \"%s\": %s", b, msg);
}

static void test_missing_file(void **state) {
  (void)state;
  const char *path = pt_path("no-such.pcap");
  const char *msg = pt_collect_error(path, NULL, WR_ENOENT);
  expect_msg(msg, path, "No such file");
}

static void test_bad_magic(void **state) {
  (void)state;
  const char *path = pt_path("magic.pcap");
  write_bytes(path, "this is not a capture file at all, just text\n", 45);
  expect_msg(pt_collect_error(path, NULL, WR_EPROTO), path,
             "not a pcap or pcapng file");
  write_bytes(path, "", 0);
  expect_msg(pt_collect_error(path, NULL, WR_EPROTO), path, NULL);
}

static void good_file(const char *path, cr_format fmt) {
  int lt = CR_LINK_ETHERNET;
  cr_file *f = cr_open(path, fmt, &lt, 1, 0);
  cr_conv c;
  cr_conv_init(&c, f, lt, C4, S4, 1, 2);
  converse(&c);
  assert_int_equal(cr_close(f), 0);
}

/* A capture cut inside a record (tcpdump killed mid-write) keeps every
 * complete record before the cut, as tcpdump and tshark read them, and
 * says which record was cut. Only a cut file header is an error. */
static void expect_cut(const char *path, uint64_t cut_record,
                       const char *what) {
  wr_pcap_capture cap;
  pt_collect(path, NULL, NULL, &cap);
  TU_CHECK(cap.pcap.truncated_record == cut_record,
           "%s: truncated_record %llu, expected %llu", what,
           (unsigned long long)cap.pcap.truncated_record,
           (unsigned long long)cut_record);
  TU_CHECK(cap.pcap.records == cut_record - 1, "%s: %llu records kept", what,
           (unsigned long long)cap.pcap.records);
  wr_pcap_capture_free(&cap);
}

static void test_truncated(void **state) {
  (void)state;
  static uint8_t buf[8192];
  const char *good = pt_path("good.pcap");
  good_file(good, CR_PCAP_US);
  size_t n = read_all(good, buf, sizeof buf);
  const char *path = pt_path("trunc.pcap");
  /* Inside the file header: nothing to keep. */
  write_bytes(path, buf, 10);
  expect_msg(pt_collect_error(path, NULL, WR_EPROTO), path, "truncated");
  /* Inside record 3: header 24, records of 16 + 54 bytes (handshake). */
  write_bytes(path, buf, 24 + 2 * 70 + 30);
  expect_cut(path, 3, "cut in record 3");
  /* Inside the header of the last record: "ping" and "pong!" are kept. */
  write_bytes(path, buf, n - 54 - 8);
  expect_cut(path, 8, "cut in the header of record 8");
  wr_pcap_capture cap;
  pt_collect(path, NULL, NULL, &cap);
  pt_expect_bytes(&cap.flows[0].dir[WR_C2S], "ping", 4, "kept c2s");
  pt_expect_bytes(&cap.flows[0].dir[WR_S2C], "pong!", 5, "kept s2c");
  wr_pcap_capture_free(&cap);

  const char *ng = pt_path("good.pcapng");
  good_file(ng, CR_PCAPNG);
  n = read_all(ng, buf, sizeof buf);
  write_bytes(path, buf, n - 10);
  expect_cut(path, 8, "pcapng cut in record 8");
}

/* A file that shrinks while it is read (a log rotated, truncate(1) by
 * another process) used to kill the reader with SIGBUS through its memory
 * mapping; now it is an error naming the file and the record. */
static void test_shrinks_while_read(void **state) {
  (void)state;
  const char *path = pt_path("shrink.pcap");
  int lt = CR_LINK_ETHERNET;
  cr_file *f = cr_open(path, CR_PCAP_US, &lt, 1, 0);
  cr_conv c;
  cr_conv_init(&c, f, lt, C4, S4, 1, 2);
  cr_handshake(&c);
  static uint8_t big[60000];
  pt_fill(big, sizeof big, 3);
  for (int i = 0; i < 40; i++) /* 2.4 MB: more than the read window */
    cr_send(&c, CR_C2S, WR_TCP_ACK, big, 1400);
  for (int i = 0; i < 2000; i++)
    cr_send(&c, CR_C2S, WR_TCP_ACK, big, 1200);
  assert_int_equal(cr_close(f), 0);
  wr_pcap_reader *r;
  char err[256];
  assert_int_equal(wr_pcap_reader_create(path, NULL, &r, err, sizeof err), 0);
  wr_tcp_segment seg;
  assert_int_equal(wr_pcap_next(r, &seg), 1);
  assert_int_equal(truncate(path, 4096), 0);
  int rc;
  while ((rc = wr_pcap_next(r, &seg)) == 1)
    ;
  TU_CHECK(rc == WR_EIO, "expected eio, got %s (%s)", wr_err_name(rc),
           wr_pcap_error(r));
  expect_msg(wr_pcap_error(r), path, "shrank");
  expect_msg(wr_pcap_error(r), "record ", NULL);
  wr_pcap_reader_destroy(r);
}

/* VLAN stacks of any depth are walked (the old limit was 8 and a deeper
 * frame was silently counted as not IP). */
static void test_deep_vlan(void **state) {
  (void)state;
  const char *path = pt_path("deep.pcap");
  int lt = CR_LINK_ETHERNET;
  cr_file *f = cr_open(path, CR_PCAP_US, &lt, 1, 0);
  static uint8_t dgram[65600], frame[66000];
  cr_tcp t = {.src = C4,
              .dst = S4,
              .seq = 100,
              .ack = 1,
              .flags = WR_TCP_ACK | WR_TCP_PSH,
              .window = 1000,
              .payload = "deep",
              .len = 4};
  size_t n = cr_ip_tcp(dgram, &t, 1);
  memset(frame, 0xAA, 12);
  size_t off = 12;
  for (int i = 0; i < 12; i++) {
    frame[off++] = 0x81;
    frame[off++] = 0x00;
    frame[off++] = 0;
    frame[off++] = (uint8_t)(i + 1);
  }
  frame[off++] = 0x08;
  frame[off++] = 0x00;
  memcpy(frame + off, dgram, n);
  cr_record(f, 0, 1000000, frame, off + n, off + n);
  assert_int_equal(cr_close(f), 0);
  wr_pcap_capture cap;
  pt_collect(path, NULL, NULL, &cap);
  TU_CHECK(cap.pcap.not_ip == 0 && cap.count == 1,
           "12 VLAN tags: %llu not IP, %zu flows",
           (unsigned long long)cap.pcap.not_ip, cap.count);
  pt_expect_bytes(&cap.flows[0].dir[WR_C2S], "deep", 4, "12 tags");
  wr_pcap_capture_free(&cap);
}

/* An IPv4 total length larger than the frame, in a frame the snaplen did
 * not cut, is a lying length field: the bytes the frame holds are the
 * segment (as tshark reads it), it is counted, and no gap is invented --
 * the gap used to make the next in-order segment look like a retransmit
 * past a hole and drop it. */
static void test_ip_length_beyond_frame(void **state) {
  (void)state;
  const char *path = pt_path("badlen.pcap");
  int lt = CR_LINK_RAW;
  cr_file *f = cr_open(path, CR_PCAP_US, &lt, 1, 0);
  static uint8_t dgram[65600];
  const char *parts[] = {"abcd", "efgh", "ijkl"};
  for (int i = 0; i < 3; i++) {
    cr_tcp t = {.src = C4,
                .dst = S4,
                .seq = 100 + 4 * (uint32_t)i,
                .ack = 1,
                .flags = WR_TCP_ACK | WR_TCP_PSH,
                .window = 1000,
                .payload = parts[i],
                .len = 4};
    size_t n = cr_ip_tcp(dgram, &t, (uint16_t)i);
    if (i == 0) {
      uint16_t total = (uint16_t)(n + 100);
      dgram[2] = (uint8_t)(total >> 8);
      dgram[3] = (uint8_t)total;
    }
    cr_record(f, 0, 1000000 * (i + 1), dgram, n, n);
  }
  assert_int_equal(cr_close(f), 0);
  wr_pcap_capture cap;
  pt_collect(path, NULL, NULL, &cap);
  TU_CHECK(cap.count == 1, "%zu flows", cap.count);
  TU_CHECK(cap.pcap.bad_ip_length == 1, "bad_ip_length %llu",
           (unsigned long long)cap.pcap.bad_ip_length);
  TU_CHECK(cap.flows[0].dir[WR_C2S].ngaps == 0, "%zu gaps invented",
           cap.flows[0].dir[WR_C2S].ngaps);
  pt_expect_bytes(&cap.flows[0].dir[WR_C2S], "abcdefghijkl", 12,
                  "bad total length");
  wr_pcap_capture_free(&cap);
}

/* Timestamps that go backwards (an NTP step, merged captures) must not
 * reorder a direction: packets come out in stream order. */
static void test_backwards_time_keeps_stream_order(void **state) {
  (void)state;
  const char *path = pt_path("backwards.pcap");
  int lt = CR_LINK_ETHERNET;
  cr_file *f = cr_open(path, CR_PCAP_US, &lt, 1, 0);
  cr_conv c;
  cr_conv_init(&c, f, lt, C4, S4, 1, 2);
  cr_handshake(&c);
  c.ts = 50000000;
  cr_send(&c, CR_C2S, WR_TCP_PSH, "first", 5);
  cr_send(&c, CR_S2C, WR_TCP_PSH, "reply", 5);
  c.ts = 1000000; /* the clock steps back */
  cr_send(&c, CR_C2S, WR_TCP_PSH, "second", 6);
  cr_send(&c, CR_C2S, WR_TCP_PSH, "third", 5);
  assert_int_equal(cr_close(f), 0);
  wr_pcap_capture cap;
  pt_collect(path, NULL, NULL, &cap);
  assert_int_equal(cap.count, 1);
  wr_framing raw = wr_framing_default(WR_PACKET_RAW);
  wr_pcap_events ev = {0};
  assert_int_equal(wr_pcap_cut_flow(&cap.flows[0], &raw, 3, &ev), 0);
  size_t last_at = 0;
  int c2s = 0;
  for (size_t i = 0; i < ev.n; i++) {
    if (ev.v[i].dir != WR_C2S)
      continue;
    TU_CHECK(c2s == 0 || ev.v[i].at > last_at,
             "c2s packet %d at %zu after one at %zu", c2s, ev.v[i].at, last_at);
    last_at = ev.v[i].at;
    c2s++;
  }
  assert_int_equal(c2s, 3);
  wr_pcap_events_free(&ev);
  wr_pcap_capture_free(&cap);
}

static void test_unsupported_link(void **state) {
  (void)state;
  const char *path = pt_path("wifi.pcap");
  int lt = 105; /* IEEE 802.11 */
  cr_file *f = cr_open(path, CR_PCAP_US, &lt, 1, 0);
  cr_record(f, 0, 1, (const uint8_t *)"abcd", 4, 4);
  assert_int_equal(cr_close(f), 0);
  const char *msg = pt_collect_error(path, NULL, WR_ENOTSUP);
  expect_msg(msg, path, "link type 105 (IEEE802_11) is not supported");
}

static void test_absurd_snaplen(void **state) {
  (void)state;
  static uint8_t buf[8192];
  const char *good = pt_path("good.pcap");
  good_file(good, CR_PCAP_US);
  size_t n = read_all(good, buf, sizeof buf);
  const char *path = pt_path("snaplen.pcap");
  /* An absurd snaplen in the file header: libpcap falls back to the
   * largest for the link type, and the packets are all there. */
  memset(buf + 16, 0xFF, 4);
  write_bytes(path, buf, n);
  expect_conversation(path, "header snaplen 0xffffffff");
  /* An absurd captured length in record 2: an error naming it. */
  uint32_t huge = 0x7FFFFFF0u;
  memcpy(buf + 24 + 70 + 8, &huge, 4);
  write_bytes(path, buf, n);
  const char *msg = pt_collect_error(path, NULL, WR_EPROTO);
  expect_msg(msg, path, "record 2");
}

static void test_mixed_link_types(void **state) {
  (void)state;
  const char *path = pt_path("mixed.pcapng");
  int links[2] = {CR_LINK_ETHERNET, CR_LINK_SLL};
  cr_file *f = cr_open(path, CR_PCAPNG, links, 2, 0);
  cr_conv c;
  cr_conv_init(&c, f, CR_LINK_ETHERNET, C4, S4, 1, 2);
  converse(&c);
  assert_int_equal(cr_close(f), 0);
  /* Each packet is read with its own interface's link type (issue #15). */
  wr_pcap_capture cap;
  pt_collect(path, NULL, NULL, &cap);
  assert_int_equal(cap.count, 1);
  assert_true(cap.pcap.tcp_segments > 0);
  wr_pcap_capture_free(&cap);
  /* A filter is compiled for one link type: libpcap reads such a file
   * then, and refuses it as before. */
  wr_pcap_options popt = {.filter = "tcp"};
  const char *msg = pt_collect_error(path, &popt, WR_EPROTO);
  expect_msg(msg, path, "different link types");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_link_types),
      cmocka_unit_test(test_formats),
      cmocka_unit_test(test_fragments_v4),
      cmocka_unit_test(test_fragments_v6),
      cmocka_unit_test(test_filter),
      cmocka_unit_test(test_not_tcp),
      cmocka_unit_test(test_missing_file),
      cmocka_unit_test(test_bad_magic),
      cmocka_unit_test(test_truncated),
      cmocka_unit_test(test_shrinks_while_read),
      cmocka_unit_test(test_deep_vlan),
      cmocka_unit_test(test_ip_length_beyond_frame),
      cmocka_unit_test(test_backwards_time_keeps_stream_order),
      cmocka_unit_test(test_unsupported_link),
      cmocka_unit_test(test_absurd_snaplen),
      cmocka_unit_test(test_mixed_link_types),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
