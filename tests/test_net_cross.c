/* The FIN / RST / half-close / refused / backlog table, run on simnet and on
 * real loopback sockets. Each row is a short script; every observable
 * result (what recv, send and SO_ERROR return, the bytes, the readiness
 * mask) goes into a log, and the log must equal the row's expectation on
 * both transports. The expectations were taken from Linux (see the
 * experiments in docs/simnet.md); a simnet that drifts from the kernel, or
 * a kernel that behaves differently, fails here. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "testutil.h"
#include "wirerig/loopback.h"
#include "wirerig/simnet.h"

enum {
  OP_END = 0,
  OP_SEND, /* arg: bytes */
  OP_RECV, /* logs the result */
  OP_SHUT, /* n: how */
  OP_CLOSE,
  OP_ABORT,
  OP_SETTLE,  /* let the network deliver everything that is in flight */
  OP_READY,   /* logs the readiness mask */
  OP_SOCKERR, /* logs SO_ERROR */
};

typedef struct step {
  int op;
  char who; /* 'C' client, 'S' server, 'L' listener */
  const char *arg;
  int n;
} step;

enum { SETUP_PAIR, SETUP_REFUSED, SETUP_PENDING, SETUP_SYN_SENT };

typedef struct xcase {
  const char *name;
  int setup;
  step steps[20];
  const char *expect;
} xcase;

#define SEND(w, s)                                                             \
  { OP_SEND, w, s, 0 }
#define RECV(w)                                                                \
  { OP_RECV, w, NULL, 0 }
#define SHUT(w, how)                                                           \
  { OP_SHUT, w, NULL, how }
#define SHUTLOG(w, how)                                                        \
  { OP_SHUT, w, "log", how } /* logs even success */
#define CLOSE(w)                                                               \
  { OP_CLOSE, w, NULL, 0 }
#define ABORT(w)                                                               \
  { OP_ABORT, w, NULL, 0 }
#define SETTLE                                                                 \
  { OP_SETTLE, 0, NULL, 0 }
#define READY(w)                                                               \
  { OP_READY, w, NULL, 0 }
#define SOCKERR(w)                                                             \
  { OP_SOCKERR, w, NULL, 0 }

