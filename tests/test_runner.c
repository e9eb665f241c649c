/* The runner's executor (include/wirerig/runner.h) on inline scenarios:
 * observations as logged, a failure's step, expected and observed text,
 * determinism of sim runs, schedule overrides and their text form, the
 * agreement check, and one loopback run that must agree with simnet. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "testutil.h"
#include "wirerig/runner.h"

static wr_scenario *parse(const char *text) {
  wr_scenario *s = wr_scn_parse("inline.scn", text, strlen(text), NULL);
  assert_non_null(s);
  for (size_t k = 0; k < s->nerrors; k++) {
    char buf[800];
    wr_scn_error_format(s, &s->errors[k], buf, sizeof buf);
    print_error("%s\n", buf);
  }
  assert_int_equal(s->nerrors_total, 0);
  return s;
}

static wr_run_verdict run(const wr_scenario *s, wr_run_transport t,
                          uint64_t seed, const wr_run_sched *sc,
                          wr_run_result *r) {
  wr_run_params p;
  memset(&p, 0, sizeof p);
  p.transport = t;
  p.seed = seed;
  p.sched = sc;
  return wr_run_once(s, &p, r);
}

/* The whole log, one observation a line: "LINE kind -> text". */
static char *log_text(const wr_run_result *r) {
  size_t cap = 64 + r->nobs * 600, n = 0;
  char *out = calloc(1, cap);
  assert_non_null(out);
  for (size_t i = 0; i < r->nobs; i++)
    n += (size_t)snprintf(
        out + n, cap - n, "%u %s -> %s\n", r->obs[i].step->pos.line,
        wr_scn_kind_name(r->obs[i].step->kind), wr_run_obs_text(r, i));
  return out;
}

static const char *packet2 = "server listen packet=2 active=false\n"
                             "client connect server\n"
                             "net client->server cuts:1\n"
                             "client send \"\\x00\\x05hello\"\n"
                             "server recv -> \"hello\"\n"
                             "client close\n"
                             "server recv -> error closed\n";

static void test_log_of_a_passing_run(void **state) {
  (void)state;
  wr_scenario *s = parse(packet2);
  wr_run_result r = {0};
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_PASS);
  char *log = log_text(&r);
  assert_string_equal(log, "1 listen -> ok\n"
                           "2 connect -> ok\n"
                           "3 net -> ok\n"
                           "4 send -> ok\n"
                           "5 recv -> \"hello\"\n"
                           "6 close -> ok\n"
                           "7 recv -> error closed\n");
  free(log);
  wr_run_result_free(&r);
  wr_scn_free(s);
}

/* A raw recv returns what has arrived: a cut inside the word shows. */
static const char *raw_split = "server listen active=false\n"
                               "client connect server\n"
                               "client send \"hello\"\n"
                               "server recv -> \"hello\"\n";

static void test_failure_names_step_expected_observed(void **state) {
  (void)state;
  wr_scenario *s = parse(raw_split);
  wr_run_sched sc;
  char err[300];
  assert_int_equal(
      wr_run_sched_parse(s, "client->server=cuts:2", &sc, err, sizeof err), 0);
  wr_run_result r = {0};
  assert_int_equal(run(s, WR_RUN_SIM, 1, &sc, &r), WR_RUN_FAIL);
  assert_non_null(r.fail_step);
  assert_int_equal(r.fail_step->pos.line, 4);
  assert_string_equal(r.expected, "\"hello\"");
  assert_string_equal(r.observed, "\"he\"");
  /* Without the override the file's policy (whole) passes. */
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_PASS);
  wr_run_result_free(&r);
  wr_scn_free(s);
}

static void test_schedule_text_round_trip(void **state) {
  (void)state;
  wr_scenario *s = parse(raw_split);
  wr_run_sched sc;
  char err[300], buf[300];
  assert_int_equal(
      wr_run_sched_parse(s, "client->server=cuts:1,3", &sc, err, sizeof err),
      0);
  wr_run_sched_format(s, &sc, buf, sizeof buf);
  assert_string_equal(buf, "client->server=cuts:1,3");
  assert_int_equal(
      wr_run_sched_parse(s, "nobody->server=cuts:1", &sc, err, sizeof err),
      WR_EINVAL);
  assert_non_null(strstr(err, "names no endpoint"));
  assert_int_equal(
      wr_run_sched_parse(s, "client->server=cuts:0", &sc, err, sizeof err),
      WR_EINVAL);
  assert_int_equal(wr_run_sched_parse(s, "client", &sc, err, sizeof err),
                   WR_EINVAL);
  wr_scn_free(s);
}

