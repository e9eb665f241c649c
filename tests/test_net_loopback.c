/* The loopback transport and its shaper on real sockets: partial reads at
 * the policy's boundaries, held bytes, stalls, postponed FIN, queue limits,
 * timers and the run loop. No assertion depends on how long anything took;
 * waits are bounded by a deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "wirerig/loopback.h"

#define WAIT_LIMIT (5 * WR_NS_PER_SEC) /* generous: a bound, not a timing */

typedef struct lpair {
  wr_net *n;
  int l, c, s;
} lpair;

static lpair open_pair(uint32_t queue) {
  lpair p;
  wr_loopback_config cfg;
  wr_loopback_config_init(&cfg);
  cfg.seed = 1;
  cfg.shaper_queue = queue;
  char err[256];
  if (wr_loopback_create(&cfg, &p.n, err, sizeof err) < 0)
    fail_msg("%s", err);
  assert_string_equal(wr_net_name(p.n), "loopback");
  p.l = wr_net_listen(p.n, NULL, 4);
  assert_true(p.l >= 0);
  wr_addr a;
  wr_net_local_addr(p.n, p.l, &a);
  assert_true(wr_addr_is_loopback(&a));
  assert_true(a.port != 0);
  p.c = wr_net_connect(p.n, &a);
  assert_true(p.c >= 0);
  /* Wait for the accept. */
  wr_time end = wr_net_now(p.n) + WAIT_LIMIT;
  wr_net_event ev[8];
  p.s = -1;
  while (p.s < 0 && wr_net_now(p.n) < end) {
    wr_net_poll(p.n, ev, 8, end);
    p.s = wr_net_accept(p.n, p.l, NULL);
  }
  assert_true(p.s >= 0);
  end = wr_net_now(p.n) + WAIT_LIMIT;
  while (!(wr_net_readiness(p.n, p.c) & WR_EV_OUT) && wr_net_now(p.n) < end)
    wr_net_poll(p.n, ev, 8, end);
  assert_true(wr_net_readiness(p.n, p.c) & WR_EV_OUT);
  wr_net_watch(p.n, p.c, WR_EV_IN);
  wr_net_watch(p.n, p.s, WR_EV_IN);
  return p;
}

/* Reads on the server until `want` bytes or end of stream; records where
 * each read ended. Returns the bytes read. */
static size_t read_all(lpair *p, char *buf, size_t want, size_t *ends,
                       int *nreads, int *eof) {
  size_t got = 0;
  *nreads = 0;
  *eof = 0;
  wr_time end = wr_net_now(p->n) + WAIT_LIMIT;
  wr_net_event ev[8];
  while (wr_net_now(p->n) < end && !*eof) {
    int k = wr_net_poll(p->n, ev, 8, end);
    for (int i = 0; i < k; i++) {
      if (ev[i].handle != p->s)
        continue;
      long r = wr_net_recv(p->n, p->s, buf + got, 4096);
      if (r > 0) {
        got += (size_t)r;
        if (ends)
          ends[*nreads] = got;
        (*nreads)++;
      } else if (r == 0) {
        *eof = 1;
      }
    }
    if (got >= want && want)
      break;
  }
  return got;
}

static void test_shaper_cuts(void **state) {
  (void)state;
  lpair p = open_pair(0);
  wr_policy pol;
  char err[256];
  assert_int_equal(wr_policy_parse("cuts:2,5,6", &pol, err, sizeof err), 0);
  assert_int_equal(wr_loopback_set_policy(p.n, p.c, &pol), 0);
  const char *msg = "abcdefghij";
  assert_int_equal(wr_net_send(p.n, p.c, msg, 10), 10);
  /* Nothing reaches the kernel before the loop runs. */
  assert_int_equal(wr_loopback_queued(p.n, p.c), 10);
  char buf[8192];
  size_t ends[64];
  int nreads, eof;
  size_t got = read_all(&p, buf, 10, ends, &nreads, &eof);
  assert_int_equal(got, 10);
  assert_memory_equal(buf, msg, 10);
  /* Chunks are written whole, one per poll: a read may merge chunks but
   * never ends inside one. */
  for (int i = 0; i < nreads; i++) {
    size_t e = ends[i];
    assert_true(e == 2 || e == 5 || e == 6 || e == 10);
  }
  assert_true(nreads >= 2); /* the kernel delivered partial reads */
  assert_int_equal(wr_loopback_queued(p.n, p.c), 0);
  wr_net_destroy(p.n);
}

