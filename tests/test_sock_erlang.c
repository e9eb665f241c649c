/* Interop with real Erlang: a gen_tcp peer (tests/sock/peer.escript) on
 * loopback against wirerig sockets, as client and as server, with packet
 * 1 / 2 / 4 / line / http and {active, once} on both sides. Both sides
 * print what they received in the same notation and the texts must match
 * what the other side sent.
 *
 * Usage: test_sock_erlang ESCRIPT PEER_SCRIPT (ctest passes both). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "sock/sockfix.h"
#include "testutil.h"

static const char *escript_bin, *peer_script;
static const sx_variant loop = {"loopback (Erlang peer)", 1, 7, "whole"};

typedef struct peer {
  pid_t pid;
  FILE *out;
} peer;

static void peer_start(peer *p, const char *a1, const char *a2,
                       const char *a3) {
  int fd[2];
  TU_CHECK(pipe(fd) == 0, "pipe");
  fflush(NULL);
  p->pid = fork();
  TU_CHECK(p->pid >= 0, "fork");
  if (p->pid == 0) {
    dup2(fd[1], 1);
    close(fd[0]);
    close(fd[1]);
    execl(escript_bin, escript_bin, peer_script, a1, a2, a3, (char *)NULL);
    _exit(127);
  }
  close(fd[1]);
  p->out = fdopen(fd[0], "r");
}

/* Everything the peer printed after the lines already read, and its exit
 * status. */
static void peer_finish(peer *p, tu_str *text, int *status) {
  char line[512];
  while (fgets(line, sizeof line, p->out))
    tu_str_printf(text, "%s", line);
  fclose(p->out);
  waitpid(p->pid, status, 0);
}

static const char *packet_opt(const char *packet) {
  return strcmp(packet, "http") == 0 ? "http_bin" : packet;
}

/* The conversation of peer.escript for 1/2/4/line, from wirerig's side:
 * three messages out, three echoes in with active once, then close. */
static void talk(sx *x, wr_sock *s, const char *packet) {
  int line = strcmp(packet, "line") == 0;
  const char *words[] = {"one", "two", "three"};
  for (int i = 0; i < 3; i++) {
    char buf[16];
    int n = snprintf(buf, sizeof buf, "%s%s", words[i], line ? "\n" : "");
    sx_send(s, buf, (size_t)n);
  }
  for (int i = 0; i < 3; i++) {
    char want[32];
    snprintf(want, sizeof want, "tcp \"re:%s%s\"", words[i], line ? "\\n" : "");
    sx_setopts(s, "active=once");
    SX_EQ(sx_msgs(x, wr_sock_owner(s), want), want);
  }
  wr_sock_close(s);
}

static const char *talk_peer_log(const char *packet) {
  return strcmp(packet, "line") == 0
             ? "tcp \"one\\n\"\ntcp \"two\\n\"\ntcp \"three\\n\"\ntcp_closed\n"
             : "tcp \"one\"\ntcp \"two\"\ntcp \"three\"\ntcp_closed\n";
}

static void check_peer(peer *p, const char *want) {
  tu_str text = {0};
  int status = -1;
  peer_finish(p, &text, &status);
  TU_CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0,
           "the Erlang peer failed (status %d), it printed [%s]", status,
           tu_str_c(&text));
  TU_CHECK(strcmp(tu_str_c(&text), want) == 0,
           "Erlang received [%s], expected [%s]", tu_str_c(&text), want);
  tu_str_free(&text);
}

