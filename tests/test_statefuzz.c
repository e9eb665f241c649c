/* statefuzz (include/wirerig/statefuzz.h): the decoder takes every input,
 * the encoder round-trips, the mutator keeps inputs decodable, and the
 * oracles pass the model as it is and fire on planted violations.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scenario/scn_dump.h"
#include "wirerig/error.h"
#include "wirerig/statefuzz.h"

#ifndef WR_SCENARIOS_DIR
#define WR_SCENARIOS_DIR "scenarios"
#endif

static uint32_t rnd(uint32_t *s) {
  uint32_t x = *s;
  x ^= x << 13;
  x ^= x >> 17;
  x ^= x << 5;
  return *s = x;
}

static size_t random_input(uint8_t *buf, size_t max, uint32_t *s) {
  size_t n = rnd(s) % max;
  for (size_t i = 0; i < n; i++)
    buf[i] = (uint8_t)rnd(s);
  return n;
}

/* Any bytes decode to a parsed scenario with both endpoints, at most
 * WR_SF_MAX_OPS operations; the empty input too. */
static void test_decode_total(void **state) {
  (void)state;
  uint32_t s = 12345;
  uint8_t buf[400];
  size_t fallbacks = 0;
  for (int i = 0; i < 3000; i++) {
    size_t n = i == 0 ? 0 : random_input(buf, sizeof buf, &s);
    wr_sf_case c;
    assert_int_equal(wr_sf_decode(buf, n, NULL, &c), 0);
    assert_non_null(c.scn);
    assert_int_equal(c.scn->nerrors, 0);
    assert_true(c.nops <= WR_SF_MAX_OPS);
    if (c.scn->nendpoints < 2)
      fail_msg("a case without both endpoints:\n%s", c.text);
    assert_non_null(strstr(c.text, "s listen"));
    assert_non_null(strstr(c.text, "c connect s"));
    /* the layout the mutator uses agrees with the decoder */
    wr_sf_layout l;
    wr_sf_split(buf, n, &l);
    if (l.header < n && c.nops == 0)
      fallbacks++;
    assert_int_equal(l.nops, c.nops);
    wr_sf_case_free(&c);
  }
  /* the tables hold only values the parser takes */
  assert_int_equal(fallbacks, 0);
}

/* The case's steps are built beside its text, not parsed from it: the
 * parser must make exactly those steps of the text (every field scn_dump
 * shows, positions included), for random inputs on both transports. */
static void same_as_parsed(const wr_sf_case *c) {
  wr_scn_config cfg = {.max_data = 64 * 1024, .no_files = 1};
  wr_scenario *p = wr_scn_parse("statefuzz.scn", c->text, c->len, &cfg);
  assert_non_null(p);
  if (p->nerrors) {
    char msg[512];
    wr_scn_error_format(p, &p->errors[0], msg, sizeof msg);
    fail_msg("the text of a case does not parse: %s\n%s", msg, c->text);
  }
  tu_str want = {0}, got = {0};
  scn_dump(p, &want);
  scn_dump(c->scn, &got);
  if (strcmp(want.s, got.s) != 0)
    fail_msg("built and parsed steps differ for\n%s\nparsed:\n%s\nbuilt:\n%s",
             c->text, want.s, got.s);
  assert_string_equal(c->scn->title, p->title);
  assert_int_equal(c->scn->nvars, 0);
  assert_int_equal(p->nvars, 0);
  free(want.s);
  free(got.s);
  wr_scn_free(p);
}

static void test_built_as_parsed(void **state) {
  (void)state;
  uint32_t s = 4242;
  uint8_t buf[400];
  for (int i = 0; i < 4000; i++) {
    size_t n = random_input(buf, sizeof buf, &s);
    wr_sf_decode_opts o = {.loopback = i & 1};
    wr_sf_case c;
    assert_int_equal(wr_sf_decode(buf, n, &o, &c), 0);
    same_as_parsed(&c);
    wr_sf_case_free(&c);
  }
}

