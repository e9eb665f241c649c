/* Replay (wirerig/replay.h) through the library, not the command: a
 * crafted capture's client side sent over the loopback transport to an
 * echo server in this process (127.0.0.1, port 0), the answers compared
 * with the capture byte for byte and packet by packet, and a refused
 * connection reported as an error code with its message. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "pcap/craft.h"
#include "pcap/pcaptest.h"
#include "testutil.h"
#include "wirerig/replay.h"

/* ---- an echo server: one connection, everything echoed, closed after the
 * client's FIN ---------------------------------------------------------- */

typedef struct echo {
  int lfd;
  uint16_t port;
  pthread_t thread;
  size_t got;
} echo;

static void *echo_main(void *arg) {
  echo *e = arg;
  int fd = accept(e->lfd, NULL, NULL);
  if (fd < 0)
    return NULL;
  char buf[4096];
  for (;;) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0)
      break;
    e->got += (size_t)n;
    if (write(fd, buf, (size_t)n) != n)
      break;
  }
  close(fd);
  return NULL;
}

static void echo_start(echo *e) {
  memset(e, 0, sizeof *e);
  e->lfd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(e->lfd >= 0);
  struct sockaddr_in a = {0};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(e->lfd, (struct sockaddr *)&a, sizeof a), 0);
  assert_int_equal(listen(e->lfd, 4), 0);
  socklen_t len = sizeof a;
  assert_int_equal(getsockname(e->lfd, (struct sockaddr *)&a, &len), 0);
  e->port = ntohs(a.sin_port);
  assert_int_equal(pthread_create(&e->thread, NULL, echo_main, e), 0);
}

static void echo_stop(echo *e) {
  /* Unblocks accept when nothing connected. */
  shutdown(e->lfd, SHUT_RDWR);
  pthread_join(e->thread, NULL);
  close(e->lfd);
}

/* ---- captures ---------------------------------------------------------- */

static const cr_end C = {"127.0.0.1", 40000}, S = {"127.0.0.1", 7};

/* The client sends "a\nb\n" in two pieces 20 ms apart and half-closes; the
 * captured server answers `answer` and closes. */
static const char *write_capture(const char *name, const char *answer) {
  const char *path = pt_path(name);
  int lt = CR_LINK_ETHERNET;
  cr_file *f = cr_open(path, CR_PCAP_US, &lt, 1, 0);
  assert_non_null(f);
  cr_conv c;
  cr_conv_init(&c, f, lt, C, S, 100, 200);
  cr_handshake(&c);
  cr_send(&c, CR_C2S, 0, "a\n", 2);
  c.ts += 20 * 1000000;
  cr_send(&c, CR_C2S, 0, "b\n", 2);
  cr_send(&c, CR_S2C, 0, answer, strlen(answer));
  cr_send(&c, CR_C2S, WR_TCP_FIN, NULL, 0);
  cr_send(&c, CR_S2C, WR_TCP_FIN, NULL, 0);
  assert_int_equal(cr_close(f), 0);
  return path;
}

/* Replays flow 1 of path to the echo server; fills the result. */
static void replay(const char *path, wr_replay_timing timing, echo *e,
                   wr_pcap_capture *pc, wr_replay_plan *p,
                   wr_replay_unit **units, wr_replay_result *r) {
  pt_collect(path, NULL, NULL, pc);
  assert_int_equal(pc->count, 1);
  memset(p, 0, sizeof *p);
  char err[300];
  assert_int_equal(wr_addr_parse("127.0.0.1:1", &p->to, err, sizeof err), 0);
  p->to.port = e->port;
  p->timing = timing;
  p->scale = 1.0;
  p->seed = 1;
  p->timeout = 5 * WR_NS_PER_SEC;
  p->quiet = 50 * WR_NS_PER_MS;
  assert_int_equal(wr_replay_plan_from_flow(&pc->flows[0], 0, p, units), 0);
  assert_int_equal(p->nunits, 2);
  assert_int_equal(p->expect_len, pc->flows[0].dir[WR_S2C].len);
  assert_true(p->half_close);
  err[0] = 0;
  int rc = wr_replay_run(p, r, err, sizeof err);
  TU_CHECK(rc == 0, "replay failed (%s): %s", wr_err_name(rc), err);
}

