/* The capture tools (wirerig/pcaptools.h) through the library, not the
 * command: flow listing and its JSON, flow filters, extract into a
 * directory with its manifest, packets cut from a flow, to-corpus and
 * to-scenario on crafted captures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "pcap/craft.h"
#include "pcap/pcaptest.h"
#include "testutil.h"
#include "wirerig/pcaptools.h"

static const cr_end C = {"10.0.0.1", 40000}, S = {"10.0.0.2", 80};

/* Flow 1: {packet,2} frames "hello" and "abc" from the client (cut across
 * segments), "ok" from the server, both FIN; with `gap`, four client bytes
 * never captured after "abc". Flow 2: one frame to port 8080. */
static const char *write_capture(const char *name, int gap) {
  const char *path = pt_path(name);
  int lt = CR_LINK_ETHERNET;
  cr_file *f = cr_open(path, CR_PCAP_US, &lt, 1, 0);
  assert_non_null(f);
  cr_conv c;
  cr_conv_init(&c, f, lt, C, S, 100, 200);
  cr_handshake(&c);
  cr_send(&c, CR_C2S, 0, "\x00\x05hel", 5);
  cr_send(&c, CR_C2S, 0,
          "lo\x00\x03"
          "abc",
          7);
  if (gap) {
    c.seq[CR_C2S] += 4;
    cr_send(&c, CR_C2S, 0, "\x00\x01z", 3);
  }
  cr_send(&c, CR_S2C, 0, "\x00\x02ok", 4);
  cr_send(&c, CR_C2S, WR_TCP_FIN, NULL, 0);
  cr_send(&c, CR_S2C, WR_TCP_FIN, NULL, 0);
  cr_send(&c, CR_C2S, WR_TCP_ACK, NULL, 0);
  cr_conv d;
  cr_end s2 = {"10.0.0.2", 8080};
  cr_conv_init(&d, f, lt, C, s2, 1000, 2000);
  d.ts = c.ts;
  cr_handshake(&d);
  cr_send(&d, CR_C2S, 0,
          "\x00\x04"
          "8080",
          6);
  assert_int_equal(cr_close(f), 0);
  return path;
}

static char *slurp(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  TU_CHECK(f != NULL, "cannot open %s", path);
  char *buf = malloc(1 << 16);
  assert_non_null(buf);
  size_t n = fread(buf, 1, (1 << 16) - 1, f);
  buf[n] = 0;
  fclose(f);
  if (len)
    *len = n;
  return buf;
}

static void has(const char *text, const char *want) {
  TU_CHECK(strstr(text, want) != NULL, "expected \"%s\" in:\n%s", want, text);
}

typedef struct said {
  char text[1024];
  int n;
} said;

static void collect_anomaly(void *ctx, const char *text) {
  said *s = ctx;
  size_t at = strlen(s->text);
  snprintf(s->text + at, sizeof s->text - at, "%s|", text);
  s->n++;
}