/* Loopback cases keep nodelay true: the endpoint lines end with it and no
 * setopts turns it off (Nagle would hold small writes past the settling
 * wait, fuzz/corpus/stateful_loopback/crash-fe33bb7c...); sim cases keep
 * whatever the input says. */
static void test_loopback_nodelay(void **state) {
  (void)state;
  uint32_t s = 99;
  uint8_t buf[400];
  int sim_false = 0;
  for (int i = 0; i < 2000; i++) {
    size_t n = random_input(buf, sizeof buf, &s);
    wr_sf_decode_opts lo = {.loopback = 1};
    wr_sf_case c;
    assert_int_equal(wr_sf_decode(buf, n, &lo, &c), 0);
    assert_null(strstr(c.text, "nodelay=false"));
    const char *l2 = strchr(c.text, '\n');
    assert_non_null(l2);
    const char *l3 = strchr(l2 + 1, '\n');
    assert_non_null(l3);
    assert_memory_equal(l2 - 13, " nodelay=true", 13);
    assert_memory_equal(l3 - 13, " nodelay=true", 13);
    wr_sf_case_free(&c);
    assert_int_equal(wr_sf_decode(buf, n, NULL, &c), 0);
    sim_false += strstr(c.text, "nodelay=false") != NULL;
    wr_sf_case_free(&c);
  }
  assert_true(sim_false > 0);
}

static char *decode_text(const uint8_t *b, size_t n, wr_sf_case *c) {
  assert_int_equal(wr_sf_decode(b, n, NULL, c), 0);
  return c->text;
}

/* decode -> encode -> decode reaches a fixpoint after one cycle (the
 * first may drop what the encoder does not say: policies, long frames),
 * and an input of raw sends and reads round-trips at once. */
static void test_roundtrip(void **state) {
  (void)state;
  uint32_t s = 777;
  uint8_t buf[400], e1[4096], e2[4096];
  for (int i = 0; i < 1000; i++) {
    size_t n = random_input(buf, sizeof buf, &s);
    wr_sf_case c0, c1, c2;
    decode_text(buf, n, &c0);
    size_t n1 = wr_sf_encode(c0.scn, c0.seed, e1, sizeof e1);
    decode_text(e1, n1, &c1);
    size_t n2 = wr_sf_encode(c1.scn, c1.seed, e2, sizeof e2);
    decode_text(e2, n2, &c2);
    assert_string_equal(c1.text, c2.text);
    assert_int_equal(c1.seed, c0.seed);
    wr_sf_case_free(&c0);
    wr_sf_case_free(&c1);
    wr_sf_case_free(&c2);
  }
  /* seed 5; server packet=2 active=once; client none; client send "ab",
   * server recv 0 timeout 10ms, server close */
  const uint8_t in[] = {4, 2, 0, 3, 1, 2, 0, 0, 2, 'a', 'b', 5, 0, 2, 13};
  wr_sf_case a, b;
  decode_text(in, sizeof in, &a);
  assert_non_null(
      strstr(a.text, "s listen packet_size=1048576 packet=2 active=once\n"));
  assert_non_null(strstr(a.text, "c send x\"61 62\"\n"));
  assert_non_null(strstr(a.text, "s recv 0 timeout=10ms -> any\n"));
  assert_non_null(strstr(a.text, "s close\n"));
  size_t m = wr_sf_encode(a.scn, a.seed, e1, sizeof e1);
  assert_memory_equal(e1, in, m < sizeof in ? m : sizeof in);
  decode_text(e1, m, &b);
  assert_string_equal(a.text, b.text);
  wr_sf_case_free(&a);
  wr_sf_case_free(&b);
}

/* Every shipped scenario the encoder can express becomes an input that
 * decodes (the seed corpus). */
