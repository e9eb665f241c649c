/* Active modes and the mailbox (semantics §4.1, §4.3, the active columns
 * of the table in §4.4), on every transport variant (sock/sockfix.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sock/sockfix.h"
#include "testutil.h"
#include "wirerig/simnet.h"

#define P "active=false"

/* once: one message per arm; a fourth arm with nothing pending is silent. */
static void once(sx *x) {
  SX_SEND(x->c, "\0\1a\0\1b\0\1c");
  sx_settle(x, 100);
  for (int i = 0; i < 3; i++) {
    char want[16];
    snprintf(want, sizeof want, "tcp \"%c\"", 'a' + i);
    sx_setopts(x->s, "active=once");
    SX_EQ(sx_msgs(x, x->ms, want), want);
  }
  sx_setopts(x->s, "active=once");
  SX_EQ(sx_msgs(x, x->ms, ""), "");
}
static void test_active_once(void **st) {
  (void)st;
  sx_each(once, P, P " packet=2");
}

/* {active, N}: counting, tcp_passive after the last data message. */
static void counter(sx *x) {
  SX_SEND(x->c, "\0\1a\0\1b\0\1c");
  sx_setopts(x->s, "active=2");
  SX_EQ(sx_msgs(x, x->ms, "tcp \"a\"; tcp \"b\"; tcp_passive"),
        "tcp \"a\"; tcp \"b\"; tcp_passive");
  wr_sockopt o = {WR_OPT_ACTIVE, 0, 0};
  TU_CHECK(wr_sock_getopt(x->s, &o) == 0 && o.value == WR_ACTIVE_FALSE,
           "passive after the counter ran out");
  sx_setopts(x->s, "active=2 active=3"); /* both applied: 5 */
  SX_EQ(sx_msgs(x, x->ms, "tcp \"c\""), "tcp \"c\"");
  TU_CHECK(wr_sock_getopt(x->s, &o) == 0 && o.value == WR_ACTIVE_N &&
               o.value2 == 4,
           "counter 4, got mode %d count %d", (int)o.value, (int)o.value2);
  sx_setopts(x->s, "active=-4"); /* reaches 0: passive, tcp_passive now */
  SX_EQ(sx_msgs(x, x->ms, "tcp_passive"), "tcp_passive");
  sx_setopts(x->s, "active=0"); /* on a passive socket too */
  SX_EQ(sx_msgs(x, x->ms, "tcp_passive"), "tcp_passive");
  sx_setopts(x->s, "active=32767");
  wr_sockopt one = {WR_OPT_ACTIVE, WR_ACTIVE_N, 1};
  TU_CHECK(wr_sock_setopts(x->s, &one, 1) == WR_EINVAL, "32767 + 1");
  TU_CHECK(wr_sock_getopt(x->s, &o) == 0 && o.value2 == 32767, "unchanged");
  sx_setopts(x->s, "active=once"); /* resets the counter */
  sx_setopts(x->s, "active=false");
  wr_sockopt big = {WR_OPT_ACTIVE, WR_ACTIVE_N, 32768};
  TU_CHECK(wr_sock_setopts(x->s, &big, 1) == WR_EINVAL, "N out of range");
}
static void test_active_n(void **st) {
  (void)st;
  sx_each(counter, P, P " packet=2");
}

/* true: every packet, then tcp_closed; exit_on_close closes the port. */
static void fin_active(sx *x) {
  SX_SEND(x->c, "\0\1a\0\1b\0\3x");
  wr_sock_close(x->c);
  SX_EQ(sx_msgs(x, x->ms, "tcp \"a\"; tcp \"b\"; tcp_closed"),
        "tcp \"a\"; tcp \"b\"; tcp_closed");
  TU_CHECK(wr_sock_send(x->s, "q", 1) == WR_CLOSED, "send after exit");
  SX_EQ(sx_recv(x, x->s, 0, 0), "error closed");
}
static void test_fin_active_true(void **st) {
  (void)st;
  sx_each(fin_active, P, "active=true packet=2");
}

