/* Sending (semantics §1.4, §5.3, §5.4): framing on send, the driver queue
 * and its watermarks, send_timeout, shutdown and close, on every transport
 * variant (sock/sockfix.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sock/sockfix.h"
#include "testutil.h"
#include "wirerig/simnet.h"

#define P "active=false"

/* Bulk transfers run where segments are not one byte (a one-byte schedule
 * of megabytes would only measure the simulator). */
static int bulk_ok(const sx *x) {
  return strstr(x->v->policy, "whole") != NULL;
}

/* packet 1 wraps the size: 300 bytes get header 44. */
static void wrap(sx *x) {
  char big[300];
  memset(big, 'x', sizeof big);
  sx_send(x->c, big, sizeof big);
  sx_setopts(x->c, "packet=2");
  sx_send(x->c, "", 0); /* an empty packet: <<0,0>> */
  sx_setopts(x->c, "packet=raw");
  sx_send(x->c, "", 0); /* nothing on the wire */
  SX_SEND(x->c, "!");
  SX_EQ(sx_recv(x, x->s, 1, 5000), "ok \",\"");
  wr_sock_data d;
  TU_CHECK(wr_sock_recv(x->s, 300, 5000, &d) == 0 && d.len == 300, "body");
  wr_sock_data_free(&d);
  SX_EQ(sx_recv(x, x->s, 3, 5000), "ok \"\\x00\\x00!\"");
}
static void test_send_framing(void **st) {
  (void)st;
  sx_each(wrap, "active=false packet=1", P);
}

/* Reads n bytes from s, checking every byte against the pattern; an error
 * that ends it is kept in drain_err. */
static int drain_err;
static size_t drain(sx *x, wr_sock *s, size_t n) {
  size_t got = 0;
  drain_err = 0;
  for (int i = 0; got < n && i < 100000; i++) {
    wr_sock_data d;
    int rc = wr_sock_recv(s, 0, 5000, &d);
    if (rc) {
      drain_err = rc;
      break;
    }
    for (size_t k = 0; k < d.len; k++)
      TU_CHECK(d.data[k] == (uint8_t)((got + k) % 251), "byte %zu", got + k);
    got += d.len;
    wr_sock_data_free(&d);
  }
  (void)x;
  return got;
}

static uint8_t *pattern(size_t n, size_t from) {
  uint8_t *p = malloc(n);
  for (size_t i = 0; i < n; i++)
    p[i] = (uint8_t)((from + i) % 251);
  return p;
}

/* The first send into an empty queue returns ok at once; the next one at
 * the high watermark blocks and times out; its data stays queued and is
 * delivered. */
#define BIG (6u * 1024u * 1024u)
static void watermark(sx *x) {
  if (!bulk_ok(x))
    return;
  uint8_t *a = pattern(BIG, 0), *b = pattern(1000, BIG);
  TU_CHECK(wr_sock_send(x->c, a, BIG) == 0, "first send");
  TU_CHECK(wr_sock_queued(x->c) > 0, "the kernel did not take everything");
  TU_CHECK(wr_sock_send(x->c, b, 1000) == WR_TIMEOUT, "second send blocks");
  /* The queue keeps its own copy once the send has returned: the caller
   * may reuse the buffer (the send borrowed it only while it waited). */
  memset(b, 0xee, 1000);
  size_t q = wr_sock_queued(x->c);
  TU_CHECK(wr_sock_send(x->c, b, 0) == 0, "an empty raw send is ok");
  TU_CHECK(q >= 1000, "timed-out data stays queued");
  /* send_timeout 0: a timeout at once, data queued as well. */
  sx_setopts(x->c, "send_timeout=0");
  uint8_t *c2 = pattern(10, BIG + 1000);
  TU_CHECK(wr_sock_send(x->c, c2, 10) == WR_TIMEOUT, "send_timeout 0");
  free(c2);
  size_t got = drain(x, x->s, BIG + 1010);
  TU_CHECK(got == BIG + 1010, "peer got %zu of %u bytes", got, BIG + 1010);
  TU_CHECK(wr_sock_queued(x->c) == 0, "queue drained");
  free(a);
  free(b);
}
static void test_watermark_send_timeout(void **st) {
  (void)st;
  sx_each(watermark, P " send_timeout=100", P);
}