static void test_encode_scenarios(void **state) {
  (void)state;
  const char *dirs[] = {WR_SCENARIOS_DIR};
  wr_run_files f = {0};
  assert_int_equal(wr_run_collect(dirs, 1, NULL, &f), 0);
  assert_true(f.n > 20);
  size_t with_ops = 0;
  for (size_t i = 0; i < f.n; i++) {
    wr_scenario *s = wr_scn_load(f.v[i], NULL);
    assert_non_null(s);
    if (s->nerrors == 0) {
      uint8_t b[4096];
      size_t n = wr_sf_encode(s, 1, b, sizeof b);
      wr_sf_case c;
      assert_int_equal(wr_sf_decode(b, n, NULL, &c), 0);
      with_ops += c.nops > 0;
      wr_sf_case_free(&c);
    }
    wr_scn_free(s);
  }
  assert_true(with_ops > f.n / 2);
  wr_run_files_free(&f);
}

/* The mutator and the crossover keep sizes in bounds and inputs
 * decodable. */
static void test_mutator(void **state) {
  (void)state;
  uint32_t s = 99;
  uint8_t a[WR_SF_MAX_INPUT], b[WR_SF_MAX_INPUT], o[WR_SF_MAX_INPUT];
  size_t na = random_input(a, 200, &s), changed = 0;
  for (int i = 0; i < 2000; i++) {
    uint8_t before[WR_SF_MAX_INPUT];
    memcpy(before, a, na);
    size_t old = na;
    na = wr_sf_mutate(a, na, 600, rnd(&s));
    assert_true(na <= 600);
    changed += na != old || memcmp(before, a, na) != 0;
    size_t nb = random_input(b, 200, &s);
    size_t no = wr_sf_crossover(a, na, b, nb, o, 600, rnd(&s));
    assert_true(no <= 600);
    wr_sf_case c;
    assert_int_equal(wr_sf_decode(o, no, NULL, &c), 0);
    wr_sf_case_free(&c);
  }
  assert_true(changed > 1000);
}

static wr_sf_case parse_case(const char *text) {
  wr_sf_case c;
  memset(&c, 0, sizeof c);
  c.text = strdup(text);
  c.len = strlen(text);
  c.scn = wr_scn_parse("t.scn", text, c.len, NULL);
  assert_non_null(c.scn);
  assert_int_equal(c.scn->nerrors, 0);
  c.seed = 1;
  c.rerun = 1;
  return c;
}

/* The oracles pass the model on random cases (the model is right), and
 * the same case gives the same hash every time. */
static void test_oracle_passes(void **state) {
  (void)state;
  uint32_t s = 4242;
  uint8_t buf[300];
  wr_run_result r = {0}, r2 = {0};
  size_t ran = 0;
  for (int i = 0; i < 300; i++) {
    size_t n = random_input(buf, sizeof buf, &s);
    wr_sf_case c;
    assert_int_equal(wr_sf_decode(buf, n, NULL, &c), 0);
    wr_sf_verdict v, v2;
    if (!wr_sf_check(&c, &r, &r2, &v))
      fail_msg("oracle fired on the model: %s\n%s", v.why, c.text);
    assert_true(wr_sf_check(&c, &r, &r2, &v2));
    assert_int_equal(v.hash, v2.hash);
    ran += v.ran_to_end;
    if (getenv("WR_SF_DEBUG") && !v.ran_to_end)
      fprintf(stderr, "%d %s\n", (int)r.verdict, r.reason);
    wr_sf_case_free(&c);
  }
  assert_true(ran > 100);
  wr_run_result_free(&r);
  wr_run_result_free(&r2);
}

/* Overwrites observation i of r with text (no longer than the old one):
 * a model that logged something else. */
static void plant(wr_run_result *r, size_t i, const char *text) {
  char *t = r->buf + r->obs[i].text_off;
  assert_true(strlen(text) <= strlen(t));
  strcpy(t, text);
}

/* The log oracle fires on planted mistakes: a second data message under
 * active once (a skipped re-arm), tcp_passive without a counter, data
 * after tcp_closed, recv data on an active socket. */
