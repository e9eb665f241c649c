/* Passive receiving (semantics §4.2, §4.3, §3.3, §5.1), the passive column
 * of the table in §4.4, on every transport variant (sock/sockfix.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "sock/sockfix.h"
#include "testutil.h"

#define P "active=false"

static void raw_exact(sx *x) {
  SX_SEND(x->c, "hello world");
  SX_EQ(sx_recv(x, x->s, 5, 5000), "ok \"hello\"");
  SX_EQ(sx_recv(x, x->s, 6, 5000), "ok \" world\"");
}
static void test_raw_exact_length(void **st) {
  (void)st;
  sx_each(raw_exact, P, P);
}

/* Length 0: what is there, at most `buffer` bytes per call. */
static void raw_zero(sx *x) {
  SX_SEND(x->c, "abcdefghij");
  char got[32] = {0};
  size_t n = 0;
  for (int i = 0; i < 20 && n < 10; i++) {
    wr_sock_data d;
    int rc = wr_sock_recv(x->s, 0, 5000, &d);
    TU_CHECK(rc == 0, "recv: %s", wr_err_name(rc));
    TU_CHECK(d.len >= 1 && d.len <= 4, "a raw packet of %zu bytes", d.len);
    memcpy(got + n, d.data, d.len);
    n += d.len;
    wr_sock_data_free(&d);
  }
  SX_EQ(got, "abcdefghij");
}
static void test_raw_zero_up_to_buffer(void **st) {
  (void)st;
  sx_each(raw_zero, P, P " buffer=4");
}

static void bad_calls(sx *x) {
  SX_EQ(sx_recv(x, x->s, 1, 0), "error einval"); /* packet 2 needs 0 */
  sx_setopts(x->s, "packet=raw");
  SX_EQ(sx_recv(x, x->s, 64u * 1024u * 1024u + 1u, 0), "error enomem");
  sx_setopts(x->s, "active=once");
  SX_EQ(sx_recv(x, x->s, 0, 0), "error einval"); /* active */
  sx_setopts(x->s, "active=true");
  SX_EQ(sx_recv(x, x->s, 0, 0), "error einval");
  sx_setopts(x->s, "active=3");
  SX_EQ(sx_recv(x, x->s, 0, 0), "error einval");
  SX_EQ(sx_recv(x, x->ls, 0, 0), "error enotconn");
}
static void test_invalid_recv_calls(void **st) {
  (void)st;
  sx_each(bad_calls, P, P " packet=2");
}

/* A timeout keeps the bytes received so far. */
static void timeout_keeps(sx *x) {
  SX_SEND(x->c, "\0\5he");
  SX_EQ(sx_recv(x, x->s, 0, 50), "error timeout");
  SX_SEND(x->c, "llo");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok \"hello\"");
  sx_setopts(x->s, "packet=raw");
  SX_SEND(x->c, "abc");
  SX_EQ(sx_recv(x, x->s, 5, 50), "error timeout");
  SX_SEND(x->c, "de");
  SX_EQ(sx_recv(x, x->s, 5, 5000), "ok \"abcde\"");
}
static void test_timeout_keeps_partial(void **st) {
  (void)st;
  sx_each(timeout_keeps, P, P " packet=2");
}

/* Timeout 0 still reads once: data already in the kernel is returned. */
static void timeout_zero(sx *x) {
  SX_SEND(x->c, "\0\1a");
  sx_settle(x, 100);
  SX_EQ(sx_recv(x, x->s, 0, 0), "ok \"a\"");
  SX_EQ(sx_recv(x, x->s, 0, 0), "error timeout");
}
static void test_timeout_zero_reads_once(void **st) {
  (void)st;
  sx_each(timeout_zero, P, P " packet=2");
}

/* Complete packets before the FIN, then closed, the partial one dropped,
 * then enotconn; the first send says closed, the next enotconn. */
static void fin_order(sx *x) {
  SX_SEND(x->c, "\0\1a\0\1b\0\5xy");
  wr_sock_close(x->c);
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok \"a\"");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok \"b\"");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error closed");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error enotconn");
  TU_CHECK(wr_sock_send(x->s, "q", 1) == WR_CLOSED, "first send: closed");
  TU_CHECK(wr_sock_send(x->s, "q", 1) == WR_ENOTCONN, "then enotconn");
}
static void test_fin_after_packets(void **st) {
  (void)st;
  sx_each(fin_order, P, P " packet=2");
}

static void fin_raw_short(sx *x) {
  SX_SEND(x->c, "abc");
  wr_sock_close(x->c);
  SX_EQ(sx_recv(x, x->s, 5, 5000), "error closed");
}
static void test_fin_discards_short_raw(void **st) {
  (void)st;
  sx_each(fin_raw_short, P, P);
}

/* An RST with show_econnreset: data first, then econnreset, then
 * enotconn; without it the RST looks like a FIN. */
