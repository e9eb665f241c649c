/* wirerig::check (check.h): the modes find split bugs and only them, shrink
 * them to the fewest cuts, report a command that replays exactly the case,
 * compare with references and round trips, catch over-reads at the guard
 * page, and refuse bad use with a message. The decoders under test are the
 * example's (examples/check/lenprefix.c) and small ones written here. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "lenprefix.h"
#include "wirerig/check.h"
#include "wirerig/scenario.h"

/* Three messages ("hi", "", "hello world") as lenprefix frames them. */
static const uint8_t three[] = {0,   2,   'h', 'i', 0,   0,   0,
                                11,  'h', 'e', 'l', 'l', 'o', ' ',
                                'w', 'o', 'r', 'l', 'd'};

static wr_check_options quiet(void) {
  wr_check_options o = {0};
  o.quiet = 1;
  o.argv0 = "./test_check";
  return o;
}

static uint64_t choose(uint64_t n, uint64_t k) {
  uint64_t r = 1;
  for (uint64_t i = 1; i <= k; i++)
    r = r * (n - k + i) / i;
  return r;
}

static void test_correct_passes_every_mode(void **state) {
  (void)state;
  lenprefix_config cfg = {0};
  wr_check_decoder d = lenprefix_decoder(&cfg);
  wr_check_reference ref = {.use_packet = 1,
                            .framing = wr_framing_default(WR_PACKET_2)};
  wr_check_options o = quiet();
  o.reference = &ref;
  o.round_trip = 1;
  wr_check_report r;
  assert_int_equal(wr_check_exhaustive(&d, &o, three, sizeof three, &r), 0);
  assert_int_equal(r.failed, 0);
  /* Fewest cuts first, up to 3 of the 18 places: 1 + 18 + C(18,2) + ... */
  uint64_t want = 0;
  for (int k = 0; k <= 3; k++)
    want += choose(sizeof three - 1, (uint64_t)k);
  assert_int_equal(r.schedules, want);
  wr_check_report_free(&r);

  o.max_cuts = WR_CHECK_ALL_CUTS; /* all 2^18 schedules */
  assert_int_equal(wr_check_exhaustive(&d, &o, three, sizeof three, &r), 0);
  assert_int_equal(r.schedules, 1u << (sizeof three - 1));
  wr_check_report_free(&r);

  const char *policies[] = {"fixed:1", "fixed:3", "random:1-5", "cuts:2,7",
                            "whole"};
  for (size_t i = 0; i < sizeof policies / sizeof *policies; i++) {
    o.policy = policies[i];
    o.schedules = 50;
    o.seed = 7;
    assert_int_equal(wr_check_seeded(&d, &o, three, sizeof three, &r), 0);
    assert_int_equal(r.schedules, strncmp(policies[i], "random", 6) ? 1 : 50);
    wr_check_report_free(&r);
  }
}

/* Found by fuzz_lenprefix: an empty message was the only one, so the
 * outcome had no bytes at all, and the round trip handed the encoder
 * NULL + 0 (undefined behaviour, caught by UBSan). */
static void test_round_trip_of_empty_messages(void **state) {
  (void)state;
  lenprefix_config cfg = {0};
  wr_check_decoder d = lenprefix_decoder(&cfg);
  wr_check_options o = quiet();
  o.round_trip = 1;
  static const uint8_t empty[] = {0, 0, 0, 0};
  assert_int_equal(wr_check_exhaustive(&d, &o, empty, sizeof empty, NULL), 0);
  static const uint8_t in[] = {1, 0x25, 0, 0};
  assert_int_equal(wr_check_fuzz_one(&d, &o, in, sizeof in), 0);
}

static void test_bug_found_and_shrunk_to_one_cut(void **state) {
  (void)state;
  lenprefix_config cfg = {.bug = 1};
  wr_check_decoder d = lenprefix_decoder(&cfg);
  wr_check_options o = quiet();
  wr_check_report r;
  assert_int_equal(wr_check_exhaustive(&d, &o, three, sizeof three, &r), 1);
  assert_int_equal(r.failed, 1);
  assert_string_equal(r.oracle, "split invariance");
  assert_int_equal(r.ncuts, 1);
  /* Shrunk: at most one message's frame and a cut inside it. */
  assert_true(r.stream_len < sizeof three);
  assert_true(r.cuts[0] >= 2 && r.cuts[0] < r.stream_len);
  assert_non_null(strstr(r.repro, "WR_CHECK_REPLAY="));
  assert_non_null(strstr(r.repro, "name=lenprefix-bug"));
  assert_non_null(strstr(r.repro, "./test_check"));
  assert_non_null(strstr(r.text, "first difference"));

  /* The shrunk case fails alone, and only with its cut. */
  wr_check_report r2;
  assert_int_equal(
      wr_check_cuts(&d, &o, r.stream, r.stream_len, r.cuts, r.ncuts, &r2), 1);
  wr_check_report_free(&r2);
  assert_int_equal(wr_check_cuts(&d, &o, r.stream, r.stream_len, NULL, 0, &r2),
                   0);
  wr_check_report_free(&r2);
  wr_check_report_free(&r);

  /* Seeded schedules find it too, and byte-at-a-time reads at once. */
  o.policy = "fixed:1";
  o.schedules = 1;
  assert_int_equal(wr_check_seeded(&d, &o, three, sizeof three, &r), 1);
  assert_int_equal(r.ncuts, 1);
  wr_check_report_free(&r);
}

