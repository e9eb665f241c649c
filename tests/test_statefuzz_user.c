/* statefuzz's server engine (statefuzz.h, "fuzzing your own server"), the
 * shrinker, and model findings as regression scenarios.
 *
 * The server under test here is an echo server over {packet,2} and
 * {active,once}: every frame comes back. Planted bugs: it forgets to re-arm
 * after a frame starting with 'N' (the connection stalls), or it fails an
 * assertion on a frame starting with 'A'.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "wirerig/error.h"
#include "wirerig/prng.h"
#include "wirerig/statefuzz.h"

typedef struct echo_cfg {
  int skip_rearm; /* the planted stall */
  int assert_a;   /* WR_SF_ASSERT fails on 'A' */
  int create_calls, destroy_calls;
} echo_cfg;

typedef struct echo {
  echo_cfg *cfg;
  wr_sockopt once;
} echo;

static void *echo_create(void *ctx) {
  echo *e = calloc(1, sizeof *e);
  char err[64];
  if (!e ||
      wr_sockopt_parse("active=once", &e->once, 1, err, sizeof err) != 1) {
    free(e);
    return NULL;
  }
  e->cfg = ctx;
  e->cfg->create_calls++;
  return e;
}

static void echo_destroy(void *state) {
  echo *e = state;
  e->cfg->destroy_calls++;
  free(e);
}

static int echo_data(wr_sf_test *t, void *state, const wr_msg *m) {
  echo *e = state;
  if (e->cfg->assert_a)
    WR_SF_ASSERT(t, !(m->len && m->data[0] == 'A'));
  if (wr_sock_send(m->sock, m->data, m->len) != 0) {
    wr_sock_close(m->sock);
    return 0;
  }
  if (e->cfg->skip_rearm && m->len && m->data[0] == 'N')
    return 0;
  if (wr_sock_setopts(m->sock, &e->once, 1) != 0)
    wr_sock_close(m->sock);
  return 0;
}

static int echo_closed(wr_sf_test *t, void *state, wr_sock *s) {
  (void)t;
  (void)state;
  wr_sock_close(s);
  return 0;
}

/* Undisturbed, the client gets back exactly the complete frames it sent. */
static int echo_end(wr_sf_test *t, void *state, const wr_sf_transcript *tr) {
  (void)state;
  if (tr->client_closed || tr->peer_closed || tr->faults || tr->send_errors ||
      tr->unsettled)
    return 0;
  size_t i = 0;
  while (i + 2 <= tr->sent_len &&
         i + 2 + ((size_t)tr->sent[i] << 8 | tr->sent[i + 1]) <= tr->sent_len)
    i += 2 + ((size_t)tr->sent[i] << 8 | tr->sent[i + 1]);
  if (tr->received_len != i || memcmp(tr->received, tr->sent, i) != 0)
    return wr_sf_fail(t, "echoed %zu bytes of the %zu in complete frames",
                      tr->received_len, i);
  return 0;
}

static wr_sf_server echo_server(echo_cfg *cfg) {
  wr_sf_server s;
  memset(&s, 0, sizeof s);
  s.name = "echo";
  s.ctx = cfg;
  s.listen_opts = "packet=2 active=once";
  s.create = echo_create;
  s.destroy = echo_destroy;
  s.on_data = echo_data;
  s.on_closed = echo_closed;
  s.at_end = echo_end;
  return s;
}

/* seed 1, client active=false, then operations */
#define HDR 0x00, 0x00, 0x01, 0x01, 0x00
#define FRAME2(n) 0x02, 0x01, (n)
#define RECV 0x04, 0x00, 0x04
#define WAIT 0x0e, 0x02

/* "N" then "P": the stall. Noise around it for the shrinker: a wait, a
 * recv, a setopts, a policy, a second frame. */
static const uint8_t stall_input[] = {
    HDR,  WAIT, FRAME2(3), 'a',  'b',       'c', RECV, FRAME2(1), 'N',
    0x10, 0x02, 0x03,      WAIT, FRAME2(1), 'P', RECV, RECV,      WAIT};

