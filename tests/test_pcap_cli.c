/* `wirerig pcap` end to end on crafted captures: flows, extract and its
 * manifest, decode (text and JSON, gaps, framing errors, flow selection),
 * to-corpus, and the messages for bad usage and unreadable files.
 * usage: test_pcap_cli PATH-TO-WIRERIG */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "json.h"
#include "pcap/craft.h"
#include "pcap/pcaptest.h"
#include "testutil.h"

static const char *wirerig;
static char out[1 << 16], err[1 << 14];

static size_t slurp(const char *path, char *buf, size_t cap) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    buf[0] = 0;
    return 0;
  }
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = 0;
  fclose(f);
  return n;
}

/* Runs `wirerig ARGS`; stdout in out, stderr in err; returns the status. */
static int run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int run(const char *fmt, ...) {
  char args[2048], cmd[4096];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(args, sizeof args, fmt, ap);
  va_end(ap);
  snprintf(cmd, sizeof cmd, "'%s' %s >'%s' 2>'%s'", wirerig, args,
           pt_path("out.txt"), pt_path("err.txt"));
  int st = system(cmd);
  slurp(pt_path("out.txt"), out, sizeof out);
  slurp(pt_path("err.txt"), err, sizeof err);
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static void has(const char *text, const char *want) {
  TU_CHECK(strstr(text, want) != NULL, "expected \"%s\" in:\n%s", want, text);
}

/* An integer member, failing the test when it is not one (jansson would
 * quietly give 0). */
static json_int_t jint(const json_t *v) {
  TU_CHECK(json_is_integer(v), "expected an integer, found %s",
           v ? wr_json_type_name(v) : "nothing");
  return json_integer_value(v);
}

/* A string member, or "" after failing the test. */
static const char *jstr(const json_t *v) {
  TU_CHECK(json_is_string(v), "expected a string, found %s",
           v ? wr_json_type_name(v) : "nothing");
  return json_is_string(v) ? json_string_value(v) : "";
}

static const cr_end C = {"10.0.0.1", 40000}, S = {"10.0.0.2", 80};

/* {packet,2} frames cut across segments; the server answers one frame. With
 * `gap`, four bytes of the client's stream are never captured. */
static const char *write_capture(const char *name, int gap) {
  const char *path = pt_path(name);
  int lt = CR_LINK_ETHERNET;
  cr_file *f = cr_open(path, CR_PCAP_US, &lt, 1, 0);
  cr_conv c;
  cr_conv_init(&c, f, lt, C, S, 100, 200);
  cr_handshake(&c);
  cr_send(&c, CR_C2S, 0, "\x00\x05hel", 5);
  cr_send(&c, CR_C2S, 0,
          "lo\x00\x03"
          "abc",
          7);
  if (gap) {
    c.seq[CR_C2S] += 4; /* "\x00\x02xy" never captured */
    cr_send(&c, CR_C2S, 0, "\x00\x01z", 3);
  }
  cr_send(&c, CR_S2C, 0, "\x00\x02ok", 4);
  cr_send(&c, CR_C2S, WR_TCP_FIN, NULL, 0);
  cr_send(&c, CR_S2C, WR_TCP_FIN, NULL, 0);
  cr_send(&c, CR_C2S, WR_TCP_ACK, NULL, 0);
  /* A second flow, to port 8080. */
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

static void test_flows(void **state) {
  (void)state;
  const char *cap = write_capture("cli.pcap", 0);
  assert_int_equal(run("pcap flows '%s'", cap), 0);
  has(out, "flow 1 10.0.0.1:40000 > 10.0.0.2:80 c2s 12 bytes 6 packets s2c 4 "
           "bytes 3 packets start 1700000000.001000000");
  has(out, "flow 2 10.0.0.1:40000 > 10.0.0.2:8080 c2s 6 bytes");
  assert_int_equal(run("pcap flows '%s' --json", cap), 0);
  json_error_t je;
  json_t *root = wr_json_load(out, strlen(out), &je);
  TU_CHECK(root != NULL, "flows --json is not JSON: %s", je.text);
  const json_t *flows = json_object_get(root, "flows");
  assert_true(json_is_array(flows));
  assert_int_equal(json_array_size(flows), 2);
  assert_int_equal(jint(json_object_get(json_array_get(flows, 0), "c2s_bytes")),
                   12);
  assert_int_equal(
      jint(json_object_get(json_object_get(root, "capture"), "records")), 13);
  json_decref(root);
}

static void test_extract_manifest(void **state) {
  (void)state;
  const char *cap = write_capture("gap.pcap", 1);
  const char *dir = pt_path("extract");
  assert_int_equal(run("pcap extract '%s' --out '%s'", cap, dir), 0);
  char path[600], m[1 << 15];
  snprintf(path, sizeof path, "%s/manifest.json", dir);
  size_t n = slurp(path, m, sizeof m);
  json_error_t je;
  json_t *root = wr_json_load(m, n, &je);
  TU_CHECK(root != NULL, "manifest is not JSON: %s", je.text);
  const json_t *f1 = json_array_get(json_object_get(root, "flows"), 0);
  assert_int_equal(jint(json_object_get(f1, "id")), 1);
  assert_string_equal(jstr(json_object_get(f1, "client")), "10.0.0.1:40000");
  assert_string_equal(jstr(json_object_get(f1, "server")), "10.0.0.2:80");
  assert_string_equal(jstr(json_object_get(f1, "c2s")), "flow1-c2s.bin");
  assert_string_equal(jstr(json_object_get(f1, "s2c")), "flow1-s2c.bin");
  assert_int_equal(jint(json_object_get(f1, "c2s_bytes")), 15);
  assert_int_equal(jint(json_object_get(f1, "s2c_bytes")), 4);
  assert_int_equal(jint(json_object_get(f1, "packets")), 10);
  const json_t *gaps = json_object_get(f1, "gaps");
  assert_int_equal(json_array_size(gaps), 1);
  const json_t *g = json_array_get(gaps, 0);
  assert_string_equal(jstr(json_object_get(g, "dir")), "c2s");
  assert_int_equal(jint(json_object_get(g, "offset")), 12);
  assert_int_equal(jint(json_object_get(g, "length")), 4);
  assert_int_equal(jint(json_object_get(g, "file_offset")), 12);
  assert_true(json_array_size(json_object_get(f1, "anomalies")) >= 1);
  json_decref(root);
  /* The files: captured bytes in order, the gap not filled. */
  snprintf(path, sizeof path, "%s/flow1-c2s.bin", dir);
  char b[64];
  assert_int_equal(slurp(path, b, sizeof b), 15);
  assert_memory_equal(b,
                      "\x00\x05hello\x00\x03"
                      "abc\x00\x01z",
                      15);
  snprintf(path, sizeof path, "%s/flow2-s2c.bin", dir);
  assert_int_equal(slurp(path, b, sizeof b), 0); /* empty, but there */
  FILE *e = fopen(path, "rb");
  assert_non_null(e);
  fclose(e);
}

static void test_decode(void **state) {
  (void)state;
  const char *cap = write_capture("dec.pcap", 0);
  assert_int_equal(run("pcap decode '%s' --packet 2 --flow 1", cap), 0);
  has(out, "flow 1 10.0.0.1:40000 > 10.0.0.2:80\n");
  has(out, "1700000000.005000000 c2s packet 1 at 0 (5 bytes): \"hello\"\n");
  has(out, "1700000000.005000000 c2s packet 2 at 7 (3 bytes): \"abc\"\n");
  has(out, "1700000000.006000000 s2c packet 1 at 0 (2 bytes): \"ok\"\n");
  TU_CHECK(strstr(out, "8080") == NULL, "--flow 1 printed flow 2:\n%s", out);
  /* hello must come before ok: by time. */
  assert_true(strstr(out, "hello") < strstr(out, "\"ok\""));

  assert_int_equal(run("pcap decode '%s' --packet 2 --port 8080 --json", cap),
                   0);
  has(out, "{\"flow\":2,\"client\":\"10.0.0.1:40000\","
           "\"server\":\"10.0.0.2:8080\"}\n");
  has(out, "\"dir\":\"c2s\"");
  has(out, "\"offset\":0,\"length\":6,\"packet\":\"8080\"}");

  /* raw: one packet per segment, as captured. */
  assert_int_equal(run("pcap decode '%s' --packet raw --flow 1 --dir c2s", cap),
                   0);
  has(out, "c2s packet 1 at 0 (5 bytes): \"\\x00\\x05hel\"");
  has(out, "c2s packet 2 at 5 (7 bytes): \"lo\\x00\\x03abc\"");
  TU_CHECK(strstr(out, "s2c packet") == NULL, "--dir c2s printed s2c");
}

static void test_decode_gap_and_error(void **state) {
  (void)state;
  const char *cap = write_capture("decgap.pcap", 1);
  assert_int_equal(run("pcap decode '%s' --packet 2 --flow 1", cap), 0);
  has(out, "c2s gap of 4 bytes at 12 (missing)");
  has(out, "c2s packet 3 at 16 (1 bytes): \"z\"");
  /* A frame over --packet-size is a framing error: exit status 1. */
  assert_int_equal(
      run("pcap decode '%s' --packet 2 --packet-size 4 --flow 1", cap), 1);
  has(out, "c2s framing error at 0");
}

static void test_to_corpus(void **state) {
  (void)state;
  const char *cap = write_capture("corpus.pcap", 0);
  const char *dir = pt_path("corpus");
  assert_int_equal(run("pcap to-corpus '%s' --packet 2 --out '%s'", cap, dir),
                   0);
  has(err, "4 packets from 2 flows: 4 new files");
  /* Again: nothing new. */
  assert_int_equal(run("pcap to-corpus '%s' --packet 2 --out '%s'", cap, dir),
                   0);
  has(err, "0 new files");
  /* Each seed is a packet as on the wire, header included. */
  char cmd[1200];
  snprintf(cmd, sizeof cmd, "cat '%s'/* | od -An -c | tr -d ' \\n'", dir);
  FILE *p = popen(cmd, "r");
  char all[512] = "";
  size_t n = fread(all, 1, sizeof all - 1, p);
  all[n] = 0;
  pclose(p);
  has(all, "\\0005hello");
}

static void test_errors(void **state) {
  (void)state;
  const char *missing = pt_path("missing.pcap");
  assert_int_equal(run("pcap flows '%s'", missing), 2);
  has(err, missing);
  has(err, "No such file");
  assert_int_equal(run("pcap frobnicate x.pcap"), 2);
  has(err, "unknown subcommand 'frobnicate'");
  const char *cap = write_capture("err.pcap", 0);
  assert_int_equal(run("pcap decode '%s'", cap), 2);
  has(err, "--packet TYPE is required");
  assert_int_equal(run("pcap decode '%s' --packet 3", cap), 2);
  has(err, "unknown packet type '3'");
  assert_int_equal(run("pcap decode '%s' --packet 2 --flow 9", cap), 2);
  has(err, "no flow number 9");
  assert_int_equal(run("pcap extract '%s'", cap), 2);
  has(err, "--out DIR is required");
  assert_int_equal(run("pcap flows '%s' --cap 12", cap), 2);
  has(err, "--cap");
  assert_int_equal(run("pcap flows '%s' --filter 'tcp port'", cap), 2);
  has(err, "bad filter");
  assert_int_equal(run("pcap flows '%s' --cap 64K --filter 'port 8080'", cap),
                   0);
  has(out, "flow 1 10.0.0.1:40000 > 10.0.0.2:8080");
  assert_int_equal(run("pcap --help"), 0);
  has(out, "usage: wirerig pcap flows");
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: test_pcap_cli PATH-TO-WIRERIG\n");
    return 2;
  }
  wirerig = argv[1];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_flows),
      cmocka_unit_test(test_extract_manifest),
      cmocka_unit_test(test_decode),
      cmocka_unit_test(test_decode_gap_and_error),
      cmocka_unit_test(test_to_corpus),
      cmocka_unit_test(test_errors),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