static void timeout_close(sx *x) {
  if (!bulk_ok(x))
    return;
  uint8_t *a = pattern(BIG, 0);
  TU_CHECK(wr_sock_send(x->c, a, BIG) == 0, "first send");
  TU_CHECK(wr_sock_send(x->c, a, 10) == WR_TIMEOUT, "timeout");
  TU_CHECK(wr_sock_send(x->c, a, 10) == WR_ENOTCONN, "then enotconn");
  SX_EQ(sx_recv(x, x->c, 0, 0), "error enotconn");
  free(a);
}
static void test_send_timeout_close(void **st) {
  (void)st;
  sx_each(timeout_close, P " send_timeout=50 send_timeout_close=true", P);
}

/* shutdown(write) with a queue: ok now, FIN after the queue. */
static void shut_pending(sx *x) {
  if (!bulk_ok(x))
    return;
  uint8_t *a = pattern(BIG, 0);
  TU_CHECK(wr_sock_send(x->c, a, BIG) == 0, "send");
  TU_CHECK(wr_sock_queued(x->c) > 0, "queued");
  TU_CHECK(wr_sock_shutdown(x->c, WR_SHUT_WR) == 0, "shutdown");
  TU_CHECK(drain(x, x->s, BIG) == BIG, "everything arrives");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error closed");
  free(a);
}
static void test_shutdown_postponed(void **st) {
  (void)st;
  sx_each(shut_pending, P, P);
}

/* A send while the shutdown waits: closed, the socket closes and the
 * queue is dropped (the peer gets less than was sent). */
static void shut_then_send(sx *x) {
  if (!bulk_ok(x))
    return;
  uint8_t *a = pattern(BIG, 0);
  TU_CHECK(wr_sock_send(x->c, a, BIG) == 0, "send");
  TU_CHECK(wr_sock_shutdown(x->c, WR_SHUT_WR) == 0, "shutdown");
  TU_CHECK(wr_sock_send(x->c, "x", 1) == WR_CLOSED, "send while pending");
  SX_EQ(sx_recv(x, x->c, 0, 0), "error closed");
  size_t got = drain(x, x->s, BIG);
  TU_CHECK(got < BIG, "the queue was discarded (%zu)", got);
  free(a);
}
static void test_send_during_pending_shutdown(void **st) {
  (void)st;
  sx_each(shut_then_send, P, P);
}

/* shutdown(write) with an empty queue: reading still works; a send says
 * closed and closes the socket. */
static void shut_now(sx *x) {
  TU_CHECK(wr_sock_shutdown(x->c, WR_SHUT_WR) == 0, "shutdown");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error closed");
  SX_SEND(x->s, "back");
  SX_EQ(sx_recv(x, x->c, 4, 5000), "ok \"back\"");
  TU_CHECK(wr_sock_send(x->c, "x", 1) == WR_CLOSED, "send after shutdown");
  SX_EQ(sx_recv(x, x->c, 0, 0), "error closed");
  SX_EQ(sx_recv(x, x->s, 0, 0), "error closed");
}
static void test_shutdown_write_immediate(void **st) {
  (void)st;
  sx_each(shut_now, P, P " exit_on_close=false");
}

/* close waits for the queue: the peer gets every byte. */
static void close_drains(sx *x) {
  if (!bulk_ok(x))
    return;
  uint8_t *a = pattern(BIG, 0);
  TU_CHECK(wr_sock_send(x->c, a, BIG) == 0, "send");
  /* The peer reads while close waits only on loopback (the kernel); on
   * simnet close runs the loop and the peer's window drains it. */
  sx_setopts(x->s, "active=true");
  TU_CHECK(wr_sock_close(x->c) == 0, "close");
  size_t got = 0;
  wr_msg m;
  while (wr_mailbox_recv(x->ms, 5000, &m) == 0) {
    int closed = m.kind == WR_MSG_TCP_CLOSED;
    got += m.len;
    wr_msg_free(&m);
    if (closed)
      break;
  }
  TU_CHECK(got == BIG, "peer got %zu of %u", got, BIG);
  TU_CHECK(wr_sock_send(x->c, "x", 1) == WR_CLOSED, "use after close");
  SX_EQ(sx_recv(x, x->c, 0, 0), "error closed");
  TU_CHECK(wr_sock_close(x->c) == 0, "second close");
  free(a);
}
static void test_close_drains_queue(void **st) {
  (void)st;
  sx_each(close_drains, P, P);
}

