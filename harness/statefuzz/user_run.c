/* The engine that drives a user's server (statefuzz.h, "fuzzing your own
 * server"): the decoded scenario's client operations run against the
 * user's callbacks on simnet.
 *
 * The runner cannot do this: it executes every endpoint on the socket
 * model and blocks in one step at a time, while here a callback must run
 * whenever the server's mailbox has something -- including while the
 * client waits in a recv for the reply. So blocking client steps are run
 * in slices of virtual time, and the server's mailbox is emptied into the
 * callbacks after every slice.
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "sf_int.h"
#include "user_int.h"
#include "wirerig/error.h"
#include "wirerig/simnet.h"
#include "wirerig/sockopt.h"

#define U_MAX_OPTS 16
/* After the last step: the network runs on until this long has passed
 * without anything happening, at most U_SETTLE_MS in all. */
#define U_QUIET_MS 100
#define U_SETTLE_MS 60000

struct wr_sf_test {
  wr_sf_outcome *out;
};

int wr_sf_fail(wr_sf_test *t, const char *fmt, ...) {
  if (t->out->failed)
    return -1;
  t->out->failed = 1;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t->out->why, sizeof t->out->why, fmt, ap);
  va_end(ap);
  return -1;
}

int wr_sf_fail_at(wr_sf_test *t, const char *file, int line, const char *what) {
  if (t->out->failed)
    return -1;
  t->out->failed = 1;
  snprintf(t->out->site, sizeof t->out->site, "%s:%d", file, line);
  snprintf(t->out->why, sizeof t->out->why, "%s:%d: assertion failed: %s", file,
           line, what);
  return -1;
}

typedef struct bytes {
  uint8_t *p;
  size_t len, cap;
  int oom;
} bytes;

static void append(bytes *b, const uint8_t *d, size_t n) {
  if (b->oom || !n)
    return;
  if (b->len + n > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 256;
    while (cap < b->len + n)
      cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, d, n);
  b->len += n;
}

typedef struct urun {
  const wr_sf_server *srv;
  void *state;
  wr_sf_test t;
  wr_net *net;
  wr_sockenv *env;
  wr_mailbox *smb, *cmb;
  wr_sock *ls, *ss, *cs;
  int sep, cep; /* the scenario's endpoints for `s` and `c` */
  bytes sent, got;
  wr_sf_transcript tr;
  int events; /* something happened in the last slice */
  int closed; /* the client's socket is closed */
} urun;

static int failed(const urun *u) { return u->t.out->failed; }

/* Every message in the server's mailbox, to the callbacks. */
static void pump(urun *u) {
  const wr_sf_server *v = u->srv;
  wr_msg m;
  wr_sock_limit_hit hit;
  if (!failed(u) && wr_sockenv_limit_hit(u->env, &hit) &&
      hit.kind == WR_SOCK_LIMIT_LIVELOCK)
    wr_sf_fail(&u->t,
               "livelock in wirerig's event loop: ready sockets served by "
               "none (a wirerig bug, not your server's; please report it)");
  while (!failed(u) && wr_mailbox_take(u->smb, &m) == 0) {
    int rc = 0;
    u->events = 1;
    if ((m.kind == WR_MSG_TCP || m.kind == WR_MSG_HTTP) && v->on_data)
      rc = v->on_data(&u->t, u->state, &m);
    else if (m.kind == WR_MSG_TCP_CLOSED && v->on_closed)
      rc = v->on_closed(&u->t, u->state, m.sock);
    else if (v->on_message)
      rc = v->on_message(&u->t, u->state, &m);
    wr_msg_free(&m);
    if (rc && !failed(u))
      wr_sf_fail(&u->t, "a callback returned %d without a reason", rc);
  }
  if (!failed(u) && v->on_idle && u->ss && v->on_idle(&u->t, u->state, u->ss) &&
      !failed(u))
    wr_sf_fail(&u->t, "on_idle failed without a reason");
}

static void slice(urun *u, long ms) {
  wr_sockenv_run(u->env, ms);
  pump(u);
}

/* A message the client took: its data goes into the transcript. */
static void client_msg(urun *u, wr_msg *m) {
  u->events = 1;
  if (m->kind == WR_MSG_TCP || m->kind == WR_MSG_HTTP)
    append(&u->got, m->data, m->len);
  else if (m->kind == WR_MSG_TCP_CLOSED || m->kind == WR_MSG_TCP_ERROR)
    u->tr.peer_closed = 1;
  wr_msg_free(m);
}

/* Data messages in the client's mailbox came before anything its socket
 * still holds: the transcript takes them first, to stay in stream order
 * (reading a mailbox changes nothing on the network). */
static void take_older(urun *u) {
  wr_msg m;
  while (wr_mailbox_take(u->cmb, &m) == 0)
    client_msg(u, &m);
}

