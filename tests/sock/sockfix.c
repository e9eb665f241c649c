/* The transport variants and text helpers of the socket tests. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sock/sockfix.h"
#include "testutil.h"
#include "wirerig/loopback.h"
#include "wirerig/simnet.h"

const sx_variant sx_variants[] = {
    {"simnet seed 1 whole", 0, 1, "whole"},
    {"simnet seed 2 fixed:1", 0, 2, "fixed:1"},
    {"simnet seed 3 random:1-7 jitter", 0, 3, "random:1-7 jitter:0-2ms"},
    {"simnet seed 4 fixed:3", 0, 4, "fixed:3 latency:1ms"},
    {"loopback whole", 1, 5, "whole"},
    {"loopback fixed:1", 1, 6, "fixed:1"},
};
const size_t sx_nvariants = sizeof sx_variants / sizeof sx_variants[0];

static void policy(sx *x, wr_sock *s) {
  wr_policy p;
  char err[256];
  if (wr_policy_parse(x->v->policy, &p, err, sizeof err) != 0)
    TU_FAIL("policy %s: %s", x->v->policy, err);
  int rc = x->v->loopback
               ? wr_loopback_set_policy(x->net, wr_sock_handle(s), &p)
               : wr_simnet_set_policy(x->net, wr_sock_handle(s), &p);
  TU_CHECK(rc == 0, "set policy: %s", wr_err_name(rc));
}

void sx_setopts(wr_sock *s, const char *text) {
  wr_sockopt o[32];
  char err[256];
  int n = wr_sockopt_parse(text, o, 32, err, sizeof err);
  TU_CHECK(n >= 0, "options '%s': %s", text, err);
  int rc = wr_sock_setopts(s, o, (size_t)n);
  TU_CHECK(rc == 0, "setopts '%s': %s", text, wr_err_name(rc));
}

void sx_env_open(sx *x, const sx_variant *v) {
  memset(x, 0, sizeof *x);
  x->v = v;
  char err[256];
  int rc;
  if (v->loopback) {
    wr_loopback_config cfg;
    wr_loopback_config_init(&cfg);
    cfg.seed = v->seed;
    rc = wr_loopback_create(&cfg, &x->net, err, sizeof err);
  } else {
    wr_simnet_config cfg;
    wr_simnet_config_init(&cfg);
    cfg.seed = v->seed;
    rc = wr_simnet_create(&cfg, &x->net, err, sizeof err);
  }
  TU_CHECK(rc == 0, "transport: %s", err);
  TU_CHECK(wr_sockenv_create(x->net, &x->env) == 0, "sockenv");
  wr_mailbox_create(x->env, &x->mc);
  wr_mailbox_create(x->env, &x->ms);
}

void sx_open(sx *x, const sx_variant *v, const char *copts, const char *sopts) {
  char err[256];
  int rc;
  sx_env_open(x, v);
  wr_sockopt so[32], co[32];
  int ns = wr_sockopt_parse(sopts, so, 32, err, sizeof err);
  TU_CHECK(ns >= 0, "server options: %s", err);
  int nc = wr_sockopt_parse(copts, co, 32, err, sizeof err);
  TU_CHECK(nc >= 0, "client options: %s", err);
  rc = wr_sock_listen(x->env, x->ms, NULL, so, (size_t)ns, &x->ls);
  TU_CHECK(rc == 0, "listen: %s", wr_err_name(rc));
  wr_addr a;
  TU_CHECK(wr_sock_sockname(x->ls, &a) == 0, "sockname");
  rc = wr_sock_connect(x->env, x->mc, &a, co, (size_t)nc, 5000, &x->c);
  TU_CHECK(rc == 0, "connect: %s", wr_err_name(rc));
  rc = wr_sock_accept(x->ls, x->ms, 5000, &x->s);
  TU_CHECK(rc == 0, "accept: %s", wr_err_name(rc));
  policy(x, x->c);
  policy(x, x->s);
}

void sx_close(sx *x) {
  wr_sockenv_destroy(x->env);
  wr_net_destroy(x->net);
  memset(x, 0, sizeof *x);
}

void sx_each(void (*body)(sx *x), const char *copts, const char *sopts) {
  for (size_t i = 0; i < sx_nvariants; i++) {
    sx x;
    tu_where_set("%s", sx_variants[i].name);
    sx_open(&x, &sx_variants[i], copts, sopts);
    body(&x);
    sx_close(&x);
  }
  tu_where_set("%s", "");
}

void sx_send(wr_sock *s, const char *data, size_t len) {
  int rc = wr_sock_send(s, data, len);
  TU_CHECK(rc == 0, "send: %s", wr_err_name(rc));
}

static tu_str out;

/* Data, or for http the parse the socket handed on with the line (h). */
static void put_data(tu_str *b, const uint8_t *p, size_t n,
                     const wr_http_packet *hp) {
  if (!hp) {
    tu_str_quote(b, p, n);
    return;
  }
  wr_http_packet h = *hp;
  static const char *const k[] = {"http_request", "http_response",
                                  "http_header", "http_eoh", "http_error"};
  tu_str_printf(b, "%s", k[h.kind]);
  if (h.kind == WR_HTTP_HEADER) {
    wr_span f = wr_http_field(&h);
    tu_str_printf(b, " ");
    tu_str_quote(b, f.ptr, f.len);
    tu_str_printf(b, " ");
    tu_str_quote(b, h.value.ptr, h.value.len);
  } else if (h.kind == WR_HTTP_REQUEST) {
    tu_str_printf(b, " ");
    tu_str_quote(b, h.method.ptr, h.method.len);
  } else if (h.kind == WR_HTTP_RESPONSE) {
    tu_str_printf(b, " %d", (int)h.status);
  } else if (h.kind == WR_HTTP_ERROR) {
    tu_str_printf(b, " ");
    tu_str_quote(b, h.line.ptr, h.line.len);
  }
}