static void test_list_flows(void **state) {
  (void)state;
  const char *cap = write_capture("list.pcap", 1);
  wr_flow_list l;
  char err[600] = "";
  int rc = wr_pcap_list_flows(cap, NULL, NULL, &l, err, sizeof err);
  TU_CHECK(rc == 0, "list failed: %s", err);
  assert_int_equal(l.count, 2);
  assert_int_equal(l.recs[0].flow.id, 1);
  assert_int_equal(l.recs[1].flow.id, 2);
  assert_int_equal(l.recs[0].flow.server.port, 80);
  assert_int_equal(l.recs[1].flow.server.port, 8080);
  assert_int_equal(l.recs[0].flow.dir[WR_S2C].bytes, 4);
  /* The gap is recorded and spelled as an anomaly. */
  assert_int_equal(l.recs[0].ngaps, 1);
  assert_int_equal(l.recs[0].gaps[0].dir, WR_C2S);
  assert_int_equal(l.recs[0].gaps[0].offset, 12);
  assert_int_equal(l.recs[0].gaps[0].len, 4);
  said s = {{0}, 0};
  assert_int_equal(wr_flowrec_anomalies(&l.recs[0], collect_anomaly, &s), 1);
  assert_int_equal(s.n, 1);
  has(s.text, "c2s: gap of 4 bytes at offset 12 (never captured)");
  assert_int_equal(wr_flowrec_anomalies(&l.recs[1], NULL, NULL), 0);

  /* The JSON document, written to a FILE* of ours. */
  const char *jpath = pt_path("flows.json");
  FILE *f = fopen(jpath, "w");
  assert_non_null(f);
  assert_int_equal(wr_flow_list_write_json(f, &l, 0, "list.pcap"), 0);
  assert_int_equal(fclose(f), 0);
  char *json = slurp(jpath, NULL);
  assert_true(strncmp(json, "{\"flows\":[{\"id\":1,", 18) == 0);
  has(json, "\"client\":\"10.0.0.1:40000\",\"server\":\"10.0.0.2:80\"");
  has(json, "\"gaps\":[{\"dir\":\"c2s\",\"offset\":12,\"length\":4,"
            "\"file_offset\":12,\"reason\":\"missing\"}]");
  has(json, "\"capture\":{\"file\":\"list.pcap\",");
  assert_null(strstr(json, "\"c2s\":\"flow1-c2s.bin\"")); /* files: 0 */
  assert_int_equal(json[strlen(json) - 1], '\n');
  free(json);

  char t[32];
  assert_string_equal(wr_pcap_format_ts(1700000000001000000LL, t),
                      "1700000000.001000000");
  assert_string_equal(wr_pcap_format_ts(-1, t), "-1.999999999");
  wr_flow_list_free(&l);
  assert_int_equal(l.count, 0);

  /* An unreadable file: an error code and a message, nothing printed. */
  rc = wr_pcap_list_flows(pt_path("absent.pcap"), NULL, NULL, &l, err,
                          sizeof err);
  assert_true(rc < 0);
  has(err, "absent.pcap");
  assert_int_equal(l.count, 0);
}

static void test_filter(void **state) {
  (void)state;
  const char *cap = write_capture("filter.pcap", 0);
  wr_pcap_capture pc;
  char err[600];
  wr_flow_filter by_id = {.flow_id = 2};
  assert_int_equal(wr_pcap_collect(cap, NULL, NULL, wr_flow_filter_select,
                                   &by_id, &pc, err, sizeof err),
                   0);
  assert_int_equal(pc.count, 1);
  assert_int_equal(pc.flows[0].flow.id, 2);
  wr_pcap_capture_free(&pc);
  wr_flow_filter by_port = {.by_port = 1, .port = 80};
  assert_int_equal(wr_pcap_collect(cap, NULL, NULL, wr_flow_filter_select,
                                   &by_port, &pc, err, sizeof err),
                   0);
  assert_int_equal(pc.count, 1);
  assert_int_equal(pc.flows[0].flow.server.port, 80);
  wr_pcap_capture_free(&pc);
  wr_flow_filter none = {.by_port = 1, .port = 9};
  assert_int_equal(wr_pcap_collect(cap, NULL, NULL, wr_flow_filter_select,
                                   &none, &pc, err, sizeof err),
                   0);
  assert_int_equal(pc.count, 0);
  wr_pcap_capture_free(&pc);
}