/* exit_on_close false: tcp_closed, and the socket can still send. */
static void fin_half(sx *x) {
  wr_sock_shutdown(x->c, WR_SHUT_WR);
  SX_EQ(sx_msgs(x, x->ms, "tcp_closed"), "tcp_closed");
  TU_CHECK(wr_sock_send(x->s, "ok", 2) == 0, "send after tcp_closed");
  SX_EQ(sx_recv(x, x->c, 2, 5000), "ok \"ok\"");
}
static void test_fin_exit_on_close_false(void **st) {
  (void)st;
  sx_each(fin_half, P, "active=true exit_on_close=false");
}

static void rst_active(sx *x) {
  SX_SEND(x->c, "\0\1a");
  sx_settle(x, 100);
  sx_setopts(x->c, "linger=true,0");
  wr_sock_close(x->c);
  sx_setopts(x->s, "active=true");
  SX_EQ(sx_msgs(x, x->ms, "tcp \"a\"; tcp_error econnreset; tcp_closed"),
        "tcp \"a\"; tcp_error econnreset; tcp_closed");
}
static void test_rst_active_show(void **st) {
  (void)st;
  sx_each(rst_active, P, P " packet=2 show_econnreset=true");
}

static void rst_quiet(sx *x) {
  sx_setopts(x->c, "linger=true,0");
  wr_sock_close(x->c);
  SX_EQ(sx_msgs(x, x->ms, "tcp_closed"), "tcp_closed");
}
static void test_rst_active_plain(void **st) {
  (void)st;
  sx_each(rst_quiet, P, "active=once packet=2");
}

/* A bad header first in a read: the error at once. */
static void framing_now(sx *x) {
  SX_SEND(x->c, "\0\x09xxxxxxxxx");
  SX_EQ(sx_msgs(x, x->ms, "tcp_error emsgsize; tcp_closed"),
        "tcp_error emsgsize; tcp_closed");
  TU_CHECK(wr_sock_send(x->s, "q", 1) == WR_CLOSED, "port closed");
}
static void test_framing_error_active(void **st) {
  (void)st;
  sx_each(framing_now, P, "active=true packet=2 packet_size=4");
}

/* The deferred-error quirk: a bad header behind a packet of the same read
 * waits for the next input event. It depends on read boundaries, so it
 * runs where a send arrives whole (simnet and loopback "whole"). */
static void deferred(sx *x) {
  if (strstr(x->v->policy, "whole") == NULL)
    return;
  SX_SEND(x->c, "\0\1a\0\x09xxxxxxxxx");
  SX_EQ(sx_msgs(x, x->ms, "tcp \"a\""), "tcp \"a\"");
  SX_SEND(x->c, "z");
  SX_EQ(sx_msgs(x, x->ms, "tcp_error emsgsize; tcp_closed"),
        "tcp_error emsgsize; tcp_closed");
}
static void test_deferred_error(void **st) {
  (void)st;
  sx_each(deferred, P, "active=true packet=2 packet_size=4");
}

/* ... or the FIN, when that is the next input event. */
static void deferred_fin(sx *x) {
  if (strstr(x->v->policy, "whole") == NULL)
    return;
  SX_SEND(x->c, "\0\1a\0\x09xxxxxxxxx");
  wr_sock_close(x->c);
  SX_EQ(sx_msgs(x, x->ms, "tcp \"a\"; tcp_error emsgsize; tcp_closed"),
        "tcp \"a\"; tcp_error emsgsize; tcp_closed");
}
static void test_deferred_error_fin(void **st) {
  (void)st;
  sx_each(deferred_fin, P, "active=true packet=2 packet_size=4");
}

static void deferred_once(sx *x) {
  if (strstr(x->v->policy, "whole") == NULL)
    return;
  SX_SEND(x->c, "\0\1a\0\x09xxxxxxxxx");
  sx_setopts(x->s, "active=once");
  SX_EQ(sx_msgs(x, x->ms, "tcp \"a\""), "tcp \"a\"");
  sx_setopts(x->s, "active=once");
  SX_EQ(sx_msgs(x, x->ms, "tcp_error emsgsize; tcp_closed"),
        "tcp_error emsgsize; tcp_closed");
}
static void test_deferred_error_once(void **st) {
  (void)st;
  sx_each(deferred_once, P, P " packet=2 packet_size=4");
}