/* With case_dir, a failing case is kept as a fuzz input and, with a
 * packet-type reference, as a scenario file that parses. */
static void test_case_files(void **state) {
  (void)state;
  char dir[] = "/tmp/wirerig-check-cases.XXXXXX";
  assert_non_null(mkdtemp(dir));
  lenprefix_config cfg = {.bug = 1};
  wr_check_decoder d = lenprefix_decoder(&cfg);
  wr_check_reference ref = {.use_packet = 1,
                            .framing = wr_framing_default(WR_PACKET_2)};
  wr_check_options o = quiet();
  o.reference = &ref;
  o.case_dir = dir;
  wr_check_report r;
  assert_int_equal(wr_check_exhaustive(&d, &o, three, sizeof three, &r), 1);
  const char *fz = strstr(r.text, "  fuzz input: "),
             *sc = strstr(r.text, "  scenario: ");
  assert_non_null(fz);
  assert_non_null(sc);
  char path[512];
  assert_int_equal(sscanf(sc, "  scenario: %511s", path), 1);
  FILE *f = fopen(path, "r");
  assert_non_null(f);
  char text[4096];
  size_t n = fread(text, 1, sizeof text - 1, f);
  fclose(f);
  text[n] = '\0';
  assert_non_null(strstr(text, "server listen packet=2"));
  assert_non_null(strstr(text, "net client->server cuts:"));
  wr_scenario *sn = wr_scn_parse(path, text, n, NULL);
  assert_non_null(sn);
  assert_int_equal(sn->nerrors, 0);
  wr_scn_free(sn);
  /* The fuzz input replays the same case through the fuzz layout. */
  assert_int_equal(sscanf(fz, "  fuzz input: %511s", path), 1);
  f = fopen(path, "rb");
  assert_non_null(f);
  uint8_t in[512];
  size_t m = fread(in, 1, sizeof in, f);
  fclose(f);
  const uint8_t *st;
  size_t len, cuts[255];
  unsigned ncuts;
  assert_int_equal(
      wr_check_fuzz_layout(in, m, &st, &len, cuts, &ncuts, NULL, 0), 0);
  assert_int_equal(len, r.stream_len);
  assert_int_equal(ncuts, r.ncuts);
  wr_check_report_free(&r);
  char cmd[600];
  snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
  assert_int_equal(system(cmd), 0);
}

static void test_replay_env_reproduces_the_case(void **state) {
  (void)state;
  lenprefix_config cfg = {.bug = 1}, good = {0};
  wr_check_decoder d = lenprefix_decoder(&cfg), g = lenprefix_decoder(&good);
  wr_check_options o = quiet();
  wr_check_report r, again;
  assert_int_equal(wr_check_exhaustive(&d, &o, three, sizeof three, &r), 1);
  /* The command is "WR_CHECK_REPLAY='...' ./test_check": take the value. */
  const char *v = strchr(r.repro, '\'');
  assert_non_null(v);
  char value[512];
  size_t n = (size_t)(strchr(v + 1, '\'') - (v + 1));
  assert_true(n < sizeof value);
  memcpy(value, v + 1, n);
  value[n] = '\0';
  assert_int_equal(setenv(WR_CHECK_REPLAY_ENV, value, 1), 0);
  /* Any mode now runs exactly that case, whatever stream it is given. */
  static const uint8_t other[] = {0, 1, 'x'};
  assert_int_equal(wr_check_seeded(&d, &o, other, sizeof other, &again), 1);
  assert_int_equal(again.stream_len, r.stream_len);
  assert_memory_equal(again.stream, r.stream, r.stream_len);
  assert_int_equal(again.ncuts, r.ncuts);
  assert_int_equal(again.cuts[0], r.cuts[0]);
  assert_string_equal(again.expected, r.expected);
  assert_string_equal(again.observed, r.observed);
  wr_check_report_free(&again);
  assert_int_equal(wr_check_cuts(&d, &o, other, sizeof other, NULL, 0, NULL),
                   1); /* with no report to fill in, too */
  /* Another decoder's check skips the case rather than judge it. */
  assert_int_equal(wr_check_exhaustive(&g, &o, three, sizeof three, NULL), 0);
  /* A malformed value is an error, not a pass. */
  setenv(WR_CHECK_REPLAY_ENV, "name=lenprefix-bug stream=0g cuts=", 1);
  assert_int_equal(wr_check_exhaustive(&d, &o, three, sizeof three, NULL),
                   WR_EINVAL);
  setenv(WR_CHECK_REPLAY_ENV, "name=lenprefix-bug stream=000178 cuts=3", 1);
  assert_int_equal(wr_check_exhaustive(&d, &o, three, sizeof three, NULL),
                   WR_EINVAL);
  unsetenv(WR_CHECK_REPLAY_ENV);
  wr_check_report_free(&r);
}