static void rst_show(sx *x) {
  SX_SEND(x->c, "\0\1a");
  sx_settle(x, 100);
  sx_setopts(x->c, "linger=true,0");
  wr_sock_close(x->c);
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok \"a\"");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error econnreset");
  TU_CHECK(wr_sock_send(x->s, "q", 1) == WR_ENOTCONN, "send after reset");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error enotconn");
}
static void test_rst_show_econnreset(void **st) {
  (void)st;
  sx_each(rst_show, P, P " packet=2 show_econnreset=true");
}

static void rst_plain(sx *x) {
  sx_setopts(x->c, "linger=true,0");
  wr_sock_close(x->c);
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error closed");
}
static void test_rst_as_closed(void **st) {
  (void)st;
  sx_each(rst_plain, P, P " packet=2");
}

static void framing_error(sx *x) {
  SX_SEND(x->c, "\0\1a\0\x09xxxxxxxxx");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok \"a\"");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error emsgsize");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error enotconn");
}
static void test_framing_error_passive(void **st) {
  (void)st;
  sx_each(framing_error, P, P " packet=2 packet_size=4");
}

/* exit_on_close false: the read side says closed, sending still works. */
static void half_close(sx *x) {
  SX_SEND(x->c, "x");
  wr_sock_shutdown(x->c, WR_SHUT_WR);
  SX_EQ(sx_recv(x, x->s, 1, 5000), "ok \"x\"");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error closed");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error closed");
  TU_CHECK(wr_sock_send(x->s, "reply", 5) == 0, "send after the peer's FIN");
  SX_EQ(sx_recv(x, x->c, 5, 5000), "ok \"reply\"");
}
static void test_exit_on_close_false(void **st) {
  (void)st;
  sx_each(half_close, P, P " exit_on_close=false");
}

/* A close seen by a passive recv is reported when the socket turns
 * active. */
static void closed_then_active(sx *x) {
  wr_sock_close(x->c);
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error closed");
  sx_setopts(x->s, "active=once");
  SX_EQ(sx_msgs(x, x->ms, "tcp_closed"), "tcp_closed");
}
static void test_close_then_active(void **st) {
  (void)st;
  sx_each(closed_then_active, P, P);
}

static void line_trunc(sx *x) {
  SX_SEND(x->c, "abcdefg\nxy\n");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok \"abcd\"");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok \"efg\\n\"");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok \"xy\\n\"");
  sx_setopts(x->s, "line_delimiter=;");
  SX_SEND(x->c, "a;b");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok \"a;\"");
}
static void test_line_truncated_at_buffer(void **st) {
  (void)st;
  sx_each(line_trunc, P, P " packet=line buffer=4");
}

/* request -> headers -> request; switch to raw for a body. */
static void http_flow(sx *x) {
  SX_SEND(x->c, "GET / HTTP/1.1\r\nHost: x\r\n\r\nBODYGET /y HTTP/1.0\r\n");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok http_request \"GET\"");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok http_header \"Host\" \"x\"");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok http_eoh");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok http_request \"BODYGET\"");
  SX_EQ(sx_recv(x, x->s, 4, 0), "error einval");
  SX_SEND(x->c, "\r\nPOST / HTTP/1.0\r\n\r\nBODY");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok http_eoh");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok http_request \"POST\"");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok http_eoh");
  sx_setopts(x->s, "packet=raw");
  SX_EQ(sx_recv(x, x->s, 4, 5000), "ok \"BODY\"");
  sx_setopts(x->s, "packet=http");
  SX_SEND(x->c, "\r\nGET / HTTP/1.0\r\n");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok http_error \"\\r\\n\"");
}
static void test_http_state(void **st) {
  (void)st;
  sx_each(http_flow, P, P " packet=http");
}

/* Passive http data says how its strings print: binaries for http_bin. */
static void http_bin_data(sx *x) {
  static const char *const types[] = {"http_bin", "http", "httph_bin", "httph"};
  for (int k = 0; k < 4; k++) {
    char opts[32];
    snprintf(opts, sizeof opts, "packet=%s", types[k]);
    sx_setopts(x->s, opts);
    SX_SEND(x->c, "\r\n");
    wr_sock_data d;
    int rc = wr_sock_recv(x->s, 0, 5000, &d);
    TU_CHECK(rc == 0 && d.is_http, "%s: %s: rc %d", x->v->name, types[k], rc);
    TU_CHECK(d.http_bin == (k % 2 == 0), "%s: %s: http_bin %d", x->v->name,
             types[k], d.http_bin);
    wr_sock_data_free(&d);
  }
}
static void test_http_bin_data(void **st) {
  (void)st;
  sx_each(http_bin_data, P, P);
}

/* shutdown(read): what is buffered (and still arriving, on Linux) is
 * read, then closed. */
static void shut_read(sx *x) {
  SX_SEND(x->c, "x");
  sx_settle(x, 100);
  TU_CHECK(wr_sock_shutdown(x->s, WR_SHUT_RD) == 0, "shutdown read");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok \"x\"");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error closed");
}
static void test_shutdown_read(void **st) {
  (void)st;
  sx_each(shut_read, P, P);
}