static void test_oracle_fires(void **state) {
  (void)state;
  wr_sf_case c = parse_case("s listen active=once\n"
                            "c connect s\n"
                            "c send \"a\"\n"
                            "c send \"b\"\n"
                            "s message timeout=10ms -> tcp any\n"
                            "s message timeout=10ms -> tcp any\n"
                            "c close\n"
                            "s setopts active=true\n"
                            "s message timeout=10ms -> tcp any\n"
                            "s message timeout=10ms -> tcp any\n"
                            "s message timeout=10ms -> tcp any\n"
                            "s recv 0 timeout=10ms -> any\n");
  wr_run_result r = {0}, r2 = {0};
  wr_sf_verdict v;
  assert_true(wr_sf_check(&c, &r, &r2, &v));
  /* obs: 0 listen, 1 connect, 2 send, 3 send, 4 message "a", 5 message
   * (none: once is spent), 6 close, 7 setopts, 8 "b", 9 tcp_closed,
   * 10 nothing, 11 recv (closed) */
  assert_int_equal(r.nobs, 12);
  assert_string_equal(wr_run_obs_text(&r, 4), "tcp \"a\"");
  assert_string_equal(wr_run_obs_text(&r, 8), "tcp \"b\"");
  assert_string_equal(wr_run_obs_text(&r, 9), "tcp_closed");
  assert_string_equal(wr_run_obs_text(&r, 11), "error closed");
  char why[512];
  assert_true(wr_sf_check_log(&c, &r, why, sizeof why));
  wr_run_once(c.scn, &(wr_run_params){.seed = 1, .observe = 1}, &r2);
  plant(&r2, 5, "tcp \"b\"");
  assert_false(wr_sf_check_log(&c, &r2, why, sizeof why));
  assert_non_null(strstr(why, "more data messages than active granted"));
  wr_run_once(c.scn, &(wr_run_params){.seed = 1, .observe = 1}, &r2);
  plant(&r2, 5, "tcp_passive");
  assert_false(wr_sf_check_log(&c, &r2, why, sizeof why));
  assert_non_null(strstr(why, "tcp_passive"));
  wr_run_once(c.scn, &(wr_run_params){.seed = 1, .observe = 1}, &r2);
  plant(&r2, 10, "tcp \"x\"");
  assert_false(wr_sf_check_log(&c, &r2, why, sizeof why));
  assert_non_null(strstr(why, "after tcp_closed"));
  wr_run_once(c.scn, &(wr_run_params){.seed = 1, .observe = 1}, &r2);
  plant(&r2, 11, "\"z\"");
  assert_false(wr_sf_check_log(&c, &r2, why, sizeof why));
  assert_non_null(strstr(why, "{active,true}"));
  wr_run_result_free(&r);
  wr_run_result_free(&r2);
  wr_sf_case_free(&c);
}

/* Data after tcp_closed is allowed where OTP 25 gives it: after tcp_error
 * emsgsize with exit_on_close false, once the socket is armed anew
 * (semantics §4.3; the oracle was wrong here, found by stateful_model,
 * fuzz/corpus/stateful_model/crash-20987406...). A second tcp_closed
 * still fires, and so does data after that tcp_closed with exit_on_close
 * true. */
#define KEEP_OPEN_REST                                                         \
  "c connect s\n"                                                              \
  "c send \"GET / HTTP/1.1\\r\\n\\r\\n\"\n"                                    \
  "s message timeout=10ms -> tcp any\n"                                        \
  "s message timeout=10ms -> tcp any\n"                                        \
  "c send \"\\x00\\x00\\x00\\x01a\"\n"                                         \
  "s setopts active=false\n"                                                   \
  "s setopts active=true\n"                                                    \
  "s message timeout=10ms -> tcp any\n"                                        \
  "s message timeout=10ms -> tcp any\n"

