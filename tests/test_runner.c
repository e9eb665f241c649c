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
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

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

/* NAME#CONN=POLICY: a shim target's reads of one connection. */
static void test_shim_schedule_text(void **state) {
  (void)state;
  wr_scenario *s = parse("target kv start \"./kv {port}\" shim=\"whole\"\n"
                         "target plain start \"./p {port}\"\n"
                         "c connect kv\n");
  wr_run_sched sc;
  char err[300], buf[300];
  assert_int_equal(wr_run_sched_parse(s, "kv#3=cuts:2,5", &sc, err, sizeof err),
                   0);
  assert_true(sc.shim);
  assert_int_equal(sc.ep, 0);
  assert_int_equal(sc.peer, -1);
  assert_true(sc.conn == 3);
  assert_int_equal(sc.seg.ncuts, 2);
  wr_run_sched_format(s, &sc, buf, sizeof buf);
  assert_string_equal(buf, "kv#3=cuts:2,5");
  /* A target without the shim, a socket, a bad number, a delay. */
  assert_int_equal(
      wr_run_sched_parse(s, "plain#0=cuts:1", &sc, err, sizeof err), WR_EINVAL);
  assert_non_null(strstr(err, "'plain' is not a target"));
  assert_int_equal(wr_run_sched_parse(s, "c#0=cuts:1", &sc, err, sizeof err),
                   WR_EINVAL);
  assert_int_equal(wr_run_sched_parse(s, "kv#x=cuts:1", &sc, err, sizeof err),
                   WR_EINVAL);
  assert_non_null(strstr(err, "decimal digits, found 'x'"));
  assert_int_equal(wr_run_sched_parse(s, "kv#=cuts:1", &sc, err, sizeof err),
                   WR_EINVAL);
  assert_int_equal(
      wr_run_sched_parse(s, "kv#0=latency:1ms", &sc, err, sizeof err),
      WR_EINVAL);
  assert_non_null(strstr(err, "not delayed"));
  /* The arrow form still parses, and is not a shim schedule. */
  assert_int_equal(wr_run_sched_parse(s, "c->kv=fixed:1", &sc, err, sizeof err),
                   0);
  assert_false(sc.shim);
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

/* ---- harness bounds (issue #17) ---------------------------------------- */

static wr_run_verdict run_bounded(const wr_scenario *s, wr_run_transport t,
                                  const wr_run_params *bounds,
                                  wr_run_result *r) {
  wr_run_params p = *bounds;
  p.transport = t;
  p.seed = 7;
  return wr_run_once(s, &p, r);
}

/* Nested repeats that would run for ever stop at the step budget, at the
 * same step with the same count on every run of the seed. */
static void test_step_budget(void **state) {
  (void)state;
  wr_scenario *s = parse("s listen\n"
                         "c connect s\n"
                         "repeat 4294967295 {\n"
                         "  repeat 4294967295 {\n"
                         "    s mailbox >= 0\n"
                         "  }\n"
                         "}\n");
  wr_run_params b = {.max_steps = 1000};
  wr_run_result r = {0};
  assert_int_equal(run_bounded(s, WR_RUN_SIM, &b, &r), WR_RUN_ERROR);
  assert_int_equal(r.bound, WR_RUN_BOUND_STEPS);
  assert_int_equal(r.steps, 1001);
  assert_non_null(strstr(r.reason, "inline.scn:5:5: step budget exhausted: "
                                   "this run took more than 1000 steps"));
  size_t nobs = r.nobs;
  assert_int_equal(run_bounded(s, WR_RUN_SIM, &b, &r), WR_RUN_ERROR);
  assert_int_equal(r.nobs, nobs);
  /* A scenario within the budget is not touched by it. */
  wr_scn_free(s);
  s = parse(packet2);
  b.max_steps = 7;
  assert_int_equal(run_bounded(s, WR_RUN_SIM, &b, &r), WR_RUN_PASS);
  assert_int_equal(r.steps, 7);
  b.max_steps = 6;
  assert_int_equal(run_bounded(s, WR_RUN_SIM, &b, &r), WR_RUN_ERROR);
  wr_run_result_free(&r);
  wr_scn_free(s);
}

/* An active socket flooded by its peer: the mailbox limit ends the run as
 * ERROR naming the mailbox, its size and the step, instead of growing to
 * gigabytes. */
static void test_mailbox_limit(void **state) {
  (void)state;
  wr_scenario *s = parse("s listen active=true\n"
                         "c connect s\n"
                         "repeat 100000 {\n"
                         "  c send pattern(65536)\n"
                         "}\n");
  wr_run_params b = {.max_mailbox = 1u << 20};
  wr_run_result r = {0};
  assert_int_equal(run_bounded(s, WR_RUN_SIM, &b, &r), WR_RUN_ERROR);
  assert_int_equal(r.bound, WR_RUN_BOUND_MAILBOX);
  assert_non_null(strstr(r.reason, "inline.scn:4:3: mailbox exceeded 1 MiB "
                                   "(--max-mailbox): s held "));
  /* The same flood taken as it comes stays within the limit. */
  wr_scn_free(s);
  s = parse("s listen active=true\n"
            "c connect s\n"
            "repeat 64 {\n"
            "  c send pattern(65536)\n"
            "  s drain -> bytes 65536\n"
            "}\n");
  assert_int_equal(run_bounded(s, WR_RUN_SIM, &b, &r), WR_RUN_PASS);
  wr_run_result_free(&r);
  wr_scn_free(s);
}

/* A send loop to a peer that never reads, with a watermark that lets the
 * queue grow: the queue limit ends it. */
static void test_queue_limit(void **state) {
  (void)state;
  wr_scenario *s = parse("s listen active=false\n"
                         "c connect s high_watermark=1000000000\n"
                         "repeat 100000 {\n"
                         "  c send pattern(65536)\n"
                         "}\n");
  wr_run_params b = {.max_queue = 2u << 20};
  wr_run_result r = {0};
  assert_int_equal(run_bounded(s, WR_RUN_SIM, &b, &r), WR_RUN_ERROR);
  assert_int_equal(r.bound, WR_RUN_BOUND_QUEUE);
  assert_non_null(strstr(r.reason, "inline.scn:4:3: send queue exceeded 2 "
                                   "MiB (--max-queue): c had "));
  wr_run_result_free(&r);
  wr_scn_free(s);
}

/* Out of descriptors (a low RLIMIT_NOFILE, set in a child): the harness's
 * ERROR at the step that met it, not the scenario's `error emfile`. */
static void test_emfile_is_harness_error(void **state) {
  (void)state;
  char text[2048] = "s listen\n";
  for (int i = 1; i <= 40; i++)
    snprintf(text + strlen(text), sizeof text - strlen(text),
             "c%d connect s as a%d\n", i, i);
  wr_scenario *s = parse(text);
  fflush(NULL);
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    /* 40 connections are 80 descriptors. */
    struct rlimit rl = {24, 24};
    if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
      _exit(3);
    wr_run_result r = {0};
    wr_run_verdict v = run(s, WR_RUN_LOOPBACK, 1, NULL, &r);
    int ok = v == WR_RUN_ERROR && r.bound == WR_RUN_BOUND_SYSTEM &&
             strstr(r.reason, ": the harness ran out of a system resource "
                              "at this step: emfile") != NULL;
    if (!ok)
      fprintf(stderr, "verdict %d bound %d reason %s\n", (int)v, r.bound,
              r.reason);
    _exit(ok ? 0 : 1);
  }
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  assert_true(WIFEXITED(st));
  assert_int_equal(WEXITSTATUS(st), 0);
  wr_scn_free(s);
}

