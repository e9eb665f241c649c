/* simnet unit tests: policies and their text form, the cut iterator, the
 * PRNG, connection life, flow control, segmentation, delays, stalls,
 * faults, timers and bad parameters. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wirerig/simnet.h"

/* ---- helpers ------------------------------------------------------------ */

typedef struct pair {
  wr_net *n;
  int lh, c, s; /* listener, client, accepted server end */
} pair;

static wr_net *mk(const char *c2s, const char *s2c, uint32_t sndbuf,
                  uint32_t rcvbuf) {
  wr_simnet_config cfg;
  wr_simnet_config_init(&cfg);
  char err[256];
  if (c2s)
    assert_int_equal(wr_policy_parse(c2s, &cfg.c2s, err, sizeof err), 0);
  if (s2c)
    assert_int_equal(wr_policy_parse(s2c, &cfg.s2c, err, sizeof err), 0);
  if (sndbuf)
    cfg.sndbuf = sndbuf;
  if (rcvbuf)
    cfg.rcvbuf = rcvbuf;
  cfg.seed = 42;
  wr_net *n = NULL;
  int rc = wr_simnet_create(&cfg, &n, err, sizeof err);
  if (rc < 0)
    fail_msg("create: %s", err);
  wr_simnet_trace_keep(n, 1);
  return n;
}

static pair connect_pair(wr_net *n) {
  pair p = {n, -1, -1, -1};
  p.lh = wr_net_listen(n, NULL, 5);
  assert_true(p.lh >= 0);
  wr_addr a;
  assert_int_equal(wr_net_local_addr(n, p.lh, &a), 0);
  p.c = wr_net_connect(n, &a);
  assert_true(p.c >= 0);
  wr_simnet_run(n, WR_TIME_NEVER);
  p.s = wr_net_accept(n, p.lh, NULL);
  assert_true(p.s >= 0);
  /* Level-triggered OUT would make every poll return at once. */
  assert_int_equal(wr_net_watch(n, p.c, WR_EV_IN), 0);
  return p;
}

static long sends(wr_net *n, int h, const char *s) {
  return wr_net_send(n, h, s, strlen(s));
}

/* Reads everything available now into buf (NUL-terminated); returns the
 * last recv result (WR_EAGAIN, 0 or an error) and the count in *got. */
static long drain(wr_net *n, int h, char *buf, size_t cap, size_t *got) {
  size_t used = 0;
  long r;
  for (;;) {
    r = wr_net_recv(n, h, buf + used, cap - 1 - used);
    if (r <= 0)
      break;
    used += (size_t)r;
  }
  buf[used] = 0;
  *got = used;
  return r;
}

/* Sizes of the segments delivered in direction dir, in order. */
static int seg_sizes(wr_net *n, int dir, uint64_t *out, int max) {
  int k = 0;
  for (size_t i = 0; i < wr_simnet_trace_count(n); i++) {
    const wr_trace_rec *r = wr_simnet_trace_get(n, i);
    if (r->kind == WR_TR_SEGMENT && r->dir == (uint32_t)dir && k < max)
      out[k++] = r->b;
  }
  return k;
}

/* ---- PRNG --------------------------------------------------------------- */

static void test_prng_reference(void **state) {
  (void)state;
  /* splitmix64 from state 0: the published reference outputs. */
  uint64_t x = 0;
  assert_true(wr_splitmix64(&x) == 0xe220a8397b1dcdafull);
  assert_true(wr_splitmix64(&x) == 0x6e789e6aa1b965f4ull);
  assert_true(wr_splitmix64(&x) == 0x06c45d188009454full);
  /* xoshiro256** from s = {1, 2, 3, 4}. */
  wr_prng r = {{1, 2, 3, 4}};
  assert_true(wr_prng_next(&r) == 11520u);
  assert_true(wr_prng_next(&r) == 0u);
  assert_true(wr_prng_next(&r) == 1509978240u);
  assert_true(wr_prng_next(&r) == 1215971899390074240ull);
  /* Bounded draws stay in range and hit both ends. */
  wr_prng_seed(&r, 7);
  int lo = 0, hi = 0;
  for (int i = 0; i < 10000; i++) {
    uint64_t v = wr_prng_range(&r, 3, 9);
    assert_true(v >= 3 && v <= 9);
    lo |= v == 3;
    hi |= v == 9;
  }
  assert_true(lo && hi);
}

/* ---- policies ----------------------------------------------------------- */