/* ---- a reference that differs ------------------------------------------- */

static void test_reference_packet_type(void **state) {
  (void)state;
  lenprefix_config cfg = {0};
  wr_check_decoder d = lenprefix_decoder(&cfg);
  wr_check_reference ref = {.use_packet = 1,
                            .framing = wr_framing_default(WR_PACKET_4)};
  wr_check_options o = quiet();
  o.reference = &ref;
  wr_check_report r;
  assert_int_equal(wr_check_exhaustive(&d, &o, three, sizeof three, &r), 1);
  assert_string_equal(r.oracle, "reference");
  assert_non_null(strstr(r.text, "the gen_tcp packet type"));
  wr_check_report_free(&r);
  /* packet_size below a message's length: gen_tcp fails, lenprefix not. */
  ref.framing = wr_framing_default(WR_PACKET_2);
  ref.framing.packet_size = 5;
  assert_int_equal(wr_check_exhaustive(&d, &o, three, sizeof three, &r), 1);
  assert_string_equal(r.oracle, "reference");
  wr_check_report_free(&r);
}

/* ---- a pull-style decoder, and contract breaches ----------------------- */

typedef struct pull_cfg {
  int zero_consume; /* breach: a message that consumes nothing */
  int lose_tail;    /* bug: drops the seen hint's bytes */
} pull_cfg;

static void *pull_create(void *ctx) {
  pull_cfg *p = malloc(sizeof *p);
  if (p)
    *p = *(pull_cfg *)ctx;
  return p;
}
static void pull_destroy(void *d) { free(d); }

/* Lines ending in '\n'; the line is delivered without it. */
static int pull_next(void *dec, const uint8_t *buf, size_t len,
                     wr_check_frame *out) {
  pull_cfg *c = dec;
  const uint8_t *nl = memchr(buf, '\n', len);
  if (!nl)
    return WR_CHECK_MORE;
  out->data = buf;
  out->len = (size_t)(nl - buf);
  out->consumed = c->zero_consume ? 0 : out->len + 1;
  if (c->lose_tail && out->seen && out->consumed > 1)
    out->len--; /* a parser that trusts its hint too much */
  return WR_CHECK_MESSAGE;
}

static void test_pull_decoder(void **state) {
  (void)state;
  static const uint8_t lines[] = "one\ntwo\n\nthree\n";
  pull_cfg cfg = {0};
  wr_check_decoder d = {.name = "lines",
                        .ctx = &cfg,
                        .create = pull_create,
                        .destroy = pull_destroy,
                        .next = pull_next};
  wr_check_reference ref = {.use_packet = 1,
                            .framing = wr_framing_default(WR_PACKET_LINE)};
  wr_check_options o = quiet();
  wr_check_report r;
  assert_int_equal(wr_check_exhaustive(&d, &o, lines, sizeof lines - 1, &r), 0);
  wr_check_report_free(&r);
  /* gen_tcp's line packets keep the '\n', ours drop it: a reference
   * difference, named as such. */
  o.reference = &ref;
  assert_int_equal(wr_check_exhaustive(&d, &o, lines, sizeof lines - 1, &r), 1);
  assert_string_equal(r.oracle, "reference");
  wr_check_report_free(&r);
  o.reference = NULL;

  cfg.lose_tail = 1; /* wrong only when a line came in two reads */
  assert_int_equal(wr_check_exhaustive(&d, &o, lines, sizeof lines - 1, &r), 1);
  assert_string_equal(r.oracle, "split invariance");
  assert_int_equal(r.ncuts, 1);
  wr_check_report_free(&r);

  cfg.lose_tail = 0;
  cfg.zero_consume = 1;
  assert_int_equal(wr_check_exhaustive(&d, &o, lines, sizeof lines - 1, &r), 1);
  assert_string_equal(r.oracle, "decoder");
  assert_non_null(strstr(r.text, "consuming 0 bytes"));
  wr_check_report_free(&r);
}