static const xcase cases[] = {
    {"FIN: peer closes after sending; a send to the closed peer draws RST",
     SETUP_PAIR,
     {SEND('C', "hello"), CLOSE('C'), SETTLE, READY('S'), RECV('S'), RECV('S'),
      SEND('S', "x"), SETTLE, READY('S'), SEND('S', "y"), RECV('S'),
      READY('S')},
     "C send 5\n"
     "S ready IN|OUT|RDHUP\n"
     "S recv 5 \"hello\"\n"
     "S recv 0\n"
     "S send 1\n"
     "S ready IN|OUT|RDHUP|HUP|ERR\n"
     "S send epipe\n"
     "S recv 0\n"
     "S ready IN|OUT|RDHUP|HUP\n"},
    {"half-close: shutdown(write), the other way still works",
     SETUP_PAIR,
     {SHUT('C', 2), SETTLE, READY('C'), READY('S'), RECV('S'), SEND('S', "abc"),
      SETTLE, RECV('C'), SEND('C', "z"), CLOSE('S'), SETTLE, RECV('C'),
      RECV('C'), READY('C'), SEND('C', "q")},
     "C ready OUT\n"
     "S ready IN|OUT|RDHUP\n"
     "S recv 0\n"
     "S send 3\n"
     "C recv 3 \"abc\"\n"
     "C send epipe\n"
     "C recv 0\n"
     "C recv 0\n"
     "C ready IN|OUT|RDHUP|HUP\n"
     "C send epipe\n"},
    {"close with unread data sends RST; recv reports it first",
     SETUP_PAIR,
     {SEND('C', "data"), SETTLE, CLOSE('S'), SETTLE, READY('C'), RECV('C'),
      RECV('C'), SEND('C', "a"), SEND('C', "b")},
     "C send 4\n"
     "C ready IN|OUT|RDHUP|HUP|ERR\n"
     "C recv econnreset\n"
     "C recv 0\n"
     "C send epipe\n"
     "C send epipe\n"},
    {"close with unread data sends RST; send reports it first",
     SETUP_PAIR,
     {SEND('C', "data"), SETTLE, CLOSE('S'), SETTLE, SEND('C', "a"),
      SEND('C', "b"), RECV('C'), SOCKERR('C')},
     "C send 4\n"
     "C send econnreset\n"
     "C send epipe\n"
     "C recv 0\n"
     "C sockerr ok\n"},
    {"RST: bytes already received stay readable before the error",
     SETUP_PAIR,
     {SEND('S', "abc"), SEND('C', "x"), SETTLE, CLOSE('S'), SETTLE, RECV('C'),
      RECV('C'), RECV('C'), SEND('C', "q")},
     "S send 3\n"
     "C send 1\n"
     "C recv 3 \"abc\"\n"
     "C recv econnreset\n"
     "C recv 0\n"
     "C send epipe\n"},
    {"RST: a send takes the error, the received bytes are still there",
     SETUP_PAIR,
     {SEND('S', "abc"), SEND('C', "x"), SETTLE, CLOSE('S'), SETTLE,
      SEND('C', "q"), SEND('C', "q"), RECV('C'), RECV('C')},
     "S send 3\n"
     "C send 1\n"
     "C send econnreset\n"
     "C send epipe\n"
     "C recv 3 \"abc\"\n"
     "C recv 0\n"},
    {"abort (linger 0) after sending: data first, then the reset",
     SETUP_PAIR,
     {SEND('C', "hi"), SETTLE, ABORT('C'), SETTLE, RECV('S'), RECV('S'),
      RECV('S'), SEND('S', "a")},
     "C send 2\n"
     "S recv 2 \"hi\"\n"
     "S recv econnreset\n"
     "S recv 0\n"
     "S send epipe\n"},
    {"abort with nothing sent",
     SETUP_PAIR,
     {ABORT('C'), SETTLE, READY('S'), SOCKERR('S'), RECV('S'), SEND('S', "a")},
     "S ready IN|OUT|RDHUP|HUP|ERR\n"
     "S sockerr econnreset\n"
     "S recv 0\n"
     "S send epipe\n"},
    {"connect refused: the error once, then EPIPE and end of stream",
     SETUP_REFUSED,
     {SETTLE, READY('C'), SEND('C', "a"), SEND('C', "a"), RECV('C')},
     "C ready IN|OUT|RDHUP|HUP|ERR\n"
     "C send econnrefused\n"
     "C send epipe\n"
     "C recv 0\n"},
    {"connect refused, seen by recv and SO_ERROR",
     SETUP_REFUSED,
     {SETTLE, RECV('C'), RECV('C'), SOCKERR('C'), READY('C')},
     "C recv econnrefused\n"
     "C recv 0\n"
     "C sockerr ok\n"
     "C ready IN|OUT|RDHUP|HUP\n"},
    {"shutdown(read): recv says 0 at once, yet later bytes are readable",
     SETUP_PAIR,
     {SHUT('C', 1), RECV('C'), READY('C'), SEND('S', "x"), SETTLE, RECV('C'),
      RECV('C'), SEND('C', "w"), SETTLE, RECV('S')},
     "C recv 0\n"
     "C ready IN|OUT|RDHUP\n"
     "S send 1\n"
     "C recv 1 \"x\"\n"
     "C recv 0\n"
     "C send 1\n"
     "S recv 1 \"w\"\n"},
    {"shutdown(read) then close with unread data: RST",
     SETUP_PAIR,
     {SHUT('C', 1), SEND('S', "x"), SETTLE, CLOSE('C'), SETTLE, READY('S'),
      RECV('S'), RECV('S')},
     "S send 1\n"
     "S ready IN|OUT|RDHUP|HUP|ERR\n"
     "S recv econnreset\n"
     "S recv 0\n"},
    {"shutdown(both), then the peer's data is answered with RST",
     SETUP_PAIR,
     {SHUT('C', 3), SETTLE, RECV('S'), SEND('S', "x"), SETTLE, READY('C'),
      RECV('C'), RECV('C'), READY('S'), SEND('S', "y")},
     "S recv 0\n"
     "S send 1\n"
     "C ready IN|OUT|RDHUP|HUP|ERR\n"
     "C recv econnreset\n"
     "C recv 0\n"
     "S ready IN|OUT|RDHUP|HUP|ERR\n"
     "S send epipe\n"},
    {"send after shutdown(write) is EPIPE; a second shutdown is fine",
     SETUP_PAIR,
     {SHUT('C', 2), SEND('C', "a"), SHUTLOG('C', 2), SETTLE, RECV('S')},
     "C send epipe\n"
     "C shutdown ok\n"
     "S recv 0\n"},
    {"FIN with unread data, then the reader sends to a closed peer",
     SETUP_PAIR,
     {SEND('S', "abc"), CLOSE('S'), SETTLE, READY('C'), SEND('C', "q"), SETTLE,
      RECV('C'), RECV('C'), SEND('C', "r")},
     "S send 3\n"
     "C ready IN|OUT|RDHUP\n"
     "C send 1\n"
     "C recv 3 \"abc\"\n"
     "C recv 0\n"
     "C send epipe\n"},
    {"data then FIN: both are read in order",
     SETUP_PAIR,
     {SEND('S', "abc"), SHUT('S', 2), SETTLE, READY('C'), RECV('C'), RECV('C'),
      SEND('C', "ok"), SETTLE, RECV('S'), RECV('S')},
     "S send 3\n"
     "C ready IN|OUT|RDHUP\n"
     "C recv 3 \"abc\"\n"
     "C recv 0\n"
     "C send 2\n"
     "S recv 2 \"ok\"\n"
     "S recv eagain\n"},
    {"a listener is not connected",
     SETUP_PAIR,
     {RECV('L'), SEND('L', "a"), SHUT('L', 2), READY('L')},
     "L recv enotconn\n"
     "L send epipe\n"
     "L shutdown enotconn\n"
     "L ready -\n"},
    {"shutdown while connecting (SYN dropped by a full backlog) aborts it",
     SETUP_SYN_SENT,
     {READY('C'), SHUTLOG('C', 1), READY('C'), RECV('C'), SEND('C', "a"),
      SOCKERR('C'), RECV('C'), SEND('C', "a"), READY('C')},
     "C ready -\n"
     "C shutdown ok\n"
     "C ready OUT|HUP|ERR\n"
     "C recv econnreset\n"
     "C send epipe\n"
     "C sockerr ok\n"
     "C recv enotconn\n"
     "C send epipe\n"
     "C ready OUT|HUP\n"},
    {"the listener closes with a connection nobody accepted: it is reset",
     SETUP_PENDING,
     {SETTLE, READY('C'), CLOSE('L'), SETTLE, READY('C'), RECV('C'),
      SEND('C', "a")},
     "C ready OUT\n"
     "C ready IN|OUT|RDHUP|HUP|ERR\n"
     "C recv econnreset\n"
     "C send epipe\n"},
};