static void test_replay_match(void **state) {
  (void)state;
  const char *path = write_capture("echo.pcap", "a\nb\n");
  echo e;
  echo_start(&e);
  wr_pcap_capture pc;
  wr_replay_plan p;
  wr_replay_unit *units;
  wr_replay_result r;
  replay(path, WR_REPLAY_ORIGINAL, &e, &pc, &p, &units, &r);
  echo_stop(&e);
  assert_int_equal(r.sent, 4);
  assert_int_equal(r.nsent_at, 2);
  assert_int_equal(e.got, 4);
  assert_int_equal(r.live_len, 4);
  assert_memory_equal(r.live, "a\nb\n", 4);
  /* The client half-closed, so the echo server closed. */
  assert_true(r.server_closed);
  assert_false(r.reset);
  assert_false(r.timed_out);
  assert_int_equal(r.send_error, 0);
  /* The captured 20 ms pause was kept (original timing). */
  assert_true(r.sent_at[1] - r.sent_at[0] >= 15 * WR_NS_PER_MS);
  double med, max;
  size_t n;
  wr_replay_timing_error(&p, &r, &med, &max, &n);
  assert_int_equal(n, 1);
  assert_true(max >= med);

  const wr_tcp_stream *s = &pc.flows[0].dir[WR_S2C];
  wr_replay_diff d;
  assert_int_equal(
      wr_replay_compare(s->data, s->len, r.live, r.live_len, NULL, NULL, &d),
      0);
  assert_true(d.match);
  assert_false(d.packets);
  wr_replay_diff_free(&d);

  /* Packet by packet, the matching ones printed to a FILE* of ours. */
  wr_framing line = wr_framing_default(WR_PACKET_LINE);
  char *text = NULL;
  size_t tlen = 0;
  FILE *out = open_memstream(&text, &tlen);
  assert_non_null(out);
  assert_int_equal(
      wr_replay_compare(s->data, s->len, r.live, r.live_len, &line, out, &d),
      0);
  assert_int_equal(fclose(out), 0);
  assert_true(d.packets);
  assert_true(d.packets_match);
  assert_int_equal(d.ncaptured, 2);
  assert_int_equal(d.nlive, 2);
  assert_int_equal(d.packet_diff, 0);
  assert_string_equal(text, "packet 1 matches (2 bytes): \"a\\n\"\n"
                            "packet 2 matches (2 bytes): \"b\\n\"\n");
  free(text);
  wr_replay_diff_free(&d);
  wr_replay_result_free(&r);
  free(units);
  wr_pcap_capture_free(&pc);
}

static void test_replay_differs(void **state) {
  (void)state;
  /* The captured server said "a\nX\n"; the echo server will not. */
  const char *path = write_capture("differ.pcap", "a\nX\n");
  echo e;
  echo_start(&e);
  wr_pcap_capture pc;
  wr_replay_plan p;
  wr_replay_unit *units;
  wr_replay_result r;
  replay(path, WR_REPLAY_FAST, &e, &pc, &p, &units, &r);
  echo_stop(&e);
  assert_int_equal(r.live_len, 4);
  const wr_tcp_stream *s = &pc.flows[0].dir[WR_S2C];
  wr_replay_diff d;
  wr_framing line = wr_framing_default(WR_PACKET_LINE);
  assert_int_equal(
      wr_replay_compare(s->data, s->len, r.live, r.live_len, &line, NULL, &d),
      0);
  assert_false(d.match);
  assert_int_equal(d.first_diff, 2);
  assert_false(d.packets_match);
  assert_int_equal(d.packet_diff, 2);
  assert_string_equal(d.captured_text, "\"X\\n\"");
  assert_string_equal(d.live_text, "\"b\\n\"");
  wr_replay_diff_free(&d);
  wr_replay_result_free(&r);
  free(units);
  wr_pcap_capture_free(&pc);
}

static void test_compare_sides(void **state) {
  (void)state;
  /* A side with fewer packets: "nothing" on the short side; a leftover
   * that is no whole packet is named as such. */
  wr_framing line = wr_framing_default(WR_PACKET_LINE);
  wr_replay_diff d;
  assert_int_equal(wr_replay_compare((const uint8_t *)"a\nb\n", 4,
                                     (const uint8_t *)"a\n", 2, &line, NULL,
                                     &d),
                   0);
  assert_false(d.match);
  assert_int_equal(d.first_diff, 2);
  assert_int_equal(d.packet_diff, 2);
  assert_string_equal(d.captured_text, "\"b\\n\"");
  assert_string_equal(d.live_text, "nothing");
  wr_replay_diff_free(&d);
  assert_int_equal(wr_replay_compare((const uint8_t *)"a\n", 2,
                                     (const uint8_t *)"a\nb", 3, &line, NULL,
                                     &d),
                   0);
  assert_int_equal(d.nlive, 1);
  assert_string_equal(d.live_text, "an incomplete packet (1 bytes) \"b\"");
  wr_replay_diff_free(&d);
  int st = WR_HTTP_REQUEST_LINE;
  wr_framing http = wr_framing_default(WR_PACKET_HTTP);
  const char *req = "GET / HTTP/1.1\r\n";
  char *t =
      wr_replay_render_packet(&http, (const uint8_t *)req, strlen(req), &st);
  assert_non_null(t);
  assert_string_equal(t, "{http_request,'GET',{abs_path,\"/\"},{1,1}}");
  free(t);
}

/* Patterns: a listed header's value, or a listed packet, may differ (and
 * be of another length); anything else still differs, a listed header
 * must still be the same header, and fixed_len leaves out exactly the
 * ignored bytes. */