static void test_oracle_emsgsize_keep_open(void **state) {
  (void)state;
  char buf[512];
  snprintf(buf, sizeof buf,
           "s listen packet=4 packet_size=1048576%s\n" KEEP_OPEN_REST,
           " exit_on_close=false");
  wr_sf_case c = parse_case(buf);
  wr_run_result r = {0}, r2 = {0};
  wr_sf_verdict v;
  if (!wr_sf_check(&c, &r, &r2, &v))
    fail_msg("%s", v.why);
  assert_int_equal(r.nobs, 10);
  assert_string_equal(wr_run_obs_text(&r, 3), "tcp_error emsgsize");
  assert_string_equal(wr_run_obs_text(&r, 4), "tcp_closed");
  assert_string_equal(wr_run_obs_text(&r, 8), "tcp \"a\"");
  char why[512];
  plant(&r, 9, "tcp_closed");
  assert_false(wr_sf_check_log(&c, &r, why, sizeof why));
  assert_non_null(strstr(why, "a second tcp_closed"));
  wr_sf_case_free(&c);
  snprintf(buf, sizeof buf,
           "s listen packet=4 packet_size=1048576%s\n" KEEP_OPEN_REST, "");
  c = parse_case(buf);
  wr_run_once(c.scn, &(wr_run_params){.seed = 1, .observe = 1}, &r);
  assert_string_equal(wr_run_obs_text(&r, 4), "tcp_closed");
  assert_true(wr_sf_check_log(&c, &r, why, sizeof why));
  plant(&r, 8, "tcp \"a\"");
  assert_false(wr_sf_check_log(&c, &r, why, sizeof why));
  assert_non_null(strstr(why, "after tcp_closed"));
  wr_run_result_free(&r);
  wr_run_result_free(&r2);
  wr_sf_case_free(&c);
}

/* And after shutdown(read) with exit_on_close false: Linux still takes
 * data in, and a setopts that changes the active mode delivers what came
 * in by then after the tcp_closed (semantics §5.4; the oracle called it a
 * violation, found by stateful_model in a CI smoke run,
 * fuzz/corpus/stateful_model/ crash-6fb6be15...). */
static void test_oracle_shutdown_read_keep_open(void **state) {
  (void)state;
  wr_sf_case c = parse_case("s listen active=true exit_on_close=false\n"
                            "c connect s active=false\n"
                            "s shutdown read\n"
                            "s message timeout=10ms -> tcp any\n"
                            "c send \"x\"\n"
                            "wait 100ms\n"
                            "s setopts active=3\n"
                            "s message timeout=1000ms -> tcp any\n");
  wr_run_result r = {0}, r2 = {0};
  wr_sf_verdict v;
  if (!wr_sf_check(&c, &r, &r2, &v))
    fail_msg("%s", v.why);
  assert_int_equal(r.nobs, 8);
  assert_string_equal(wr_run_obs_text(&r, 3), "tcp_closed");
  assert_string_equal(wr_run_obs_text(&r, 7), "tcp \"x\"");
  wr_run_result_free(&r);
  wr_run_result_free(&r2);
  wr_sf_case_free(&c);
}

/* A finding is written as a scenario file that parses back to the same
 * steps. */
static void test_write(void **state) {
  (void)state;
  const uint8_t in[] = {0, 1, 1, 2, 0, 0, 4, 'p', 'i', 'n', 'g', 7, 0, 12};
  wr_sf_case c;
  assert_int_equal(wr_sf_decode(in, sizeof in, NULL, &c), 0);
  char *buf = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&buf, &len);
  assert_non_null(f);
  assert_int_equal(wr_sf_write_scenario(f, &c, "found by\nstateful_model", 0),
                   0);
  fclose(f);
  assert_non_null(strstr(buf, "# found by\n# stateful_model\n"));
  assert_non_null(strstr(buf, "transports sim\n"));
  wr_scenario *s = wr_scn_parse("w.scn", buf, len, NULL);
  assert_non_null(s);
  assert_int_equal(s->nerrors, 0);
  assert_int_equal(s->steps.n, c.scn->steps.n);
  wr_scn_free(s);
  free(buf);
  wr_sf_case_free(&c);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decode_total),
      cmocka_unit_test(test_built_as_parsed),
      cmocka_unit_test(test_loopback_nodelay),
      cmocka_unit_test(test_roundtrip),
      cmocka_unit_test(test_encode_scenarios),
      cmocka_unit_test(test_mutator),
      cmocka_unit_test(test_oracle_passes),
      cmocka_unit_test(test_oracle_fires),
      cmocka_unit_test(test_oracle_emsgsize_keep_open),
      cmocka_unit_test(test_oracle_shutdown_read_keep_open),
      cmocka_unit_test(test_write),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