/* ---- running a row ----------------------------------------------------------
 */

typedef struct runner {
  wr_net *n;
  int c, s, l, filler;
  tu_str log;
} runner;

static void settle(wr_net *n) {
  if (wr_simnet_is(n)) {
    /* What is in flight arrives within microseconds; a SYN dropped by a
     * full backlog is retried only after a second, on both transports. */
    wr_simnet_run(n, wr_net_now(n) + 30 * WR_NS_PER_MS);
    return;
  }
  /* Real sockets on loopback: the kernel delivers within microseconds;
   * wait 30 ms of real time, handling nothing, so everything in flight has
   * arrived. This bounds the wait; the test never asserts on timing. */
  wr_time until = wr_net_now(n) + 30 * WR_NS_PER_MS;
  wr_net_event ev[16];
  while (wr_net_now(n) < until) {
    if (wr_net_poll(n, ev, 16, until) <= 0)
      break;
    /* Level-triggered events would return at once: wait out the rest. */
    struct timespec ts = {0, 2 * 1000 * 1000};
    nanosleep(&ts, NULL);
  }
}

static int who_handle(runner *r, char who) {
  return who == 'C' ? r->c : who == 'S' ? r->s : r->l;
}

static void log_result(runner *r, char who, const char *what, long rc,
                       const char *data) {
  if (rc < 0)
    tu_str_printf(&r->log, "%c %s %s\n", who, what, wr_err_name((int)rc));
  else if (data && rc > 0) {
    tu_str_printf(&r->log, "%c %s %ld ", who, what, rc);
    tu_str_quote(&r->log, data, (size_t)rc);
    tu_str_printf(&r->log, "\n");
  } else if (!strcmp(what, "shutdown") || !strcmp(what, "sockerr"))
    tu_str_printf(&r->log, "%c %s ok\n", who, what);
  else
    tu_str_printf(&r->log, "%c %s %ld\n", who, what, rc);
}

