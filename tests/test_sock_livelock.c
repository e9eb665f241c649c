/* The spin guard end to end (simnet.h, WR_SIMNET_SPIN_MAX). This test
 * links a copy of the socket model built with a planted mistake
 * (WR_SOCK_PLANTED_EOF_UNSEEN, sock_recv.c: an end of stream is read and
 * ignored, so the socket stays ready and its event loop spins at one
 * instant). Before the guard, `wirerig run` hung on such a mistake (found
 * by mutating the model). Now the run must end as the harness's ERROR
 * naming the livelock, never as the scenario's verdict; the stateful
 * fuzzer's oracle must call it a finding, and a user's server fuzzed on
 * the same engine must fail naming wirerig, not hang. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wirerig/runner.h"
#include "wirerig/scenario.h"
#include "wirerig/statefuzz.h"

/* The peer closes: the server's active socket reads the end. */
static const char case_text[] = "s listen active=true\n"
                                "c connect s\n"
                                "c send \"a\"\n"
                                "c close\n"
                                "s message timeout=10ms -> tcp \"a\"\n"
                                "s message timeout=10ms -> tcp_closed\n";

static wr_scenario *parse(void) {
  wr_scenario *s = wr_scn_parse("case.scn", case_text, strlen(case_text), NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 0);
  return s;
}

/* The runner: ERROR, the livelock bound, a message saying what and where. */
static void test_run_ends_as_error(void **state) {
  (void)state;
  wr_scenario *s = parse();
  wr_run_params p;
  memset(&p, 0, sizeof p);
  p.transport = WR_RUN_SIM;
  p.seed = 7;
  wr_run_result r;
  memset(&r, 0, sizeof r);
  wr_run_once(s, &p, &r);
  assert_int_equal(r.verdict, WR_RUN_ERROR);
  assert_int_equal(r.bound, WR_RUN_BOUND_LIVELOCK);
  assert_non_null(strstr(r.reason, "livelock in the harness"));
  assert_non_null(strstr(r.reason, "wirerig bug"));
  wr_run_result_free(&r);
  wr_scn_free(s);
}

/* The stateful fuzzer: a livelock is a finding, not a skipped case. */
static void test_oracle_finds_it(void **state) {
  (void)state;
  wr_scenario *s = parse();
  uint8_t in[512];
  size_t n = wr_sf_encode(s, 1, in, sizeof in);
  wr_scn_free(s);
  assert_true(n > 0);
  wr_sf_case c;
  assert_int_equal(wr_sf_decode(in, n, NULL, &c), 0);
  wr_run_result r1 = {0}, r2 = {0};
  wr_sf_verdict v;
  assert_false(wr_sf_check(&c, &r1, &r2, &v));
  assert_true(strncmp(v.why, "livelock: ", 10) == 0);
  wr_run_result_free(&r1);
  wr_run_result_free(&r2);
  wr_sf_case_free(&c);
}

/* Fuzzing one's own server: the run fails saying the livelock is
 * wirerig's, not the server's. */
static void test_user_run_fails(void **state) {
  (void)state;
  static const char client[] = "s listen active=true\n"
                               "c connect s\n"
                               "c send \"a\"\n"
                               "c close\n"
                               "wait 10ms\n";
  wr_scenario *s = wr_scn_parse("client.scn", client, strlen(client), NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 0);
  wr_sf_server srv = {.name = "quiet", .listen_opts = "active=true"};
  wr_sf_outcome out;
  char err[256] = "";
  assert_int_equal(wr_sf_server_run_scenario(&srv, s, 1, &out, err, sizeof err),
                   0);
  assert_true(out.failed);
  assert_non_null(strstr(out.why, "livelock in wirerig's event loop"));
  wr_scn_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_run_ends_as_error),
      cmocka_unit_test(test_oracle_finds_it),
      cmocka_unit_test(test_user_run_fails),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