static void test_extract(void **state) {
  (void)state;
  const char *cap = write_capture("extract.pcap", 1);
  const char *dir = pt_path("extract-out"); /* created by the library */
  wr_flow_list l;
  char err[600] = "";
  int rc = wr_pcap_extract(cap, NULL, NULL, dir, &l, err, sizeof err);
  TU_CHECK(rc == 0, "extract failed: %s", err);
  assert_int_equal(l.count, 2);
  assert_string_equal(l.recs[0].file[WR_C2S], "flow1-c2s.bin");
  assert_string_equal(l.recs[1].file[WR_S2C], "flow2-s2c.bin");
  assert_int_equal(l.recs[0].written[WR_C2S], 12 + 3);
  assert_int_equal(l.recs[0].written[WR_S2C], 4);
  assert_int_equal(l.recs[1].written[WR_S2C], 0);

  char path[600];
  size_t n;
  snprintf(path, sizeof path, "%s/flow1-c2s.bin", dir);
  char *b = slurp(path, &n);
  assert_int_equal(n, 15);
  assert_memory_equal(b,
                      "\x00\x05hello\x00\x03"
                      "abc\x00\x01z",
                      15);
  free(b);
  snprintf(path, sizeof path, "%s/flow1-s2c.bin", dir);
  b = slurp(path, &n);
  assert_int_equal(n, 4);
  assert_memory_equal(b, "\x00\x02ok", 4);
  free(b);
  /* An empty direction still gets its (empty) file. */
  snprintf(path, sizeof path, "%s/flow2-s2c.bin", dir);
  struct stat st;
  assert_int_equal(stat(path, &st), 0);
  assert_int_equal(st.st_size, 0);

  snprintf(path, sizeof path, "%s/manifest.json", dir);
  char *m = slurp(path, NULL);
  has(m, "{\"flows\":[{\"id\":1,");
  has(m, "\"c2s\":\"flow1-c2s.bin\",\"s2c\":\"flow1-s2c.bin\","
         "\"c2s_bytes\":15,\"s2c_bytes\":4");
  has(m, "\"c2s\":\"flow2-c2s.bin\",\"s2c\":\"flow2-s2c.bin\","
         "\"c2s_bytes\":6,\"s2c_bytes\":0");
  has(m, "\"file_offset\":12");
  has(m, "\"anomalies\":[\"c2s: gap of 4 bytes at offset 12 (never "
         "captured)\"]");
  free(m);
  wr_flow_list_free(&l);

  /* A directory that cannot be made: the error names it. */
  snprintf(path, sizeof path, "%s/flow1-c2s.bin/sub", dir);
  rc = wr_pcap_extract(cap, NULL, NULL, path, &l, err, sizeof err);
  assert_true(rc < 0);
  has(err, "cannot create");
  has(err, "flow1-c2s.bin/sub");
}

static void test_cut_flow(void **state) {
  (void)state;
  const char *cap = write_capture("cut.pcap", 1);
  wr_pcap_capture pc;
  pt_collect(cap, NULL, NULL, &pc);
  assert_int_equal(pc.count, 2);
  wr_framing cfg = wr_framing_default(WR_PACKET_2);
  wr_pcap_events ev = {0};
  assert_int_equal(wr_pcap_cut_flow(&pc.flows[0], &cfg, 3, &ev), 0);
  /* c2s: "hello", "abc", the gap, then "z" (its own framing); s2c "ok". */
  size_t packets = 0, gaps = 0;
  const char *want_c2s[] = {"hello", "abc", "z"};
  size_t k = 0;
  for (size_t i = 0; i < ev.n; i++) {
    const wr_pcap_event *e = &ev.v[i];
    if (i > 0)
      assert_true(ev.v[i - 1].ts <= e->ts);
    if (e->kind == WR_PCAP_EV_GAP) {
      gaps++;
      assert_int_equal(e->gap_len, 4);
      assert_int_equal(e->offset, 12);
      continue;
    }
    assert_int_equal(e->kind, WR_PCAP_EV_PACKET);
    packets++;
    if (e->dir == WR_C2S) {
      assert_true(k < 3);
      assert_int_equal(e->packet.len, strlen(want_c2s[k]));
      assert_memory_equal(e->packet.ptr, want_c2s[k], e->packet.len);
      assert_int_equal(e->consumed, e->packet.len + 2);
      k++;
    } else {
      assert_int_equal(e->packet.len, 2);
      assert_memory_equal(e->packet.ptr, "ok", 2);
    }
  }
  assert_int_equal(packets, 4);
  assert_int_equal(gaps, 1);
  assert_int_equal(k, 3);

  /* One direction only, and a framing that leaves bytes over. */
  wr_framing four = wr_framing_default(WR_PACKET_4);
  assert_int_equal(wr_pcap_cut_flow(&pc.flows[0], &four, 2, &ev), 0);
  assert_int_equal(ev.n, 1);
  assert_int_equal(ev.v[0].dir, WR_S2C);
  assert_int_equal(ev.v[0].kind, WR_PCAP_EV_LEFT);
  assert_int_equal(ev.v[0].consumed, 4);
  assert_int_equal(ev.v[0].need, 0x00026f6b + 4);
  wr_pcap_events_free(&ev);
  wr_pcap_capture_free(&pc);
}