/* Erlang listens, wirerig connects. */
static void erl_server(const char *packet) {
  tu_where_set("Erlang server, packet %s", packet);
  peer p;
  peer_start(&p, "server", packet, NULL);
  char line[64];
  unsigned port = 0;
  TU_CHECK(fgets(line, sizeof line, p.out) &&
               sscanf(line, "PORT %u", &port) == 1,
           "the peer did not print its port");
  sx x;
  sx_env_open(&x, &loop);
  char opts[64];
  snprintf(opts, sizeof opts, "active=false packet=%s", packet_opt(packet));
  wr_sockopt o[4];
  char err[128];
  int n = wr_sockopt_parse(opts, o, 4, err, sizeof err);
  wr_addr a = wr_addr_loopback4((uint16_t)port);
  int rc = wr_sock_connect(x.env, x.mc, &a, o, (size_t)n, 10000, &x.c);
  TU_CHECK(rc == 0, "connect: %s", wr_err_name(rc));
  if (strcmp(packet, "http") == 0) {
    SX_SEND(x.c, "GET /x HTTP/1.1\r\nHost: h\r\n\r\n");
    const char *want[] = {"http http_response 200",
                          "http http_header \"Content-Length\" \"2\"",
                          "http http_eoh"};
    for (int i = 0; i < 3; i++) {
      sx_setopts(x.c, "active=once");
      SX_EQ(sx_msgs(&x, x.mc, want[i]), want[i]);
    }
    sx_setopts(x.c, "packet=raw");
    SX_EQ(sx_recv(&x, x.c, 2, 10000), "ok \"hi\"");
    wr_sock_close(x.c);
    check_peer(&p, "http http_request \"GET\"\nhttp http_header \"Host\" "
                   "\"h\"\nhttp http_eoh\ntcp_closed\n");
  } else {
    talk(&x, x.c, packet);
    check_peer(&p, talk_peer_log(packet));
  }
  sx_close(&x);
}

/* wirerig listens, Erlang connects. */
static void erl_client(const char *packet) {
  tu_where_set("Erlang client, packet %s", packet);
  sx x;
  sx_env_open(&x, &loop);
  char opts[64];
  snprintf(opts, sizeof opts, "active=false packet=%s", packet_opt(packet));
  wr_sockopt o[4];
  char err[128];
  int n = wr_sockopt_parse(opts, o, 4, err, sizeof err);
  int rc = wr_sock_listen(x.env, x.ms, NULL, o, (size_t)n, &x.ls);
  TU_CHECK(rc == 0, "listen: %s", wr_err_name(rc));
  wr_addr a;
  wr_sock_sockname(x.ls, &a);
  char port[16];
  snprintf(port, sizeof port, "%u", (unsigned)a.port);
  peer p;
  peer_start(&p, "client", port, packet);
  rc = wr_sock_accept(x.ls, x.ms, 20000, &x.s);
  TU_CHECK(rc == 0, "accept: %s", wr_err_name(rc));
  if (strcmp(packet, "http") == 0) {
    const char *want[] = {"http http_request \"GET\"",
                          "http http_header \"Host\" \"h\"", "http http_eoh"};
    for (int i = 0; i < 3; i++) {
      sx_setopts(x.s, "active=once");
      SX_EQ(sx_msgs(&x, x.ms, want[i]), want[i]);
    }
    SX_SEND(x.s, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi");
    sx_setopts(x.s, "active=once");
    SX_EQ(sx_msgs(&x, x.ms, "tcp_closed"), "tcp_closed");
    check_peer(&p, "http http_response 200\nhttp http_header "
                   "\"Content-Length\" \"2\"\nhttp http_eoh\nbody \"hi\"\n");
  } else {
    talk(&x, x.s, packet);
    check_peer(&p, talk_peer_log(packet));
  }
  sx_close(&x);
}

static const char *const packets[] = {"1", "2", "4", "line", "http"};

static void test_erlang_server(void **st) {
  (void)st;
  for (size_t i = 0; i < sizeof packets / sizeof packets[0]; i++)
    erl_server(packets[i]);
}

static void test_erlang_client(void **st) {
  (void)st;
  for (size_t i = 0; i < sizeof packets / sizeof packets[0]; i++)
    erl_client(packets[i]);
}

int main(int argc, char **argv) {
  if (argc != 3) {
    fprintf(stderr, "usage: %s ESCRIPT PEER_SCRIPT\n", argv[0]);
    return 2;
  }
  escript_bin = argv[1];
  peer_script = argv[2];
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_erlang_server),
      cmocka_unit_test(test_erlang_client),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
