/* Embedding wirerig in a user's own cmocka test: the "key=value" decoder
 * of kv.c is driven through a gen_tcp-model socket pair on simnet, under
 * several segmentations (one-byte segments among them), and checked
 * against gen_tcp's own {packet, line} framing of the same bytes.
 *
 * Build: see CMakeLists.txt beside this file (find_package(wirerig)). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "kv.h"
#include "wirerig/simnet.h"
#include "wirerig/sock.h"

static const char input[] = "host=example.org\nport=8080\n"
                            "broken line\n"
                            "empty=\n"
                            "path=/a/b?c=d\n";

typedef struct log {
  char text[1024];
  size_t len;
} log;

static void on_record(void *ctx, const char *key, const char *value) {
  log *l = ctx;
  l->len += (size_t)snprintf(l->text + l->len, sizeof l->text - l->len,
                             "%s -> %s;", key, value);
}

/* A simulated network with a listener, a client and the accepted server
 * side; `policy` cuts what the client sends. */
typedef struct pair {
  wr_net *net;
  wr_sockenv *env;
  wr_mailbox *owner;
  wr_sock *ls, *client, *server;
} pair;

static void pair_open(pair *p, uint64_t seed, const char *policy,
                      const char *server_opts) {
  wr_simnet_config cfg;
  wr_simnet_config_init(&cfg);
  cfg.seed = seed;
  char err[256];
  assert_int_equal(wr_simnet_create(&cfg, &p->net, err, sizeof err), 0);
  assert_int_equal(wr_sockenv_create(p->net, &p->env), 0);
  wr_mailbox_create(p->env, &p->owner);
  wr_sockopt so[8], co[1] = {{WR_OPT_ACTIVE, WR_ACTIVE_FALSE, 0}};
  int n = wr_sockopt_parse(server_opts, so, 8, err, sizeof err);
  assert_true(n >= 0);
  assert_int_equal(
      wr_sock_listen(p->env, p->owner, NULL, so, (size_t)n, &p->ls), 0);
  wr_addr a;
  assert_int_equal(wr_sock_sockname(p->ls, &a), 0);
  assert_int_equal(
      wr_sock_connect(p->env, p->owner, &a, co, 1, 1000, &p->client), 0);
  assert_int_equal(wr_sock_accept(p->ls, p->owner, 1000, &p->server), 0);
  wr_policy pol;
  assert_int_equal(wr_policy_parse(policy, &pol, err, sizeof err), 0);
  assert_int_equal(
      wr_simnet_set_policy(p->net, wr_sock_handle(p->client), &pol), 0);
}

static void pair_close(pair *p) {
  wr_sockenv_destroy(p->env);
  wr_net_destroy(p->net);
}

static const char *const policies[] = {"whole", "fixed:1", "random:1-5",
                                       "cuts:3,17,18 latency:2ms"};

/* The decoder sees the bytes in whatever pieces recv(0) returns. */
static void test_decoder_under_segmentation(void **state) {
  (void)state;
  for (size_t i = 0; i < sizeof policies / sizeof policies[0]; i++) {
    pair p;
    pair_open(&p, 1 + i, policies[i], "active=false");
    assert_int_equal(wr_sock_send(p.client, input, sizeof input - 1), 0);
    assert_int_equal(wr_sock_close(p.client), 0);
    kv_decoder d;
    kv_init(&d);
    log got = {{0}, 0};
    wr_sock_data data;
    int rc;
    while ((rc = wr_sock_recv(p.server, 0, 1000, &data)) == 0) {
      kv_feed(&d, (const char *)data.data, data.len, on_record, &got);
      wr_sock_data_free(&data);
    }
    assert_string_equal(wr_err_name(rc), "closed");
    assert_string_equal(got.text, "host -> example.org;port -> 8080;"
                                  "empty -> ;path -> /a/b?c=d;");
    assert_int_equal(d.errors, 1);
    pair_close(&p);
  }
}

/* The same bytes framed by gen_tcp's {packet, line}: the decoder must find
 * exactly one record or error per line the socket delivers. */
static void test_decoder_matches_line_framing(void **state) {
  (void)state;
  pair p;
  pair_open(&p, 7, "fixed:1", "active=false packet=line");
  assert_int_equal(wr_sock_send(p.client, input, sizeof input - 1), 0);
  kv_decoder d;
  kv_init(&d);
  log got = {{0}, 0};
  unsigned lines = 0;
  wr_sock_data line;
  while (wr_sock_recv(p.server, 0, 100, &line) == 0) {
    lines++;
    kv_feed(&d, (const char *)line.data, line.len, on_record, &got);
    wr_sock_data_free(&line);
  }
  size_t records = 0;
  for (const char *s = got.text; (s = strchr(s, ';')); s++)
    records++;
  assert_int_equal(lines, 5);
  assert_int_equal(records + d.errors, lines);
  pair_close(&p);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_decoder_under_segmentation),
      cmocka_unit_test(test_decoder_matches_line_framing),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