/* Same seed, same log; the random segmentation is drawn from the seed. */
static void test_sim_runs_are_deterministic(void **state) {
  (void)state;
  wr_scenario *s = parse("server listen active=true\n"
                         "client connect server\n"
                         "net client->server random:1-3\n"
                         "client send \"abcdefghij\"\n"
                         "server message -> tcp any\n"
                         "server message -> tcp any\n");
  wr_run_result a = {0}, b = {0};
  int differ = 0;
  for (uint64_t seed = 1; seed <= 20; seed++) {
    assert_int_equal(run(s, WR_RUN_SIM, seed, NULL, &a), WR_RUN_PASS);
    assert_int_equal(run(s, WR_RUN_SIM, seed, NULL, &b), WR_RUN_PASS);
    char *la = log_text(&a), *lb = log_text(&b);
    assert_string_equal(la, lb);
    free(la);
    free(lb);
    assert_int_equal(run(s, WR_RUN_SIM, seed + 1000, NULL, &b), WR_RUN_PASS);
    if (strcmp(wr_run_obs_text(&a, 4), wr_run_obs_text(&b, 4)) != 0)
      differ = 1;
  }
  assert_true(differ); /* seeds do vary what the file leaves open */
  wr_run_result_free(&a);
  wr_run_result_free(&b);
  wr_scn_free(s);
}

/* The exhaustive pass needs each direction's size. */
static void test_directions_are_measured(void **state) {
  (void)state;
  wr_scenario *s = parse(packet2);
  wr_run_result r = {0};
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_PASS);
  int found = 0;
  for (size_t i = 0; i < r.ndirs; i++)
    if (strcmp(s->endpoints[r.dirs[i].ep].name, "client") == 0) {
      assert_int_equal(r.dirs[i].written, 7);
      found = 1;
    }
  assert_true(found);
  wr_run_result_free(&r);
  wr_scn_free(s);
}

static void test_messages_and_mailbox(void **state) {
  (void)state;
  wr_scenario *s = parse("server listen packet=2 active=2\n"
                         "client connect server\n"
                         "client send frame(2, \"a\") frame(2, \"b\")\n"
                         "server message -> tcp \"a\"\n"
                         "server message -> tcp \"b\"\n"
                         "server message -> tcp_passive\n"
                         "server mailbox == 0\n"
                         "server nothing within 10ms\n"
                         "server message timeout=10ms -> tcp_closed\n");
  wr_run_result r = {0};
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_FAIL);
  assert_int_equal(r.fail_step->pos.line, 9);
  assert_string_equal(r.expected, "tcp_closed");
  assert_string_equal(r.observed, "no message (timeout)");
  wr_run_result_free(&r);
  wr_scn_free(s);
}

static void test_agreement_compares_keys(void **state) {
  (void)state;
  wr_scenario *s = parse(packet2);
  wr_run_result a = {0}, b = {0};
  char why[600];
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &a), WR_RUN_PASS);
  assert_int_equal(run(s, WR_RUN_SIM, 2, NULL, &b), WR_RUN_PASS);
  assert_int_equal(wr_run_agree(&a, &b, why, sizeof why), 1);
  /* A log that differs in a constrained observation disagrees. */
  wr_scenario *t = parse(raw_split);
  wr_run_sched sc;
  char err[200];
  assert_int_equal(
      wr_run_sched_parse(t, "client->server=cuts:2", &sc, err, sizeof err), 0);
  assert_int_equal(run(t, WR_RUN_SIM, 1, NULL, &a), WR_RUN_PASS);
  assert_int_equal(run(t, WR_RUN_SIM, 1, &sc, &b), WR_RUN_FAIL);
  assert_int_equal(wr_run_agree(&a, &b, why, sizeof why), 0);
  wr_run_result_free(&a);
  wr_run_result_free(&b);
  wr_scn_free(s);
  wr_scn_free(t);
}