static void test_shaper_fixed_and_fin(void **state) {
  (void)state;
  lpair p = open_pair(0);
  wr_policy pol;
  wr_policy_parse("fixed:100 jitter:0-1ms", &pol, NULL, 0);
  wr_loopback_set_policy(p.n, p.c, &pol);
  static char data[3000];
  for (size_t i = 0; i < sizeof data; i++)
    data[i] = (char)(i * 7);
  assert_int_equal(wr_net_send(p.n, p.c, data, sizeof data), (long)sizeof data);
  /* shutdown(write) and close wait for the queue: the peer gets all the
   * bytes, then end of stream. */
  assert_int_equal(wr_net_shutdown(p.n, p.c, WR_SHUT_WR), 0);
  assert_int_equal(wr_net_send(p.n, p.c, "x", 1), WR_EPIPE);
  assert_int_equal(wr_net_close(p.n, p.c), 0);
  char buf[8192];
  size_t ends[256];
  int nreads, eof;
  size_t got = read_all(&p, buf, 0, ends, &nreads, &eof);
  assert_int_equal(got, sizeof data);
  assert_memory_equal(buf, data, sizeof data);
  assert_true(eof);
  for (int i = 0; i < nreads; i++)
    assert_int_equal(ends[i] % 100, 0);
  wr_net_destroy(p.n);
}

/* shutdown(write) with bytes still queued, the handle kept open: the FIN
 * follows the queue, the read side keeps working, later sends fail. */
static void test_shaper_postponed_shutdown(void **state) {
  (void)state;
  lpair p = open_pair(0);
  wr_policy pol;
  wr_policy_parse("fixed:3", &pol, NULL, 0);
  wr_loopback_set_policy(p.n, p.c, &pol);
  assert_int_equal(wr_net_send(p.n, p.c, "abcdefgh", 8), 8);
  assert_int_equal(wr_net_shutdown(p.n, p.c, WR_SHUT_WR), 0);
  assert_int_equal(wr_net_send(p.n, p.c, "x", 1), WR_EPIPE);
  char buf[64];
  int nreads, eof;
  size_t got = read_all(&p, buf, 0, NULL, &nreads, &eof);
  assert_int_equal(got, 8);
  assert_memory_equal(buf, "abcdefgh", 8);
  assert_true(eof);
  assert_int_equal(wr_net_send(p.n, p.s, "back", 4), 4);
  wr_time end = wr_net_now(p.n) + WAIT_LIMIT;
  wr_net_event ev[8];
  long r = WR_EAGAIN;
  while (r == WR_EAGAIN && wr_net_now(p.n) < end) {
    wr_net_poll(p.n, ev, 8, end);
    r = wr_net_recv(p.n, p.c, buf, sizeof buf);
  }
  assert_int_equal(r, 4);
  assert_int_equal(wr_net_send(p.n, p.c, "y", 1), WR_EPIPE);
  wr_net_destroy(p.n);
}

static void test_shaper_queue_limit_and_stall(void **state) {
  (void)state;
  lpair p = open_pair(100);
  wr_policy pol;
  wr_policy_init(&pol);
  wr_loopback_set_policy(p.n, p.c, &pol);
  assert_int_equal(wr_loopback_stall(p.n, p.c, WR_TIME_NEVER), 0);
  static char data[1000];
  memset(data, 'q', sizeof data);
  /* The queue is the send buffer: a short write, then would-block. */
  assert_int_equal(wr_net_send(p.n, p.c, data, sizeof data), 100);
  assert_int_equal(wr_net_send(p.n, p.c, data, sizeof data), WR_EAGAIN);
  assert_int_equal(wr_net_readiness(p.n, p.c) & WR_EV_OUT, 0);
  /* Held: some polls later nothing has left. */
  wr_net_event ev[8];
  wr_net_poll(p.n, ev, 8, wr_net_now(p.n) + 20 * WR_NS_PER_MS);
  assert_int_equal(wr_loopback_queued(p.n, p.c), 100);
  char buf[2048];
  assert_int_equal(wr_net_recv(p.n, p.s, buf, sizeof buf), WR_EAGAIN);
  wr_loopback_release(p.n, p.c);
  size_t ends[64];
  int nreads, eof;
  assert_int_equal(read_all(&p, buf, 100, ends, &nreads, &eof), 100);
  assert_true(wr_net_readiness(p.n, p.c) & WR_EV_OUT);
  /* Bad parameters. */
  assert_int_equal(wr_loopback_set_policy(p.n, p.l, &pol), WR_EINVAL);
  pol.seg = WR_SEG_FIXED; /* size 0 */
  assert_int_equal(wr_loopback_set_policy(p.n, p.c, &pol), WR_EINVAL);
  wr_net_destroy(p.n);
}

