/* Floods, measured: active true against a flooding peer fills the owner's
 * mailbox without bound, as in Erlang; once and N keep it bounded and the
 * data waits in the kernel; the flooding sender's queue stays bounded by
 * its watermarks. Runs where segments are whole (simnet and loopback). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sock/sockfix.h"
#include "testutil.h"

#define CHUNK (64u * 1024u)
#define TOTAL (8u * 1024u * 1024u)

/* Sends until TOTAL bytes went out or a send times out (the peer does not
 * read); returns the bytes accepted and checks the queue bound. */
static size_t flood(sx *x, size_t *max_queued) {
  static uint8_t chunk[CHUNK];
  memset(chunk, 'f', sizeof chunk);
  size_t sent = 0;
  *max_queued = 0;
  while (sent < TOTAL) {
    int rc = wr_sock_send(x->c, chunk, sizeof chunk);
    size_t q = wr_sock_queued(x->c);
    if (q > *max_queued)
      *max_queued = q;
    sent += sizeof chunk; /* queued even on timeout */
    if (rc == WR_TIMEOUT)
      break;
    TU_CHECK(rc == 0, "send: %s", wr_err_name(rc));
  }
  return sent;
}

static void active_true(sx *x) {
  if (!strstr(x->v->policy, "whole"))
    return;
  size_t maxq;
  size_t sent = flood(x, &maxq);
  TU_CHECK(sent == TOTAL, "a reading peer never blocks the sender (%zu)", sent);
  for (int i = 0; i < 1000 && wr_mailbox_bytes(x->ms) < TOTAL; i++)
    wr_sockenv_run(x->env, 10);
  size_t n = wr_mailbox_len(x->ms), b = wr_mailbox_bytes(x->ms);
  print_message("  [%s] active true: mailbox %zu messages, %zu bytes "
                "(peak %zu); sender queue peak %zu\n",
                x->v->name, n, b, wr_mailbox_peak(x->ms), maxq);
  TU_CHECK(b == TOTAL, "every byte sits in the mailbox: %zu of %u", b, TOTAL);
  TU_CHECK(n >= TOTAL / 1460, "messages of at most `buffer` bytes: %zu", n);
}
static void test_flood_active_true(void **st) {
  (void)st;
  sx_each(active_true, "active=false send_timeout=200", "active=true");
}

static void bounded(sx *x, size_t max_msgs) {
  if (!strstr(x->v->policy, "whole"))
    return;
  size_t maxq;
  size_t sent = flood(x, &maxq);
  wr_sockenv_run(x->env, 50);
  size_t n = wr_mailbox_len(x->ms);
  print_message("  [%s] %zu messages in the mailbox, sender stopped after "
                "%zu bytes, sender queue peak %zu\n",
                x->v->name, n, sent, maxq);
  TU_CHECK(n >= 1 && n <= max_msgs, "mailbox bounded: %zu", n);
  TU_CHECK(sent < TOTAL, "the sender was held back");
  /* The queue grows by at most one send past the high watermark. */
  TU_CHECK(maxq <= 8192 + 2 * CHUNK, "sender queue bounded: %zu", maxq);
}
static void once(sx *x) { bounded(x, 1); }
static void n10(sx *x) { bounded(x, 11); /* 10 data + tcp_passive */ }
static void test_flood_active_once(void **st) {
  (void)st;
  sx_each(once, "active=false send_timeout=200", "active=once");
}
static void test_flood_active_n(void **st) {
  (void)st;
  sx_each(n10, "active=false send_timeout=200", "active=10");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_flood_active_true),
      cmocka_unit_test(test_flood_active_once),
      cmocka_unit_test(test_flood_active_n),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