/* ---- many packets: the batch cut against a packet-at-a-time loop ------ */

/* A small LCG: the test's own deterministic choices. */
static uint32_t lcg(uint32_t *x) {
  *x = *x * 1664525u + 1013904223u;
  return *x >> 8;
}

/* Writes one flow whose client sends `data` in segments of 1..97 bytes,
 * with a 3-byte hole (never captured) at `hole` when hole < n. */
static const char *write_many(const char *name, const uint8_t *data, size_t n,
                              size_t hole) {
  const char *path = pt_path(name);
  int lt = CR_LINK_ETHERNET;
  cr_file *f = cr_open(path, CR_PCAP_US, &lt, 1, 0);
  assert_non_null(f);
  cr_conv c;
  cr_conv_init(&c, f, lt, C, S, 100, 200);
  cr_handshake(&c);
  uint32_t x = 7;
  size_t at = 0;
  while (at < n) {
    size_t k = 1 + lcg(&x) % 97;
    if (k > n - at)
      k = n - at;
    if (at <= hole && hole < at + k)
      k = hole - at;
    if (k > 0)
      cr_send(&c, CR_C2S, 0, data + at, k);
    at += k;
    if (at == hole) {
      c.seq[CR_C2S] += 3;
      at += 3;
    }
  }
  cr_send(&c, CR_C2S, WR_TCP_FIN, NULL, 0);
  cr_send(&c, CR_S2C, WR_TCP_FIN, NULL, 0);
  assert_int_equal(cr_close(f), 0);
  return path;
}

/* The events of one direction as cut_region made them before the batch
 * call: wr_frame_next and wr_http_parse one packet at a time, the framing
 * started over after each gap. */
static void cut_reference(const wr_tcp_stream *s, int dir,
                          const wr_framing *cfg, wr_pcap_events *ev) {
  int forced = cfg->type == WR_PACKET_HTTPH || cfg->type == WR_PACKET_HTTPH_BIN;
  ev->n = 0;
  size_t a = 0;
  uint64_t skipped = 0;
  for (size_t g = 0; g <= s->ngaps; g++) {
    size_t b = g < s->ngaps ? s->gaps[g].at : s->len;
    size_t off = a;
    int st = WR_HTTP_REQUEST_LINE;
    while (off < b) {
      if (forced)
        st = WR_HTTP_HEADERS;
      wr_frame fr;
      wr_frame_status fs = wr_frame_next(cfg, st, s->data + off, b - off, &fr);
      assert_true(ev->n < ev->cap);
      wr_pcap_event *e = &ev->v[ev->n++];
      memset(e, 0, sizeof *e);
      e->dir = dir;
      e->at = off;
      e->offset = off + skipped;
      if (fs == WR_FRAME_PACKET) {
        e->kind = WR_PCAP_EV_PACKET;
        e->consumed = fr.consumed;
        e->packet = fr.packet;
        e->http_state = st;
        if (wr_packet_type_is_http(cfg->type)) {
          wr_http_packet hp;
          wr_http_parse(fr.packet.ptr, fr.packet.len, &st, &hp);
        }
        off += fr.consumed;
        continue;
      }
      e->kind = fs == WR_FRAME_MORE ? WR_PCAP_EV_LEFT : WR_PCAP_EV_INVALID;
      e->consumed = b - off;
      e->need = fs == WR_FRAME_MORE ? fr.need : 0;
      break;
    }
    if (g < s->ngaps) {
      assert_true(ev->n < ev->cap);
      wr_pcap_event *e = &ev->v[ev->n++];
      memset(e, 0, sizeof *e);
      e->kind = WR_PCAP_EV_GAP;
      e->dir = dir;
      e->at = b;
      e->offset = s->gaps[g].offset;
      e->gap_len = s->gaps[g].len;
      skipped += s->gaps[g].len;
    }
    a = b;
  }
}

/* Every field but the time (the same rule computes it on both paths) and
 * the reason of a gap. */