static void http_active(sx *x) {
  SX_SEND(x->c, "GET / HTTP/1.1\r\nHost: x\r\n\r\n");
  SX_EQ(sx_msgs(x, x->ms,
                "http http_request \"GET\"; http http_header \"Host\" \"x\"; "
                "http http_eoh"),
        "http http_request \"GET\"; http http_header \"Host\" \"x\"; "
        "http http_eoh");
}
static void test_http_active(void **st) {
  (void)st;
  sx_each(http_active, P, "active=true packet=http_bin");
}

/* An http message says how its strings print: as binaries when the line
 * was framed by http_bin, as lists by http (the type at delivery). */
static int next_http_bin(sx *x) {
  wr_msg m;
  int rc = wr_mailbox_recv(x->ms, 5000, &m);
  TU_CHECK(rc == 0, "%s: no message (%d)", x->v->name, rc);
  TU_CHECK(m.kind == WR_MSG_HTTP, "%s: kind %d", x->v->name, (int)m.kind);
  int bin = m.http_bin;
  wr_msg_free(&m);
  return bin;
}
static void http_bin_flag(sx *x) {
  SX_SEND(x->c, "GET / HTTP/1.1\r\n");
  TU_CHECK(next_http_bin(x) == 1, "%s: http_bin message", x->v->name);
  /* A header needs the next byte (a continuation line?): the empty line
   * that ends the headers waits in the buffer for the next type. */
  sx_setopts(x->s, "packet=httph active=once");
  SX_SEND(x->c, "Host: x\r\n\r\n");
  TU_CHECK(next_http_bin(x) == 0, "%s: httph message", x->v->name);
  sx_setopts(x->s, "packet=httph_bin active=once");
  TU_CHECK(next_http_bin(x) == 1, "%s: httph_bin message", x->v->name);
}
static void test_http_bin_flag(void **st) {
  (void)st;
  sx_each(http_bin_flag, P, "active=once packet=http_bin");
}

/* An http message carries the line's parse from the socket's framing: its
 * spans point into the message's own bytes (so they outlive the receive
 * buffer, which later reads reuse), and it is what parsing the line again
 * in the same state gives. */
static void check_carried(sx *x, const uint8_t *data, size_t len,
                          const wr_http_packet *h, int state, int bin) {
  TU_CHECK(h != NULL, "%s: no parse with the line", x->v->name);
  TU_CHECK(h->line.ptr == data && h->line.len == len, "%s: line span",
           x->v->name);
  const wr_span spans[] = {h->method,    h->uri.s1, h->uri.s2, h->reason,
                           h->raw_field, h->value,  h->line};
  for (size_t k = 0; k < sizeof spans / sizeof spans[0]; k++) {
    const wr_span sp = spans[k];
    int inside = sp.ptr == NULL || (sp.ptr >= data && sp.ptr <= data + len &&
                                    sp.len <= len - (size_t)(sp.ptr - data));
    /* the only exception: an absoluteURI's static "/" */
    int path = k == 2 && sp.len == 1 && sp.ptr[0] == '/';
    TU_CHECK(inside || path, "%s: span %zu outside the message", x->v->name, k);
  }
  wr_http_packet again;
  wr_http_parse(data, len, &state, &again);
  char a[256], b[256];
  wr_http_render(h, bin, a, sizeof a);
  wr_http_render(&again, bin, b, sizeof b);
  TU_CHECK(strcmp(a, b) == 0, "%s: carried %s, parsed again %s", x->v->name, a,
           b);
}