static void test_loopback_agrees_with_sim(void **state) {
  (void)state;
  wr_scenario *s = parse(packet2);
  wr_run_result a = {0}, b = {0};
  char why[600];
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &a), WR_RUN_PASS);
  wr_run_verdict v = run(s, WR_RUN_LOOPBACK, 1, NULL, &b);
  if (v != WR_RUN_PASS)
    print_error("loopback: %s %s %s\n", b.reason, b.expected, b.observed);
  assert_int_equal(v, WR_RUN_PASS);
  assert_int_equal(wr_run_agree(&a, &b, why, sizeof why), 1);
  wr_run_result_free(&a);
  wr_run_result_free(&b);
  wr_scn_free(s);
}

/* ---- a 64 KiB header value ------------------------------------------------
 * The expectation is typed and compared field by field, so a value of any
 * size matches exactly when it is the same bytes; the texts (observation,
 * key, a failure's expected and observed) are whole. */

#define LONG_N 65536

/* A scenario receiving one 64 KiB header, its value expected as `value`
 * (a data expression), framed as `packet`, by recv or (active) message. */
static wr_scenario *long_header(const char *packet, const char *field,
                                const char *value, int active) {
  char text[1024];
  snprintf(text, sizeof text,
           "server listen packet=%s packet_size=200000 active=%s\n"
           "client connect server\n"
           "client send \"X-Long: \" \"a\" * %d \"\\r\\n\\r\\n\"\n"
           "server %s -> http {http_header,0,%s,%s,%s}\n"
           "server %s -> http http_eoh\n",
           packet, active ? "true" : "false", LONG_N,
           active ? "message" : "recv", field, field, value,
           active ? "message" : "recv");
  return parse(text);
}

/* What the runner writes for the header: `http {...,"aaa...a"}`. */
static char *long_text(int binaries, size_t n, const char *tail) {
  size_t cap = n + 128;
  char *t = malloc(cap);
  assert_non_null(t);
  int k = snprintf(t, cap, "http {http_header,0,%s,%s,%s",
                   binaries ? "<<\"X-Long\">>" : "\"X-Long\"",
                   binaries ? "<<\"X-Long\">>" : "\"X-Long\"",
                   binaries ? "<<\"" : "\"");
  memset(t + k, 'a', n);
  snprintf(t + (size_t)k + n, cap - (size_t)k - n, "%s%s}", tail,
           binaries ? "\">>" : "\"");
  return t;
}

static void test_long_header_value(void **state) {
  (void)state;
  wr_run_result r = {0}, r2 = {0}, lo = {0};
  char why[600];

  /* The same 65536 bytes: a match, on simnet and loopback alike. */
  wr_scenario *s = long_header("httph", "\"X-Long\"", "\"a\" * 65536", 0);
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_PASS);
  char *want = long_text(0, LONG_N, "");
  assert_int_equal(r.nobs, 5);
  assert_string_equal(wr_run_obs_text(&r, 3), want);
  assert_string_equal(wr_run_obs_key(&r, 3), want);
  wr_run_verdict v = run(s, WR_RUN_LOOPBACK, 1, NULL, &lo);
  if (v != WR_RUN_PASS)
    print_error("loopback: %s\n", lo.reason);
  assert_int_equal(v, WR_RUN_PASS);
  assert_int_equal(wr_run_agree(&r, &lo, why, sizeof why), 1);
  wr_scn_free(s);

  /* One byte different at the very end: no match, and both texts whole. */
  s = long_header("httph", "\"X-Long\"", "\"a\" * 65535 \"b\"", 0);
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_FAIL);
  assert_int_equal(r.fail_step->pos.line, 4);
  assert_string_equal(r.observed, want);
  char *exp = long_text(0, LONG_N - 1, "b");
  assert_string_equal(r.expected, exp);
  free(exp);

  /* A byte short, a byte over: no match either. Failing the same way
   * compares the whole texts: these two differ only at their ends. */
  wr_scenario *t = long_header("httph", "\"X-Long\"", "\"a\" * 65535", 0);
  assert_int_equal(run(t, WR_RUN_SIM, 1, NULL, &r2), WR_RUN_FAIL);
  assert_int_equal(r2.fail_step->pos.line, 4);
  assert_int_equal(wr_run_same_failure(&r, &r2), 0);
  assert_int_equal(wr_run_same_failure(&r, &r), 1);
  wr_scn_free(t);
  t = long_header("httph", "\"X-Long\"", "\"a\" * 65537", 0);
  assert_int_equal(run(t, WR_RUN_SIM, 1, NULL, &r2), WR_RUN_FAIL);
  assert_int_equal(r2.fail_step->pos.line, 4);
  wr_scn_free(t);
  wr_scn_free(s);

  /* httph_bin gives binaries: lists do not match, binaries do. */
  s = long_header("httph_bin", "\"X-Long\"", "\"a\" * 65536", 0);
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_FAIL);
  char *bin = long_text(1, LONG_N, "");
  assert_string_equal(r.observed, bin);
  wr_scn_free(s);
  s = long_header("httph_bin", "<<\"X-Long\">>", "<<\"a\" * 65536>>", 0);
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_PASS);
  assert_string_equal(wr_run_obs_text(&r, 3), bin);
  wr_scn_free(s);

  /* The same through an active socket's message. */
  s = long_header("httph_bin", "<<\"X-Long\">>", "<<\"a\" * 65536>>", 1);
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_PASS);
  assert_string_equal(wr_run_obs_text(&r, 3), bin);
  wr_scn_free(s);
  s = long_header("httph_bin", "<<\"X-Long\">>", "<<\"a\" * 65535 \"A\">>", 1);
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_FAIL);
  assert_string_equal(r.observed, bin);
  wr_scn_free(s);

  free(bin);
  free(want);
  wr_run_result_free(&r);
  wr_run_result_free(&r2);
  wr_run_result_free(&lo);
}