/* linger {true, 0}: RST, the peer sees econnreset. */
static void linger0(sx *x) {
  SX_SEND(x->c, "data");
  sx_settle(x, 100);
  TU_CHECK(wr_sock_close(x->c) == 0, "close");
  SX_EQ(sx_recv(x, x->s, 4, 5000), "ok \"data\"");
  SX_EQ(sx_recv(x, x->s, 4, 5000), "error econnreset");
}

/* ... and the driver queue is discarded. */
static void linger0_queue(sx *x) {
  if (!bulk_ok(x))
    return;
  uint8_t *a = pattern(BIG, 0);
  TU_CHECK(wr_sock_send(x->c, a, BIG) == 0, "send");
  TU_CHECK(wr_sock_queued(x->c) > 0, "queued");
  TU_CHECK(wr_sock_close(x->c) == 0, "close");
  size_t got = drain(x, x->s, BIG);
  TU_CHECK(got < BIG, "queue discarded, peer got %zu", got);
  TU_CHECK(drain_err == WR_ECONNRESET, "reset seen, got %s",
           wr_err_name(drain_err));
  free(a);
}
static void test_linger_zero_discards(void **st) {
  (void)st;
  sx_each(linger0_queue, P " linger=true,0", P " show_econnreset=true");
}
static void test_linger_zero_resets(void **st) {
  (void)st;
  sx_each(linger0, P " linger=true,0", P " show_econnreset=true");
}

/* The owner exited with data queued: the port is closed for every caller
 * at once, nobody waits, and the loop still writes the queue out before
 * the FIN (OTP 25, scenarios/processes/owner-exit-flushes.scn). */
static void owner_exit(sx *x) {
  if (!bulk_ok(x))
    return;
  uint8_t *a = pattern(BIG, 0);
  TU_CHECK(wr_sock_send(x->c, a, BIG) == 0, "send");
  TU_CHECK(wr_sock_queued(x->c) > 0, "queued");
  TU_CHECK(wr_sock_owner_exit(x->c) == 0, "owner exit");
  TU_CHECK(wr_sock_send(x->c, "x", 1) == WR_CLOSED, "the port is closed");
  TU_CHECK(wr_sock_owner_exit(x->c) == 0, "a second exit");
  size_t got = drain(x, x->s, BIG);
  TU_CHECK(got == BIG, "peer got %zu of %u", got, BIG);
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error closed");
  free(a);
}
static void test_owner_exit_flushes(void **st) {
  (void)st;
  sx_each(owner_exit, P, P);
}

/* delay_send: sends go through the queue, the bytes are the same. */
static void delayed(sx *x) {
  SX_SEND(x->c, "\0\1a");
  SX_SEND(x->c, "\0\1b");
  TU_CHECK(wr_sock_queued(x->c) == 6, "queued, not written: %zu",
           wr_sock_queued(x->c));
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok \"a\"");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok \"b\"");
  TU_CHECK(wr_sock_queued(x->c) == 0, "flushed");
}
static void test_delay_send(void **st) {
  (void)st;
  sx_each(delayed, P " delay_send=true", P " packet=2");
}

/* linger {true, T}: close gives up on the queue after T seconds. */
static void linger_t(sx *x) {
  if (!bulk_ok(x))
    return;
  uint8_t *a = pattern(BIG, 0);
  TU_CHECK(wr_sock_send(x->c, a, BIG) == 0, "send");
  TU_CHECK(wr_sock_queued(x->c) > 0, "queued");
  wr_time t0 = wr_net_now(x->net);
  TU_CHECK(wr_sock_close(x->c) == 0, "close");
  TU_CHECK(wr_net_now(x->net) - t0 >= WR_NS_PER_SEC, "close waited");
  size_t got = drain(x, x->s, BIG);
  TU_CHECK(got < BIG, "the rest of the queue was dropped: %zu", got);
  free(a);
}
static void test_linger_timeout(void **st) {
  (void)st;
  sx_each(linger_t, P " linger=true,1", P);
}