static void http_parse_carried(sx *x) {
  SX_SEND(x->c, "GET http://h/ HTTP/1.1\r\nHost: x\r\nX-Long: v v\r\n\r\n"
                "HTTP/1.1 200 OK\r\n");
  sx_settle(x, 100);
  wr_msg m[5];
  for (int i = 0; i < 5; i++) {
    int rc = wr_mailbox_recv(x->ms, 5000, &m[i]);
    TU_CHECK(rc == 0 && m[i].kind == WR_MSG_HTTP, "%s: message %d", x->v->name,
             i);
  }
  /* More traffic through the receive buffer before the checks (headers,
   * after the status line; the empty line ends them). */
  for (int i = 0; i < 50; i++)
    SX_SEND(x->c,
            "X-Fill: zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz\r\n");
  SX_SEND(x->c, "\r\n");
  sx_settle(x, 100);
  static const int states[] = {WR_HTTP_REQUEST_LINE, WR_HTTP_HEADERS,
                               WR_HTTP_HEADERS, WR_HTTP_HEADERS,
                               WR_HTTP_REQUEST_LINE};
  for (int i = 0; i < 5; i++) {
    check_carried(x, m[i].data, m[i].len, m[i].http, states[i], 1);
    wr_msg_free(&m[i]);
  }
  /* Every filler header, then the end of the headers (waited for: on a
   * segmented loopback they may still be on their way). */
  for (int i = 0; i <= 50; i++) {
    wr_msg t;
    int rc = wr_mailbox_recv(x->ms, 5000, &t);
    TU_CHECK(rc == 0 && t.http &&
                 t.http->kind == (i < 50 ? WR_HTTP_HEADER : WR_HTTP_EOH),
             "%s: filler %d", x->v->name, i);
    wr_msg_free(&t);
  }
  /* Passive: the same through recv's data. */
  sx_setopts(x->s, "active=false packet=http");
  SX_SEND(x->c, "PUT /k HTTP/1.1\r\n");
  wr_sock_data d;
  int rc = wr_sock_recv(x->s, 0, 5000, &d);
  TU_CHECK(rc == 0 && d.is_http, "%s: recv %d", x->v->name, rc);
  SX_SEND(x->c, "Host: y\r\n\r\n");
  sx_settle(x, 100);
  check_carried(x, d.data, d.len, &d.http, WR_HTTP_REQUEST_LINE, 0);
  TU_CHECK(d.http.method_index == 5 && !d.http_bin, "%s: PUT", x->v->name);
  wr_sock_data_free(&d);
}
static void test_http_parse_carried(void **st) {
  (void)st;
  sx_each(http_parse_carried, P, "active=true packet=http_bin");
}

/* controlling_process moves waiting messages, in order. */
static void move(sx *x) {
  SX_SEND(x->c, "\0\1a\0\1b");
  sx_settle(x, 100);
  sx_setopts(x->s, "active=true");
  SX_EQ(sx_msgs(x, x->ms, "tcp \"a\"; tcp \"b\""), "tcp \"a\"; tcp \"b\"");
  /* sx_msgs drained the box: send more, then move it. */
  SX_SEND(x->c, "\0\1c");
  sx_settle(x, 100);
  wr_mailbox *other = NULL;
  wr_mailbox_create(x->env, &other);
  wr_mailbox *third = NULL;
  wr_mailbox_create(x->env, &third);
  /* A message of another socket stays where it is. */
  sx_setopts(x->c, "active=true");
  SX_SEND(x->s, "zz");
  sx_settle(x, 100);
  TU_CHECK(wr_sock_controlling_process(x->c, third) == 0, "move c");
  TU_CHECK(wr_mailbox_len(x->ms) == 1, "s's message stays in ms, got %zu",
           wr_mailbox_len(x->ms));
  TU_CHECK(wr_mailbox_len(third) >= 1 && wr_mailbox_len(x->mc) == 0,
           "c's messages moved to its new owner");
  TU_CHECK(wr_sock_controlling_process(x->s, other) == 0, "move");
  TU_CHECK(wr_mailbox_len(x->ms) == 0, "old box empty");
  SX_SEND(x->c, "\0\1d");
  SX_EQ(sx_msgs(x, other, "tcp \"c\"; tcp \"d\""), "tcp \"c\"; tcp \"d\"");
}
static void test_controlling_process(void **st) {
  (void)st;
  sx_each(move, P, P " packet=2");
}

/* controlling_process moves tcp and tcp_closed; tcp_passive, http and
 * tcp_error stay in the old mailbox (OTP 25's tcp_sync_input); a closed
 * port answers closed and moves nothing. */
