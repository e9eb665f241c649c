/* The preload shim's pure decisions (harness/preload/pl_decide.c,
 * pl_exec.c): read/write pieces by policy, determinism by (seed,
 * connection, direction, offset), faults, the trace line format, the
 * configuration from the environment and the program checks of
 * `wirerig exec`. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "pl_decide.h"
#include "pl_exec.h"

static wr_policy pol(const char *text) {
  wr_policy p;
  char err[200];
  assert_int_equal(wr_pl_policy_parse(text, &p, err, sizeof err), 0);
  return p;
}

/* Pieces of a stream of len bytes read in calls that take everything
 * allowed; returns how many pieces, sizes in out. */
static size_t pieces(const wr_policy *p, uint64_t seed, uint64_t conn,
                     unsigned dir, uint64_t len, uint64_t *out, size_t max) {
  wr_pl_cursor c = {0};
  size_t n = 0;
  while (c.off < len && n < max) {
    uint64_t k = wr_pl_piece(p, seed, conn, dir, &c);
    assert_true(k >= 1);
    if (k > len - c.off)
      k = len - c.off;
    out[n++] = k;
    c.off += k;
  }
  return n;
}

static void test_fixed_and_whole(void **state) {
  (void)state;
  wr_policy p = pol("fixed:3");
  wr_pl_cursor c = {0};
  assert_int_equal(wr_pl_piece(&p, 1, 0, WR_PL_IN, &c), 3);
  /* A read the kernel cut short is completed up to the same boundary. */
  c.off = 1;
  assert_int_equal(wr_pl_piece(&p, 1, 0, WR_PL_IN, &c), 2);
  c.off = 3;
  assert_int_equal(wr_pl_piece(&p, 1, 0, WR_PL_IN, &c), 3);
  wr_policy one = pol("fixed:1");
  c.off = 12345;
  assert_int_equal(wr_pl_piece(&one, 9, 4, WR_PL_OUT, &c), 1);
  wr_policy w = pol("whole");
  assert_true(wr_pl_piece(&w, 1, 0, WR_PL_IN, &c) == WR_PL_UNLIMITED);
}

static void test_cuts(void **state) {
  (void)state;
  wr_policy p = pol("cuts:2,5");
  wr_pl_cursor c = {0};
  assert_int_equal(wr_pl_piece(&p, 0, 0, WR_PL_IN, &c), 2);
  c.off = 2;
  assert_int_equal(wr_pl_piece(&p, 0, 0, WR_PL_IN, &c), 3);
  c.off = 4;
  assert_int_equal(wr_pl_piece(&p, 0, 0, WR_PL_IN, &c), 1);
  c.off = 5;
  assert_true(wr_pl_piece(&p, 0, 0, WR_PL_IN, &c) == WR_PL_UNLIMITED);
}

static void test_random_deterministic(void **state) {
  (void)state;
  wr_policy p = pol("random:1-16");
  uint64_t a[4096], b[4096];
  size_t na = pieces(&p, 7, 3, WR_PL_IN, 20000, a, 4096);
  size_t nb = pieces(&p, 7, 3, WR_PL_IN, 20000, b, 4096);
  assert_int_equal(na, nb);
  assert_memory_equal(a, b, na * sizeof a[0]);
  for (size_t i = 0; i + 1 < na; i++)
    assert_true(a[i] >= 1 && a[i] <= 16);
  /* Another seed, connection or direction: other cuts. */
  size_t n2 = pieces(&p, 8, 3, WR_PL_IN, 20000, b, 4096);
  assert_false(n2 == na && memcmp(a, b, na * sizeof a[0]) == 0);
  n2 = pieces(&p, 7, 4, WR_PL_IN, 20000, b, 4096);
  assert_false(n2 == na && memcmp(a, b, na * sizeof a[0]) == 0);
  n2 = pieces(&p, 7, 3, WR_PL_OUT, 20000, b, 4096);
  assert_false(n2 == na && memcmp(a, b, na * sizeof a[0]) == 0);
}

/* The cut points do not depend on how the stream is read: reading in
 * kernel-short pieces (a byte at a time) meets the same boundaries. */
