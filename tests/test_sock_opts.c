/* Socket options (semantics §5.2, §4.1): defaults, gen_tcp's order,
 * watermark dragging, the ranges inet:setopts accepts, the text form with
 * its errors, and use after close. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sock/sockfix.h"
#include "testutil.h"

static int64_t get(wr_sock *s, wr_sockopt_name name) {
  wr_sockopt o = {name, 0, 0};
  int rc = wr_sock_getopt(s, &o);
  TU_CHECK(rc == 0, "getopt %s: %s", wr_sockopt_name_str(name),
           wr_err_name(rc));
  return o.value;
}

static int set_text(wr_sock *s, const char *text) {
  wr_sockopt o[16];
  char err[256];
  int n = wr_sockopt_parse(text, o, 16, err, sizeof err);
  TU_CHECK(n >= 0, "parse '%s': %s", text, err);
  return wr_sock_setopts(s, o, (size_t)n);
}

static void defaults(sx *x) {
  wr_sock *s = x->s; /* accepted, listener given active=false only */
  TU_CHECK(get(s, WR_OPT_ACTIVE) == WR_ACTIVE_FALSE, "active");
  TU_CHECK(get(s, WR_OPT_PACKET) == WR_PACKET_RAW, "packet");
  TU_CHECK(get(s, WR_OPT_PACKET_SIZE) == 0, "packet_size");
  TU_CHECK(get(s, WR_OPT_BUFFER) == 1460, "buffer");
  TU_CHECK(get(s, WR_OPT_HEADER) == 0, "header");
  TU_CHECK(get(s, WR_OPT_EXIT_ON_CLOSE) == 1, "exit_on_close");
  TU_CHECK(get(s, WR_OPT_SHOW_ECONNRESET) == 0, "show_econnreset");
  TU_CHECK(get(s, WR_OPT_DELAY_SEND) == 0, "delay_send");
  TU_CHECK(get(s, WR_OPT_SEND_TIMEOUT) == WR_SEND_TIMEOUT_INFINITY, "st");
  TU_CHECK(get(s, WR_OPT_SEND_TIMEOUT_CLOSE) == 0, "stc");
  TU_CHECK(get(s, WR_OPT_HIGH_WATERMARK) == 8192, "high");
  TU_CHECK(get(s, WR_OPT_LOW_WATERMARK) == 4096, "low");
  TU_CHECK(get(s, WR_OPT_LINGER) == 0, "linger");
  TU_CHECK(get(s, WR_OPT_NODELAY) == 0, "nodelay");
  /* The client gave nothing: gen_tcp's default is active true. */
  TU_CHECK(get(x->c, WR_OPT_ACTIVE) == WR_ACTIVE_TRUE, "client active");
  /* line_delimiter cannot be read, as in inet_drv. */
  wr_sockopt o = {WR_OPT_LINE_DELIMITER, 0, 0};
  TU_CHECK(wr_sock_getopt(s, &o) == WR_EINVAL, "line_delimiter");

  /* The first occurrence wins. */
  TU_CHECK(set_text(s, "packet=2 packet=4") == 0, "set");
  TU_CHECK(get(s, WR_OPT_PACKET) == WR_PACKET_2, "first wins");
  /* Watermarks drag each other; applied last to first: 100/100. */
  TU_CHECK(set_text(s, "high_watermark=100 low_watermark=200") == 0, "wm");
  TU_CHECK(get(s, WR_OPT_HIGH_WATERMARK) == 100 &&
               get(s, WR_OPT_LOW_WATERMARK) == 100,
           "watermarks 100/100");
  /* buffer < 1 becomes 1; packet_size is kept modulo 2^32. */
  TU_CHECK(set_text(s, "buffer=-1 packet_size=4294967301") == 0, "buf");
  TU_CHECK(get(s, WR_OPT_BUFFER) == 1 && get(s, WR_OPT_PACKET_SIZE) == 5,
           "buffer 1, packet_size 5");

  /* einval, nothing applied. */
  const char *bad[] = {"header=-1", "packet_size=-1", "send_timeout=-1",
                       "backlog=5", "active=32768"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    wr_sockopt b[4];
    char err[256];
    int n = wr_sockopt_parse(bad[i], b, 4, err, sizeof err);
    if (n < 0)
      continue; /* refused by the parser already, with a message */
    TU_CHECK(wr_sock_setopts(s, b, (size_t)n) == WR_EINVAL, "%s", bad[i]);
  }
  wr_sockopt unknown = {(wr_sockopt_name)99, 0, 0};
  TU_CHECK(wr_sock_setopts(s, &unknown, 1) == WR_EINVAL, "unknown");
  wr_sockopt mix[2] = {{WR_OPT_PACKET, WR_PACKET_4, 0}, {WR_OPT_HEADER, -1, 0}};
  TU_CHECK(wr_sock_setopts(s, mix, 2) == WR_EINVAL, "mixed list");
  TU_CHECK(get(s, WR_OPT_PACKET) == WR_PACKET_2, "nothing applied");

  /* Use after close. */
  wr_sock_close(s);
  TU_CHECK(wr_sock_send(s, "x", 1) == WR_CLOSED, "send");
  SX_EQ(sx_recv(x, s, 0, 0), "error closed");
  TU_CHECK(set_text(s, "active=true") == WR_EINVAL, "setopts");
  wr_sockopt a = {WR_OPT_ACTIVE, 0, 0};
  TU_CHECK(wr_sock_getopt(s, &a) == WR_EINVAL, "getopts");
  TU_CHECK(wr_sock_shutdown(s, WR_SHUT_WR) == WR_CLOSED, "shutdown");
  TU_CHECK(wr_sock_close(s) == 0, "close again");
}
static void test_defaults_and_rules(void **st) {
  (void)st;
  sx_each(defaults, "", "active=false");
}