static void client_err(urun *u, int rc) {
  if (rc == WR_CLOSED || rc == WR_ECONNRESET)
    u->tr.peer_closed = 1;
}

/* The slice for a wait of ms: fine enough that a reply is seen soon after
 * it arrives, coarse enough that a long wait stays cheap. */
static long step_of(long ms) { return ms <= 10 ? 1 : ms / 10; }

static void client_recv(urun *u, const wr_scn_step *st) {
  long to = st->has_timeout ? (long)(st->timeout / WR_NS_PER_MS) : 5000;
  size_t n = st->has_n ? (size_t)st->n : 0;
  for (long waited = 0;; waited += step_of(to)) {
    pump(u);
    if (failed(u))
      return;
    wr_sock_data d;
    int rc = wr_sock_recv(u->cs, n, 0, &d);
    if (rc == 0) {
      take_older(u);
      append(&u->got, d.data, d.len);
      wr_sock_data_free(&d);
      return;
    }
    if (rc != WR_TIMEOUT || waited >= to) {
      client_err(u, rc);
      return;
    }
    slice(u, step_of(to));
  }
}

/* `message` (until one arrives or the timeout) and `nothing within`
 * (every message of the whole period). */
static void client_mailbox(urun *u, long to, int all) {
  for (long waited = 0;; waited += step_of(to)) {
    pump(u);
    wr_msg m;
    int took = 0;
    while (!failed(u) && wr_mailbox_take(u->cmb, &m) == 0) {
      client_msg(u, &m);
      took = 1;
      if (!all)
        break;
    }
    if (failed(u) || (took && !all) || waited >= to)
      return;
    slice(u, step_of(to));
  }
}

/* The client's options without those that change its framing: it sees
 * the server's bytes raw (statefuzz.h). */
static size_t client_opts(const wr_scn_step *st, wr_sockopt *o) {
  size_t n = 0;
  for (size_t i = 0; i < st->nopts && n < U_MAX_OPTS; i++) {
    int name = st->opts[i].name;
    if (name == WR_OPT_PACKET || name == WR_OPT_PACKET_SIZE ||
        name == WR_OPT_LINE_DELIMITER || name == WR_OPT_HEADER)
      continue;
    o[n++] = st->opts[i];
  }
  return n;
}

static void net_step(urun *u, const wr_scn_step *st) {
  wr_sock *s = st->ep == u->cep ? u->cs : u->ss;
  int h = s ? wr_sock_handle(s) : -1;
  if (h < 0)
    return;
  int rc = 0;
  switch (st->kind) {
  case WR_SCN_NET_POLICY:
    wr_net_set_policy(u->net, h, st->policy);
    return;
  case WR_SCN_NET_BUFFERS:
    wr_net_set_bufsizes(u->net, h, (uint32_t)st->sndbuf, (uint32_t)st->rcvbuf);
    return;
  case WR_SCN_NET_RESET:
    rc = st->has_n
             ? wr_simnet_fault_reset_after(u->net, h, st->n)
             : wr_simnet_fault_reset_at(u->net, h, wr_net_now(u->net) + st->t);
    break;
  case WR_SCN_NET_DROP:
    rc = wr_simnet_fault_drop(u->net, h);
    break;
  case WR_SCN_NET_STALL:
    rc = wr_net_stall(u->net, h,
                      st->t ? wr_net_now(u->net) + st->t : WR_TIME_NEVER);
    break;
  case WR_SCN_NET_RELEASE:
    wr_net_release(u->net, h);
    return;
  default:
    return;
  }
  if (rc == 0)
    u->tr.faults++;
}

static void step(urun *u, const wr_scn_step *st) {
  if (st->kind >= WR_SCN_NET_POLICY && st->kind <= WR_SCN_NET_RELEASE) {
    if (st->ep == u->cep || st->ep == u->sep)
      net_step(u, st);
    return;
  }
  if (st->kind == WR_SCN_WAIT) {
    long ms = (long)(st->t / WR_NS_PER_MS);
    for (long w = 0; w < ms && !failed(u); w += step_of(ms))
      slice(u, step_of(ms));
    return;
  }
  /* The server is the user's: the decoder's operations on `s` have no
   * place here. */
  if (st->ep != u->cep)
    return;
  u->tr.nops++;
  int rc;
  switch (st->kind) {
  case WR_SCN_SEND:
    rc = wr_sock_send(u->cs, st->data.ptr, st->data.len);
    if (rc == 0)
      append(&u->sent, st->data.ptr, st->data.len);
    else
      u->tr.send_errors++;
    client_err(u, rc);
    break;
  case WR_SCN_RECV:
    client_recv(u, st);
    break;
  case WR_SCN_MESSAGE:
    client_mailbox(
        u, st->has_timeout ? (long)(st->timeout / WR_NS_PER_MS) : 5000, 0);
    break;
  case WR_SCN_NOTHING:
    client_mailbox(u, (long)(st->t / WR_NS_PER_MS), 1);
    break;
  case WR_SCN_SETOPTS: {
    wr_sockopt o[U_MAX_OPTS];
    size_t n = client_opts(st, o);
    if (n)
      wr_sock_setopts(u->cs, o, n);
    break;
  }
  case WR_SCN_SHUTDOWN:
    if (wr_sock_shutdown(u->cs, st->how) == 0 && st->how != WR_SHUT_RD)
      u->tr.client_closed = 1;
    break;
  case WR_SCN_CLOSE:
    if (wr_sock_close(u->cs) == 0)
      u->tr.client_closed = u->closed = 1;
    break;
  default:
    u->tr.nops--;
    break;
  }
  pump(u);
}