/* The borrowed tail of the queue (sock_send.c): a waiting send's payload
 * is written with the queue's own bytes, in one write and in writes of
 * any size; a send queued behind it (another process's: here the wait's
 * yield hook sends) first makes it the queue's own; and each caller may
 * reuse its buffer once its send has returned. simnet, for the trace and
 * the forced write sizes. */
enum { BA_LEN = 100000, BC_LEN = 3000, BB_LEN = 5000 };

typedef struct behind {
  sx *x;
  uint8_t *b;
  int sent;
} behind;

static int send_behind(void *ctx, wr_time own, int first, wr_time *until) {
  behind *bh = ctx;
  (void)own, (void)first, (void)until;
  if (!bh->sent) {
    bh->sent = 1;
    TU_CHECK(wr_sock_send(bh->x->c, bh->b, BB_LEN) == 0, "send behind");
    memset(bh->b, 0xee, BB_LEN);
  }
  return 0;
}

static void borrowed_tail(uint32_t write_max) {
  tu_where_set("writes of at most %u bytes (0: any)", write_max);
  sx x;
  sx_open(&x, &sx_variants[0], "active=false", "active=true");
  wr_simnet_trace_keep(x.net, 1);
  if (write_max)
    wr_simnet_fault_short_writes(x.net, wr_sock_handle(x.c), write_max);
  uint8_t *a = pattern(BA_LEN, 0), *c = pattern(BC_LEN, BA_LEN),
          *b = pattern(BB_LEN, BA_LEN + BC_LEN);
  TU_CHECK(wr_sock_send(x.c, a, BA_LEN) == 0, "first send");
  behind bh = {&x, b, 0};
  wr_sock_sched sched = {.yield = send_behind, .ctx = &bh};
  wr_sockenv_set_sched(x.env, &sched);
  TU_CHECK(wr_sock_send(x.c, c, BC_LEN) == 0, "the send that waits");
  memset(c, 0xee, BC_LEN);
  wr_sockenv_set_sched(x.env, NULL);
  TU_CHECK(bh.sent, "the yield hook sent");
  size_t total = BA_LEN + BC_LEN + BB_LEN, got = 0, bad = 0;
  wr_msg m;
  while (got < total && wr_mailbox_recv(x.ms, 5000, &m) == 0) {
    for (size_t k = 0; k < m.len; k++)
      bad += m.data[k] != (uint8_t)((got + k) % 251);
    got += m.len;
    wr_msg_free(&m);
  }
  TU_CHECK(got == total && bad == 0, "%zu of %zu bytes, %zu wrong", got, total,
           bad);
  if (!write_max) {
    /* B was borrowed behind the rest of A and C: one write took both
     * sides of that boundary. */
    uint64_t at = BA_LEN + BC_LEN;
    int spans = 0;
    for (size_t i = 0; i < wr_simnet_trace_count(x.net); i++) {
      const wr_trace_rec *r = wr_simnet_trace_get(x.net, i);
      spans |= r->kind == WR_TR_WRITE && r->dir == 0 && r->a < at &&
               r->a + r->b > at;
    }
    TU_CHECK(spans, "no write took both sides of offset %llu",
             (unsigned long long)at);
  }
  sx_close(&x);
  free(a);
  free(b);
  free(c);
}

static void test_borrowed_queue_tail(void **st) {
  (void)st;
  borrowed_tail(0);
  for (uint32_t n = 2; n <= 9; n++)
    borrowed_tail(n);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_send_framing),
      cmocka_unit_test(test_borrowed_queue_tail),
      cmocka_unit_test(test_owner_exit_flushes),
      cmocka_unit_test(test_watermark_send_timeout),
      cmocka_unit_test(test_send_timeout_close),
      cmocka_unit_test(test_shutdown_postponed),
      cmocka_unit_test(test_send_during_pending_shutdown),
      cmocka_unit_test(test_shutdown_write_immediate),
      cmocka_unit_test(test_close_drains_queue),
      cmocka_unit_test(test_linger_zero_resets),
      cmocka_unit_test(test_linger_zero_discards),
      cmocka_unit_test(test_delay_send),
      cmocka_unit_test(test_linger_timeout),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