/* gen_tcp:listen and gen_tcp:connect keep the LAST occurrence of an
 * option and then apply the list as setopts does (back to front), where
 * setopts keeps the first (semantics §5.2, "Order"). Found by the
 * stateful_model fuzz target: a listener given active=false active=true
 * was passive. Checked on OTP 25:
 *   erl -noshell -eval '{ok,L}=gen_tcp:listen(0,[{active,false},
 *     {active,true},{packet,2},{packet,4},{high_watermark,100},
 *     {low_watermark,200},{high_watermark,150}]),
 *     io:format("~p~n",[inet:getopts(L,[active,packet,high_watermark,
 *     low_watermark])]), halt().'
 *   -> {ok,[{active,true},{packet,4},{high_watermark,200},
 *          {low_watermark,200}]}
 * and connect alike; listen [{active,2},{active,3}] gives {active,3}. */
static void last_wins(sx *x) {
  /* the listener's list reaches the accepted socket, the client's its own */
  TU_CHECK(get(x->s, WR_OPT_ACTIVE) == WR_ACTIVE_TRUE, "accepted: active");
  TU_CHECK(get(x->s, WR_OPT_PACKET) == WR_PACKET_4, "accepted: packet");
  TU_CHECK(get(x->s, WR_OPT_HIGH_WATERMARK) == 200 &&
               get(x->s, WR_OPT_LOW_WATERMARK) == 200,
           "accepted: watermarks 200/200, got %lld/%lld",
           (long long)get(x->s, WR_OPT_HIGH_WATERMARK),
           (long long)get(x->s, WR_OPT_LOW_WATERMARK));
  wr_sockopt n = {WR_OPT_ACTIVE, 0, 0};
  TU_CHECK(wr_sock_getopt(x->c, &n) == 0 && n.value == WR_ACTIVE_N &&
               n.value2 == 3,
           "client: a counter of 3 (not 5), got %lld/%lld", (long long)n.value,
           (long long)n.value2);
  TU_CHECK(get(x->c, WR_OPT_PACKET) == WR_PACKET_RAW, "client: packet raw");
  /* setopts still keeps the first occurrence */
  sx_setopts(x->s, "active=false active=true");
  TU_CHECK(get(x->s, WR_OPT_ACTIVE) == WR_ACTIVE_FALSE, "setopts: first");
}
static void test_listen_connect_last_wins(void **st) {
  (void)st;
  sx_each(last_wins, "active=2 packet=1 active=3 packet=raw",
          "active=false active=true packet=2 packet=4 high_watermark=100 "
          "low_watermark=200 high_watermark=150");
}