static void setup(runner *r, int kind) {
  wr_net *n = r->n;
  r->c = r->s = r->l = -1;
  r->l = wr_net_listen(n, NULL, kind == SETUP_SYN_SENT ? 0 : 5);
  assert_true(r->l >= 0);
  wr_addr a;
  assert_int_equal(wr_net_local_addr(n, r->l, &a), 0);
  if (kind == SETUP_REFUSED) {
    wr_net_close(n, r->l); /* the port is now known to be closed */
    r->l = -1;
  }
  if (kind == SETUP_SYN_SENT) {
    /* Backlog 0 holds one connection: the filler. The next SYN is
     * dropped and its client stays in SYN-SENT. */
    r->filler = wr_net_connect(n, &a);
    settle(n);
  }
  r->c = wr_net_connect(n, &a);
  assert_true(r->c >= 0);
  wr_net_watch(n, r->c, WR_EV_IN);
  if (kind == SETUP_SYN_SENT)
    settle(n);
  if (kind == SETUP_PAIR) {
    settle(n);
    r->s = wr_net_accept(n, r->l, NULL);
    assert_true(r->s >= 0);
  }
}

/* Returns 0, or -1 after printing the row, what was expected and what
 * happened. */
static int run_case(wr_net *n, const xcase *x) {
  runner r = {.n = n};
  setup(&r, x->setup);
  char buf[256];
  for (const step *st = x->steps; st->op != OP_END; st++) {
    int h = who_handle(&r, st->who);
    long rc;
    switch (st->op) {
    case OP_SEND:
      rc = wr_net_send(n, h, st->arg, strlen(st->arg));
      log_result(&r, st->who, "send", rc, NULL);
      break;
    case OP_RECV:
      rc = wr_net_recv(n, h, buf, sizeof buf);
      log_result(&r, st->who, "recv", rc, buf);
      break;
    case OP_SHUT:
      rc = wr_net_shutdown(n, h, st->n);
      /* A successful shutdown is part of the script, not an observation,
       * unless the row asks for it. */
      if (rc < 0 || st->arg)
        log_result(&r, st->who, "shutdown", rc, NULL);
      break;
    case OP_CLOSE:
    case OP_ABORT:
      rc = st->op == OP_CLOSE ? wr_net_close(n, h) : wr_net_abort(n, h);
      assert_int_equal(rc, 0);
      if (st->who == 'C')
        r.c = -1;
      else if (st->who == 'S')
        r.s = -1;
      else
        r.l = -1;
      break;
    case OP_SETTLE:
      settle(n);
      break;
    case OP_READY: {
      char ev[64];
      tu_str_printf(&r.log, "%c ready %s\n", st->who,
                    wr_net_events_str(wr_net_readiness(n, h), ev, sizeof ev));
      break;
    }
    case OP_SOCKERR:
      log_result(&r, st->who, "sockerr", wr_net_sockerr(n, h), NULL);
      break;
    default:
      fail_msg("bad step");
    }
  }
  int rc = 0;
  if (strcmp(tu_str_c(&r.log), x->expect) != 0) {
    print_error("%s: row '%s'\n--- expected\n%s--- got\n%s", wr_net_name(n),
                x->name, x->expect, tu_str_c(&r.log));
    rc = -1;
  }
  tu_str_free(&r.log);
  return rc;
}