static void test_compare_patterns(void **state) {
  (void)state;
  wr_framing http = wr_framing_default(WR_PACKET_HTTP);
  const char *cap = "HTTP/1.1 200 OK\r\nDate: Mon\r\nX-Id: 7\r\n\r\n";
  const char *live = "HTTP/1.1 200 OK\r\nDATE: Tuesday\r\nX-Id: 8\r\n\r\n";
  const char *names[] = {"date"};
  wr_replay_patterns pat = {.headers = names, .nheaders = 1};
  wr_replay_diff d;
  size_t cl = strlen(cap), ll = strlen(live);
  assert_int_equal(wr_replay_compare_patterns((const uint8_t *)cap, cl,
                                              (const uint8_t *)live, ll, &http,
                                              &pat, NULL, &d),
                   0);
  assert_false(d.match);
  assert_false(d.packets_match); /* X-Id still differs */
  assert_int_equal(d.packet_diff, 3);
  assert_int_equal(d.ignored, 1);
  wr_replay_diff_free(&d);
  const size_t nums[] = {3};
  pat.packets = nums;
  pat.npackets = 1;
  assert_int_equal(wr_replay_compare_patterns((const uint8_t *)cap, cl,
                                              (const uint8_t *)live, ll, &http,
                                              &pat, NULL, &d),
                   0);
  assert_true(d.packets_match);
  assert_int_equal(d.ignored, 2);
  wr_replay_diff_free(&d);
  /* "Mon" (3) and the X-Id line (9) are left out of the 40 bytes */
  assert_int_equal(wr_replay_fixed_len((const uint8_t *)cap, cl, &http, &pat),
                   cl - 3 - 9);
  assert_int_equal(wr_replay_fixed_len((const uint8_t *)cap, cl, &http, NULL),
                   cl);
  /* without patterns, the same answers differ at packet 2 */
  assert_int_equal(wr_replay_compare((const uint8_t *)cap, cl,
                                     (const uint8_t *)live, ll, &http, NULL,
                                     &d),
                   0);
  assert_int_equal(d.packet_diff, 2);
  assert_int_equal(d.ignored, 0);
  wr_replay_diff_free(&d);
  /* a listed header must face the same header */
  const char *other = "HTTP/1.1 200 OK\r\nServer: Mon\r\nX-Id: 7\r\n\r\n";
  pat.npackets = 0;
  assert_int_equal(wr_replay_compare_patterns(
                       (const uint8_t *)cap, cl, (const uint8_t *)other,
                       strlen(other), &http, &pat, NULL, &d),
                   0);
  assert_false(d.packets_match);
  assert_int_equal(d.packet_diff, 2);
  wr_replay_diff_free(&d);
  /* httph: header lines from the first byte */
  wr_framing httph = wr_framing_default(WR_PACKET_HTTPH);
  const char *h1 = "Date: 1\r\nA: b\r\n\r\n", *h2 = "Date: 22\r\nA: b\r\n\r\n";
  pat.nheaders = 1;
  assert_int_equal(wr_replay_compare_patterns((const uint8_t *)h1, strlen(h1),
                                              (const uint8_t *)h2, strlen(h2),
                                              &httph, &pat, NULL, &d),
                   0);
  assert_true(d.packets_match);
  assert_int_equal(d.ignored, 1);
  wr_replay_diff_free(&d);
}

static void test_replay_refused(void **state) {
  (void)state;
  const char *path = write_capture("refused.pcap", "a\nb\n");
  /* A port nobody listens on: bound, then closed. */
  echo e;
  echo_start(&e);
  echo_stop(&e);
  wr_pcap_capture pc;
  pt_collect(path, NULL, NULL, &pc);
  wr_replay_plan p = {0};
  char err[300] = "";
  assert_int_equal(wr_addr_parse("127.0.0.1:1", &p.to, err, sizeof err), 0);
  p.to.port = e.port;
  p.scale = 1.0;
  p.timeout = 2 * WR_NS_PER_SEC;
  p.quiet = 50 * WR_NS_PER_MS;
  wr_replay_unit *units;
  assert_int_equal(wr_replay_plan_from_flow(&pc.flows[0], 1, &p, &units), 0);
  assert_int_equal(p.nunits, 1); /* whole: one unit for a cut policy */
  assert_int_equal(units[0].len, 4);
  wr_replay_result r;
  int rc = wr_replay_run(&p, &r, err, sizeof err);
  assert_int_equal(rc, WR_ECONNREFUSED);
  char want[80];
  snprintf(want, sizeof want,
           "cannot connect to 127.0.0.1:%u: ", (unsigned)e.port);
  TU_CHECK(strncmp(err, want, strlen(want)) == 0, "message: %s", err);
  TU_CHECK(strstr(err, "(econnrefused)") != NULL, "message: %s", err);
  wr_replay_result_free(&r);
  free(units);
  wr_pcap_capture_free(&pc);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_replay_match),
      cmocka_unit_test(test_replay_differs),
      cmocka_unit_test(test_compare_sides),
      cmocka_unit_test(test_compare_patterns),
      cmocka_unit_test(test_replay_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