static void move_kinds(sx *x) {
  SX_SEND(x->c, "\0\1a");
  sx_setopts(x->s, "active=1");
  sx_settle(x, 100);
  wr_mailbox *other = NULL;
  wr_mailbox_create(x->env, &other);
  TU_CHECK(wr_sock_controlling_process(x->s, other) == 0, "move");
  SX_EQ(sx_msgs(x, other, "tcp \"a\""), "tcp \"a\"");
  SX_EQ(sx_msgs(x, x->ms, "tcp_passive"), "tcp_passive");
  sx_setopts(x->s, "packet=http_bin active=true");
  SX_SEND(x->c, "GET / HTTP/1.0\r\n\r\n");
  sx_settle(x, 100);
  TU_CHECK(wr_sock_controlling_process(x->s, x->ms) == 0, "move back");
  SX_EQ(sx_msgs(x, other, "http http_request \"GET\"; http http_eoh"),
        "http http_request \"GET\"; http http_eoh");
  wr_sock_close(x->c);
  SX_EQ(sx_msgs(x, x->ms, "tcp_closed"), "tcp_closed");
  TU_CHECK(wr_sock_controlling_process(x->s, other) == WR_CLOSED,
           "closed port");
}
static void test_controlling_process_kinds(void **st) {
  (void)st;
  sx_each(move_kinds, P, P " packet=2");
}

/* A reset with exit_on_close false: the port stays, one send reports the
 * reset, the next says enotconn. */
static void rst_keep_port(sx *x) {
  sx_setopts(x->c, "linger=true,0");
  wr_sock_close(x->c);
  SX_EQ(sx_msgs(x, x->ms, "tcp_error econnreset; tcp_closed"),
        "tcp_error econnreset; tcp_closed");
  TU_CHECK(wr_sock_send(x->s, "q", 1) == WR_ECONNRESET, "first send");
  TU_CHECK(wr_sock_send(x->s, "q", 1) == WR_ENOTCONN, "second send");
}
static void test_rst_exit_on_close_false(void **st) {
  (void)st;
  sx_each(rst_keep_port, P,
          "active=true show_econnreset=true exit_on_close=false");
}

/* Raw: writes that wait in the kernel come as one message; at most
 * `buffer` bytes a message (3540 bytes: 1460, 1460, 620). Read boundaries
 * decide, so this runs where sends arrive whole. */
static void raw_chunks(sx *x) {
  if (!strstr(x->v->policy, "whole"))
    return;
  SX_SEND(x->c, "ab");
  SX_SEND(x->c, "cd");
  sx_settle(x, 100);
  sx_setopts(x->s, "active=once");
  SX_EQ(sx_msgs(x, x->ms, "tcp \"abcd\""), "tcp \"abcd\"");
  static char big[3540];
  memset(big, 'r', sizeof big);
  sx_send(x->c, big, sizeof big);
  sx_settle(x, 100);
  sx_setopts(x->s, "active=true");
  wr_msg m;
  size_t sizes[4] = {0};
  int n = 0;
  while (n < 4 && wr_mailbox_recv(x->ms, n < 3 ? 5000 : 50, &m) == 0) {
    sizes[n++] = m.len;
    wr_msg_free(&m);
  }
  TU_CHECK(n == 3 && sizes[0] == 1460 && sizes[1] == 1460 && sizes[2] == 620,
           "messages %d: %zu %zu %zu", n, sizes[0], sizes[1], sizes[2]);
}
static void test_raw_message_sizes(void **st) {
  (void)st;
  sx_each(raw_chunks, P, P);
}

/* true / once / false reset the counter; N after them starts from 0. */
static void counter_reset(sx *x) {
  sx_setopts(x->s, "active=5");
  sx_setopts(x->s, "active=true");
  wr_sockopt o = {WR_OPT_ACTIVE, 0, 0};
  TU_CHECK(wr_sock_getopt(x->s, &o) == 0 && o.value == WR_ACTIVE_TRUE, "true");
  sx_setopts(x->s, "active=2");
  TU_CHECK(wr_sock_getopt(x->s, &o) == 0 && o.value == WR_ACTIVE_N &&
               o.value2 == 2,
           "counter from 0: %d", (int)o.value2);
  sx_setopts(x->s, "active=false");
  SX_EQ(sx_msgs(x, x->ms, ""), "");
}
static void test_counter_reset(void **st) {
  (void)st;
  sx_each(counter_reset, P, P);
}