/* repeat ... until: the loop ends at the result, logs one observation
 * whose key leaves the rounds out, and fails with a report when the
 * result does not come within its rounds or its time. */
static void test_repeat_until(void **state) {
  (void)state;
  wr_scenario *s = parse("server listen packet=2 active=false\n"
                         "client connect server as conn packet=2\n"
                         "repeat 3 {\n"
                         "  client send \"f\"\n"
                         "}\n"
                         "client close\n"
                         "repeat 50 until error closed {\n"
                         "  conn recv -> \"f\"\n"
                         "}\n"
                         "rounds == 4\n"
                         "rounds != 3\n");
  wr_run_result r;
  memset(&r, 0, sizeof r);
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_PASS);
  char *log = log_text(&r);
  assert_non_null(
      strstr(log, "7 repeat -> until error closed after 4 rounds\n"));
  assert_null(strstr(log, "8 recv")); /* the rounds' own steps: not logged */
  free(log);
  wr_run_result_free(&r);
  wr_scn_free(s);

  /* the count runs out */
  s = parse("server listen active=false\n"
            "client connect server as conn active=false\n"
            "repeat 3 until error closed {\n"
            "  client send \"x\"\n"
            "}\n");
  memset(&r, 0, sizeof r);
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_FAIL);
  assert_string_equal(r.expected, "until error closed within 3 rounds");
  assert_string_equal(r.observed, "no error closed in 3 rounds");
  wr_run_result_free(&r);
  wr_scn_free(s);

  /* the time runs out (virtual time: 5 ms a round, 12 ms allowed) */
  s = parse("server listen active=false\n"
            "client connect server as conn active=false\n"
            "repeat 100 until error _ within 12ms {\n"
            "  wait 5ms\n"
            "}\n");
  memset(&r, 0, sizeof r);
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_FAIL);
  assert_string_equal(r.observed,
                      "no error _ in 3 rounds (the loop's time ran out)");
  wr_run_result_free(&r);
  wr_scn_free(s);

  /* a failure inside the loop that is not the result is the run's */
  s = parse("server listen active=false\n"
            "client connect server as conn active=false\n"
            "client send \"abc\"\n"
            "repeat 10 until error closed {\n"
            "  conn recv 3 -> \"xyz\"\n"
            "}\n");
  memset(&r, 0, sizeof r);
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_FAIL);
  assert_string_equal(r.observed, "\"abc\"");
  wr_run_result_free(&r);
  wr_scn_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_log_of_a_passing_run),
      cmocka_unit_test(test_failure_names_step_expected_observed),
      cmocka_unit_test(test_schedule_text_round_trip),
      cmocka_unit_test(test_sim_runs_are_deterministic),
      cmocka_unit_test(test_directions_are_measured),
      cmocka_unit_test(test_messages_and_mailbox),
      cmocka_unit_test(test_agreement_compares_keys),
      cmocka_unit_test(test_loopback_agrees_with_sim),
      cmocka_unit_test(test_long_header_value),
      cmocka_unit_test(test_repeat_until),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