static void test_random_independent_of_reads(void **state) {
  (void)state;
  wr_policy p = pol("random:3-40");
  uint64_t a[2048];
  size_t na = pieces(&p, 11, 0, WR_PL_IN, 10000, a, 2048);
  wr_pl_cursor c = {0};
  size_t i = 0;
  uint64_t at = 0;
  while (c.off < 10000 && i < na) {
    uint64_t k = wr_pl_piece(&p, 11, 0, WR_PL_IN, &c);
    if (c.off == at) {
      uint64_t want = a[i];
      assert_true(k == want || c.off + k >= 10000);
      at += a[i++];
    }
    c.off += 1; /* the kernel gave one byte */
  }
  assert_int_equal(i, na);
}

static void test_hash_spread(void **state) {
  (void)state;
  /* Different coordinates, different hashes; same ones, same hash. */
  assert_true(wr_pl_hash(1, 0, 0, 0, 1) == wr_pl_hash(1, 0, 0, 0, 1));
  assert_true(wr_pl_hash(1, 0, 0, 0, 1) != wr_pl_hash(2, 0, 0, 0, 1));
  assert_true(wr_pl_hash(1, 0, 0, 0, 1) != wr_pl_hash(1, 1, 0, 0, 1));
  assert_true(wr_pl_hash(1, 0, 0, 0, 1) != wr_pl_hash(1, 0, 1, 0, 1));
  assert_true(wr_pl_hash(1, 0, 0, 0, 1) != wr_pl_hash(1, 0, 0, 1, 1));
}