/* A partial packet gives no message, in any active mode. */
static void partial(sx *x) {
  SX_SEND(x->c, "\0\5abc");
  SX_EQ(sx_msgs(x, x->ms, ""), "");
  sx_setopts(x->s, "active=once");
  SX_EQ(sx_msgs(x, x->ms, ""), "");
  SX_SEND(x->c, "de");
  SX_EQ(sx_msgs(x, x->ms, "tcp \"abcde\""), "tcp \"abcde\"");
}
static void test_partial_no_message(void **st) {
  (void)st;
  sx_each(partial, P, "active=true packet=2");
}

/* once and a FIN: one packet per arm, then tcp_closed on the arm after
 * the last (the partial one is dropped). */
static void once_fin(sx *x) {
  SX_SEND(x->c, "\0\1a\0\1b\0\7zz");
  wr_sock_close(x->c);
  sx_settle(x, 100);
  sx_setopts(x->s, "active=once");
  SX_EQ(sx_msgs(x, x->ms, "tcp \"a\""), "tcp \"a\"");
  sx_setopts(x->s, "active=once");
  SX_EQ(sx_msgs(x, x->ms, "tcp \"b\""), "tcp \"b\"");
  sx_setopts(x->s, "active=once");
  SX_EQ(sx_msgs(x, x->ms, "tcp_closed"), "tcp_closed");
}
static void test_once_fin(void **st) {
  (void)st;
  sx_each(once_fin, P, P " packet=2");
}

/* Header types grow the buffer to the packet: `buffer` does not cut them. */
static void grow(sx *x) {
  char frame[102];
  frame[0] = 0;
  frame[1] = 100;
  memset(frame + 2, 'g', 100);
  sx_send(x->c, frame, sizeof frame);
  wr_msg m;
  TU_CHECK(wr_mailbox_recv(x->ms, 5000, &m) == 0, "message");
  TU_CHECK(m.kind == WR_MSG_TCP && m.len == 100, "one packet of 100: %zu",
           m.len);
  wr_msg_free(&m);
}
static void test_header_types_grow_buffer(void **st) {
  (void)st;
  sx_each(grow, P, "active=true packet=2 buffer=4");
}

/* Big packets go to their messages without a copy: the message keeps the
 * receive storage (wr_stream_hold). Messages kept while many more arrive
 * keep their bytes, and may be freed in any order. */
static void big_packets_kept(sx *x) {
  enum { K = 10, SZ = 17000 };
  static uint8_t frame[SZ];
  for (int i = 0; i < K; i++) {
    for (size_t j = 0; j < SZ; j++)
      frame[j] = (uint8_t)(i * 31 + j % 253);
    TU_CHECK(wr_sock_send(x->c, frame, SZ) == 0, "send %d", i);
  }
  wr_msg m[K];
  int n = 0;
  size_t bad = 0;
  while (n < K && wr_mailbox_recv(x->ms, 5000, &m[n]) == 0) {
    TU_CHECK(m[n].kind == WR_MSG_TCP && m[n].len == SZ, "message %d: %s %zu", n,
             wr_msg_kind_name(m[n].kind), m[n].len);
    n++;
  }
  TU_CHECK(n == K, "%d messages of %d", n, K);
  for (int i = 0; i < n; i++)
    for (size_t j = 0; j < m[i].len; j++)
      bad += m[i].data[j] != (uint8_t)(i * 31 + j % 253);
  TU_CHECK(bad == 0, "%zu bytes differ", bad);
  for (int i = 1; i < n; i += 2)
    wr_msg_free(&m[i]);
  /* More traffic reuses the storage the odd ones let go. */
  SX_SEND(x->c, "tail");
  SX_EQ(sx_msgs(x, x->ms, "tcp \"tail\""), "tcp \"tail\"");
  for (int i = 0; i < n; i += 2) {
    for (size_t j = 0; j < m[i].len; j++)
      bad += m[i].data[j] != (uint8_t)(i * 31 + j % 253);
    wr_msg_free(&m[i]);
  }
  TU_CHECK(bad == 0, "%zu kept bytes changed", bad);
}