static void test_sendv_shaped(void **state) {
  (void)state;
  /* Whole segmentation: three pieces are one shaper send, one chunk, one
   * write to the kernel -- the reader sees all ten bytes at once. */
  lpair p = open_pair(100);
  wr_policy pol;
  wr_policy_init(&pol);
  assert_int_equal(wr_loopback_set_policy(p.n, p.c, &pol), 0);
  assert_int_equal(wr_loopback_stall(p.n, p.c, WR_TIME_NEVER), 0);
  wr_iovec iov[4] = {{"ab", 2}, {"cde", 3}, {NULL, 0}, {"fghij", 5}};
  assert_int_equal(wr_net_sendv(p.n, p.c, iov, 4), 10);
  assert_int_equal(wr_loopback_queued(p.n, p.c), 10);
  wr_loopback_release(p.n, p.c);
  char buf[8192];
  size_t ends[64];
  int nreads, eof;
  assert_int_equal(read_all(&p, buf, 10, ends, &nreads, &eof), 10);
  assert_memory_equal(buf, "abcdefghij", 10);
  assert_int_equal(nreads, 1);
  /* The queue limit cuts across pieces: a short write, then EAGAIN. */
  static char a[40], b[40], c[40];
  memset(a, 'a', sizeof a);
  memset(b, 'b', sizeof b);
  memset(c, 'c', sizeof c);
  wr_iovec abc[3] = {{a, 40}, {b, 40}, {c, 40}};
  assert_int_equal(wr_loopback_stall(p.n, p.c, WR_TIME_NEVER), 0);
  assert_int_equal(wr_net_sendv(p.n, p.c, abc, 3), 100);
  assert_int_equal(wr_net_sendv(p.n, p.c, abc, 3), WR_EAGAIN);
  wr_loopback_release(p.n, p.c);
  assert_int_equal(read_all(&p, buf, 100, ends, &nreads, &eof), 100);
  assert_memory_equal(buf, a, 40);
  assert_memory_equal(buf + 40, b, 40);
  assert_memory_equal(buf + 80, c, 20);
  wr_net_destroy(p.n);
}