/* On loopback a wait of an hour (a recv from a peer that
 * sends nothing) ends at the run's wall-time deadline. */
static void test_loopback_timeout(void **state) {
  (void)state;
  wr_scenario *s = parse("s listen active=false\n"
                         "c connect s\n"
                         "s recv timeout=3600s -> any\n");
  wr_run_params b = {.timeout_s = 1};
  wr_run_result r = {0};
  assert_int_equal(run_bounded(s, WR_RUN_LOOPBACK, &b, &r), WR_RUN_ERROR);
  assert_int_equal(r.bound, WR_RUN_BOUND_TIMEOUT);
  assert_non_null(strstr(r.reason, "inline.scn:3:1: timeout: the run took "
                                   "more than 1 s of wall time (--timeout)"));
  wr_run_result_free(&r);
  wr_scn_free(s);
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

/* Processes: a blocked accept lets the main process run; the clock moves
 * only when both wait, so the accept ends when the listener closes (30 ms
 * of virtual time), not at its own timeout; the log lists main's
 * observations, then A's. (scenarios/processes/accept-closed-by-other.scn
 * runs it on loopback too.) */
static const char *accept_closed = "L listen active=false\n"
                                   "spawn A {\n"
                                   "  a accept L timeout=1s -> error closed\n"
                                   "  elapsed < 31ms\n"
                                   "}\n"
                                   "wait 30ms\n"
                                   "L close\n"
                                   "await A\n"
                                   "elapsed == 30ms\n";

static void test_processes_interleave(void **state) {
  (void)state;
  wr_scenario *s = parse(accept_closed);
  wr_run_result r = {0};
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_PASS);
  char *log = log_text(&r);
  assert_string_equal(log, "1 listen -> ok\n"
                           "2 spawn -> ok\n"
                           "6 wait -> ok\n"
                           "7 close -> ok\n"
                           "8 await -> normal\n"
                           "9 elapsed -> 30000000ns\n"
                           "3 accept -> error closed\n"
                           "4 elapsed -> 30000000ns\n");
  free(log);
  wr_run_result_free(&r);
  wr_scn_free(s);
}

/* A failure in a spawned process ends the whole run there: the main
 * process, blocked in its wait, stops without another observation. */
static void test_process_failure_ends_run(void **state) {
  (void)state;
  wr_scenario *s = parse("L listen active=false\n"
                         "spawn A {\n"
                         "  a accept L timeout=10ms\n"
                         "}\n"
                         "wait 1s\n"
                         "L close\n");
  wr_run_result r = {0};
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_FAIL);
  assert_non_null(r.fail_step);
  assert_int_equal(r.fail_step->pos.line, 3);
  assert_string_equal(r.observed, "error timeout");
  char *log = log_text(&r);
  assert_null(strstr(log, "wait"));
  assert_null(strstr(log, "close"));
  free(log);
  wr_run_result_free(&r);
  wr_scn_free(s);
}