static void same_events(const wr_pcap_events *want, const wr_pcap_events *got,
                        const char *what) {
  TU_CHECK(want->n == got->n, "%s: %zu events one by one, %zu batched", what,
           want->n, got->n);
  for (size_t i = 0; i < want->n; i++) {
    const wr_pcap_event *w = &want->v[i], *g = &got->v[i];
    TU_CHECK(w->kind == g->kind && w->dir == g->dir && w->at == g->at &&
                 w->offset == g->offset && w->consumed == g->consumed &&
                 w->need == g->need && w->packet.ptr == g->packet.ptr &&
                 w->packet.len == g->packet.len &&
                 w->http_state == g->http_state && w->gap_len == g->gap_len,
             "%s: event %zu differs: one by one kind %d at %zu consumed %zu "
             "need %zu len %zu state %d; batched kind %d at %zu consumed %zu "
             "need %zu len %zu state %d",
             what, i, (int)w->kind, w->at, w->consumed, w->need, w->packet.len,
             w->http_state, (int)g->kind, g->at, g->consumed, g->need,
             g->packet.len, g->http_state);
  }
}

/* Thousands of packets across hundreds of segments, a hole in the middle
 * and an unfinished packet at the end (or not): wr_pcap_cut_flow, which
 * frames through wr_frame_batch, gives the events of the one-by-one loop
 * for each framing. */
static void test_cut_flow_many(void **state) {
  (void)state;
  static uint8_t data[60000];
  static const char *const lines[] = {
      "GET /a HTTP/1.1\r\n",    "Host: example\r\n",
      "X-Folded: a\r\n  b\r\n", "\r\n",
      "HTTP/1.1 200 OK\r\n",    "bad line\n",
      "Content-Length: 0\r\n"};
  const wr_packet_type types[] = {WR_PACKET_1,    WR_PACKET_2,
                                  WR_PACKET_4,    WR_PACKET_LINE,
                                  WR_PACKET_HTTP, WR_PACKET_HTTPH_BIN};
  for (int shape = 0; shape < 2; shape++) {
    uint32_t x = 11u + (uint32_t)shape;
    size_t n = 0;
    while (n < sizeof data - 400) {
      if (shape == 0) { /* {packet,2} frames of 0..40 bytes */
        size_t len = lcg(&x) % 41;
        data[n++] = 0;
        data[n++] = (uint8_t)len;
        for (size_t i = 0; i < len; i++)
          data[n++] = (uint8_t)('a' + lcg(&x) % 26);
      } else { /* HTTP lines */
        const char *l = lines[lcg(&x) % 7];
        memcpy(data + n, l, strlen(l));
        n += strlen(l);
      }
    }
    if (shape == 0) { /* a frame that never ends */
      data[n++] = 0;
      data[n++] = 200;
      data[n++] = 'q';
    }
    char name[32];
    snprintf(name, sizeof name, "many%d.pcap", shape);
    const char *cap = write_many(name, data, n, n / 2);
    wr_pcap_capture pc;
    pt_collect(cap, NULL, NULL, &pc);
    assert_int_equal(pc.count, 1);
    const wr_tcp_stream *c2s = &pc.flows[0].dir[0];
    assert_int_equal(c2s->ngaps, 1);
    for (size_t t = 0; t < sizeof types / sizeof types[0]; t++) {
      wr_framing cfg = wr_framing_default(types[t]);
      wr_pcap_events got = {0}, want = {0};
      assert_int_equal(wr_pcap_cut_flow(&pc.flows[0], &cfg, 1, &got), 0);
      want.cap = got.n + 4;
      want.v = calloc(want.cap, sizeof *want.v);
      assert_non_null(want.v);
      cut_reference(c2s, WR_C2S, &cfg, &want);
      char what[64];
      snprintf(what, sizeof what, "shape %d, %s", shape,
               wr_packet_type_name(types[t]));
      same_events(&want, &got, what);
      if (types[t] == (shape == 0 ? WR_PACKET_2 : WR_PACKET_HTTP))
        TU_CHECK(got.n > 1000, "%s: only %zu events", what, got.n);
      wr_pcap_events_free(&got);
      free(want.v);
    }
    wr_pcap_capture_free(&pc);
  }
}