static void test_policy_parse_ok(void **state) {
  (void)state;
  static const struct {
    const char *in, *canon;
  } rows[] = {
      {"whole", "whole"},
      {"", "whole"},
      {"fixed:4", "fixed:4"},
      {"random:1-10", "random:1-10"},
      {"cuts:3,7,9", "cuts:3,7,9"},
      {"latency:1ms", "whole latency:1ms"},
      {"  fixed:2   latency:1.5ms ", "fixed:2 latency:1500us"},
      {"jitter:1ms-5ms", "whole jitter:1ms-5ms"},
      {"jitter:0-250us", "whole jitter:0-250us"},
      {"bandwidth:1MB/s", "whole bandwidth:1000000B/s"},
      {"bandwidth:2KiB/s", "whole bandwidth:2048B/s"},
      {"fixed:9 random:2-3", "random:2-3"},
      {"latency:2s", "whole latency:2s"},
      {"latency:0", "whole"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    wr_policy p;
    char err[256], out[256];
    if (wr_policy_parse(rows[i].in, &p, err, sizeof err) < 0)
      fail_msg("'%s': %s", rows[i].in, err);
    assert_int_equal(wr_policy_check(&p, err, sizeof err), 0);
    wr_policy_format(&p, out, sizeof out);
    assert_string_equal(out, rows[i].canon);
    /* The canonical form parses back to the same policy. */
    wr_policy q;
    assert_int_equal(wr_policy_parse(out, &q, err, sizeof err), 0);
    assert_memory_equal(&p, &q, sizeof p);
  }
}

static void test_policy_parse_errors(void **state) {
  (void)state;
  static const struct {
    const char *in, *needle;
  } rows[] = {
      {"fixed:0", "segment size must be 1.."},
      {"fixed:-3", "found '-3'"},
      {"fixed:abc", "found 'abc'"},
      {"fixed", "expected one of whole"},
      {"random:5-2", "smaller size comes first"},
      {"random:5", "expected random:A-B"},
      {"cuts:3,2", "strictly increasing"},
      {"cuts:0,4", "offset 0"},
      {"cuts:3,,4", "expected a byte offset"},
      {"bogus:1", "unknown policy 'bogus'"},
      {"latency:5", "expected a time"},
      {"latency:-1ms", "expected a time"},
      {"latency:1.0000000001s", "finer than 1ns"},
      {"latency:2h", "expected a time"},
      {"jitter:5ms-1ms", "smaller time comes first"},
      {"bandwidth:0MB/s", "must be 1B/s"},
      {"bandwidth:10Mbit", "expected a rate"},
      {"whole:3", "takes no value"},
      {"fixed:2 nonsense", "policy item 2"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    wr_policy p;
    wr_policy_parse("fixed:7", &p, NULL, 0);
    wr_policy before = p;
    char err[256] = "";
    int rc = wr_policy_apply(&p, rows[i].in, err, sizeof err);
    if (rc != WR_EINVAL)
      fail_msg("'%s' was accepted", rows[i].in);
    if (!strstr(err, rows[i].needle))
      fail_msg("'%s': message '%s' lacks '%s'", rows[i].in, err,
               rows[i].needle);
    assert_memory_equal(&p, &before, sizeof p); /* unchanged on error */
  }
}

static void test_policy_check(void **state) {
  (void)state;
  wr_policy p;
  char err[256];
  wr_policy_init(&p);
  p.seg = (wr_seg_kind)9;
  assert_int_equal(wr_policy_check(&p, err, sizeof err), WR_EINVAL);
  assert_non_null(strstr(err, "unknown segmentation"));
  wr_policy_init(&p);
  p.seg = WR_SEG_FIXED; /* size 0 */
  assert_int_equal(wr_policy_check(&p, err, sizeof err), WR_EINVAL);
  wr_policy_parse("cuts:3,7,9", &p, NULL, 0);
  assert_int_equal(wr_policy_check_stream(&p, 10, err, sizeof err), 0);
  assert_int_equal(wr_policy_check_stream(&p, 9, err, sizeof err), WR_EINVAL);
  assert_non_null(strstr(err, "beyond the stream"));
  wr_policy_init(&p);
  p.jitter_min = 5;
  p.jitter_max = 1;
  assert_int_equal(wr_policy_check(&p, err, sizeof err), WR_EINVAL);
}

static void test_cut_iter(void **state) {
  (void)state;
  wr_cut_iter it;
  char err[256];
  wr_policy p;
  /* Every schedule of a 5-byte stream: 2^4, all distinct. */
  assert_int_equal(wr_cut_iter_init(&it, 5, 99, err, sizeof err), 0);
  unsigned seen = 0;
  int count = 0;
  while (wr_cut_iter_next(&it, NULL, &p)) {
    unsigned mask = 0;
    assert_int_equal(p.seg, WR_SEG_CUTS);
    assert_int_equal(wr_policy_check_stream(&p, 5, err, sizeof err), 0);
    for (uint32_t i = 0; i < p.ncuts; i++)
      mask |= 1u << (p.cuts[i] - 1);
    assert_false(seen & (1u << mask)); /* never twice */
    seen |= 1u << mask;
    count++;
  }
  assert_int_equal(count, 16);
  assert_int_equal(seen, 0xffffu);
  assert_int_equal(wr_cut_iter_next(&it, NULL, &p), 0);
  assert_int_equal(wr_cut_iter_count(5, 99), 16);
  /* At most 2 cuts of 10 bytes: 1 + 9 + 36. */
  assert_int_equal(wr_cut_iter_init(&it, 10, 2, err, sizeof err), 0);
  count = 0;
  while (wr_cut_iter_next(&it, NULL, &p))
    count++;
  assert_int_equal(count, 46);
  assert_int_equal(wr_cut_iter_count(10, 2), 46);
  /* Bad parameters. */
  assert_int_equal(wr_cut_iter_init(&it, 0, 1, err, sizeof err), WR_EINVAL);
  assert_non_null(strstr(err, "at least 1 byte"));
  assert_int_equal(wr_cut_iter_init(&it, 1000, 65, err, sizeof err), WR_EINVAL);
}

/* Each schedule of the iterator, applied to a simulated connection, is
 * exactly the segmentation the receiver sees. */
static void test_cut_iter_on_simnet(void **state) {
  (void)state;
  wr_cut_iter it;
  wr_policy p;
  const char *msg = "abcdefg";
  assert_int_equal(wr_cut_iter_init(&it, 7, 6, NULL, 0), 0);
  int schedules = 0;
  while (wr_cut_iter_next(&it, NULL, &p)) {
    wr_net *n = mk(NULL, NULL, 0, 0);
    pair q = connect_pair(n);
    assert_int_equal(wr_simnet_set_policy(n, q.c, &p), 0);
    assert_int_equal(sends(n, q.c, msg), 7);
    wr_simnet_run(n, WR_TIME_NEVER);
    uint64_t sz[8];
    int k = seg_sizes(n, 0, sz, 8);
    assert_int_equal(k, (int)p.ncuts + 1);
    uint64_t at = 0;
    for (int i = 0; i < k; i++) {
      at += sz[i];
      if (i < (int)p.ncuts)
        assert_int_equal(at, p.cuts[i]);
    }
    assert_int_equal(at, 7);
    char buf[16];
    size_t got;
    drain(n, q.s, buf, sizeof buf, &got);
    assert_string_equal(buf, msg);
    wr_net_destroy(n);
    schedules++;
  }
  assert_int_equal(schedules, 64);
}

/* ---- connection life ------------------------------------------------------
 */

static void test_connect_send_recv(void **state) {
  (void)state;
  wr_net *n = mk(NULL, NULL, 0, 0);
  assert_string_equal(wr_net_name(n), "simnet");
  int lh = wr_net_listen(n, NULL, 5);
  wr_addr la, peer;
  wr_net_local_addr(n, lh, &la);
  assert_true(la.port >= 32768);
  int c = wr_net_connect(n, &la);
  /* Still connecting: send would block, no OUT yet. */
  assert_int_equal(sends(n, c, "x"), WR_EAGAIN);
  char buf[64];
  assert_int_equal(wr_net_recv(n, c, buf, sizeof buf), WR_EAGAIN);
  assert_int_equal(wr_net_readiness(n, c) & WR_EV_OUT, 0);
  assert_int_equal(wr_net_accept(n, lh, NULL), WR_EAGAIN);
  wr_net_event ev[4];
  int k = wr_net_poll(n, ev, 4, WR_TIME_NEVER);
  assert_int_equal(k, 1);
  assert_int_equal(ev[0].handle, c);
  assert_true(ev[0].events & WR_EV_OUT);
  wr_simnet_run(n, WR_TIME_NEVER);
  assert_true(wr_net_readiness(n, lh) & WR_EV_IN);
  int s = wr_net_accept(n, lh, &peer);
  assert_true(s >= 0);
  wr_addr cl;
  wr_net_local_addr(n, c, &cl);
  assert_int_equal(peer.port, cl.port);
  assert_int_equal(sends(n, c, "hello"), 5);
  wr_simnet_run(n, WR_TIME_NEVER);
  assert_true(wr_net_readiness(n, s) & WR_EV_IN);
  size_t got;
  assert_int_equal(drain(n, s, buf, sizeof buf, &got), WR_EAGAIN);
  assert_string_equal(buf, "hello");
  /* Bad handles. */
  assert_int_equal(wr_net_send(n, 99, "x", 1), WR_EBADF);
  assert_int_equal(wr_net_recv(n, -1, buf, 1), WR_EBADF);
  assert_int_equal(wr_net_recv(n, lh, buf, 1), WR_ENOTCONN);
  assert_int_equal(wr_net_send(n, lh, "x", 1), WR_EPIPE);
  assert_int_equal(wr_net_shutdown(n, c, 7), WR_EINVAL);
  assert_int_equal(wr_net_shutdown(n, lh, WR_SHUT_WR), WR_ENOTCONN);
  assert_int_equal(wr_net_close(n, c), 0);
  assert_int_equal(wr_net_close(n, c), WR_EBADF);
  wr_net_destroy(n);
}

static void test_refused_and_bad_params(void **state) {
  (void)state;
  wr_net *n = mk(NULL, NULL, 0, 0);
  wr_addr a = wr_addr_loopback4(9);
  int c = wr_net_connect(n, &a);
  assert_true(c >= 0);
  wr_net_event ev[4];
  assert_int_equal(wr_net_poll(n, ev, 4, WR_TIME_NEVER), 1);
  assert_true(ev[0].events & WR_EV_ERR);
  assert_int_equal(wr_net_readiness(n, c),
                   WR_EV_IN | WR_EV_OUT | WR_EV_RDHUP | WR_EV_HUP | WR_EV_ERR);
  assert_int_equal(sends(n, c, "a"), WR_ECONNREFUSED);
  assert_int_equal(sends(n, c, "a"), WR_EPIPE);
  char b[4];
  assert_int_equal(wr_net_recv(n, c, b, 4), 0);
  wr_net_close(n, c);
  assert_int_equal(wr_net_listen(n, NULL, -1), WR_EINVAL);
  a.port = 0;
  assert_int_equal(wr_net_connect(n, &a), WR_EINVAL);
  assert_int_equal(wr_net_connect(n, NULL), WR_EINVAL);
  int l1 = wr_net_listen(n, NULL, 1);
  wr_net_local_addr(n, l1, &a);
  assert_int_equal(wr_net_listen(n, &a, 1), WR_EADDRINUSE);
  wr_policy p;
  wr_policy_init(&p);
  p.seg = WR_SEG_RANDOM; /* sizes 0..0 */
  int cc = wr_net_connect(n, &a);
  assert_int_equal(wr_simnet_set_policy(n, cc, &p), WR_EINVAL);
  assert_int_equal(wr_simnet_set_policy(n, l1, NULL), WR_EINVAL);
  assert_int_equal(wr_simnet_set_bufsizes(n, cc, WR_SIMNET_MAX_BUF + 1, 0),
                   WR_EINVAL);
  assert_int_equal(wr_simnet_fault_eagain(n, cc, 3, 1), WR_EINVAL);
  wr_net_destroy(n);

  wr_simnet_config cfg;
  wr_simnet_config_init(&cfg);
  cfg.sndbuf = 0;
  char err[256];
  wr_net *bad = NULL;
  assert_int_equal(wr_simnet_create(&cfg, &bad, err, sizeof err), WR_EINVAL);
  assert_null(bad);
  assert_non_null(strstr(err, "buffer sizes"));
  wr_simnet_config_init(&cfg);
  cfg.c2s.seg = WR_SEG_CUTS;
  cfg.c2s.ncuts = 2;
  cfg.c2s.cuts[0] = 5;
  cfg.c2s.cuts[1] = 5;
  assert_int_equal(wr_simnet_create(&cfg, &bad, err, sizeof err), WR_EINVAL);
  assert_non_null(strstr(err, "client->server policy"));
}

/* Linux queues backlog + 1 connections; the next SYN is dropped and the
 * client retransmits it a second later. */
static void test_backlog(void **state) {
  (void)state;
  wr_net *n = mk(NULL, NULL, 0, 0);
  int lh = wr_net_listen(n, NULL, 1);
  wr_addr a;
  wr_net_local_addr(n, lh, &a);
  int c[4];
  for (int i = 0; i < 4; i++)
    c[i] = wr_net_connect(n, &a);
  wr_simnet_run(n, 500 * WR_NS_PER_MS);
  int connected = 0;
  for (int i = 0; i < 4; i++)
    connected += (wr_net_readiness(n, c[i]) & WR_EV_OUT) != 0;
  assert_int_equal(connected, 2);
  assert_int_equal(wr_net_readiness(n, c[2]), 0); /* SYN-SENT, nothing */
  int acc = 0;
  while (wr_net_accept(n, lh, NULL) >= 0)
    acc++;
  assert_int_equal(acc, 2);
  wr_simnet_run(n, 1500 * WR_NS_PER_MS); /* the 1 s retransmission */
  connected = 0;
  for (int i = 0; i < 4; i++)
    connected += (wr_net_readiness(n, c[i]) & WR_EV_OUT) != 0;
  assert_int_equal(connected, 4);
  /* Nobody accepts: a fifth client gives up after 127 s. */
  int c5 = wr_net_connect(n, &a);
  wr_simnet_run(n, 200 * WR_NS_PER_SEC);
  assert_int_equal(wr_net_sockerr(n, c5), WR_ETIMEDOUT);
  wr_net_destroy(n);
}

static void test_flow_control(void **state) {
  (void)state;
  wr_net *n = mk(NULL, NULL, 100, 50);
  pair p = connect_pair(n);
  static char big[1000];
  memset(big, 'x', sizeof big);
  /* A send takes what fits in the send buffer: a short write. */
  assert_int_equal(wr_net_send(n, p.c, big, sizeof big), 100);
  assert_int_equal(wr_net_send(n, p.c, big, sizeof big), WR_EAGAIN);
  assert_int_equal(wr_net_readiness(n, p.c) & WR_EV_OUT, 0);
  wr_simnet_run(n, WR_TIME_NEVER);
  /* The window (50) let half through; 50 bytes freed in the send buffer,
   * and OUT is back once free space reaches half the queue. */
  wr_simnet_dirstats st;
  uint32_t id;
  wr_simnet_conn_id(n, p.c, &id, NULL);
  wr_simnet_dirstats_get(n, id, 0, &st);
  assert_int_equal(st.delivered, 50);
  assert_true(wr_net_readiness(n, p.c) & WR_EV_OUT);
  assert_int_equal(wr_net_send(n, p.c, big, sizeof big), 50);
  assert_int_equal(wr_net_send(n, p.c, big, sizeof big), WR_EAGAIN);
  char buf[200];
  /* Reading opens the window, the rest flows, the sender is writable. */
  uint64_t total = 0;
  for (int i = 0; i < 10; i++) {
    long r = wr_net_recv(n, p.s, buf, sizeof buf);
    if (r > 0)
      total += (uint64_t)r;
    wr_simnet_run(n, WR_TIME_NEVER);
  }
  assert_int_equal(total, 150);
  assert_true(wr_net_readiness(n, p.c) & WR_EV_OUT);
  wr_net_destroy(n);
}

static void test_segmentation_policies(void **state) {
  (void)state;
  static const struct {
    const char *pol;
    uint64_t sizes[10];
    int k;
  } rows[] = {
      {"whole", {10}, 1},
      {"fixed:3", {3, 3, 3, 1}, 4},
      {"fixed:20", {10}, 1},
      {"cuts:2,5", {2, 3, 5}, 3},
      {"cuts:1,2,3,4,5,6,7,8,9", {1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 10},
      {"cuts:15", {10}, 1},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    wr_net *n = mk(rows[i].pol, NULL, 0, 0);
    pair p = connect_pair(n);
    assert_int_equal(sends(n, p.c, "0123456789"), 10);
    wr_simnet_run(n, WR_TIME_NEVER);
    uint64_t sz[16];
    int k = seg_sizes(n, 0, sz, 16);
    if (k != rows[i].k)
      fail_msg("%s: %d segments, expected %d", rows[i].pol, k, rows[i].k);
    for (int j = 0; j < k; j++)
      assert_int_equal(sz[j], rows[i].sizes[j]);
    wr_net_destroy(n);
  }
  /* random:A-B stays within bounds (the last one may be shorter). */
  wr_net *n = mk("random:3-5", NULL, 0, 0);
  pair p = connect_pair(n);
  static char data[5000];
  assert_int_equal(wr_net_send(n, p.c, data, sizeof data), (long)sizeof data);
  wr_simnet_run(n, WR_TIME_NEVER);
  uint64_t sz[2000];
  int k = seg_sizes(n, 0, sz, 2000);
  uint64_t sum = 0;
  int seen3 = 0, seen5 = 0;
  for (int j = 0; j < k; j++) {
    sum += sz[j];
    if (j < k - 1)
      assert_true(sz[j] >= 3 && sz[j] <= 5);
    seen3 |= sz[j] == 3;
    seen5 |= sz[j] == 5;
  }
  assert_int_equal(sum, 5000);
  assert_true(seen3 && seen5);
  wr_net_destroy(n);
}

static void test_delays(void **state) {
  (void)state;
  /* Latency: the bytes arrive exactly 1 ms after the send. */
  wr_net *n = mk("latency:1ms", NULL, 0, 0);
  pair p = connect_pair(n);
  wr_time t0 = wr_net_now(n);
  sends(n, p.c, "abc");
  wr_net_event ev[4];
  int k = wr_net_poll(n, ev, 4, WR_TIME_NEVER);
  assert_int_equal(k, 1);
  assert_int_equal(ev[0].handle, p.s);
  assert_int_equal(wr_net_now(n) - t0, WR_NS_PER_MS);
  wr_net_destroy(n);

  /* Bandwidth: 1000 B/s serialises 100 bytes in 100 ms. */
  n = mk("bandwidth:1kB/s", NULL, 0, 0);
  p = connect_pair(n);
  t0 = wr_net_now(n);
  static char hundred[100];
  wr_net_send(n, p.c, hundred, 100);
  wr_simnet_run(n, WR_TIME_NEVER);
  assert_int_equal(wr_net_now(n) - t0, 100 * WR_NS_PER_MS);
  wr_net_destroy(n);

  /* Jitter never reorders: arrival times in the trace do not decrease and
   * the bytes arrive in order. */
  n = mk("fixed:1 jitter:0-10ms", NULL, 0, 0);
  p = connect_pair(n);
  static char data[300];
  for (int i = 0; i < 300; i++)
    data[i] = (char)i;
  wr_net_send(n, p.c, data, sizeof data);
  wr_simnet_run(n, WR_TIME_NEVER);
  wr_time last = 0;
  uint64_t next_off = 0;
  for (size_t i = 0; i < wr_simnet_trace_count(n); i++) {
    const wr_trace_rec *r = wr_simnet_trace_get(n, i);
    if (r->kind != WR_TR_SEGMENT)
      continue;
    assert_true(r->time >= last);
    assert_int_equal(r->a, next_off);
    last = r->time;
    next_off += r->b;
  }
  assert_int_equal(next_off, 300);
  char buf[400];
  size_t got;
  drain(n, p.s, buf, sizeof buf, &got);
  assert_int_equal(got, 300);
  assert_memory_equal(buf, data, 300);
  wr_net_destroy(n);
}

static void test_stall(void **state) {
  (void)state;
  wr_net *n = mk(NULL, NULL, 0, 0);
  pair p = connect_pair(n);
  wr_time t0 = wr_net_now(n);
  assert_int_equal(wr_simnet_stall(n, p.c, WR_TIME_NEVER), 0);
  sends(n, p.c, "held");
  wr_simnet_run(n, t0 + WR_NS_PER_SEC);
  char buf[16];
  assert_int_equal(wr_net_recv(n, p.s, buf, sizeof buf), WR_EAGAIN);
  /* The other direction is not held. */
  sends(n, p.s, "free");
  wr_simnet_run(n, WR_TIME_NEVER);
  assert_int_equal(wr_net_recv(n, p.c, buf, sizeof buf), 4);
  wr_simnet_release(n, p.c);
  wr_simnet_run(n, WR_TIME_NEVER);
  assert_int_equal(wr_net_recv(n, p.s, buf, sizeof buf), 4);
  /* A timed stall: delivered at its end, not before. */
  t0 = wr_net_now(n);
  wr_simnet_stall(n, p.c, t0 + 5 * WR_NS_PER_MS);
  sends(n, p.c, "later");
  wr_net_event ev[4];
  assert_int_equal(wr_net_poll(n, ev, 4, WR_TIME_NEVER), 1);
  assert_int_equal(wr_net_now(n), t0 + 5 * WR_NS_PER_MS);
  wr_net_destroy(n);
}

static void test_faults(void **state) {
  (void)state;
  char buf[4096];
  size_t got;
  /* Reset after 10 bytes: exactly 10 arrive, then the reset. */
  wr_net *n = mk(NULL, NULL, 0, 0);
  pair p = connect_pair(n);
  wr_simnet_fault_reset_after(n, p.c, 10);
  static char data[100];
  memset(data, 'd', sizeof data);
  assert_int_equal(wr_net_send(n, p.c, data, 100), 100);
  wr_simnet_run(n, WR_TIME_NEVER);
  assert_int_equal(drain(n, p.s, buf, sizeof buf, &got), WR_ECONNRESET);
  assert_int_equal(got, 10);
  assert_int_equal(wr_net_send(n, p.c, data, 1), WR_ECONNRESET);
  assert_int_equal(wr_net_send(n, p.c, data, 1), WR_EPIPE);
  uint32_t id;
  wr_simnet_conn_id(n, p.c, &id, NULL);
  wr_simnet_dirstats st;
  wr_simnet_dirstats_get(n, id, 0, &st);
  assert_int_equal(st.written, 100);
  assert_int_equal(st.read, 10);
  assert_int_equal(st.discarded, 90);
  wr_net_destroy(n);

  /* Reset at a time. */
  n = mk(NULL, NULL, 0, 0);
  p = connect_pair(n);
  wr_simnet_fault_reset_at(n, p.s, wr_net_now(n) + WR_NS_PER_MS);
  wr_simnet_run(n, WR_TIME_NEVER);
  assert_int_equal(wr_net_recv(n, p.c, buf, 1), WR_ECONNRESET);
  assert_int_equal(wr_net_recv(n, p.s, buf, 1), WR_ECONNRESET);
  wr_net_destroy(n);

  /* A dropped connection delivers nothing, and nobody is told. */
  n = mk(NULL, NULL, 0, 0);
  p = connect_pair(n);
  wr_simnet_fault_drop(n, p.c);
  sends(n, p.c, "lost");
  wr_net_close(n, p.s);
  wr_simnet_run(n, WR_TIME_NEVER);
  assert_int_equal(wr_net_recv(n, p.c, buf, 1), WR_EAGAIN);
  assert_int_equal(wr_net_sockerr(n, p.c), 0);
  wr_net_destroy(n);

  /* Refused accepts: one refused, the next accepted. */
  n = mk(NULL, NULL, 0, 0);
  int lh = wr_net_listen(n, NULL, 4);
  wr_addr a;
  wr_net_local_addr(n, lh, &a);
  wr_simnet_fault_refuse(n, lh, 1);
  int c1 = wr_net_connect(n, &a);
  int c2 = wr_net_connect(n, &a);
  wr_simnet_run(n, WR_TIME_NEVER);
  assert_int_equal(wr_net_sockerr(n, c1), WR_ECONNREFUSED);
  assert_int_equal(wr_net_sockerr(n, c2), 0);
  assert_true(wr_net_accept(n, lh, NULL) >= 0);
  /* Short writes and would-block storms. */
  wr_simnet_fault_short_writes(n, c2, 3);
  assert_int_equal(wr_net_send(n, c2, data, 100), 3);
  wr_simnet_fault_eagain(n, c2, WR_SHUT_WR, 2);
  assert_int_equal(wr_net_send(n, c2, data, 100), WR_EAGAIN);
  assert_int_equal(wr_net_send(n, c2, data, 100), WR_EAGAIN);
  assert_int_equal(wr_net_send(n, c2, data, 100), 3);
  wr_simnet_fault_eagain(n, c2, WR_SHUT_RD, 1);
  assert_int_equal(wr_net_recv(n, c2, buf, 1), WR_EAGAIN);
  wr_net_destroy(n);
}

/* Counts the trace records of a kind in direction dir. */
static int trace_count(wr_net *n, uint32_t kind, uint32_t dir) {
  int k = 0;
  for (size_t i = 0; i < wr_simnet_trace_count(n); i++) {
    const wr_trace_rec *r = wr_simnet_trace_get(n, i);
    if (r->kind == kind && r->dir == dir)
      k++;
  }
  return k;
}

static void test_sendv_one_write(void **state) {
  (void)state;
  /* Three pieces (one empty) are one write: one WRITE record and, with
   * whole segmentation, one segment; three sends would be three. */
  wr_iovec iov[4] = {{"ab", 2}, {"cde", 3}, {NULL, 0}, {"fghij", 5}};
  wr_net *n = mk("whole", NULL, 0, 0);
  pair p = connect_pair(n);
  assert_int_equal(wr_net_sendv(n, p.c, iov, 4), 10);
  wr_simnet_run(n, WR_TIME_NEVER);
  uint64_t sz[16];
  assert_int_equal(seg_sizes(n, 0, sz, 16), 1);
  assert_int_equal(sz[0], 10);
  assert_int_equal(trace_count(n, WR_TR_WRITE, 0), 1);
  char buf[64];
  size_t got;
  drain(n, p.s, buf, sizeof buf, &got);
  assert_int_equal(got, 10);
  assert_string_equal(buf, "abcdefghij");
  uint64_t hash_v = wr_simnet_trace_hash(n);
  wr_net_destroy(n);

  n = mk("whole", NULL, 0, 0);
  p = connect_pair(n);
  for (int i = 0; i < 4; i++)
    assert_int_equal(wr_net_send(n, p.c, iov[i].base, iov[i].len),
                     (long)iov[i].len);
  wr_simnet_run(n, WR_TIME_NEVER);
  assert_int_equal(seg_sizes(n, 0, sz, 16), 3);
  wr_net_destroy(n);

  /* The same bytes as one send: the identical trace. */
  n = mk("whole", NULL, 0, 0);
  p = connect_pair(n);
  assert_int_equal(sends(n, p.c, "abcdefghij"), 10);
  wr_simnet_run(n, WR_TIME_NEVER);
  drain(n, p.s, buf, sizeof buf, &got);
  assert_true(wr_simnet_trace_hash(n) == hash_v);
  wr_net_destroy(n);

  /* And a one-piece sendv is a send, under a random policy too. */
  uint64_t h[2];
  for (int v = 0; v < 2; v++) {
    n = mk("random:1-4", "fixed:3", 0, 0);
    p = connect_pair(n);
    static char data[3000];
    memset(data, 'v', sizeof data);
    wr_iovec one = {data, sizeof data};
    long r = v ? wr_net_sendv(n, p.c, &one, 1)
               : wr_net_send(n, p.c, data, sizeof data);
    assert_int_equal(r, (long)sizeof data);
    wr_simnet_run(n, WR_TIME_NEVER);
    char rb[4096];
    drain(n, p.s, rb, sizeof rb, &got);
    assert_int_equal(got, sizeof data);
    h[v] = wr_simnet_trace_hash(n);
    wr_net_destroy(n);
  }
  assert_true(h[0] == h[1]);
}

static void test_sendv_short_and_eagain(void **state) {
  (void)state;
  /* A send buffer of 10: the first 10 bytes of the concatenation. */
  wr_net *n = mk(NULL, NULL, 10, 0);
  pair p = connect_pair(n);
  wr_iovec iov[3] = {{"abc", 3}, {"defgh", 5}, {"ijklmn", 6}};
  assert_int_equal(wr_net_sendv(n, p.c, iov, 3), 10);
  assert_int_equal(wr_net_sendv(n, p.c, iov, 3), WR_EAGAIN);
  wr_simnet_run(n, WR_TIME_NEVER);
  char buf[64];
  size_t got;
  drain(n, p.s, buf, sizeof buf, &got);
  assert_string_equal(buf, "abcdefghij");
  wr_net_destroy(n);

  /* Injected short writes cut across pieces; injected EAGAIN. */
  n = mk(NULL, NULL, 0, 0);
  p = connect_pair(n);
  wr_simnet_fault_short_writes(n, p.c, 4);
  assert_int_equal(wr_net_sendv(n, p.c, iov, 3), 4);
  wr_iovec rest[2] = {{"efgh", 4}, {"ijklmn", 6}};
  wr_simnet_fault_eagain(n, p.c, WR_SHUT_WR, 1);
  assert_int_equal(wr_net_sendv(n, p.c, rest, 2), WR_EAGAIN);
  assert_int_equal(wr_net_sendv(n, p.c, rest, 2), 4);
  assert_int_equal(wr_net_sendv(n, p.c, rest + 1, 1), 4);
  assert_int_equal(trace_count(n, WR_TR_WRITE, 0), 3);
  wr_simnet_run(n, WR_TIME_NEVER);
  drain(n, p.s, buf, sizeof buf, &got);
  assert_string_equal(buf, "abcdefghijkl");

  /* Bad arguments, and nothing to send. */
  assert_int_equal(wr_net_sendv(n, p.c, iov, -1), WR_EINVAL);
  assert_int_equal(wr_net_sendv(n, p.c, iov, WR_NET_IOV_MAX + 1), WR_EINVAL);
  assert_int_equal(wr_net_sendv(n, p.c, NULL, 1), WR_EINVAL);
  wr_iovec bad[2] = {{"x", 1}, {NULL, 3}};
  assert_int_equal(wr_net_sendv(n, p.c, bad, 2), WR_EINVAL);
  wr_iovec huge[2] = {{"x", SIZE_MAX}, {"y", 2}};
  assert_int_equal(wr_net_sendv(n, p.c, huge, 2), WR_EINVAL);
  assert_int_equal(wr_net_sendv(n, 99, iov, 1), WR_EBADF);
  assert_int_equal(wr_net_sendv(n, p.c, NULL, 0), 0);
  assert_int_equal(wr_net_sendv(n, p.lh, iov, 1), WR_EPIPE);
  /* After shutdown(write): EPIPE, as send. */
  assert_int_equal(wr_net_shutdown(n, p.c, WR_SHUT_WR), 0);
  assert_int_equal(wr_net_sendv(n, p.c, iov, 3), WR_EPIPE);
  wr_net_destroy(n);
}

static void test_timers(void **state) {
  (void)state;
  wr_net *n = mk(NULL, NULL, 0, 0);
  uint64_t t1, t2, t3;
  assert_int_equal(wr_net_timer_start(n, 30, &t1), 0);
  assert_int_equal(wr_net_timer_start(n, 10, &t2), 0);
  assert_int_equal(wr_net_timer_start(n, 20, &t3), 0);
  assert_int_equal(wr_net_timer_cancel(n, t3), 0);
  assert_int_equal(wr_net_timer_cancel(n, t3), WR_ENOENT);
  wr_net_event ev[4];
  assert_int_equal(wr_net_poll(n, ev, 4, WR_TIME_NEVER), 1);
  assert_int_equal(ev[0].events, WR_EV_TIMER);
  assert_true(ev[0].timer == t2);
  assert_int_equal(wr_net_now(n), 10);
  /* A deadline before the next timer: the clock stops at the deadline. */
  assert_int_equal(wr_net_poll(n, ev, 4, 25), 0);
  assert_int_equal(wr_net_now(n), 25);
  assert_int_equal(wr_net_poll(n, ev, 4, WR_TIME_NEVER), 1);
  assert_true(ev[0].timer == t1);
  assert_int_equal(wr_net_now(n), 30);
  /* Quiet network: poll returns 0 at once. */
  assert_int_equal(wr_net_poll(n, ev, 4, WR_TIME_NEVER), 0);
  assert_int_equal(wr_net_poll(n, NULL, 4, WR_TIME_NEVER), WR_EINVAL);
  wr_net_destroy(n);
}

/* wr_simnet_run takes the events due at or before `until`: one due at
 * exactly `until` is processed, one a nanosecond later is not. */
static void test_run_until_boundary(void **state) {
  (void)state;
  wr_net *n = mk("latency:1ms", NULL, 0, 0);
  pair p = connect_pair(n);
  wr_time t0 = wr_net_now(n);
  assert_true(sends(n, p.c, "ab") == 2);
  assert_int_equal(wr_simnet_run(n, t0 + WR_NS_PER_MS - 1), 0);
  assert_int_equal(wr_net_now(n), t0 + WR_NS_PER_MS - 1);
  char b[4];
  assert_int_equal(wr_net_recv(n, p.s, b, sizeof b), WR_EAGAIN);
  assert_int_equal(wr_simnet_run(n, t0 + WR_NS_PER_MS), 1);
  assert_int_equal(wr_net_recv(n, p.s, b, sizeof b), 2);
  uint64_t id;
  assert_int_equal(wr_net_timer_start(n, t0 + 5 * WR_NS_PER_MS, &id), 0);
  assert_int_equal(wr_simnet_run(n, t0 + 5 * WR_NS_PER_MS), 1);
  wr_net_destroy(n);
}

/* Polls until it gets something other than ready events; returns that
 * and counts the polls. `act` runs between polls (may be NULL). */
static int poll_until_not_ready(wr_net *n, long *polls,
                                void (*act)(wr_net *n, int h, long i), int h) {
  wr_net_event ev[4];
  for (long i = 0; i < 4l * WR_SIMNET_SPIN_MAX; i++) {
    int k = wr_net_poll(n, ev, 4, WR_TIME_NEVER);
    *polls = i + 1;
    if (k <= 0)
      return k;
    if (act)
      act(n, h, i);
  }
  return 1;
}

/* What a socket layer that never saw an end of stream does: reads it
 * again and again (recv says 0, nothing changes). */
static void reread_eof(wr_net *n, int h, long i) {
  (void)i;
  char b[8];
  assert_int_equal(wr_net_recv(n, h, b, sizeof b), 0);
}

/* A slow reader: one byte per pass, always something moved. */
static void read_one(wr_net *n, int h, long i) {
  (void)i;
  char b[1];
  long r = wr_net_recv(n, h, b, 1);
  assert_true(r == 1 || r == 0);
}

/* Half the bound in a row, then one call that changes something. */
static void watch_midway(wr_net *n, int h, long i) {
  if (i == WR_SIMNET_SPIN_MAX / 2 - 1)
    assert_int_equal(wr_net_watch(n, h, WR_EV_IN | WR_EV_RDHUP), 0);
}

/* The spin guard: ready events polled again and again while nothing
 * changes would keep simulated time still for ever (a mutant of the socket
 * layer that missed the end of stream hung `wirerig run`); simnet answers
 * WR_LIVELOCK at the bound instead, and never while something moves. */
static void test_spin_guard(void **state) {
  (void)state;
  long polls;
  /* Nothing served: the first poll sets the mark, then exactly
   * WR_SIMNET_SPIN_MAX identical ones. */
  wr_net *n = mk(NULL, NULL, 0, 0);
  pair p = connect_pair(n);
  assert_int_equal(wr_net_watch(n, p.c, 0), 0);
  assert_true(sends(n, p.c, "abc") == 3);
  assert_int_equal(wr_net_close(n, p.c), 0);
  wr_simnet_run(n, WR_TIME_NEVER);
  assert_int_equal(poll_until_not_ready(n, &polls, NULL, p.s), WR_LIVELOCK);
  assert_int_equal(polls, (long)WR_SIMNET_SPIN_MAX + 1);
  /* It keeps saying so; reading the data moves, and the count restarts. */
  wr_net_event ev[4];
  assert_int_equal(wr_net_poll(n, ev, 4, WR_TIME_NEVER), WR_LIVELOCK);
  char b[8];
  assert_int_equal(wr_net_recv(n, p.s, b, sizeof b), 3);
  assert_int_equal(wr_net_poll(n, ev, 4, WR_TIME_NEVER), 1);
  assert_true(ev[0].events & WR_EV_IN);
  /* An end of stream read again and again changes nothing either. */
  assert_int_equal(poll_until_not_ready(n, &polls, reread_eof, p.s),
                   WR_LIVELOCK);
  assert_int_equal(polls, (long)WR_SIMNET_SPIN_MAX);
  wr_net_destroy(n);

  /* A call that changes something resets the count. */
  n = mk(NULL, NULL, 0, 0);
  p = connect_pair(n);
  assert_int_equal(wr_net_watch(n, p.c, 0), 0);
  assert_int_equal(wr_net_close(n, p.c), 0);
  wr_simnet_run(n, WR_TIME_NEVER);
  assert_int_equal(poll_until_not_ready(n, &polls, watch_midway, p.s),
                   WR_LIVELOCK);
  assert_int_equal(polls,
                   WR_SIMNET_SPIN_MAX / 2 + 1 + (long)WR_SIMNET_SPIN_MAX);
  wr_net_destroy(n);

  /* A reader that takes one byte per pass, more passes than the bound at
   * one instant, never trips it; the end of stream it then reads again
   * and again does, the bound later. */
  n = mk(NULL, NULL, 4u << 20, 4u << 20);
  p = connect_pair(n);
  assert_int_equal(wr_net_watch(n, p.c, 0), 0);
  long len = (long)WR_SIMNET_SPIN_MAX + 4096;
  char *big = calloc(1, (size_t)len);
  assert_non_null(big);
  assert_true(wr_net_send(n, p.c, big, (size_t)len) == len);
  free(big);
  assert_int_equal(wr_net_close(n, p.c), 0);
  wr_simnet_run(n, WR_TIME_NEVER);
  assert_int_equal(poll_until_not_ready(n, &polls, read_one, p.s), WR_LIVELOCK);
  assert_int_equal(polls, len + 1 + (long)WR_SIMNET_SPIN_MAX);
  wr_net_destroy(n);
}

/* Polls until the server end is readable: the first segment has arrived
 * and the others of the same instant are still in flight. */
static void poll_first(pair *p) {
  wr_net_event ev[4];
  assert_int_equal(wr_net_watch(p->n, p->s, WR_EV_IN), 0);
  assert_int_equal(wr_net_poll(p->n, ev, 4, WR_TIME_NEVER), 1);
  assert_int_equal(ev[0].handle, p->s);
}

/* A pair on a network whose client direction has `policy`, after the
 * client sent "ab" and "cd" (two segments in flight, unless cut). */
static pair two_sends(const char *policy) {
  pair p = connect_pair(mk(policy, NULL, 0, 0));
  sends(p.n, p.c, "ab");
  sends(p.n, p.c, "cd");
  return p;
}

/* The server's wr_net_recv_arrived with room for len (<= 16) bytes. */
static long arrived(pair *p, size_t len) {
  char buf[16];
  assert_true(len <= sizeof buf);
  return wr_net_recv_arrived(p->n, p->s, buf, len);
}

/* wr_net_recv_arrived takes the segments arriving now that are the next
 * events, each with its trace record; never a FIN, a later segment, one
 * behind another event, one a stall holds or a fault waits for, nor the
 * pieces of a policy that cuts. */
static void test_recv_arrived(void **state) {
  (void)state;
  char buf[16];
  uint64_t tid;
  pair p = two_sends(NULL);
  wr_net *n = p.n;
  sends(n, p.c, "ef");
  poll_first(&p);
  assert_int_equal(wr_net_recv(n, p.s, buf, sizeof buf), 2); /* one step */
  assert_int_equal(wr_net_recv_arrived(n, p.s, buf, sizeof buf), 4);
  assert_memory_equal(buf, "cdef", 4);
  assert_int_equal(trace_count(n, WR_TR_SEGMENT, 0), 3);
  assert_int_equal(wr_simnet_pending(n), 0);
  /* No more than asked for: a segment is stepped only while short. */
  sends(n, p.c, "gh");
  sends(n, p.c, "ij");
  sends(n, p.c, "kl");
  poll_first(&p);
  assert_int_equal(wr_net_recv_arrived(n, p.s, buf, 3), 3);
  assert_memory_equal(buf, "ghi", 3);
  assert_int_equal(wr_simnet_pending(n), 1);
  assert_int_equal(arrived(&p, 16), 3);
  /* The FIN stays an event of its own. */
  sends(n, p.c, "mn");
  assert_int_equal(wr_net_shutdown(n, p.c, WR_SHUT_WR), 0);
  poll_first(&p);
  assert_int_equal(arrived(&p, 16), 2);
  assert_int_equal(arrived(&p, 16), WR_EAGAIN);
  assert_int_equal(wr_simnet_pending(n), 1);
  wr_net_destroy(n);

  /* The other direction's segment due first keeps its place. */
  p = connect_pair(mk(NULL, NULL, 0, 0));
  sends(p.n, p.c, "ab");
  sends(p.n, p.s, "xy");
  sends(p.n, p.c, "cd");
  poll_first(&p);
  assert_int_equal(arrived(&p, 16), 2);
  wr_net_destroy(p.n);

  /* Taken before any poll: the first from the event queue, then none
   * while another event is due now. */
  p = two_sends(NULL);
  sends(p.n, p.s, "xy");
  assert_int_equal(wr_net_recv_arrived(p.n, p.s, buf, sizeof buf), 2);
  assert_int_equal(wr_simnet_pending(p.n), 2);
  wr_simnet_run(p.n, WR_TIME_NEVER);
  assert_int_equal(wr_net_recv_arrived(p.n, p.s, buf, sizeof buf), 2);
  assert_memory_equal(buf, "cd", 2);
  /* Nor while a stall holds the direction. */
  sends(p.n, p.c, "ef");
  assert_int_equal(wr_simnet_stall(p.n, p.c, wr_net_now(p.n) + WR_NS_PER_MS),
                   0);
  assert_int_equal(arrived(&p, 16), WR_EAGAIN);
  wr_net_destroy(p.n);

  /* Bytes enough already delivered: nothing more is taken. */
  p = two_sends(NULL);
  poll_first(&p);
  assert_int_equal(arrived(&p, 2), 2);
  assert_int_equal(wr_simnet_pending(p.n), 1);
  /* A dropped connection's segments are not taken either. */
  assert_int_equal(wr_simnet_fault_drop(p.n, p.c), 0);
  assert_int_equal(arrived(&p, 16), WR_EAGAIN);
  wr_net_destroy(p.n);

  /* The first taken from the event queue (a timer, due at the same time
   * but scheduled before it, made the poll return), the next not, since
   * it arrives later. */
  p = connect_pair(mk("latency:1ms", NULL, 0, 0));
  wr_time t0 = wr_net_now(p.n);
  assert_int_equal(wr_net_timer_start(p.n, t0 + WR_NS_PER_MS, &tid), 0);
  sends(p.n, p.c, "ab");
  wr_simnet_run(p.n, t0 + WR_NS_PER_MS / 2);
  sends(p.n, p.c, "cd");
  wr_net_event ev[4];
  assert_int_equal(wr_net_poll(p.n, ev, 4, WR_TIME_NEVER), 1);
  assert_int_equal(ev[0].handle, -1);
  assert_int_equal(arrived(&p, 16), 2);
  wr_net_destroy(p.n);

  /* A timer due first keeps its place. */
  p = two_sends(NULL);
  assert_int_equal(wr_net_timer_start(p.n, wr_net_now(p.n), &tid), 0);
  poll_first(&p);
  assert_int_equal(arrived(&p, 16), 2);
  wr_simnet_run(p.n, WR_TIME_NEVER);
  assert_int_equal(arrived(&p, 16), 2);
  wr_net_destroy(p.n);

  /* So does a stall set after the first arrived. */
  p = two_sends(NULL);
  poll_first(&p);
  assert_int_equal(wr_simnet_stall(p.n, p.c, wr_net_now(p.n) + WR_NS_PER_MS),
                   0);
  assert_int_equal(arrived(&p, 16), 2);
  wr_net_destroy(p.n);

  /* A policy that cuts keeps every piece for a read of its own. */
  p = two_sends("fixed:1");
  poll_first(&p);
  assert_int_equal(arrived(&p, 16), 1);
  assert_int_equal(wr_simnet_pending(p.n), 1);
  wr_net_destroy(p.n);

  /* Segments arriving later (bandwidth spaces them) wait for the poll. */
  p = two_sends("bandwidth:1MB/s");
  poll_first(&p);
  assert_int_equal(arrived(&p, 16), 2);
  wr_net_destroy(p.n);

  /* A reset waiting for a byte count is the fault's own step. */
  p = connect_pair(mk(NULL, NULL, 0, 0));
  assert_int_equal(wr_simnet_fault_reset_after(p.n, p.c, 4), 0);
  sends(p.n, p.c, "ab");
  sends(p.n, p.c, "cd");
  poll_first(&p);
  assert_int_equal(arrived(&p, 16), 2);
  wr_net_destroy(p.n);
}

/* Two networks interleaved step by step give the same traces as each run
 * alone: no state is shared. */
static void test_independent_networks(void **state) {
  (void)state;
  uint64_t alone[2];
  for (int pass = 0; pass < 2; pass++) {
    wr_net *nets[2] = {mk("random:1-9 jitter:0-1ms", NULL, 0, 0),
                       mk("fixed:2 latency:1ms", "random:1-3", 0, 0)};
    pair p[2];
    for (int i = 0; i < 2; i++) {
      p[i] = connect_pair(nets[i]);
      static char data[2000];
      wr_net_send(nets[i], p[i].c, data, sizeof data);
      wr_net_send(nets[i], p[i].s, data, sizeof data);
    }
    if (pass == 0) {
      for (int i = 0; i < 2; i++) {
        wr_simnet_run(nets[i], WR_TIME_NEVER);
        alone[i] = wr_simnet_trace_hash(nets[i]);
      }
    } else {
      while (wr_simnet_step(nets[0]) | wr_simnet_step(nets[1]))
        ;
      for (int i = 0; i < 2; i++)
        assert_true(wr_simnet_trace_hash(nets[i]) == alone[i]);
    }
    for (int i = 0; i < 2; i++)
      wr_net_destroy(nets[i]);
  }
  assert_true(alone[0] != alone[1]);
}

static void test_addr_parse(void **state) {
  (void)state;
  wr_addr a;
  char err[128], buf[64];
  assert_int_equal(wr_addr_parse("127.0.0.1:8080", &a, err, sizeof err), 0);
  assert_int_equal(a.family, 4);
  assert_int_equal(a.port, 8080);
  assert_true(wr_addr_is_loopback(&a));
  wr_addr_format(&a, buf, sizeof buf);
  assert_string_equal(buf, "127.0.0.1:8080");
  assert_int_equal(wr_addr_parse("[::1]:99", &a, err, sizeof err), 0);
  assert_int_equal(a.family, 6);
  wr_addr_format(&a, buf, sizeof buf);
  assert_string_equal(buf, "[::1]:99");
  assert_int_equal(wr_addr_parse("::1", &a, err, sizeof err), 0);
  assert_int_equal(a.port, 0);
  assert_int_equal(wr_addr_parse("10.0.0.1", &a, err, sizeof err), 0);
  assert_false(wr_addr_is_loopback(&a));
  assert_int_equal(wr_addr_parse("127.0.0.1:99999", &a, err, sizeof err),
                   WR_EINVAL);
  assert_non_null(strstr(err, "port"));
  assert_int_equal(wr_addr_parse("localhost:1", &a, err, sizeof err),
                   WR_EINVAL);
  assert_int_equal(wr_addr_parse("[::1", &a, err, sizeof err), WR_EINVAL);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_prng_reference),
      cmocka_unit_test(test_policy_parse_ok),
      cmocka_unit_test(test_policy_parse_errors),
      cmocka_unit_test(test_policy_check),
      cmocka_unit_test(test_cut_iter),
      cmocka_unit_test(test_cut_iter_on_simnet),
      cmocka_unit_test(test_connect_send_recv),
      cmocka_unit_test(test_refused_and_bad_params),
      cmocka_unit_test(test_backlog),
      cmocka_unit_test(test_flow_control),
      cmocka_unit_test(test_segmentation_policies),
      cmocka_unit_test(test_delays),
      cmocka_unit_test(test_stall),
      cmocka_unit_test(test_faults),
      cmocka_unit_test(test_sendv_one_write),
      cmocka_unit_test(test_sendv_short_and_eagain),
      cmocka_unit_test(test_timers),
      cmocka_unit_test(test_run_until_boundary),
      cmocka_unit_test(test_spin_guard),
      cmocka_unit_test(test_recv_arrived),
      cmocka_unit_test(test_independent_networks),
      cmocka_unit_test(test_addr_parse),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