/* Everything the client can read now, without waiting. */
static void client_take(urun *u) {
  wr_msg m;
  while (wr_mailbox_take(u->cmb, &m) == 0)
    client_msg(u, &m);
  if (u->closed)
    return;
  for (int i = 0; i < 1024; i++) {
    wr_sock_data d;
    int rc = wr_sock_recv(u->cs, 0, 0, &d);
    if (rc != 0) {
      if (rc != WR_TIMEOUT && rc != WR_EINVAL)
        client_err(u, rc);
      return;
    }
    u->events = 1;
    append(&u->got, d.data, d.len);
    wr_sock_data_free(&d);
  }
}

/* How far the network has got: every direction's byte counters. Bytes
 * on their way (a 1-byte window, jitter) change them; a direction stuck
 * for good (a server that stopped reading, its window full) does not. */
static uint64_t progress(urun *u) {
  uint64_t sum = 0;
  uint32_t n = wr_simnet_conn_count(u->net);
  for (uint32_t c = 1; c <= n; c++)
    for (int d = 0; d < 2; d++) {
      wr_simnet_dirstats ds;
      if (wr_simnet_dirstats_get(u->net, c, d, &ds) == 0)
        sum += ds.written + ds.delivered + ds.read + ds.discarded +
               (uint64_t)ds.fin_delivered + (uint64_t)ds.rst;
    }
  return sum;
}

/* After the last step: the client turns passive (its mailbox holds the
 * older data, taken first) and keeps reading -- so a small receive buffer
 * cannot hold the server's bytes back -- while the network runs, until
 * neither the callbacks, the client nor the network's counters have moved
 * for U_QUIET_MS. */
static void settle(urun *u) {
  if (!u->closed) {
    wr_sockopt off;
    char err[128];
    if (wr_sockopt_parse("active=false", &off, 1, err, sizeof err) == 1)
      wr_sock_setopts(u->cs, &off, 1);
  }
  /* While bytes flow the slices are short, so a 1-byte window still moves
   * about a byte per millisecond; quiet slices are longer. */
  long quiet = 0, t = 0, ms = 1;
  while (quiet < U_QUIET_MS && !failed(u)) {
    if (t >= U_SETTLE_MS) {
      u->tr.unsettled = 1;
      return;
    }
    u->events = 0;
    uint64_t before = progress(u);
    client_take(u);
    slice(u, ms);
    client_take(u);
    if (progress(u) != before)
      u->events = 1;
    t += ms;
    quiet = u->events ? 0 : quiet + ms;
    ms = u->events ? 1 : 10;
  }
}

/* The endpoints the decoder writes: the first listener and the first
 * client connecting to it. */
static const wr_scn_step *find_connect(const wr_scenario *s, urun *u) {
  u->sep = u->cep = -1;
  for (size_t i = 0; i < s->steps.n; i++) {
    const wr_scn_step *st = &s->steps.steps[i];
    if (st->kind == WR_SCN_LISTEN && u->sep < 0)
      u->sep = st->ep;
    else if (st->kind == WR_SCN_CONNECT && u->sep >= 0 && st->peer == u->sep) {
      u->cep = st->ep;
      return st;
    }
  }
  return NULL;
}