static wr_net *make_net(int loopback) {
  wr_net *n = NULL;
  char err[256];
  if (loopback) {
    if (wr_loopback_create(NULL, &n, err, sizeof err) < 0)
      fail_msg("loopback: %s", err);
  } else {
    wr_simnet_config cfg;
    wr_simnet_config_init(&cfg);
    /* A little latency, so that nothing depends on zero delay. */
    wr_policy_parse("latency:50us", &cfg.c2s, NULL, 0);
    wr_policy_parse("latency:70us", &cfg.s2c, NULL, 0);
    if (wr_simnet_create(&cfg, &n, err, sizeof err) < 0)
      fail_msg("simnet: %s", err);
  }
  return n;
}

static void run_table(int loopback) {
  int failed = 0;
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    wr_net *n = make_net(loopback);
    failed += run_case(n, &cases[i]) < 0;
    wr_net_destroy(n);
  }
  if (failed)
    fail_msg("%d of %zu rows differ", failed, sizeof cases / sizeof cases[0]);
}

static void test_table_simnet(void **state) {
  (void)state;
  run_table(0);
}

static void test_table_loopback(void **state) {
  (void)state;
  run_table(1);
}

/* Linux queues backlog + 1 connections; the rest stay in SYN-SENT (their
 * SYN was dropped). The count must be the same on both transports. */
static void run_backlog(int loopback) {
  for (int backlog = 0; backlog <= 2; backlog++) {
    wr_net *n = make_net(loopback);
    int l = wr_net_listen(n, NULL, backlog);
    wr_addr a;
    wr_net_local_addr(n, l, &a);
    int c[5];
    for (int i = 0; i < 5; i++)
      c[i] = wr_net_connect(n, &a);
    if (wr_simnet_is(n))
      wr_simnet_run(n, 500 * WR_NS_PER_MS); /* before the 1 s retry */
    else
      settle(n);
    int connected = 0, accepted = 0;
    for (int i = 0; i < 5; i++)
      connected += (wr_net_readiness(n, c[i]) & WR_EV_OUT) != 0;
    while (wr_net_accept(n, l, NULL) >= 0)
      accepted++;
    if (connected != backlog + 1 || accepted != backlog + 1)
      fail_msg("%s backlog %d: %d connected, %d accepted, expected %d",
               wr_net_name(n), backlog, connected, accepted, backlog + 1);
    wr_net_destroy(n);
  }
}

static void test_backlog_simnet(void **state) {
  (void)state;
  run_backlog(0);
}

static void test_backlog_loopback(void **state) {
  (void)state;
  run_backlog(1);
}

/* Kernel options read back the same on both transports: Linux's rules on
 * loopback, simnet's imitation of them (values within the default
 * wmem_max/rmem_max, which every Linux machine allows). */