/* A reset nobody read yet: the first send reports it, the next says
 * enotconn, and a recv still reports it (OTP 25). */
static void rst_then_send(sx *x) {
  sx_setopts(x->c, "linger=true,0");
  wr_sock_close(x->c);
  sx_settle(x, 100);
  TU_CHECK(wr_sock_send(x->s, "x", 1) == WR_CLOSED, "first send");
  TU_CHECK(wr_sock_send(x->s, "y", 1) == WR_ENOTCONN, "second send");
  SX_EQ(sx_recv(x, x->s, 0, 100), "error closed");
}
static void rst_then_send_show(sx *x) {
  sx_setopts(x->c, "linger=true,0");
  wr_sock_close(x->c);
  sx_settle(x, 100);
  TU_CHECK(wr_sock_send(x->s, "x", 1) == WR_ECONNRESET, "first send");
  TU_CHECK(wr_sock_send(x->s, "y", 1) == WR_ENOTCONN, "second send");
  SX_EQ(sx_recv(x, x->s, 0, 100), "error econnreset");
}
static void test_rst_then_send(void **st) {
  (void)st;
  sx_each(rst_then_send, P, P);
  sx_each(rst_then_send_show, P, P " show_econnreset=true");
}

/* Unterminated lines and partial HTTP lines are dropped at the close. */
static void partial_line(sx *x) {
  SX_SEND(x->c, "one\ntw");
  wr_sock_close(x->c);
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok \"one\\n\"");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error closed");
}
static void partial_http(sx *x) {
  SX_SEND(x->c, "GET / HTTP/1.0\r\nHost: a");
  wr_sock_close(x->c);
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok http_request \"GET\"");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error closed");
}
static void test_partial_lines_dropped(void **st) {
  (void)st;
  sx_each(partial_line, P, P " packet=line");
  sx_each(partial_http, P, P " packet=http");
}

/* Linux: closing with unread data in the kernel sends an RST; with
 * nothing unread a FIN, after which the peer can still send once. */
static void close_unread(sx *x) {
  SX_SEND(x->s, "unread");
  sx_settle(x, 100);
  wr_sock_close(x->c); /* c never read it */
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error econnreset");
}
static void test_close_with_unread_data_resets(void **st) {
  (void)st;
  sx_each(close_unread, P, P " show_econnreset=true");
}

static void close_clean(sx *x) {
  wr_sock_close(x->c);
  sx_settle(x, 100);
  TU_CHECK(wr_sock_send(x->s, "x", 1) == 0, "one send after the FIN is ok");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error closed");
}
static void test_close_clean_fin(void **st) {
  (void)st;
  sx_each(close_clean, P, P " show_econnreset=true");
}

/* `buffer` is the HTTP line limit: a longer header line is emsgsize
 * (OTP 25, buffer 20). */
static void http_limit(sx *x) {
  SX_SEND(x->c, "GET / HTTP/1.0\r\nX-Long-Header: 0123456789abcdef\r\n\r\n");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "ok http_request \"GET\"");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error emsgsize");
  SX_EQ(sx_recv(x, x->s, 0, 5000), "error enotconn");
}
static void test_http_line_limit(void **st) {
  (void)st;
  sx_each(http_limit, P, P " packet=http_bin buffer=20");
}

/* An infinite wait that nothing can end (simnet only: quiet). */
static void forever(sx *x) {
  if (x->v->loopback)
    return;
  SX_EQ(sx_recv(x, x->s, 0, WR_SOCK_INFINITY), "error timeout");
}
static void test_infinite_wait_on_quiet_simnet(void **st) {
  (void)st;
  sx_each(forever, P, P);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_raw_exact_length),
      cmocka_unit_test(test_raw_zero_up_to_buffer),
      cmocka_unit_test(test_invalid_recv_calls),
      cmocka_unit_test(test_timeout_keeps_partial),
      cmocka_unit_test(test_timeout_zero_reads_once),
      cmocka_unit_test(test_fin_after_packets),
      cmocka_unit_test(test_fin_discards_short_raw),
      cmocka_unit_test(test_rst_show_econnreset),
      cmocka_unit_test(test_rst_as_closed),
      cmocka_unit_test(test_framing_error_passive),
      cmocka_unit_test(test_exit_on_close_false),
      cmocka_unit_test(test_close_then_active),
      cmocka_unit_test(test_line_truncated_at_buffer),
      cmocka_unit_test(test_http_state),
      cmocka_unit_test(test_http_bin_data),
      cmocka_unit_test(test_shutdown_read),
      cmocka_unit_test(test_rst_then_send),
      cmocka_unit_test(test_partial_lines_dropped),
      cmocka_unit_test(test_close_with_unread_data_resets),
      cmocka_unit_test(test_close_clean_fin),
      cmocka_unit_test(test_infinite_wait_on_quiet_simnet),
      cmocka_unit_test(test_http_line_limit),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