static int setup(urun *u, const wr_scenario *s, uint64_t seed,
                 const wr_scn_step **connect, char *err, size_t errlen) {
  const wr_sf_server *v = u->srv;
  wr_sockopt lo[U_MAX_OPTS], co[U_MAX_OPTS];
  int nl = 0;
  if (v->listen_opts) {
    char e[256];
    nl = wr_sockopt_parse(v->listen_opts, lo, U_MAX_OPTS, e, sizeof e);
    if (nl < 0) {
      snprintf(err, errlen, "%s: listen_opts \"%s\": %s",
               v->name ? v->name : "server", v->listen_opts, e);
      return nl;
    }
  }
  *connect = find_connect(s, u);
  if (!*connect) {
    snprintf(err, errlen,
             "%s: expected a listener and a client connecting to it "
             "(`s listen`, `c connect s`), found none",
             s->file ? s->file : "scenario");
    return WR_EINVAL;
  }
  int rc = wr_sf_net_create_(seed, &u->net, err, errlen);
  if (rc)
    return rc;
  if ((rc = wr_sockenv_create(u->net, &u->env)) != 0 ||
      (rc = wr_mailbox_create(u->env, &u->smb)) != 0 ||
      (rc = wr_mailbox_create(u->env, &u->cmb)) != 0) {
    snprintf(err, errlen, "out of memory creating the sockets");
    return rc;
  }
  wr_addr addr;
  size_t nc = client_opts(*connect, co);
  if ((rc = wr_sock_listen(u->env, u->smb, NULL, lo, (size_t)nl, &u->ls)) ||
      (rc = wr_sock_sockname(u->ls, &addr)) ||
      (rc = wr_sock_connect(u->env, u->cmb, &addr, co, nc, 1000, &u->cs)) ||
      (rc = wr_sock_accept(u->ls, u->smb, 1000, &u->ss))) {
    snprintf(err, errlen, "%s: the client could not connect: %s",
             v->name ? v->name : "server", wr_err_name(rc));
    return rc;
  }
  return 0;
}

int wr_sf_server_run_scenario(const wr_sf_server *srv, const wr_scenario *s,
                              uint64_t seed, wr_sf_outcome *out, char *err,
                              size_t errlen) {
  memset(out, 0, sizeof *out);
  out->seed = seed;
  if (!srv || !s) {
    snprintf(err, errlen, "wr_sf_server_run: NULL server or scenario");
    return WR_EINVAL;
  }
  urun u;
  memset(&u, 0, sizeof u);
  u.srv = srv;
  u.t.out = out;
  u.state = srv->create ? srv->create(srv->ctx) : srv->ctx;
  if (srv->create && !u.state) {
    snprintf(err, errlen, "%s: create returned NULL",
             srv->name ? srv->name : "server");
    return WR_ENOMEM;
  }
  const wr_scn_step *connect = NULL;
  int rc = setup(&u, s, seed, &connect, err, errlen);
  if (rc == 0) {
    if (srv->on_accept && srv->on_accept(&u.t, u.state, u.ss) && !failed(&u))
      wr_sf_fail(&u.t, "on_accept failed without a reason");
    pump(&u);
    for (size_t i = 0; i < s->steps.n && !failed(&u); i++)
      if (&s->steps.steps[i] != connect)
        step(&u, &s->steps.steps[i]);
    if (!failed(&u))
      settle(&u);
    if (u.sent.oom || u.got.oom) {
      snprintf(err, errlen, "out of memory recording the exchange");
      rc = WR_ENOMEM;
    } else if (!failed(&u) && srv->at_end) {
      /* never NULL, so that `received + off` is defined when empty */
      static const uint8_t none[1];
      u.tr.sent = u.sent.p ? u.sent.p : none;
      u.tr.sent_len = u.sent.len;
      u.tr.received = u.got.p ? u.got.p : none;
      u.tr.received_len = u.got.len;
      if (srv->at_end(&u.t, u.state, &u.tr) && !failed(&u))
        wr_sf_fail(&u.t, "at_end failed without a reason");
    }
    out->nops = u.tr.nops;
  }
  if (srv->destroy && srv->create)
    srv->destroy(u.state);
  if (u.env)
    wr_sockenv_destroy(u.env);
  if (u.net)
    wr_net_destroy(u.net);
  free(u.sent.p);
  free(u.got.p);
  return rc;
}

int wr_sf_server_run(const wr_sf_server *srv, const uint8_t *data, size_t len,
                     wr_sf_outcome *out, char *err, size_t errlen) {
  wr_sf_case c;
  if (wr_sf_decode(data, len, NULL, &c) != 0) {
    memset(out, 0, sizeof *out);
    snprintf(err, errlen, "out of memory decoding the input");
    return WR_ENOMEM;
  }
  int rc = wr_sf_server_run_scenario(srv, c.scn, c.seed, out, err, errlen);
  wr_sf_case_free(&c);
  return rc;
}

int wr_sf_same_outcome(const wr_sf_outcome *a, const wr_sf_outcome *b) {
  if (!a->failed || !b->failed)
    return 0;
  if (a->site[0] || b->site[0])
    return !strcmp(a->site, b->site);
  const char *p = a->why, *q = b->why;
  for (;;) {
    while (*p >= '0' && *p <= '9')
      p++;
    while (*q >= '0' && *q <= '9')
      q++;
    if (*p != *q)
      return 0;
    if (!*p)
      return 1;
    p++;
    q++;
  }
}