static void test_to_corpus(void **state) {
  (void)state;
  const char *cap = write_capture("corpus.pcap", 0);
  wr_pcap_capture pc;
  pt_collect(cap, NULL, NULL, &pc);
  wr_framing cfg = wr_framing_default(WR_PACKET_2);
  const char *dir = pt_path("corpus");
  wr_corpus_stats cs;
  char err[600] = "";
  int rc = wr_pcap_to_corpus(&pc, &cfg, 3, WR_CORPUS_PACKETS, dir, &cs, err,
                             sizeof err);
  TU_CHECK(rc == 0, "to-corpus failed: %s", err);
  assert_int_equal(cs.packets, 4); /* hello abc ok 8080 */
  assert_int_equal(cs.written, 4);
  assert_int_equal(cs.dups, 0);
  /* A second run finds every file there. */
  rc = wr_pcap_to_corpus(&pc, &cfg, 3, WR_CORPUS_PACKETS, dir, &cs, err,
                         sizeof err);
  assert_int_equal(rc, 0);
  assert_int_equal(cs.written, 0);
  assert_int_equal(cs.dups, 4);
  /* The seed of "ok" is the packet as on the wire, header included. */
  char cmd[800];
  snprintf(cmd, sizeof cmd, "grep -l -F ok '%s'/* | xargs cat | od -An -tx1",
           dir);
  FILE *p = popen(cmd, "r");
  assert_non_null(p);
  char line[200] = "";
  TU_CHECK(fgets(line, sizeof line, p) != NULL, "no seed holds ok");
  pclose(p);
  has(line, "00 02 6f 6b");
  wr_pcap_capture_free(&pc);
}

/* Whether dir holds a file with exactly these bytes, and every file there
 * is named by the SHA-1 of its content (as libFuzzer names inputs). */
static int corpus_has(const char *dir, const void *want, size_t n) {
  char cmd[1200];
  snprintf(cmd, sizeof cmd,
           "cd '%s' && sha1sum -- * | awk '$1 != $2 { bad = 1 } END "
           "{ exit bad }'",
           dir);
  if (system(cmd) != 0)
    return 0;
  FILE *want_f = fopen(pt_path("want.bin"), "wb");
  assert_non_null(want_f);
  fwrite(want, 1, n, want_f);
  fclose(want_f);
  snprintf(cmd, sizeof cmd,
           "for f in '%s'/*; do cmp -s \"$f\" '%s' && exit 0; "
           "done; exit 1",
           dir, pt_path("want.bin"));
  return system(cmd) == 0;
}

static void test_to_corpus_layouts(void **state) {
  (void)state;
  const char *cap = write_capture("layouts.pcap", 0);
  wr_pcap_capture pc;
  pt_collect(cap, NULL, NULL, &pc);
  wr_framing cfg = wr_framing_default(WR_PACKET_2);
  wr_corpus_stats cs;
  char err[600] = "";
  /* check: each direction's stream, its captured segments the schedule. */
  const char *dir = pt_path("corpus-check");
  int rc = wr_pcap_to_corpus(&pc, &cfg, 3, WR_CORPUS_CHECK, dir, &cs, err,
                             sizeof err);
  TU_CHECK(rc == 0, "to-corpus failed: %s", err);
  assert_int_equal(cs.packets, 3); /* two c2s streams, one s2c */
  assert_int_equal(cs.written, 3);
  /* c2s of flow 1 came as 5 + 7 bytes: one chunk size (5 - 1), then the
   * rest of the stream as the last chunk. */
  static const uint8_t c2s[] = {1,   4,   0, 5, 'h', 'e', 'l',
                                'l', 'o', 0, 3, 'a', 'b', 'c'};
  assert_true(corpus_has(dir, c2s, sizeof c2s));
  static const uint8_t s2c[] = {0, 0, 2, 'o', 'k'};
  assert_true(corpus_has(dir, s2c, sizeof s2c));
  /* split: split.c's four header bytes, then the packet as on the wire. */
  dir = pt_path("corpus-split");
  rc = wr_pcap_to_corpus(&pc, &cfg, 1, WR_CORPUS_SPLIT, dir, &cs, err,
                         sizeof err);
  TU_CHECK(rc == 0, "to-corpus failed: %s", err);
  assert_int_equal(cs.packets, 3); /* hello abc 8080 */
  static const uint8_t split[] = {0, 0, 0, 0, 0, 3, 'a', 'b', 'c'};
  assert_true(corpus_has(dir, split, sizeof split));
  assert_int_equal(wr_corpus_layout_parse("check"), WR_CORPUS_CHECK);
  assert_int_equal(wr_corpus_layout_parse("nosuch"), -1);
  rc = wr_pcap_to_corpus(&pc, &cfg, 1, (wr_corpus_layout)7, dir, &cs, err,
                         sizeof err);
  assert_int_equal(rc, WR_EINVAL);
  wr_pcap_capture_free(&pc);
}