static void test_faults_parse(void **state) {
  (void)state;
  wr_pl_cfg c;
  char err[300];
  wr_pl_cfg_init(&c);
  assert_int_equal(wr_pl_faults_parse("eintr:0.25 eintr-calls:3,7 "
                                      "reset:100@2 eof:50 refuse:0,4",
                                      &c, err, sizeof err),
                   0);
  assert_int_equal(c.eintr_ppm, 250000);
  assert_int_equal(c.neintr_calls, 2);
  assert_int_equal(c.eintr_calls[1], 7);
  assert_true(wr_pl_fault_at(&c, WR_PL_FAULT_RESET, 2) == 100);
  assert_true(wr_pl_fault_at(&c, WR_PL_FAULT_RESET, 1) == WR_PL_UNLIMITED);
  assert_true(wr_pl_fault_at(&c, WR_PL_FAULT_EOF, 9) == 50);
  assert_true(wr_pl_refused(&c, 4));
  assert_false(wr_pl_refused(&c, 1));
  assert_true(wr_pl_eintr(&c, 0, WR_PL_IN, 0, 3));
  assert_false(wr_pl_cfg_is_passive(&c));

  static const struct {
    const char *text, *msg;
  } bad[] = {
      {"eintr:1.5", "fault item 1 'eintr:1.5': probability must be"},
      {"eintr:0.1234567", "at most 6 digits"},
      {"eintr-calls:0", "call numbers start at 1"},
      {"reset:", "fault item 1 'reset:': expected reset:BYTES"},
      {"eof:5@x", "expected eof:BYTES or eof:BYTES@CONNECTION"},
      {"refuse:1,", "expected connection numbers"},
      {"whatever", "expected NAME:VALUE"},
      {"eof:1 boom:2", "fault item 2 'boom:2': unknown fault 'boom'"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    wr_pl_cfg_init(&c);
    err[0] = 0;
    assert_int_equal(wr_pl_faults_parse(bad[i].text, &c, err, sizeof err),
                     WR_EINVAL);
    if (!strstr(err, bad[i].msg))
      fail_msg("'%s': message '%s' lacks '%s'", bad[i].text, err, bad[i].msg);
    assert_int_equal(c.nfaults, 0); /* unchanged on error */
  }
}

static void test_eintr_probability(void **state) {
  (void)state;
  wr_pl_cfg c;
  char err[100];
  wr_pl_cfg_init(&c);
  assert_int_equal(wr_pl_faults_parse("eintr:0.1", &c, err, sizeof err), 0);
  int hits = 0;
  for (uint64_t off = 0; off < 10000; off++)
    hits += wr_pl_eintr(&c, 0, WR_PL_IN, off, 1000000);
  assert_true(hits > 800 && hits < 1200);
  /* A pure function: asked twice, answered the same. */
  for (uint64_t off = 0; off < 100; off++)
    assert_int_equal(wr_pl_eintr(&c, 5, WR_PL_OUT, off, 9),
                     wr_pl_eintr(&c, 5, WR_PL_OUT, off, 9));
}

static const char *env_tab[][2] = {
    {"WIRERIG_PRELOAD_SEED", "42"},
    {"WIRERIG_PRELOAD_READS", "fixed:1"},
    {"WIRERIG_PRELOAD_WRITES", "random:2-9"},
    {"WIRERIG_PRELOAD_FAULTS", "eof:10"},
    {"WIRERIG_PRELOAD_PORTS", "8080,6379"},
};
static int env_bad;
static const char *fake_env(const char *name) {
  if (env_bad && !strcmp(name, "WIRERIG_PRELOAD_WRITES"))
    return "jitter:1ms-2ms";
  for (size_t i = 0; i < sizeof env_tab / sizeof env_tab[0]; i++)
    if (!strcmp(env_tab[i][0], name))
      return env_tab[i][1];
  return NULL;
}

static void test_env(void **state) {
  (void)state;
  wr_pl_cfg c;
  char err[300];
  wr_pl_cfg_init(&c);
  assert_true(wr_pl_cfg_is_passive(&c));
  env_bad = 0;
  assert_int_equal(wr_pl_cfg_from_env(&c, fake_env, err, sizeof err), 0);
  assert_true(c.seed == 42);
  assert_int_equal(c.reads.seg, WR_SEG_FIXED);
  assert_int_equal(c.writes.seg_max, 9);
  assert_int_equal(c.nports, 2);
  assert_true(wr_pl_port_wanted(&c, 6379));
  assert_false(wr_pl_port_wanted(&c, 22));
  env_bad = 1;
  wr_pl_cfg_init(&c);
  assert_int_equal(wr_pl_cfg_from_env(&c, fake_env, err, sizeof err),
                   WR_EINVAL);
  assert_non_null(strstr(err, "WIRERIG_PRELOAD_WRITES:"));
  assert_true(c.seed == 0); /* unchanged */
}

/* One policy per connection: parsed, found, refused with a message. */
static void test_conn_reads(void **state) {
  (void)state;
  wr_conn_policies l;
  char err[400], buf[400];
  assert_int_equal(
      wr_conn_policies_parse("0=cuts:3,7;2=fixed:1", &l, err, sizeof err), 0);
  assert_int_equal(l.n, 2);
  assert_non_null(wr_conn_policies_find(&l, 2));
  assert_null(wr_conn_policies_find(&l, 1));
  assert_int_equal(wr_conn_policies_find(&l, 0)->ncuts, 2);
  wr_conn_policies_format(&l, buf, sizeof buf);
  assert_string_equal(buf, "0=cuts:3,7;2=fixed:1");
  assert_int_equal(wr_conn_policies_parse("", &l, err, sizeof err), 0);
  assert_int_equal(l.n, 0);
  static const char *const bad[][2] = {
      {"x=whole", "expected CONN=POLICY"},
      {"0=whole;0=fixed:1", "connection 0 given twice"},
      {"0=fixed:0", "connection policy item 1: policy item 1 'fixed:0'"},
      {"0=latency:1ms", "latency, jitter and bandwidth do not apply"},
      {"0=whole;", "nothing after the last ';'"},
      {"=whole", "expected CONN=POLICY"},
  };
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    assert_int_equal(wr_conn_policies_parse(bad[i][0], &l, err, sizeof err),
                     WR_EINVAL);
    if (!strstr(err, bad[i][1]))
      fail_msg("'%s': message '%s' lacks '%s'", bad[i][0], err, bad[i][1]);
  }
  /* The shim's read policy of a connection: its own, else the global. */
  wr_pl_cfg c;
  wr_pl_cfg_init(&c);
  assert_int_equal(wr_pl_policy_parse("fixed:4", &c.reads, err, sizeof err), 0);
  assert_int_equal(
      wr_conn_policies_parse("1=cuts:5", &c.conn_reads, err, sizeof err), 0);
  assert_int_equal(wr_pl_reads_for(&c, 0)->seg, WR_SEG_FIXED);
  assert_int_equal(wr_pl_reads_for(&c, 1)->seg, WR_SEG_CUTS);
  wr_pl_cursor cur = {0};
  assert_true(wr_pl_piece(wr_pl_reads_for(&c, 1), 0, 1, WR_PL_IN, &cur) == 5);
  /* A cut list alone makes the configuration active. */
  wr_pl_cfg_init(&c);
  assert_true(wr_pl_cfg_is_passive(&c));
  assert_int_equal(
      wr_conn_policies_parse("0=cuts:1", &c.conn_reads, err, sizeof err), 0);
  assert_false(wr_pl_cfg_is_passive(&c));
}