static void test_sendv_kernel(void **state) {
  (void)state;
  lpair p = open_pair(0);
  wr_iovec iov[3] = {{"\0\0\0\5", 4}, {"hello", 5}, {"!", 1}};
  assert_int_equal(wr_net_sendv(p.n, p.c, iov, 3), 10);
  char buf[8192];
  int nreads, eof;
  assert_int_equal(read_all(&p, buf, 10, NULL, &nreads, &eof), 10);
  assert_memory_equal(buf, "\0\0\0\5hello!", 10);
  /* Fill the kernel's buffers: short writes take a prefix of the
   * concatenation, then EAGAIN; the reader gets exactly those bytes. */
  size_t piece = 1u << 20;
  uint8_t *big = malloc(3 * piece);
  assert_non_null(big);
  for (size_t i = 0; i < 3 * piece; i++)
    big[i] = (uint8_t)(i * 7 + i / 251);
  uint64_t taken = 0;
  long r = 0;
  int shorts = 0;
  for (int round = 0; round < 200; round++) {
    /* Send from where the last write stopped, as three pieces. */
    size_t off = (size_t)(taken % (3 * piece)), len = 3 * piece - off;
    wr_iovec v[3] = {{big + off, len / 3},
                     {big + off + len / 3, len / 3},
                     {big + off + 2 * (len / 3), len - 2 * (len / 3)}};
    r = wr_net_sendv(p.n, p.c, v, 3);
    if (r == WR_EAGAIN)
      break;
    assert_true(r > 0 && (size_t)r <= len);
    shorts += (size_t)r < len;
    taken += (uint64_t)r;
  }
  assert_int_equal(r, WR_EAGAIN);
  assert_true(shorts >= 1);
  uint64_t got = 0;
  wr_time end = wr_net_now(p.n) + WAIT_LIMIT;
  wr_net_event ev[8];
  while (got < taken && wr_net_now(p.n) < end) {
    long k = wr_net_recv(p.n, p.s, buf, sizeof buf);
    if (k == WR_EAGAIN) {
      wr_net_poll(p.n, ev, 8, end);
      continue;
    }
    assert_true(k > 0);
    for (long i = 0; i < k; i++) {
      size_t at = (size_t)((got + (uint64_t)i) % (3 * piece));
      if ((uint8_t)buf[i] != big[at])
        fail_msg("byte %llu differs", (unsigned long long)(got + i));
    }
    got += (uint64_t)k;
  }
  assert_true(got == taken);
  free(big);
  /* Bad arguments, as on simnet. */
  assert_int_equal(wr_net_sendv(p.n, p.c, iov, -1), WR_EINVAL);
  assert_int_equal(wr_net_sendv(p.n, p.c, iov, WR_NET_IOV_MAX + 1), WR_EINVAL);
  wr_iovec bad[1] = {{NULL, 2}};
  assert_int_equal(wr_net_sendv(p.n, p.c, bad, 1), WR_EINVAL);
  assert_int_equal(wr_net_sendv(p.n, p.c, NULL, 0), 0);
  assert_int_equal(wr_net_shutdown(p.n, p.c, WR_SHUT_WR), 0);
  assert_int_equal(wr_net_sendv(p.n, p.c, iov, 3), WR_EPIPE);
  wr_net_destroy(p.n);
}

static int stop_on_timer(void *ctx, wr_net *n, const wr_net_event *ev) {
  (void)n;
  uint64_t *seen = ctx;
  if (ev->events & WR_EV_TIMER) {
    *seen = ev->timer;
    return 1;
  }
  return 0;
}

static void test_timers_and_run(void **state) {
  (void)state;
  wr_net *n;
  assert_int_equal(wr_loopback_create(NULL, &n, NULL, 0), 0);
  uint64_t a, b, seen = 0;
  wr_time now = wr_net_now(n);
  assert_int_equal(wr_net_timer_start(n, now + 2 * WR_NS_PER_MS, &a), 0);
  assert_int_equal(wr_net_timer_start(n, now + 1 * WR_NS_PER_MS, &b), 0);
  assert_int_equal(wr_net_timer_cancel(n, b), 0);
  assert_int_equal(wr_net_run(n, now + WAIT_LIMIT, stop_on_timer, &seen), 1);
  assert_true(seen == a);
  assert_true(wr_net_now(n) >= now + 2 * WR_NS_PER_MS);
  /* With nothing to wait for, run returns at the deadline. */
  now = wr_net_now(n);
  assert_int_equal(wr_net_run(n, now + 5 * WR_NS_PER_MS, stop_on_timer, &seen),
                   0);
  assert_true(wr_net_now(n) >= now + 5 * WR_NS_PER_MS);
  wr_net_destroy(n);
}

static void test_refuses_other_addresses(void **state) {
  (void)state;
  wr_net *n;
  assert_int_equal(wr_loopback_create(NULL, &n, NULL, 0), 0);
  wr_addr a;
  assert_int_equal(wr_addr_parse("0.0.0.0:0", &a, NULL, 0), 0);
  assert_int_equal(wr_net_listen(n, &a, 1), WR_EADDRNOTAVAIL);
  assert_int_equal(wr_addr_parse("198.51.100.7:80", &a, NULL, 0), 0);
  assert_int_equal(wr_net_connect(n, &a), WR_EADDRNOTAVAIL);
  assert_int_equal(n->live, 0); /* failed calls left no handle behind */
  wr_net_destroy(n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_shaper_cuts),
      cmocka_unit_test(test_shaper_fixed_and_fin),
      cmocka_unit_test(test_shaper_postponed_shutdown),
      cmocka_unit_test(test_shaper_queue_limit_and_stall),
      cmocka_unit_test(test_sendv_shaped),
      cmocka_unit_test(test_sendv_kernel),
      cmocka_unit_test(test_timers_and_run),
      cmocka_unit_test(test_refuses_other_addresses),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