static void test_big_packets_kept(void **st) {
  (void)st;
  for (size_t i = 0; i < sx_nvariants; i++) {
    if (strcmp(sx_variants[i].policy, "fixed:1") == 0)
      continue; /* one-byte writes: slow for this volume, nothing new */
    sx x;
    sx_open(&x, &sx_variants[i], "packet=4 active=false",
            "packet=4 active=true");
    big_packets_kept(&x);
    sx_close(&x);
  }
}

/* Reads on simnet, counted in the trace: three sends at one instant. */
static int reads_of_three_sends(const sx_variant *v, const char *sopts,
                                const char *expect) {
  sx x;
  sx_open(&x, v, "packet=2 active=false", sopts);
  wr_simnet_trace_keep(x.net, 1);
  SX_SEND(x.c, "a");
  SX_SEND(x.c, "b");
  SX_SEND(x.c, "c");
  SX_EQ(sx_msgs(&x, x.ms, expect), expect);
  uint32_t conn;
  int side;
  TU_CHECK(wr_net_conn_id(x.net, wr_sock_handle(x.s), &conn, &side) == 0,
           "conn id");
  int reads = 0;
  for (size_t i = 0; i < wr_simnet_trace_count(x.net); i++) {
    const wr_trace_rec *r = wr_simnet_trace_get(x.net, i);
    reads += r->kind == WR_TR_READ && r->conn == conn && r->dir == 0;
  }
  sx_close(&x);
  return reads;
}

/* An active true socket with a framed packet type takes every segment
 * arriving at the instant in one read (wr_net_recv_arrived); a raw one
 * reads each segment, since there a segment is a message; and so does a
 * framed one when a policy cuts the stream (fixed:1: nine segments). */
static void test_framed_read_takes_arrivals(void **st) {
  (void)st;
  const char *abc = "tcp \"a\"; tcp \"b\"; tcp \"c\"";
  int framed =
      reads_of_three_sends(&sx_variants[0], "packet=2 active=true", abc);
  TU_CHECK(framed == 1, "packet 2: %d reads", framed);
  int raw = reads_of_three_sends(&sx_variants[0], "active=true",
                                 "tcp \"\\x00\\x01a\"; "
                                 "tcp \"\\x00\\x01b\"; "
                                 "tcp \"\\x00\\x01c\"");
  TU_CHECK(raw == 3, "raw: %d reads", raw);
  TU_CHECK(strcmp(sx_variants[1].policy, "fixed:1") == 0, "variant 1 cuts");
  int cut = reads_of_three_sends(&sx_variants[1], "packet=2 active=true", abc);
  TU_CHECK(cut == 9, "packet 2 under fixed:1: %d reads", cut);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_active_once),
      cmocka_unit_test(test_active_n),
      cmocka_unit_test(test_fin_active_true),
      cmocka_unit_test(test_fin_exit_on_close_false),
      cmocka_unit_test(test_rst_active_show),
      cmocka_unit_test(test_rst_active_plain),
      cmocka_unit_test(test_framing_error_active),
      cmocka_unit_test(test_deferred_error),
      cmocka_unit_test(test_deferred_error_once),
      cmocka_unit_test(test_deferred_error_fin),
      cmocka_unit_test(test_http_active),
      cmocka_unit_test(test_http_bin_flag),
      cmocka_unit_test(test_http_parse_carried),
      cmocka_unit_test(test_controlling_process),
      cmocka_unit_test(test_controlling_process_kinds),
      cmocka_unit_test(test_rst_exit_on_close_false),
      cmocka_unit_test(test_raw_message_sizes),
      cmocka_unit_test(test_counter_reset),
      cmocka_unit_test(test_partial_no_message),
      cmocka_unit_test(test_once_fin),
      cmocka_unit_test(test_header_types_grow_buffer),
      cmocka_unit_test(test_big_packets_kept),
      cmocka_unit_test(test_framed_read_takes_arrivals),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
