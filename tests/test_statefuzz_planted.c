/* The regression writer on a real model finding (statefuzz.h,
 * wr_sf_regression_write). This test links a copy of the socket model
 * built with a planted mistake (WR_SOCK_PLANTED_ONCE_STAYS, sock_recv.c:
 * active once is never spent), so the oracles find a violation that no
 * hand-made log could fake: the writer must shrink it, write a file that
 * `wirerig run` fails at the pinned line 100 times out of 100, and that
 * file must pass on the real model (test_statefuzz_planted_real, ctest). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "base/file.h"
#include "wirerig/runner.h"
#include "wirerig/scenario.h"
#include "wirerig/statefuzz.h"

/* Where the file is written: the next ctest runs it on the real model. */
#ifndef WR_PLANTED_OUT
#define WR_PLANTED_OUT "planted-regression.scn"
#endif

/* A once socket given two packets: the planted model delivers both. */
static const char case_text[] = "s listen active=once\n"
                                "c connect s active=false\n"
                                "c send \"a\"\n"
                                "c send \"b\"\n"
                                "c send \"c\"\n"
                                "wait 10ms\n"
                                "s message timeout=10ms -> tcp any\n"
                                "s message timeout=10ms -> tcp any\n"
                                "s setopts active=false\n"
                                "s recv 0 timeout=10ms -> any\n";

static size_t encode(uint8_t *buf, size_t cap) {
  wr_scenario *s = wr_scn_parse("case.scn", case_text, strlen(case_text), NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 0);
  size_t n = wr_sf_encode(s, 1, buf, cap);
  wr_scn_free(s);
  assert_true(n > 0);
  return n;
}

/* The planted mistake is visible to the oracles. */
static void test_planted_found(void **state) {
  (void)state;
  uint8_t in[512];
  size_t n = encode(in, sizeof in);
  wr_sf_case c;
  assert_int_equal(wr_sf_decode(in, n, NULL, &c), 0);
  wr_run_result r1 = {0}, r2 = {0};
  wr_sf_verdict v;
  assert_false(wr_sf_check(&c, &r1, &r2, &v));
  assert_non_null(strstr(v.why, "more data messages than active granted"));
  wr_run_result_free(&r1);
  wr_run_result_free(&r2);
  wr_sf_case_free(&c);
}

/* A number after `key` in text, or -1. */
static long header_number(const char *text, const char *key) {
  const char *p = strstr(text, key);
  return p ? strtol(p + strlen(key), NULL, 10) : -1;
}

static void test_regression_written(void **state) {
  (void)state;
  uint8_t in[512];
  size_t n = encode(in, sizeof in);
  remove(WR_PLANTED_OUT);
  size_t before = 0, after = 0;
  char err[512] = "";
  int rc = wr_sf_regression_write(in, n, WR_PLANTED_OUT, &before, &after, err,
                                  sizeof err);
  if (rc != 0)
    fail_msg("wr_sf_regression_write: %d %s", rc, err);
  assert_true(after >= 1 && after <= before);

  uint8_t *bytes = NULL;
  size_t len = 0;
  assert_int_equal(
      wr_read_file(WR_PLANTED_OUT, 1 << 20, 1, &bytes, &len, err, sizeof err),
      0);
  const char *text = (const char *)bytes;
  assert_non_null(strstr(text, "# Oracle: "));
  assert_non_null(strstr(text, "more data messages than active granted"));
  long line = header_number(text, "# the model did, except line ");
  long seed = header_number(text, "--transport sim --seed ");
  assert_true(line > 0 && seed >= 0);

  wr_scenario *s = wr_scn_parse(WR_PLANTED_OUT, text, len, NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 0);
  wr_run_result r = {0};
  for (int i = 0; i < 100; i++) {
    wr_run_params p = {.transport = WR_RUN_SIM, .seed = (uint64_t)seed};
    assert_int_equal(wr_run_once(s, &p, &r), WR_RUN_FAIL);
    assert_non_null(r.fail_step);
    assert_int_equal(r.fail_step->pos.line, (uint32_t)line);
  }
  wr_run_result_free(&r);
  wr_scn_free(s);
  free(bytes);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_planted_found),
      cmocka_unit_test(test_regression_written),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