static void test_parser_errors(void **st) {
  (void)st;
  static const struct {
    const char *text, *msg;
  } rows[] = {
      {"packet=7", "option item 1 'packet=7': packet: expected a packet type"},
      {"active=2 bogus=1", "option item 2 'bogus=1': unknown option 'bogus'"},
      {"active=40000", "option item 1 'active=40000': active: expected false, "
                       "true, once or -32768..32767, found 40000"},
      {"linger=yes", "option item 1 'linger=yes': linger: expected "
                     "true,SECONDS or false,SECONDS, found 'yes'"},
      {"nodelay", "option item 1 'nodelay': expected NAME=VALUE"},
      {"line_length=5", "option item 1 'line_length=5': unknown option"},
      {"exit_on_close=1", "option item 1 'exit_on_close=1': exit_on_close: "
                          "expected true or false, found '1'"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    wr_sockopt o[8];
    char err[256] = "";
    int n = wr_sockopt_parse(rows[i].text, o, 8, err, sizeof err);
    TU_CHECK(n == WR_EINVAL, "'%s' refused", rows[i].text);
    TU_CHECK(strncmp(err, rows[i].msg, strlen(rows[i].msg)) == 0,
             "'%s': message [%s]", rows[i].text, err);
  }
  wr_sockopt o[8];
  char err[256];
  int n = wr_sockopt_parse(
      "packet=httph_bin active=-3 line_delimiter=\\r linger=true,5 "
      "send_timeout=infinity",
      o, 8, err, sizeof err);
  TU_CHECK(n == 5, "parsed: %s", err);
  TU_CHECK(o[0].value == WR_PACKET_HTTPH_BIN, "packet");
  TU_CHECK(o[1].value == WR_ACTIVE_N && o[1].value2 == -3, "active");
  TU_CHECK(o[2].value == '\r', "delimiter");
  TU_CHECK(o[3].value == 1 && o[3].value2 == 5, "linger");
  TU_CHECK(o[4].value == WR_SEND_TIMEOUT_INFINITY, "send_timeout");
  char buf[64];
  wr_sockopt_format(&o[3], buf, sizeof buf);
  TU_CHECK(strcmp(buf, "linger=true,5") == 0, "format: %s", buf);
}

/* connect to a port nobody listens on: econnrefused on both transports;
 * an unknown option in connect: einval before anything happens. */
static void refused(sx *x) {
  wr_addr a;
  TU_CHECK(wr_sock_sockname(x->ls, &a) == 0, "sockname");
  wr_sock_close(x->ls);
  wr_sock *c;
  int rc = wr_sock_connect(x->env, x->mc, &a, NULL, 0, 5000, &c);
  TU_CHECK(rc == WR_ECONNREFUSED, "connect: %s", wr_err_name(rc));
  wr_sockopt bad = {WR_OPT_BACKLOG, 5, 0};
  rc = wr_sock_connect(x->env, x->mc, &a, &bad, 1, 5000, &c);
  TU_CHECK(rc == WR_EINVAL, "backlog in connect: %s", wr_err_name(rc));
  wr_sock *acc;
  TU_CHECK(wr_sock_accept(x->ls, x->ms, 0, &acc) == WR_CLOSED,
           "accept on a closed listener");
  /* OTP 25: gen_tcp:listen(0, [{line_delimiter, $;}]) raises badarg. */
  wr_sockopt delim = {WR_OPT_LINE_DELIMITER, ';', 0};
  wr_sock *ls2 = NULL;
  rc = wr_sock_listen(x->env, x->ms, NULL, &delim, 1, &ls2);
  TU_CHECK(rc == WR_EINVAL && ls2 == NULL, "line_delimiter in listen: %s",
           wr_err_name(rc));
}
static void test_connect_refused(void **st) {
  (void)st;
  sx_each(refused, "", "active=false");
}

/* Connections nobody accepts wait in the backlog (Linux holds backlog + 1)
 * and connect says ok; past that the kernel drops the SYN and connect
 * times out. A regression: the listener kept asking the transport for
 * IN while not accepting, so a second waiting connection made every poll
 * answer at once and a simulated connect never saw time move (a hang). */
static void backlog_waits(sx *x) {
  /* A listener that has never accepted: the regression needs one. */
  wr_sockopt lo[] = {{WR_OPT_BACKLOG, 1, 0},
                     {WR_OPT_ACTIVE, WR_ACTIVE_FALSE, 0}};
  wr_sock *ls;
  TU_CHECK(wr_sock_listen(x->env, x->ms, NULL, lo, 2, &ls) == 0, "listen");
  wr_addr a;
  TU_CHECK(wr_sock_sockname(ls, &a) == 0, "sockname");
  wr_sock *c[4];
  for (int i = 0; i < 2; i++) {
    int rc = wr_sock_connect(x->env, x->mc, &a, NULL, 0, 2000, &c[i]);
    TU_CHECK(rc == 0, "%s: connect %d: %s", x->v->name, i + 1, wr_err_name(rc));
  }
  int rc = wr_sock_connect(x->env, x->mc, &a, NULL, 0, 300, &c[2]);
  TU_CHECK(rc == WR_TIMEOUT, "%s: connect past the backlog: %s", x->v->name,
           wr_err_name(rc));
  wr_sock *acc;
  rc = wr_sock_accept(ls, x->ms, 2000, &acc);
  TU_CHECK(rc == 0, "%s: accept: %s", x->v->name, wr_err_name(rc));
  rc = wr_sock_connect(x->env, x->mc, &a, NULL, 0, 2000, &c[3]);
  TU_CHECK(rc == 0, "%s: connect after an accept: %s", x->v->name,
           wr_err_name(rc));
}
static void test_backlog_waits(void **st) {
  (void)st;
  sx_each(backlog_waits, "", "active=false");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_defaults_and_rules),
      cmocka_unit_test(test_listen_connect_last_wins),
      cmocka_unit_test(test_parser_errors),
      cmocka_unit_test(test_connect_refused),
      cmocka_unit_test(test_backlog_waits),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