static void test_trace_lines(void **state) {
  (void)state;
  char b[200];
  wr_pl_trace_io(b, sizeof b, 3, WR_PL_IN, "recv", 8192, 1, 0);
  assert_string_equal(b, "conn=3 in recv ask=8192 got=1\n");
  wr_pl_trace_io(b, sizeof b, 0, WR_PL_OUT, "writev", 120, -EAGAIN, 1);
  assert_string_equal(b, "conn=0 out writev ask=120 err=EAGAIN injected\n");
  wr_pl_trace_io(b, sizeof b, 1, WR_PL_IN, "read", 5, -ECONNRESET, 0);
  assert_string_equal(b, "conn=1 in read ask=5 err=ECONNRESET\n");
  wr_pl_trace_io(b, sizeof b, 1, WR_PL_IN, "read", 5, -EDOM, 0);
  char want[64];
  snprintf(want, sizeof want, "conn=1 in read ask=5 err=E%d\n", EDOM);
  assert_string_equal(b, want);
}

static void test_policy_refuses_delays(void **state) {
  (void)state;
  wr_policy p;
  char err[300];
  assert_int_equal(
      wr_pl_policy_parse("fixed:2 latency:1ms", &p, err, sizeof err),
      WR_EINVAL);
  assert_non_null(strstr(err, "not supported here"));
  assert_int_equal(wr_pl_policy_parse("fixed:0", &p, err, sizeof err),
                   WR_EINVAL);
}

static void test_program_checks(void **state) {
  (void)state;
  char path[4096], why[600];
  assert_int_equal(
      wr_pl_find_program("sh", "/nonexistent:/bin:/usr/bin", path, sizeof path),
      0);
  assert_int_equal(wr_pl_find_program("no-such-prog-xyz", "/bin:/usr/bin", path,
                                      sizeof path),
                   -1);
  /* /bin/sh is dynamic and needs libc. */
  assert_int_equal(wr_pl_check_program("/bin/sh", "/bin", why, sizeof why), 0);
  /* A text file that is not a script. */
  char tmp[] = "/tmp/wr-preload-test-XXXXXX";
  int fd = mkstemp(tmp);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "hello\n", 6), 6);
  close(fd);
  int rc = wr_pl_check_program(tmp, "/bin", why, sizeof why);
  unlink(tmp);
  assert_int_equal(rc, -1);
  assert_non_null(strstr(why, "neither an ELF program nor a script"));
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_fixed_and_whole),
      cmocka_unit_test(test_cuts),
      cmocka_unit_test(test_random_deterministic),
      cmocka_unit_test(test_random_independent_of_reads),
      cmocka_unit_test(test_hash_spread),
      cmocka_unit_test(test_faults_parse),
      cmocka_unit_test(test_eintr_probability),
      cmocka_unit_test(test_env),
      cmocka_unit_test(test_conn_reads),
      cmocka_unit_test(test_trace_lines),
      cmocka_unit_test(test_policy_refuses_delays),
      cmocka_unit_test(test_program_checks),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