const char *sx_recv(sx *x, wr_sock *s, size_t len, long timeout_ms) {
  (void)x;
  wr_sock_data d;
  tu_str_clear(&out);
  int rc = wr_sock_recv(s, len, timeout_ms, &d);
  if (rc) {
    tu_str_printf(&out, "error %s", wr_err_name(rc));
    return tu_str_c(&out);
  }
  tu_str_printf(&out, "ok ");
  put_data(&out, d.data, d.len, d.is_http ? &d.http : NULL);
  wr_sock_data_free(&d);
  return tu_str_c(&out);
}

static void put_msg(tu_str *b, const wr_msg *m) {
  tu_str_printf(b, "%s", wr_msg_kind_name(m->kind));
  if (m->kind == WR_MSG_TCP || m->kind == WR_MSG_HTTP) {
    tu_str_printf(b, " ");
    put_data(b, m->data, m->len, m->kind == WR_MSG_HTTP ? m->http : NULL);
  } else if (m->kind == WR_MSG_TCP_ERROR) {
    tu_str_printf(b, " %s", wr_err_name(m->reason));
  }
}

void sx_settle(sx *x, long ms) {
  /* simnet runs until quiet at once; loopback waits ms. */
  wr_sockenv_run(x->env, x->v->loopback ? ms : 60000);
}

const char *sx_msgs(sx *x, wr_mailbox *mb, const char *expect) {
  size_t want = *expect ? 1 : 0;
  for (const char *p = expect; (p = strstr(p, "; ")); p += 2)
    want++;
  tu_str_clear(&out);
  size_t got = 0;
  wr_msg m;
  while (got < want && wr_mailbox_recv(mb, 5000, &m) == 0) {
    if (got++)
      tu_str_printf(&out, "; ");
    put_msg(&out, &m);
    wr_msg_free(&m);
  }
  sx_settle(x, 30);
  while (wr_mailbox_take(mb, &m) == 0) {
    if (got++)
      tu_str_printf(&out, "; ");
    put_msg(&out, &m);
    wr_msg_free(&m);
  }
  return tu_str_c(&out);
}