/* ---- polling ---------------------------------------------------------------
 */

/* Emits at most one byte-message per call, so it must be polled. */
typedef struct onebyone {
  uint8_t buf[64];
  size_t len;
} onebyone;

static void *obo_create(void *ctx) {
  (void)ctx;
  return calloc(1, sizeof(onebyone));
}
static int obo_feed(void *dec, const uint8_t *data, size_t n,
                    wr_check_sink *out) {
  onebyone *d = dec;
  if (d->len + n > sizeof d->buf)
    return -1;
  if (n)
    memcpy(d->buf + d->len, data, n);
  d->len += n;
  if (d->len == 0)
    return 0;
  int rc = wr_check_emit(out, d->buf, 1, d->buf[0]);
  memmove(d->buf, d->buf + 1, --d->len);
  return rc;
}

static void test_poll_flag(void **state) {
  (void)state;
  static const uint8_t s[] = "abcdef";
  wr_check_decoder d = {.name = "one-by-one",
                        .create = obo_create,
                        .destroy = pull_destroy,
                        .feed = obo_feed};
  wr_check_options o = quiet();
  wr_check_report r;
  /* Without polling the messages depend on how many reads there were. */
  assert_int_equal(wr_check_exhaustive(&d, &o, s, 6, &r), 1);
  assert_string_equal(r.oracle, "split invariance");
  wr_check_report_free(&r);
  d.flags = WR_CHECK_POLL;
  assert_int_equal(wr_check_exhaustive(&d, &o, s, 6, &r), 0);
  wr_check_report_free(&r);
}

/* ---- the guard page ------------------------------------------------------ */

static int overread_feed(void *dec, const uint8_t *data, size_t n,
                         wr_check_sink *out) {
  (void)dec;
  (void)out;
  volatile uint8_t sink = 0;
  for (size_t i = 0; i <= n; i++) /* one byte too far */
    sink ^= data[i];
  return sink == 0xff ? -1 : 0;
}

static void test_guard_page_catches_overread(void **state) {
  (void)state;
  static const uint8_t s[] = "abc";
  wr_check_decoder d = {.name = "overread",
                        .create = obo_create,
                        .destroy = pull_destroy,
                        .feed = overread_feed};
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    /* cmocka catches SIGSEGV to report it; here it must kill the child. */
    signal(SIGSEGV, SIG_DFL);
    signal(SIGBUS, SIG_DFL);
    wr_check_options o = quiet();
    wr_check_exhaustive(&d, &o, s, 3, NULL);
    _exit(0); /* reached only if the over-read went unnoticed */
  }
  int st;
  assert_int_equal(waitpid(pid, &st, 0), pid);
  /* Killed by the fault, or (under AddressSanitizer, which handles
   * SIGSEGV itself) exited with its report; never a normal exit. */
  if (WIFSIGNALED(st))
    assert_true(WTERMSIG(st) == SIGSEGV || WTERMSIG(st) == SIGBUS);
  else
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) != 0);
  /* With spare bytes declared, the same read stays inside them. */
  d.spare = 1;
  wr_check_options o = quiet();
  assert_int_equal(wr_check_exhaustive(&d, &o, s, 3, NULL), 0);
}

/* ---- bad use ---------------------------------------------------------------
 */