static void run_sockopts(int loopback) {
  static const struct {
    wr_net_sockopt opt;
    int set, want;
  } rows[] = {
      {WR_NET_SO_RCVBUF, 1153, 2306}, {WR_NET_SO_RCVBUF, 1, 2304},
      {WR_NET_SO_RCVBUF, 0, 2304},    {WR_NET_SO_RCVBUF, 50000, 100000},
      {WR_NET_SO_SNDBUF, 1, 4608},    {WR_NET_SO_SNDBUF, 3000, 6000},
      {WR_NET_IP_TOS, 7, 4},          {WR_NET_IP_TOS, 255, 252},
      {WR_NET_IP_TOS, 256, 0},        {WR_NET_SO_PRIORITY, 5, 5},
      {WR_NET_TCP_NODELAY, 1, 1},     {WR_NET_TCP_NODELAY, 0, 0},
  };
  wr_net *n = make_net(loopback);
  int l = wr_net_listen(n, NULL, 1);
  wr_addr a;
  wr_net_local_addr(n, l, &a);
  int c = wr_net_connect(n, &a);
  settle(n);
  assert_true(wr_net_accept(n, l, NULL) >= 0); /* before the listener's */
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    int v = -7;
    assert_int_equal(wr_net_set_sockopt(n, c, rows[i].opt, rows[i].set), 0);
    assert_int_equal(wr_net_get_sockopt(n, c, rows[i].opt, &v), 0);
    if (v != rows[i].want)
      fail_msg("%s: option %d set %d reads %d, expected %d", wr_net_name(n),
               (int)rows[i].opt, rows[i].set, v, rows[i].want);
  }
  /* A listener's buffers and tos go to the connections it accepts; its
   * priority does not (Linux drops it; the socket layer sets it again). */
  assert_int_equal(wr_net_set_sockopt(n, l, WR_NET_SO_RCVBUF, 40000), 0);
  assert_int_equal(wr_net_set_sockopt(n, l, WR_NET_IP_TOS, 16), 0);
  assert_int_equal(wr_net_set_sockopt(n, l, WR_NET_SO_PRIORITY, 3), 0);
  int v = 0;
  assert_int_equal(wr_net_get_sockopt(n, l, WR_NET_SO_RCVBUF, &v), 0);
  assert_int_equal(v, 80000);
  assert_true(wr_net_connect(n, &a) >= 0);
  settle(n);
  int s = wr_net_accept(n, l, NULL);
  assert_true(s >= 0);
  assert_int_equal(wr_net_get_sockopt(n, s, WR_NET_SO_RCVBUF, &v), 0);
  assert_int_equal(v, 80000);
  assert_int_equal(wr_net_get_sockopt(n, s, WR_NET_IP_TOS, &v), 0);
  assert_int_equal(v, 16);
  assert_int_equal(wr_net_get_sockopt(n, s, WR_NET_SO_PRIORITY, &v), 0);
  assert_int_equal(v, 0);
  assert_int_equal(wr_net_set_sockopt(n, s, (wr_net_sockopt)9, 1), WR_EINVAL);
  wr_net_destroy(n);
}

static void test_sockopts_simnet(void **state) {
  (void)state;
  run_sockopts(0);
}

static void test_sockopts_loopback(void **state) {
  (void)state;
  run_sockopts(1);
}

/* The same data exchange on both transports over IPv6 too. */
static void test_ipv6_loopback(void **state) {
  (void)state;
  wr_net *n = make_net(1);
  wr_addr a = wr_addr_loopback6(0);
  int l = wr_net_listen(n, &a, 1);
  if (l == WR_EADDRNOTAVAIL) {
    wr_net_destroy(n);
    skip(); /* no ::1 configured in this sandbox */
  }
  assert_true(l >= 0);
  wr_net_local_addr(n, l, &a);
  assert_int_equal(a.family, 6);
  int c = wr_net_connect(n, &a);
  settle(n);
  int s = wr_net_accept(n, l, NULL);
  assert_true(s >= 0);
  assert_int_equal(wr_net_send(n, c, "v6", 2), 2);
  settle(n);
  char buf[8];
  assert_int_equal(wr_net_recv(n, s, buf, sizeof buf), 2);
  /* Non-loopback addresses are refused. */
  wr_addr out;
  wr_addr_parse("192.0.2.1:80", &out, NULL, 0);
  assert_int_equal(wr_net_connect(n, &out), WR_EADDRNOTAVAIL);
  wr_net_destroy(n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_table_simnet),
      cmocka_unit_test(test_table_loopback),
      cmocka_unit_test(test_backlog_simnet),
      cmocka_unit_test(test_backlog_loopback),
      cmocka_unit_test(test_ipv6_loopback),
      cmocka_unit_test(test_sockopts_simnet),
      cmocka_unit_test(test_sockopts_loopback),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