static void test_bad_use(void **state) {
  (void)state;
  echo_cfg cfg = {0};
  wr_sf_server s = echo_server(&cfg);
  s.listen_opts = "packet=7";
  wr_sf_outcome o;
  char err[256];
  assert_int_equal(wr_sf_server_run(&s, stall_input, sizeof stall_input, &o,
                                    err, sizeof err),
                   WR_EINVAL);
  assert_non_null(strstr(err, "listen_opts \"packet=7\""));
  assert_non_null(strstr(err, "packet"));
  assert_int_equal(cfg.create_calls, cfg.destroy_calls);
  assert_int_equal(
      wr_sf_server_run_file(&s, "/nonexistent/x.scn", &o, err, sizeof err),
      WR_EIO);
  assert_non_null(strstr(err, "/nonexistent/x.scn"));
  /* a scenario file that is no finding: its title carries no seed */
  char path[] = "/tmp/wr_sfu_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  const char *text = "scenario \"mine\"\ns listen\nc connect s\n";
  assert_int_equal(write(fd, text, strlen(text)), (int)strlen(text));
  close(fd);
  s.listen_opts = NULL;
  assert_int_equal(wr_sf_server_run_file(&s, path, &o, err, sizeof err),
                   WR_EINVAL);
  assert_non_null(strstr(err, "statefuzz seed N"));
  assert_non_null(strstr(err, "\"mine\""));
  unlink(path);
}

/* The correct server passes the stall input and random inputs; every run
 * creates and destroys its state once. */
static void test_correct_server_passes(void **state) {
  (void)state;
  echo_cfg cfg = {0};
  wr_sf_server s = echo_server(&cfg);
  wr_sf_outcome o;
  char err[256];
  assert_int_equal(wr_sf_server_run(&s, stall_input, sizeof stall_input, &o,
                                    err, sizeof err),
                   0);
  assert_false(o.failed);
  assert_int_equal(o.nops, 6); /* the client's: 3 sends, 3 recvs */
  wr_prng r;
  wr_prng_seed(&r, 7);
  uint8_t buf[256];
  for (int i = 0; i < 300; i++) {
    size_t n = wr_prng_next(&r) % sizeof buf;
    for (size_t k = 0; k < n; k++)
      buf[k] = (uint8_t)wr_prng_next(&r);
    assert_int_equal(wr_sf_server_run(&s, buf, n, &o, err, sizeof err), 0);
    if (o.failed)
      fail_msg("input %d: %s", i, o.why);
  }
  assert_int_equal(cfg.create_calls, 301);
  assert_int_equal(cfg.destroy_calls, 301);
}

/* The planted stall fails the same way every time; the shrinker keeps the
 * failure, drops the noise and never grows the input. */
static void test_stall_found_and_shrunk(void **state) {
  (void)state;
  echo_cfg cfg = {.skip_rearm = 1};
  wr_sf_server s = echo_server(&cfg);
  wr_sf_outcome first, o;
  char err[256];
  assert_int_equal(wr_sf_server_run(&s, stall_input, sizeof stall_input, &first,
                                    err, sizeof err),
                   0);
  assert_true(first.failed);
  assert_non_null(strstr(first.why, "echoed"));
  assert_string_equal(first.site, "");
  for (int i = 0; i < 100; i++) {
    assert_int_equal(wr_sf_server_run(&s, stall_input, sizeof stall_input, &o,
                                      err, sizeof err),
                     0);
    assert_true(wr_sf_same_outcome(&o, &first));
    assert_string_equal(o.why, first.why);
  }
}

typedef struct sctx {
  const wr_sf_server *s;
  const wr_sf_outcome *want;
  unsigned calls;
} sctx;

static int still(void *ctx, const uint8_t *d, size_t n) {
  sctx *c = ctx;
  wr_sf_outcome o;
  char err[256];
  c->calls++;
  return wr_sf_server_run(c->s, d, n, &o, err, sizeof err) == 0 &&
         wr_sf_same_outcome(&o, c->want);
}

static void test_shrink(void **state) {
  (void)state;
  echo_cfg cfg = {.skip_rearm = 1};
  wr_sf_server s = echo_server(&cfg);
  wr_sf_outcome first, o;
  char err[256];
  assert_int_equal(wr_sf_server_run(&s, stall_input, sizeof stall_input, &first,
                                    err, sizeof err),
                   0);
  assert_true(first.failed);
  sctx c = {&s, &first, 0};
  uint8_t *small;
  size_t n;
  unsigned runs;
  assert_int_equal(wr_sf_shrink(stall_input, sizeof stall_input, still, &c, 0,
                                &small, &n, &runs),
                   0);
  assert_int_equal(runs, c.calls);
  assert_true(n < sizeof stall_input);
  assert_int_equal(wr_sf_server_run(&s, small, n, &o, err, sizeof err), 0);
  assert_true(wr_sf_same_outcome(&o, &first));
  /* exactly the two frames are left: "N" and one after it */
  assert_int_equal(o.nops, 2);
  assert_true(o.nops < first.nops);
  wr_sf_case k;
  assert_int_equal(wr_sf_decode(small, n, NULL, &k), 0);
  assert_non_null(strstr(k.text, "c send frame(2, x\"4e\")"));
  assert_null(strstr(k.text, "net "));
  assert_int_equal(k.seed, 1);
  wr_sf_case_free(&k);
  free(small);
  /* a budget of runs is kept */
  c.calls = 0;
  assert_int_equal(wr_sf_shrink(stall_input, sizeof stall_input, still, &c, 3,
                                &small, &n, &runs),
                   0);
  assert_int_equal(runs, 3);
  assert_int_equal(c.calls, 3);
  free(small);
}