static void test_bad_use_is_refused(void **state) {
  (void)state;
  lenprefix_config cfg = {0};
  wr_check_decoder d = lenprefix_decoder(&cfg);
  wr_check_options o = quiet();
  assert_int_equal(wr_check_exhaustive(NULL, &o, three, 3, NULL), WR_EINVAL);
  assert_int_equal(wr_check_exhaustive(&d, NULL, three, 3, NULL), WR_EINVAL);
  assert_int_equal(wr_check_exhaustive(&d, &o, NULL, 3, NULL), WR_EINVAL);
  wr_check_decoder bad = d;
  bad.create = NULL;
  assert_int_equal(wr_check_exhaustive(&bad, &o, three, 3, NULL), WR_EINVAL);
  bad = d;
  bad.next = pull_next; /* both feed and next */
  assert_int_equal(wr_check_seeded(&bad, &o, three, 3, NULL), WR_EINVAL);
  bad = d;
  bad.feed = NULL; /* neither */
  assert_int_equal(wr_check_seeded(&bad, &o, three, 3, NULL), WR_EINVAL);
  bad = d;
  bad.encode = NULL;
  o.round_trip = 1;
  assert_int_equal(wr_check_exhaustive(&bad, &o, three, 3, NULL), WR_EINVAL);
  o.round_trip = 0;
  /* Too many schedules for the limit: refused before anything runs. */
  o.max_cuts = WR_CHECK_ALL_CUTS;
  o.max_schedules = 1000;
  assert_int_equal(wr_check_exhaustive(&d, &o, three, sizeof three, NULL),
                   WR_EINVAL);
  o.max_cuts = 0;
  o.max_schedules = 0;
  o.policy = "fixed:0";
  assert_int_equal(wr_check_seeded(&d, &o, three, sizeof three, NULL),
                   WR_EINVAL);
  o.policy = NULL;
  size_t cuts[] = {5, 3};
  assert_int_equal(wr_check_cuts(&d, &o, three, sizeof three, cuts, 2, NULL),
                   WR_EINVAL);
  /* Messages name the problem. */
  char buf[512] = {0};
  FILE *f = fmemopen(buf, sizeof buf - 1, "w");
  o.quiet = 0;
  o.where = f;
  bad = d;
  bad.destroy = NULL;
  wr_check_exhaustive(&bad, &o, three, 3, NULL);
  fclose(f);
  assert_non_null(strstr(buf, "create and destroy are required"));
  assert_non_null(strstr(buf, "destroy=NULL"));
}

/* ---- the fuzz layout ------------------------------------------------------
 */

static void test_fuzz_layout(void **state) {
  (void)state;
  const uint8_t *s;
  size_t len, cuts[255];
  unsigned n;
  char err[200];
  assert_int_equal(
      wr_check_fuzz_layout(NULL, 0, &s, &len, cuts, &n, err, sizeof err),
      WR_EINVAL);
  assert_non_null(strstr(err, "at least 1 byte"));
  static const uint8_t shortin[] = {3, 1};
  assert_int_equal(
      wr_check_fuzz_layout(shortin, 2, &s, &len, cuts, &n, err, sizeof err),
      WR_EINVAL);
  assert_non_null(strstr(err, "announces 3 chunk sizes"));
  /* Two sizes (2 and 1): cuts at 2 and 3 of "abcdef". */
  static const uint8_t in[] = {2, 1, 0, 'a', 'b', 'c', 'd', 'e', 'f'};
  assert_int_equal(
      wr_check_fuzz_layout(in, sizeof in, &s, &len, cuts, &n, err, sizeof err),
      0);
  assert_int_equal(len, 6);
  assert_memory_equal(s, "abcdef", 6);
  assert_int_equal(n, 2);
  assert_int_equal(cuts[0], 2);
  assert_int_equal(cuts[1], 3);
  /* And back. */
  uint8_t *out;
  size_t outlen;
  assert_int_equal(wr_check_fuzz_encode(s, len, cuts, n, &out, &outlen), 0);
  assert_int_equal(outlen, sizeof in);
  assert_memory_equal(out, in, sizeof in);
  free(out);
  /* Sizes past the end of the stream are dropped. */
  static const uint8_t past[] = {1, 200, 'a', 'b'};
  assert_int_equal(wr_check_fuzz_layout(past, sizeof past, &s, &len, cuts, &n,
                                        err, sizeof err),
                   0);
  assert_int_equal(n, 0);
  /* Chunks over 256 bytes do not fit the layout. */
  size_t big[] = {300};
  uint8_t zeros[400] = {0};
  assert_int_equal(wr_check_fuzz_encode(zeros, 400, big, 1, &out, &outlen),
                   WR_EINVAL);
}

int main(void) {
  unsetenv(WR_CHECK_REPLAY_ENV);
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_correct_passes_every_mode),
      cmocka_unit_test(test_round_trip_of_empty_messages),
      cmocka_unit_test(test_bug_found_and_shrunk_to_one_cut),
      cmocka_unit_test(test_replay_env_reproduces_the_case),
      cmocka_unit_test(test_case_files),
      cmocka_unit_test(test_reference_packet_type),
      cmocka_unit_test(test_pull_decoder),
      cmocka_unit_test(test_poll_flag),
      cmocka_unit_test(test_guard_page_catches_overread),
      cmocka_unit_test(test_bad_use_is_refused),
      cmocka_unit_test(test_fuzz_layout),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