/* kill: the process stops in its wait (its step says nothing), its
 * socket closes (the peer's recv sees it), await says killed; a process
 * still running when the file ends is the harness's ERROR, named. */
static void test_kill_and_leftover(void **state) {
  (void)state;
  wr_scenario *s = parse("L listen active=false\n"
                         "spawn P {\n"
                         "  c connect L manual active=false\n"
                         "  c recv 0 timeout=10s -> \"never\"\n"
                         "}\n"
                         "a accept L\n"
                         "kill P\n"
                         "a recv 0 -> error closed\n"
                         "await P -> killed\n");
  wr_run_result r = {0};
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_PASS);
  char *log = log_text(&r);
  assert_null(strstr(log, "4 recv"));
  assert_non_null(strstr(log, "9 await -> killed\n"));
  free(log);
  wr_run_result_free(&r);
  wr_scn_free(s);

  s = parse("L listen active=false\n"
            "spawn P {\n"
            "  a accept L timeout=60s -> error closed\n"
            "}\n");
  memset(&r, 0, sizeof r);
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_ERROR);
  assert_non_null(strstr(r.reason, "inline.scn:2:1: process P was still "
                                   "running at the end of the file"));
  wr_run_result_free(&r);
  wr_scn_free(s);
}

/* A process's end is news to the others before time moves: P ends at
 * 10 ms while Q waits until 1 s, and the main process's await returns at
 * 10 ms, not when Q's wait ends. */
static void test_process_end_wakes_await(void **state) {
  (void)state;
  wr_scenario *s = parse("L listen active=false\n"
                         "spawn P {\n"
                         "  wait 10ms\n"
                         "}\n"
                         "spawn Q {\n"
                         "  q accept L timeout=1s -> error timeout\n"
                         "}\n"
                         "wait 5ms\n"
                         "await P\n"
                         "elapsed == 10ms\n"
                         "await Q\n"
                         "elapsed == 1s\n");
  wr_run_result r = {0};
  assert_int_equal(run(s, WR_RUN_SIM, 1, NULL, &r), WR_RUN_PASS);
  wr_run_result_free(&r);
  wr_scn_free(s);
}

/* Same seed, same interleaving: the log and simnet's trace. */
static void test_processes_deterministic(void **state) {
  (void)state;
  wr_scenario *s = parse("L listen active=false\n"
                         "c1 connect L manual active=false\n"
                         "c2 connect L manual active=false\n"
                         "spawn A {\n"
                         "  a accept L\n"
                         "  a recv 0 -> any\n"
                         "}\n"
                         "spawn B {\n"
                         "  b accept L\n"
                         "  b recv 0 -> any\n"
                         "}\n"
                         "net c1->L random:1-3 latency:1ms jitter:1ms-9ms\n"
                         "net c2->L random:1-3 latency:1ms jitter:1ms-9ms\n"
                         "c1 send \"abcdef\"\n"
                         "c2 send \"uvwxyz\"\n"
                         "await A\n"
                         "await B\n");
  wr_run_result a = {0}, b = {0};
  for (uint64_t seed = 1; seed <= 10; seed++) {
    assert_int_equal(run(s, WR_RUN_SIM, seed, NULL, &a), WR_RUN_PASS);
    assert_int_equal(run(s, WR_RUN_SIM, seed, NULL, &b), WR_RUN_PASS);
    char *la = log_text(&a), *lb = log_text(&b);
    assert_string_equal(la, lb);
    assert_true(a.trace_hash == b.trace_hash);
    free(la);
    free(lb);
  }
  wr_run_result_free(&a);
  wr_run_result_free(&b);
  wr_scn_free(s);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_processes_interleave),
      cmocka_unit_test(test_process_failure_ends_run),
      cmocka_unit_test(test_kill_and_leftover),
      cmocka_unit_test(test_processes_deterministic),
      cmocka_unit_test(test_process_end_wakes_await),
      cmocka_unit_test(test_log_of_a_passing_run),
      cmocka_unit_test(test_failure_names_step_expected_observed),
      cmocka_unit_test(test_schedule_text_round_trip),
      cmocka_unit_test(test_shim_schedule_text),
      cmocka_unit_test(test_sim_runs_are_deterministic),
      cmocka_unit_test(test_directions_are_measured),
      cmocka_unit_test(test_messages_and_mailbox),
      cmocka_unit_test(test_agreement_compares_keys),
      cmocka_unit_test(test_loopback_agrees_with_sim),
      cmocka_unit_test(test_long_header_value),
      cmocka_unit_test(test_step_budget),
      cmocka_unit_test(test_mailbox_limit),
      cmocka_unit_test(test_queue_limit),
      cmocka_unit_test(test_loopback_timeout),
      cmocka_unit_test(test_emfile_is_harness_error),
      cmocka_unit_test(test_repeat_until),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