/* WR_SF_ASSERT names the condition, file and line; the first failure of a
 * run is its reason. */
static void test_assert(void **state) {
  (void)state;
  echo_cfg cfg = {.assert_a = 1};
  wr_sf_server s = echo_server(&cfg);
  static const uint8_t in[] = {HDR, FRAME2(2), 'A', 'x', RECV, FRAME2(1), 'A'};
  wr_sf_outcome o;
  char err[256];
  assert_int_equal(wr_sf_server_run(&s, in, sizeof in, &o, err, sizeof err), 0);
  assert_true(o.failed);
  assert_non_null(strstr(o.site, "test_statefuzz_user.c:"));
  assert_non_null(strstr(o.why, "assertion failed: !(m->len"));
  assert_non_null(strstr(o.why, o.site));
}

static void test_same_outcome(void **state) {
  (void)state;
  wr_sf_outcome a = {0}, b = {0};
  a.failed = b.failed = 1;
  snprintf(a.why, sizeof a.why, "request 3 got 12 bytes");
  snprintf(b.why, sizeof b.why, "request 14 got 0 bytes");
  assert_true(wr_sf_same_outcome(&a, &b));
  snprintf(b.why, sizeof b.why, "request 14 got 0 words");
  assert_false(wr_sf_same_outcome(&a, &b));
  b = a;
  b.failed = 0;
  assert_false(wr_sf_same_outcome(&a, &b));
  b = a;
  snprintf(a.site, sizeof a.site, "x.c:10");
  snprintf(b.site, sizeof b.site, "x.c:11");
  assert_false(wr_sf_same_outcome(&a, &b));
  snprintf(b.site, sizeof b.site, "x.c:10");
  assert_true(wr_sf_same_outcome(&a, &b));
}

/* A finding of stateful_model becomes a regression file: fewer
 * operations, the header, and it parses. (That `wirerig run` fails on it
 * is tests/statefuzz/regress.sh's.) An input the model passes writes
 * nothing.
 *
 * The input is fuzz/findings/stateful_model/crash-0d6dbd2d... as the
 * shrinker left it, with one operation of noise put back: a listener with
 * `active=false active=true` whose accepted socket gives a passive recv
 * data (the model's bug, under triage). When the model is fixed this input
 * passes, and this test must move to the next finding. */
static void test_regression(void **state) {
  (void)state;
  static const uint8_t buf[] = {0x00, 0x02, 0x01, 0x0a, 0x01, 0x01,
                                0x00, 0x0e, 0x01, /* wait 10ms: noise */
                                0xfe, 0xd4, 0x00, 0x05, 0x00, 0x04};
  size_t n = sizeof buf;
  FILE *f;
  char path[] = "/tmp/wr_sfr_XXXXXX";
  int fd = mkstemp(path);
  assert_true(fd >= 0);
  close(fd);
  size_t before = 0, after = 0;
  char err[512];
  int rc =
      wr_sf_regression_write(buf, n, path, &before, &after, err, sizeof err);
  if (rc)
    fail_msg("%d: %s", rc, err);
  assert_int_equal(before, 3);
  assert_int_equal(after, 2);
  wr_scenario *s = wr_scn_load(path, NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 0);
  wr_scn_free(s);
  f = fopen(path, "r");
  assert_non_null(f);
  char text[8192];
  size_t tn = fread(text, 1, sizeof text - 1, f);
  text[tn] = '\0';
  fclose(f);
  assert_non_null(strstr(text, "# Pins down: recv on an {active,true}"));
  assert_non_null(strstr(text, "# Oracle: recv on s gave data"));
  assert_non_null(strstr(text, "-> error einval\n"));
  /* a passing input */
  static const uint8_t ok_in[] = {0, 0, 0};
  assert_int_equal(wr_sf_regression_write(ok_in, sizeof ok_in, path, NULL, NULL,
                                          err, sizeof err),
                   1);
  unlink(path);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_bad_use),
      cmocka_unit_test(test_correct_server_passes),
      cmocka_unit_test(test_stall_found_and_shrunk),
      cmocka_unit_test(test_shrink),
      cmocka_unit_test(test_assert),
      cmocka_unit_test(test_same_outcome),
      cmocka_unit_test(test_regression),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