static void test_to_scenario(void **state) {
  (void)state;
  const char *cap = write_capture("scn.pcap", 0);
  wr_pcap_capture pc;
  pt_collect(cap, NULL, NULL, &pc);
  const char *spath = pt_path("flow1.scn");
  FILE *f = fopen(spath, "w");
  assert_non_null(f);
  wr_scenario_export ex = {.source = "scn.pcap"};
  char err[600] = "";
  assert_int_equal(wr_pcap_to_scenario(f, &pc.flows[0], &ex, err, sizeof err),
                   0);
  assert_int_equal(fclose(f), 0);
  char *s = slurp(spath, NULL);
  has(s, "# Generated by `wirerig pcap to-scenario` from scn.pcap, flow 1:");
  has(s, "expects the\n# captured answers byte for byte.");
  has(s, "\nscenario \"scn.pcap flow 1\"\n");
  has(s, "target server at 127.0.0.1:80   # captured: 10.0.0.2:80\n");
  has(s, "client connect server active=false\n");
  /* Mostly binary data is written as hex; the captured pause as a wait. */
  has(s, "client send x\"00 05 68 65 6c\"\nwait 1000us\n"
         "client send x\"6c 6f 00 03 61 62 63\"\n");
  has(s, "client recv 4 -> x\"00 02 6f 6b\"\n");
  has(s, "client shutdown write\n");
  has(s, "client recv -> error closed\n");
  assert_non_null(strstr(s, "client close\n"));
  /* recv after both sends: the answer came after them. */
  assert_true(strstr(s, "client recv 4") > strstr(s, "61 62 63"));
  free(s);

  /* With a framing: each packet is one recv, and the connect says so. */
  wr_framing cfg = wr_framing_default(WR_PACKET_2);
  ex.framing = &cfg;
  ex.packet_name = NULL; /* the type's own name */
  f = fopen(spath, "w");
  assert_non_null(f);
  assert_int_equal(wr_pcap_to_scenario(f, &pc.flows[0], &ex, err, sizeof err),
                   0);
  assert_int_equal(fclose(f), 0);
  s = slurp(spath, NULL);
  has(s, "captured answers as packets.");
  has(s, "client connect server active=false packet=2\n");
  has(s, "client recv -> \"ok\"\n");
  free(s);

  /* Too big for a scenario: refused before anything is written. */
  wr_pcap_flow big = pc.flows[0];
  big.dir[WR_C2S].len = WR_SCENARIO_INLINE_MAX + 1;
  assert_int_equal(wr_pcap_scenario_fits(&big, "scn.pcap", err, sizeof err),
                   WR_EMSGSIZE);
  has(err, "scn.pcap: flow 1 holds");
  assert_int_equal(wr_pcap_scenario_fits(&pc.flows[0], "x", err, sizeof err),
                   0);
  wr_pcap_capture_free(&pc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_list_flows),
      cmocka_unit_test(test_filter),
      cmocka_unit_test(test_extract),
      cmocka_unit_test(test_cut_flow),
      cmocka_unit_test(test_cut_flow_many),
      cmocka_unit_test(test_to_corpus),
      cmocka_unit_test(test_to_corpus_layouts),
      cmocka_unit_test(test_to_scenario),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
