/* One run of a scenario: the steps executed in order on gen_tcp sockets
 * over simnet or loopback, each observation logged and checked against its
 * expectation. The first step that does not meet its expectation ends the
 * run; the failure keeps the step, what was expected and what was seen.
 *
 * Every endpoint gets its own mailbox (its "process"); a listener's name
 * also holds its first accepted connection (scenario.h). Network
 * directives that name a socket not connected yet wait until it exists.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "run_int.h"
#include "wirerig/error.h"
#include "wirerig/pcap.h"
#include "wirerig/simnet.h"
#include "wirerig/sock.h"

#define DEFAULT_TIMEOUT_MS 5000L

/* Copies with truncation (the reports' fixed buffers). */
static void copy(char *dst, size_t cap, const char *src) {
  size_t n = strlen(src);
  if (n >= cap)
    n = cap - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

static void obs_add(run_rt *rt, const wr_scn_step *st, const char *text,
                    const char *key) {
  wr_run_result *r = rt->r;
  /* Inside repeat ... until, the rounds a transport needs are its own
   * (a kernel's buffers against simnet's): the loop logs one observation
   * for all of them when it ends. */
  if (rt->until || wr_run_dead_(rt))
    return;
  if (r->nobs == r->obs_cap) {
    size_t cap = r->obs_cap ? r->obs_cap * 2 : 64;
    wr_run_obs *o = realloc(r->obs, cap * sizeof *o);
    if (!o)
      return;
    r->obs = o;
    r->obs_cap = cap;
  }
  size_t tl = strlen(text) + 1, kl = strlen(key) + 1;
  if (r->buf_len + tl + kl > r->buf_cap) {
    size_t cap = r->buf_cap ? r->buf_cap : 4096;
    while (cap < r->buf_len + tl + kl)
      cap *= 2;
    char *b = realloc(r->buf, cap);
    if (!b)
      return;
    r->buf = b;
    r->buf_cap = cap;
  }
  r->obs[r->nobs].step = st;
  r->obs[r->nobs].proc = rt->cur;
  r->obs[r->nobs].text_off = r->buf_len;
  memcpy(r->buf + r->buf_len, text, tl);
  r->buf_len += tl;
  r->obs[r->nobs].key_off = r->buf_len;
  memcpy(r->buf + r->buf_len, key, kl);
  r->buf_len += kl;
  r->nobs++;
}

/* *dst becomes a copy of n bytes of src and a NUL (the result owns it);
 * left as it was when memory runs out. */
static void set_text(char **dst, const char *src, size_t n) {
  char *p = realloc(*dst, n + 1);
  if (!p)
    return;
  memcpy(p, src, n);
  p[n] = '\0';
  *dst = p;
}

/* Logs the observation; ends the run unless it passed. */
/* Does an observation give the result the running until loop waits for? */
static int until_met(const run_rt *rt, const char *text) {
  if (!rt->until)
    return 0;
  size_t n = strlen(rt->until_text);
  return rt->until_prefix ? strncmp(text, rt->until_text, n) == 0
                          : strcmp(text, rt->until_text) == 0;
}

static int judge(run_rt *rt, const wr_scn_step *st, int pass, const char *text,
                 const char *key) {
  /* A killed process's step (its wait ended by the kill) says nothing. */
  if (wr_run_dead_(rt))
    return 1;
  if (until_met(rt, text)) {
    rt->until_hit = 1; /* ends the loop: not a failure of this step */
    return 1;
  }
  obs_add(rt, st, text, key);
  if (pass || rt->observe)
    return 0;
  wr_run_result *r = rt->r;
  r->verdict = WR_RUN_FAIL;
  r->fail_step = st;
  /* Sized first: an expectation may be any length (a long header). */
  int n = wr_run_render_expect(st, NULL, 0);
  char *e = n >= 0 ? realloc(r->expected, (size_t)n + 1) : NULL;
  if (e) {
    wr_run_render_expect(st, e, (size_t)n + 1);
    r->expected = e;
  }
  set_text(&r->observed, text, strlen(text));
  return 1;
}

static int stop(run_rt *rt, wr_run_verdict v, const wr_scn_step *st,
                const char *what) {
  if (wr_run_dead_(rt))
    return 1;
  rt->r->verdict = v;
  char pos[300] = "";
  if (st)
    snprintf(pos, sizeof pos, "%s:%u:%u: ", st->pos.file, st->pos.line,
             st->pos.col);
  copy(rt->r->reason, sizeof rt->r->reason, pos);
  size_t n = strlen(rt->r->reason);
  copy(rt->r->reason + n, sizeof rt->r->reason - n, what);
  return 1;
}

static int stop_name(run_rt *rt, wr_run_verdict v, const wr_scn_step *st,
                     int ep, const char *what) {
  char msg[200];
  snprintf(msg, sizeof msg, "%.80s %s", rt->s->endpoints[ep].name, what);
  return stop(rt, v, st, msg);
}

/* ---- harness bounds (issue #17) -------------------------------------------
 * A run ends as ERROR, naming the bound, its value and the step, when it
 * has taken max_steps steps (counted, so a seed meets the bound at the
 * same step every time), when a mailbox or a send queue passes its limit
 * (wr_sock_limits), or, on loopback, at the wall-time deadline. */

#define STEP_DATA_UNIT 65536u

static int bound(run_rt *rt, const wr_scn_step *st, int which,
                 const char *what) {
  rt->r->bound = which;
  return stop(rt, WR_RUN_ERROR, st, what);
}

/* Counts n steps; 1 once the budget is spent (the run then ends here). */
static int spend(run_rt *rt, const wr_scn_step *st, uint64_t n) {
  rt->r->steps += n;
  if (rt->r->steps <= rt->max_steps)
    return 0;
  char msg[200];
  snprintf(msg, sizeof msg,
           "step budget exhausted: this run took more than %llu steps "
           "(--max-steps); stopped at this step",
           (unsigned long long)rt->max_steps);
  return bound(rt, st, WR_RUN_BOUND_STEPS, msg);
}

/* The scenario's name for a mailbox or a socket, "?" when it has none. */
static const char *name_of(run_rt *rt, const wr_mailbox *mb,
                           const wr_sock *so) {
  for (size_t i = 0; i < rt->s->nendpoints; i++)
    if ((mb && rt->eps[i].mb == mb) ||
        (so && (rt->eps[i].s == so || rt->eps[i].ls == so)))
      return rt->s->endpoints[i].name;
  return "?";
}

static double mib(size_t n) { return (double)n / (1024.0 * 1024.0); }

/* After each step: a limit the socket layer met, or the deadline. */
static int check_bounds(run_rt *rt, const wr_scn_step *st) {
  if (rt->r->bound)
    return 1; /* reported at the step inside that met it */
  if (!rt->env)
    return 0;
  char msg[240];
  wr_sock_limit_hit h;
  if (wr_sockenv_limit_hit(rt->env, &h)) {
    switch (h.kind) {
    case WR_SOCK_LIMIT_MAILBOX:
      snprintf(msg, sizeof msg,
               "mailbox exceeded %.0f MiB (--max-mailbox): %.80s held %zu "
               "bytes in %zu messages and %zu more arrived; a peer sends "
               "faster than the scenario takes messages",
               mib(rt->max_mailbox), name_of(rt, h.mailbox, NULL), h.bytes,
               h.messages, h.adding);
      return bound(rt, st, WR_RUN_BOUND_MAILBOX, msg);
    case WR_SOCK_LIMIT_QUEUE:
      snprintf(msg, sizeof msg,
               "send queue exceeded %.0f MiB (--max-queue): %.80s had %zu "
               "bytes queued and a send of %zu more; the peer does not "
               "read what is sent",
               mib(rt->max_queue), name_of(rt, NULL, h.sock), h.bytes,
               h.adding);
      return bound(rt, st, WR_RUN_BOUND_QUEUE, msg);
    case WR_SOCK_LIMIT_SYSTEM:
      /* The machine's limit, met by the harness: what gen_tcp would have
       * returned is no verdict about the scenario. */
      snprintf(msg, sizeof msg,
               "the harness ran out of a system resource at this step: %s "
               "(%s)%s",
               wr_err_name(h.err), wr_strerror(h.err),
               h.err == WR_ENOMEM ? ""
                                  : "; raise the limit (ulimit -n) or open "
                                    "fewer connections at once");
      return bound(rt, st, WR_RUN_BOUND_SYSTEM, msg);
    case WR_SOCK_LIMIT_LIVELOCK:
      snprintf(msg, sizeof msg,
               "livelock in the harness at this step: its event loop found "
               "the same ready sockets %u times at %.3f ms of simulated "
               "time and served none; a wirerig bug, not a verdict on the "
               "scenario: please report it with this file and seed",
               WR_SIMNET_SPIN_MAX, (double)wr_net_now(rt->net) / 1e6);
      return bound(rt, st, WR_RUN_BOUND_LIVELOCK, msg);
    default:
      break;
    }
  } else if (!rt->wall_deadline || wr_net_now(rt->net) < rt->wall_deadline) {
    /* A target that crashed explains the step's observation: the harness
     * reports the crash, not the scenario's FAIL. */
    if (rt->transport == WR_RUN_LOOPBACK &&
        wr_run_target_died(rt, rt->r->verdict == WR_RUN_FAIL, msg, sizeof msg))
      return stop(rt, WR_RUN_ERROR, st, msg);
    return 0;
  }
  snprintf(msg, sizeof msg,
           "timeout: the run took more than %u s of wall time (--timeout); "
           "stopped during this step",
           (unsigned)rt->timeout_s);
  return bound(rt, st, WR_RUN_BOUND_TIMEOUT, msg);
}

static long ms_of(wr_time t) {
  return (long)((t + WR_NS_PER_MS - 1) / WR_NS_PER_MS);
}

static long step_timeout(run_rt *rt, const wr_scn_step *st) {
  if (st->has_timeout)
    return ms_of(st->timeout);
  return rt->default_ms;
}

static wr_mailbox *ep_mb(run_rt *rt, int i) {
  if (!rt->eps[i].mb)
    wr_mailbox_create(rt->env, &rt->eps[i].mb);
  return rt->eps[i].mb;
}

/* The socket verbs act on: the connection, else the listener. */
static wr_sock *ep_sock(run_rt *rt, int i) {
  return rt->eps[i].s ? rt->eps[i].s : rt->eps[i].ls;
}

/* The step's options, typed by the parser: given to the socket as they
 * are. One that gen_tcp refuses (kept only under `-> error einval`) makes
 * the whole call einval, with nothing applied. */
static int step_opts(const wr_scn_step *st) {
  return st->refused_opt ? WR_EINVAL : 0;
}

/* ---- the network directives ---------------------------------------------- */

static wr_policy merged_policy(run_rt *rt, int ep, const wr_policy *file) {
  wr_policy p;
  if (file)
    p = *file;
  else
    wr_policy_init(&p);
  const wr_run_sched *sc = rt->sched;
  if (sc && !sc->shim && sc->ep == ep) {
    p.seg = sc->seg.seg;
    p.seg_min = sc->seg.seg_min;
    p.seg_max = sc->seg.seg_max;
    p.ncuts = sc->seg.ncuts;
    memcpy(p.cuts, sc->seg.cuts, sizeof p.cuts);
  }
  return p;
}

static int set_policy(run_rt *rt, int ep, const wr_policy *p) {
  wr_sock *s = rt->eps[ep].s;
  if (!s || wr_sock_handle(s) < 0) {
    rt->eps[ep].pending = *p;
    rt->eps[ep].has_pending = 1;
    return 0;
  }
  return wr_net_set_policy(rt->net, wr_sock_handle(s), p);
}

/* A connection came to exist for ep: its waiting directives, the schedule
 * override, and its place in the list of directions. */
static void conn_created(run_rt *rt, int ep, int peer) {
  run_ep *e = &rt->eps[ep];
  e->peer = peer;
  if (e->has_pending ||
      (rt->sched && !rt->sched->shim && rt->sched->ep == ep)) {
    wr_policy p = merged_policy(rt, ep, e->has_pending ? &e->pending : NULL);
    e->has_pending = 0;
    set_policy(rt, ep, &p);
  }
  /* Directions are measured where the transport names its connections
   * (simnet's trace and byte accounting); elsewhere conn_id answers
   * WR_ENOTSUP and the run has no directions to report. */
  wr_run_result *r = rt->r;
  if (r->ndirs < 64) {
    uint32_t conn;
    int side;
    if (wr_net_conn_id(rt->net, wr_sock_handle(e->s), &conn, &side) == 0) {
      rt->dconn[r->ndirs] = conn;
      rt->dside[r->ndirs] = side;
      r->dirs[r->ndirs].ep = ep;
      r->dirs[r->ndirs].peer = peer;
      r->dirs[r->ndirs].written = 0;
      r->dirs[r->ndirs].ncuts = 0;
      r->ndirs++;
    }
  }
}

/* The name a directive goes by in messages. */
static const char *net_verb(wr_scn_kind k) {
  switch (k) {
  case WR_SCN_NET_POLICY:
    return "net policy";
  case WR_SCN_NET_BUFFERS:
    return "net sndbuf/rcvbuf";
  case WR_SCN_NET_RESET:
    return "net reset";
  case WR_SCN_NET_DROP:
    return "net drop";
  case WR_SCN_NET_STALL:
    return "net stall";
  case WR_SCN_NET_RELEASE:
    return "net release";
  case WR_SCN_NET_REFUSE:
    return "net refuse";
  default:
    return "net";
  }
}

/* What the transport answered to a directive: a transport without the
 * operation skips the run (reported, not a failure), any other refusal is
 * an error. 0 when it was done, else 1 after setting the verdict. */
/* In observe mode a directive the connection can no longer take (it is
 * closed) is logged, not the end of the run: generated steps do not know
 * the connection's state in advance. */
#define NET_OBSERVED_ERROR 2

static int net_answer(run_rt *rt, const wr_scn_step *st, int rc) {
  if (rc >= 0)
    return 0;
  if (rc == WR_ENOTSUP) {
    char msg[120];
    snprintf(msg, sizeof msg, "%s is not supported on %s", net_verb(st->kind),
             wr_net_name(rt->net));
    return stop(rt, WR_RUN_SKIP, st, msg);
  }
  if (rt->observe)
    return NET_OBSERVED_ERROR;
  return stop(rt, WR_RUN_ERROR, st, "the transport refused the directive");
}

/* One directive on the direction of endpoint a. Each is tried on the
 * transport as it is: the answer, not the transport's name, decides. */
static int net_dir(run_rt *rt, const wr_scn_step *st, int a, int b) {
  (void)b;
  if (rt->s->endpoints[a].kind == WR_SCN_EP_TARGET)
    return stop_name(rt, WR_RUN_ERROR, st, a,
                     "is a target: only what the scenario's own sockets "
                     "send can be shaped or faulted");
  wr_sock *s = rt->eps[a].s ? rt->eps[a].s : rt->eps[a].ls;
  int h = s ? wr_sock_handle(s) : -1;
  if (st->kind == WR_SCN_NET_POLICY) {
    /* Other refusals of a policy have always been let pass (a policy may
     * wait for its socket); a transport that cannot shape skips. */
    wr_policy p = merged_policy(rt, a, st->policy);
    int rc = set_policy(rt, a, &p);
    return rc == WR_ENOTSUP ? net_answer(rt, st, rc) : 0;
  }
  if (h < 0 && rt->observe)
    return NET_OBSERVED_ERROR;
  if (h < 0)
    return stop_name(rt, WR_RUN_ERROR, st, a,
                     "has no open socket for this directive");
  wr_net *n = rt->net;
  switch (st->kind) {
  case WR_SCN_NET_BUFFERS:
    return net_answer(
        rt, st,
        wr_net_set_bufsizes(n, h, (uint32_t)st->sndbuf, (uint32_t)st->rcvbuf));
  case WR_SCN_NET_RESET:
    if (st->has_n)
      return net_answer(rt, st, wr_simnet_fault_reset_after(n, h, st->n));
    return net_answer(rt, st,
                      wr_simnet_fault_reset_at(n, h, rt->start + st->t));
  case WR_SCN_NET_DROP:
    return net_answer(rt, st, wr_simnet_fault_drop(n, h));
  case WR_SCN_NET_STALL: {
    wr_time until = st->t ? wr_net_now(n) + st->t : WR_TIME_NEVER;
    return net_answer(rt, st, wr_net_stall(n, h, until));
  }
  case WR_SCN_NET_RELEASE:
    return net_answer(rt, st, wr_net_release(n, h));
  default:
    return 0;
  }
}

static int exec_net(run_rt *rt, const wr_scn_step *st) {
  if (st->kind == WR_SCN_NET_REFUSE) {
    wr_sock *ls = rt->eps[st->ep].ls;
    /* Tried even without a listener (handle -1), so that a transport
     * without refusals skips the run before the missing listener is an
     * error; simnet answers WR_EINVAL to -1 and changes nothing. */
    int rc = wr_simnet_fault_refuse(rt->net, ls ? wr_sock_handle(ls) : -1,
                                    st->on ? -1 : 0);
    if (rc == WR_ENOTSUP)
      return net_answer(rt, st, rc);
    if (!ls)
      return stop_name(rt, WR_RUN_ERROR, st, st->ep, "is not listening");
    obs_add(rt, st, "ok", "ok");
    return 0;
  }
  int rc = net_dir(rt, st, st->ep, st->peer);
  if (!rc && st->both)
    rc = net_dir(rt, st, st->peer, st->ep);
  if (rc == NET_OBSERVED_ERROR) {
    obs_add(rt, st, "error refused", "error refused");
    return 0;
  }
  if (!rc)
    obs_add(rt, st, "ok", "ok");
  return rc;
}

/* ---- results --------------------------------------------------------------
 */

/* What two transports must agree on for an error result: `error _` leaves
 * the reason open, so both failing is agreement, whichever reason each
 * gave; any other expectation agrees on the text. */
static const char *open_key(const wr_scn_expect *e, const char *text) {
  return e->kind == WR_SCN_EXPECT_ERROR && e->error == 0 ? "error _" : text;
}

/* ok / error REASON against an OK or ERROR expectation. */
static int judge_rc(run_rt *rt, const wr_scn_step *st, int rc) {
  char text[64];
  if (rc >= 0)
    snprintf(text, sizeof text, "ok");
  else
    snprintf(text, sizeof text, "error %s", wr_err_name(rc));
  int pass = st->expect.kind == WR_SCN_EXPECT_ERROR
                 ? wr_scn_error_holds(&st->expect, rc)
                 : rc >= 0;
  return judge(rt, st, pass, text, pass ? open_key(&st->expect, text) : text);
}

/* What was received: the bytes, and for an http packet its parse, handed
 * on by the socket with the line. */
typedef struct received {
  const uint8_t *p;
  size_t n;
  const wr_http_packet *http; /* NULL: tcp data */
  int http_bin;
} received;

/* The observation of r, appended: `http TERM` in wr_http_render's
 * spelling, or the bytes. Sized first, so no term is cut. */
static void put_received(wr_strbuf *b, const received *r) {
  int n;
  if (r->http) {
    wr_strbuf_puts(b, "http ");
    n = wr_http_render(r->http, r->http_bin, NULL, 0);
  } else {
    n = wr_run_render_bytes(r->p, r->n, 120, NULL, 0);
  }
  if (n < 0 || wr_strbuf_reserve(b, (size_t)n))
    return;
  if (r->http)
    wr_http_render(r->http, r->http_bin, b->p + b->len, (size_t)n + 1);
  else
    wr_run_render_bytes(r->p, r->n, 120, b->p + b->len, (size_t)n + 1);
  b->len += (size_t)n;
}

/* Appends data ep took to its stream, when the file checks streams. */
static void stream_add(run_rt *rt, int ep, const uint8_t *p, size_t n) {
  if (!rt->s->uses_stream || !n)
    return;
  run_ep *e = &rt->eps[ep];
  if (e->slen + n > e->scap) {
    size_t cap = e->scap ? e->scap : 4096;
    while (cap < e->slen + n)
      cap *= 2;
    uint8_t *q = realloc(e->stream, cap);
    if (!q)
      return;
    e->stream = q;
    e->scap = cap;
  }
  memcpy(e->stream + e->slen, p, n);
  e->slen += n;
}

/* Binds variable v (1-based) to a copy of n bytes. */
static void var_bind(run_rt *rt, int v, const uint8_t *p, size_t n) {
  wr_scn_bytes *b = &rt->vars[v - 1];
  uint8_t *q = realloc(b->ptr, n ? n : 1);
  if (!q)
    return;
  if (n)
    memcpy(q, p, n);
  b->ptr = q;
  b->len = n;
}

/* The data part of an observation against a recv / tcp expectation:
 * writes the observation and its key (prefix before the data) and
 * returns whether it matches. An http packet is compared with the
 * expected term field by field (wr_scn_http_match), never as text. */
static int data_match(run_rt *rt, const wr_scn_expect *e, const received *r,
                      const char *prefix, wr_strbuf *text, wr_strbuf *key) {
  wr_strbuf_puts(text, prefix);
  put_received(text, r);
  switch (e->kind) {
  case WR_SCN_EXPECT_PREFIX:
    /* Any bytes that start so: the key says only that they did, so two
     * transports agree whatever follows the prefix. */
    wr_strbuf_printf(key, "%sprefix ok", prefix);
    return !r->http && r->n >= e->bytes.len &&
           (e->bytes.len == 0 || memcmp(r->p, e->bytes.ptr, e->bytes.len) == 0);
  case WR_SCN_EXPECT_LEN:
    wr_strbuf_printf(key, "%slen %zu", prefix, r->n);
    return !r->http && r->n == e->count;
  case WR_SCN_EXPECT_VAR: {
    if (e->bind) {
      var_bind(rt, e->var, r->p, r->n);
      wr_strbuf_printf(key, "%s$%s bound", prefix, rt->s->vars[e->var - 1]);
      return 1;
    }
    const wr_scn_bytes *b = &rt->vars[e->var - 1];
    wr_strbuf_puts(key, wr_strbuf_text(text));
    return r->n == b->len && (r->n == 0 || memcmp(r->p, b->ptr, r->n) == 0);
  }
  case WR_SCN_EXPECT_BYTES:
    wr_strbuf_puts(key, wr_strbuf_text(text));
    return !r->http && r->n == e->bytes.len &&
           (r->n == 0 || memcmp(r->p, e->bytes.ptr, r->n) == 0);
  case WR_SCN_EXPECT_COUNT:
    wr_strbuf_printf(key, "%sbytes %zu", prefix, r->n);
    return !r->http && r->n == e->count;
  case WR_SCN_EXPECT_HTTP:
    wr_strbuf_puts(key, wr_strbuf_text(text));
    return r->http && wr_scn_http_match(e->http, r->http, r->http_bin);
  case WR_SCN_EXPECT_ANY:
    wr_strbuf_printf(key, "%sany", prefix);
    return 1;
  default:
    wr_strbuf_puts(key, wr_strbuf_text(text));
    return 0;
  }
}

/* The runner's two scratch texts, emptied for the next observation. */
static void obs_clear(run_rt *rt) {
  wr_strbuf_clear(&rt->text);
  wr_strbuf_clear(&rt->key);
}

static int exec_recv(run_rt *rt, const wr_scn_step *st) {
  wr_sock *s = ep_sock(rt, st->ep);
  wr_sock_data d;
  memset(&d, 0, sizeof d);
  int rc = s ? wr_sock_recv(s, st->has_n ? (size_t)st->n : 0,
                            step_timeout(rt, st), &d)
             : WR_ENOTCONN;
  int pass;
  obs_clear(rt);
  if (rc < 0) {
    wr_strbuf_printf(&rt->text, "error %s", wr_err_name(rc));
    pass = st->expect.kind == WR_SCN_EXPECT_ERROR &&
           wr_scn_error_holds(&st->expect, rc);
    wr_strbuf_puts(&rt->key,
                   pass ? open_key(&st->expect, wr_strbuf_text(&rt->text))
                        : wr_strbuf_text(&rt->text));
  } else {
    received r = {d.data, d.len, d.is_http ? &d.http : NULL, d.http_bin};
    pass = data_match(rt, &st->expect, &r, "", &rt->text, &rt->key);
    rt->eps[st->ep].received += d.len;
    stream_add(rt, st->ep, d.data, d.len);
    wr_sock_data_free(&d);
  }
  return judge(rt, st, pass, wr_strbuf_text(&rt->text),
               wr_strbuf_text(&rt->key));
}

/* One message against a message expectation, into rt's texts. */
static int msg_match(run_rt *rt, const wr_scn_step *st, const wr_msg *m) {
  const wr_scn_expect *e = &st->expect;
  wr_strbuf *text = &rt->text, *key = &rt->key;
  switch (m->kind) {
  case WR_MSG_TCP:
  case WR_MSG_HTTP: {
    int http = m->kind == WR_MSG_HTTP;
    rt->eps[st->ep].received += m->len;
    stream_add(rt, st->ep, m->data, m->len);
    int want = http ? WR_SCN_MSG_HTTP : WR_SCN_MSG_TCP;
    received r = {m->data, m->len, http ? m->http : NULL, m->http_bin};
    int pass = data_match(rt, e, &r, http ? "" : "tcp ", text, key);
    return pass && (int)e->msg == want;
  }
  case WR_MSG_TCP_CLOSED:
    wr_strbuf_puts(text, "tcp_closed");
    wr_strbuf_puts(key, "tcp_closed");
    return e->msg == WR_SCN_MSG_TCP_CLOSED;
  case WR_MSG_TCP_ERROR:
    wr_strbuf_printf(text, "tcp_error %s", wr_err_name(m->reason));
    /* `tcp_error _`: the reason is open, so it is not compared. */
    wr_strbuf_puts(key, e->msg == WR_SCN_MSG_TCP_ERROR && e->error == 0
                            ? "tcp_error _"
                            : wr_strbuf_text(text));
    return e->msg == WR_SCN_MSG_TCP_ERROR && wr_scn_error_holds(e, m->reason);
  case WR_MSG_TCP_PASSIVE:
    wr_strbuf_puts(text, "tcp_passive");
    wr_strbuf_puts(key, "tcp_passive");
    return e->msg == WR_SCN_MSG_TCP_PASSIVE;
  }
  return 0;
}

static int exec_message(run_rt *rt, const wr_scn_step *st) {
  wr_mailbox *mb = ep_mb(rt, st->ep);
  uint64_t count = st->kind == WR_SCN_MESSAGES ? st->n : 1;
  for (uint64_t i = 0; i < count; i++) {
    wr_msg m;
    if (i && spend(rt, st, 1))
      return 1;
    int rc = mb ? wr_mailbox_recv(mb, step_timeout(rt, st), &m) : WR_ENOMEM;
    int pass;
    obs_clear(rt);
    if (rc < 0) {
      wr_strbuf_printf(&rt->text, "no message (%s)", wr_err_name(rc));
      wr_strbuf_puts(&rt->key, wr_strbuf_text(&rt->text));
      pass = 0;
    } else {
      pass = msg_match(rt, st, &m);
      wr_msg_free(&m);
    }
    if (!pass && count > 1) {
      /* Which message, before the observation: into key, which is then
       * both (a failing step's key is its text). */
      wr_strbuf_clear(&rt->key);
      wr_strbuf_printf(&rt->key,
                       "message %llu of %llu: ", (unsigned long long)i + 1,
                       (unsigned long long)count);
      wr_strbuf_puts(&rt->key, wr_strbuf_text(&rt->text));
      return judge(rt, st, 0, wr_strbuf_text(&rt->key),
                   wr_strbuf_text(&rt->key));
    }
    if (!pass || count == 1)
      return judge(rt, st, pass, wr_strbuf_text(&rt->text),
                   wr_strbuf_text(&rt->key));
  }
  char text[64];
  snprintf(text, sizeof text, "%llu messages", (unsigned long long)count);
  return judge(rt, st, 1, text, text);
}

static int exec_nothing(run_rt *rt, const wr_scn_step *st) {
  wr_mailbox *mb = ep_mb(rt, st->ep);
  wr_msg m;
  int rc = wr_mailbox_recv(mb, ms_of(st->t), &m);
  if (rc < 0)
    return judge(rt, st, 1, "nothing", "nothing");
  obs_clear(rt);
  msg_match(rt, st, &m);
  wr_msg_free(&m);
  return judge(rt, st, 0, wr_strbuf_text(&rt->text), wr_strbuf_text(&rt->text));
}

static int exec_drain(run_rt *rt, const wr_scn_step *st) {
  wr_mailbox *mb = ep_mb(rt, st->ep);
  wr_time deadline =
      wr_net_now(rt->net) + (wr_time)step_timeout(rt, st) * WR_NS_PER_MS;
  uint64_t got = 0;
  char text[200];
  while (got < st->n) {
    if (spend(rt, st, 1))
      return 1;
    wr_time now = wr_net_now(rt->net);
    long left = now >= deadline ? 0 : ms_of(deadline - now);
    wr_msg m;
    int rc = wr_mailbox_recv(mb, left, &m);
    if (rc < 0) {
      snprintf(text, sizeof text, "bytes %llu then %s", (unsigned long long)got,
               wr_err_name(rc));
      return judge(rt, st, 0, text, text);
    }
    if (m.kind != WR_MSG_TCP && m.kind != WR_MSG_HTTP) {
      snprintf(text, sizeof text, "bytes %llu then %s", (unsigned long long)got,
               wr_msg_kind_name(m.kind));
      wr_msg_free(&m);
      return judge(rt, st, 0, text, text);
    }
    got += m.len;
    rt->eps[st->ep].received += m.len;
    stream_add(rt, st->ep, m.data, m.len);
    wr_msg_free(&m);
  }
  snprintf(text, sizeof text, "bytes %llu", (unsigned long long)got);
  return judge(rt, st, got == st->n, text, text);
}

/* `stream mark` empties the endpoint's stream; `stream -> EXPECT` checks
 * what it holds, as one recv of all of it would be checked. */
static int exec_stream(run_rt *rt, const wr_scn_step *st) {
  run_ep *e = &rt->eps[st->ep];
  if (st->has_n) {
    e->slen = 0;
    obs_add(rt, st, "ok", "ok");
    return 0;
  }
  obs_clear(rt);
  received r = {e->stream, e->slen, NULL, 0};
  int pass = data_match(rt, &st->expect, &r, "", &rt->text, &rt->key);
  return judge(rt, st, pass, wr_strbuf_text(&rt->text),
               wr_strbuf_text(&rt->key));
}

static int cmp_holds(wr_scn_cmp c, uint64_t a, uint64_t b) {
  switch (c) {
  case WR_SCN_EQ:
    return a == b;
  case WR_SCN_NE:
    return a != b;
  case WR_SCN_LT:
    return a < b;
  case WR_SCN_LE:
    return a <= b;
  case WR_SCN_GT:
    return a > b;
  case WR_SCN_GE:
    return a >= b;
  }
  return 0;
}

/* The observed value against the expected one, both typed: the same
 * option with the same value(s) (wr_sockopt_equal); the text is only
 * for the log. */
static int exec_getopts(run_rt *rt, const wr_scn_step *st) {
  wr_sock *s = ep_sock(rt, st->ep);
  wr_sockopt o;
  memset(&o, 0, sizeof o);
  int rc = WR_EINVAL;
  if (st->nopts && s) {
    o.name = st->opts[0].name;
    rc = wr_sock_getopt(s, &o);
  }
  char text[200];
  if (rc < 0) {
    snprintf(text, sizeof text, "error %s", wr_err_name(rc));
    return judge(rt, st,
                 st->expect.kind == WR_SCN_EXPECT_ERROR &&
                     wr_scn_error_holds(&st->expect, rc),
                 text, text);
  }
  /* An option's text form is short and bounded by its type. */
  wr_sockopt_format(&o, text, sizeof text);
  const char *v = strchr(text, '=');
  v = v ? v + 1 : text;
  int pass = st->expect.kind != WR_SCN_EXPECT_ERROR &&
             wr_sockopt_equal(&o, &st->opts[0]);
  return judge(rt, st, pass, v, v);
}

static int exec_state(run_rt *rt, const wr_scn_step *st) {
  static const char *names[] = {"open", "closed", "read_closed",
                                "write_closed"};
  /* The socket model's view, so a peer's FIN shows as read_closed. */
  wr_sock *s = ep_sock(rt, st->ep);
  wr_sock_state now = s ? wr_sock_get_state(s) : WR_SOCK_CLOSED;
  return judge(rt, st, now == st->state, names[now], names[now]);
}

/* sockname/peername: the IP only (the port is the transport's choice), in
 * inet's text form, so simnet and loopback observe the same text. */
static int exec_addr(run_rt *rt, const wr_scn_step *st) {
  wr_sock *s = ep_sock(rt, st->ep);
  if (!s && st->kind == WR_SCN_SOCKNAME)
    s = rt->eps[st->ep].ls;
  wr_addr a;
  int rc = !s                            ? WR_ENOTCONN
           : st->kind == WR_SCN_SOCKNAME ? wr_sock_sockname(s, &a)
                                         : wr_sock_peername(s, &a);
  if (st->expect.kind == WR_SCN_EXPECT_ERROR || rc < 0)
    return judge_rc(rt, st, rc < 0 ? rc : 0);
  char text[WR_ADDR_STRLEN] = "";
  if (!inet_ntop(a.family == 6 ? AF_INET6 : AF_INET, a.ip, text, sizeof text))
    snprintf(text, sizeof text, "?");
  int holds = a.family == st->addr.family &&
              memcmp(a.ip, st->addr.ip, a.family == 6 ? 16 : 4) == 0;
  return judge(rt, st, holds, text, text);
}

static int exec_cmp(run_rt *rt, const wr_scn_step *st, uint64_t v,
                    const char *unit) {
  char text[80];
  snprintf(text, sizeof text, "%llu%s", (unsigned long long)v, unit);
  /* A count that depends on timing is compared by the verdict only. */
  return judge(
      rt, st, cmp_holds(st->cmp, v, st->kind == WR_SCN_ELAPSED ? st->t : st->n),
      text, "checked");
}

/* ---- connections ------------------------------------------------------- */

static int exec_listen(run_rt *rt, const wr_scn_step *st) {
  int rc = step_opts(st);
  wr_addr any6 = wr_addr_loopback6(0);
  if (rc == 0)
    rc = wr_sock_listen(rt->env, ep_mb(rt, st->ep), st->inet6 ? &any6 : NULL,
                        st->opts, st->nopts, &rt->eps[st->ep].ls);
  /* Kept so that a connect after the listener closed is refused by the
   * transport, as it would be. */
  if (rc == 0)
    rc = wr_sock_sockname(rt->eps[st->ep].ls, &rt->eps[st->ep].addr);
  return judge_rc(rt, st, rc);
}

static int do_accept(run_rt *rt, int acc, int listener, long ms, int client) {
  wr_sock *ls = rt->eps[listener].ls;
  if (!ls)
    return WR_EINVAL;
  wr_sock *s;
  int rc = wr_sock_accept(ls, ep_mb(rt, acc), ms, &s);
  if (rc < 0)
    return rc;
  rt->eps[acc].s = s;
  if (client >= 0)
    conn_created(rt, acc, client);
  return 0;
}

static int exec_connect(run_rt *rt, const wr_scn_step *st) {
  int rc = step_opts(st);
  wr_addr to;
  const wr_scn_endpoint *pe = &rt->s->endpoints[st->peer];
  if (rc == 0) {
    if (pe->kind == WR_SCN_EP_TARGET || rt->eps[st->peer].ls)
      to = rt->eps[st->peer].addr;
    else
      rc = WR_ENOTCONN;
  }
  wr_sock *s = NULL;
  if (rc == 0)
    rc = wr_sock_connect(rt->env, ep_mb(rt, st->ep), &to, st->opts, st->nopts,
                         step_timeout(rt, st), &s);
  if (rc == 0) {
    rt->eps[st->ep].s = s;
    if (st->acc >= 0) {
      rc = do_accept(rt, st->acc, st->peer, rt->default_ms, st->ep);
      if (rc == 0)
        conn_created(rt, st->ep, st->acc);
    } else if (pe->kind == WR_SCN_EP_TARGET) {
      conn_created(rt, st->ep, st->peer);
    } else {
      rt->eps[st->ep].client_of = st->peer;
    }
  }
  return judge_rc(rt, st, rc);
}

static int exec_accept(run_rt *rt, const wr_scn_step *st) {
  /* The client is the oldest manual connect to this listener not yet
   * accepted: that is the order accept takes them in. */
  int client = -1;
  for (size_t i = 0; i < rt->s->nendpoints; i++)
    if (rt->eps[i].client_of == st->peer && rt->eps[i].peer < 0) {
      client = (int)i;
      break;
    }
  int rc = do_accept(rt, st->ep, st->peer, step_timeout(rt, st), client);
  if (rc == 0 && client >= 0)
    conn_created(rt, client, st->ep);
  return judge_rc(rt, st, rc);
}

/* ---- the steps ------------------------------------------------------------
 */

static int exec_block(run_rt *rt, const wr_scn_block *b);

/* The observation text of an until RESULT, as the steps write theirs;
 * `error _` and `tcp_error _` match by prefix. */
static void until_text(const wr_scn_expect *e, char *buf, size_t len,
                       int *prefix) {
  const char *word = e->msg == WR_SCN_MSG_TCP_CLOSED    ? "tcp_closed"
                     : e->msg == WR_SCN_MSG_TCP_PASSIVE ? "tcp_passive"
                     : e->msg == WR_SCN_MSG_TCP_ERROR   ? "tcp_error"
                     : e->kind == WR_SCN_EXPECT_ERROR   ? "error"
                                                        : "ok";
  int reason = e->msg == WR_SCN_MSG_TCP_ERROR ||
               (e->msg == 0 && e->kind == WR_SCN_EXPECT_ERROR);
  *prefix = reason && e->error == 0;
  if (!reason)
    snprintf(buf, len, "%s", word);
  else if (e->error == 0)
    snprintf(buf, len, "%s ", word);
  else
    snprintf(buf, len, "%s %s", word, wr_err_name(e->error));
}

/* repeat N until RESULT [within T]: the body again and again until one of
 * its steps gives RESULT, at most N rounds and T of (virtual) time. */
static int exec_until(run_rt *rt, const wr_scn_step *st) {
  const wr_scn_step *outer = rt->until;
  char outer_text[sizeof rt->until_text];
  int outer_prefix = rt->until_prefix;
  memcpy(outer_text, rt->until_text, sizeof outer_text);
  rt->until = st;
  until_text(&st->expect, rt->until_text, sizeof rt->until_text,
             &rt->until_prefix);
  wr_time t0 = wr_net_now(rt->net);
  wr_time budget = st->t ? st->t : WR_SCN_UNTIL_WITHIN;
  uint64_t round = 0;
  int failed = 0, hit = 0, late = 0;
  while (round < st->n && !failed && !hit) {
    round++;
    failed = spend(rt, st, 1) || exec_block(rt, &st->body);
    if (rt->until_hit) {
      rt->until_hit = 0;
      failed = 0;
      hit = 1;
    } else if (!failed && wr_net_now(rt->net) - t0 > budget) {
      late = 1;
      break;
    }
  }
  rt->until = outer;
  rt->until_prefix = outer_prefix;
  memcpy(rt->until_text, outer_text, sizeof outer_text);
  if (failed)
    return 1;
  rt->rounds = round;
  char text[160], want[sizeof rt->until_text + 1];
  int prefix;
  until_text(&st->expect, want, sizeof want, &prefix);
  if (prefix)
    want[strlen(want) - 1] = '\0'; /* "error " is "error _" */
  if (hit)
    snprintf(text, sizeof text, "until %s%s after %llu %s", want,
             prefix ? " _" : "", (unsigned long long)round,
             round == 1 ? "round" : "rounds");
  else
    snprintf(text, sizeof text, "no %s%s in %llu %s%s", want,
             prefix ? " _" : "", (unsigned long long)round,
             round == 1 ? "round" : "rounds",
             late ? " (the loop's time ran out)" : "");
  char key[160];
  snprintf(key, sizeof key, "until %s%s", want, prefix ? " _" : "");
  /* The rounds are the transport's own: the key leaves them out. */
  return judge(rt, st, hit, text, hit ? key : text);
}

static int exec_step(run_rt *rt, const wr_scn_step *st) {
  wr_sock *s;
  int rc;
  uint64_t cost = 1;
  if (st->kind == WR_SCN_SEND)
    cost += (st->data_var ? rt->vars[st->data_var - 1].len : st->data.len) /
            STEP_DATA_UNIT;
  if (spend(rt, st, cost))
    return 1;
  switch (st->kind) {
  case WR_SCN_LISTEN:
    return exec_listen(rt, st);
  case WR_SCN_CONNECT:
    return exec_connect(rt, st);
  case WR_SCN_ACCEPT:
    return exec_accept(rt, st);
  case WR_SCN_TARGET_START:
  case WR_SCN_TARGET_AT:
    if (rt->transport == WR_RUN_SIM)
      return stop(rt, WR_RUN_SKIP, st, "targets run on loopback only");
    rc = wr_run_target_start(rt, st);
    if (rc)
      return rc;
    obs_add(rt, st, "ok", "ok");
    return 0;
  case WR_SCN_SEND: {
    const wr_scn_bytes *d =
        st->data_var ? &rt->vars[st->data_var - 1] : &st->data;
    s = ep_sock(rt, st->ep);
    rc = s ? wr_sock_send(s, d->ptr, d->len) : WR_ENOTCONN;
    if (rc >= 0)
      rt->eps[st->ep].sent += d->len;
    return judge_rc(rt, st, rc);
  }
  case WR_SCN_RECV:
    return exec_recv(rt, st);
  case WR_SCN_MESSAGE:
  case WR_SCN_MESSAGES:
    return exec_message(rt, st);
  case WR_SCN_NOTHING:
    return exec_nothing(rt, st);
  case WR_SCN_DRAIN:
    return exec_drain(rt, st);
  case WR_SCN_SETOPTS:
    s = ep_sock(rt, st->ep);
    rc = step_opts(st);
    if (rc == 0)
      rc = s ? wr_sock_setopts(s, st->opts, st->nopts) : WR_EINVAL;
    return judge_rc(rt, st, rc);
  case WR_SCN_GETOPTS:
    return exec_getopts(rt, st);
  case WR_SCN_SHUTDOWN:
    s = ep_sock(rt, st->ep);
    return judge_rc(rt, st, s ? wr_sock_shutdown(s, st->how) : WR_ENOTCONN);
  case WR_SCN_CLOSE:
    s = ep_sock(rt, st->ep);
    rc = s ? wr_sock_close(s) : 0;
    return judge_rc(rt, st, rc);
  case WR_SCN_OWNER:
    s = ep_sock(rt, st->ep);
    /* Only the owner may hand a socket on (gen_tcp: not_owner). The new
     * owner is the process the mailbox names, or the one that declared
     * it. */
    if (s && rt->eps[st->ep].owner != rt->cur)
      rc = WR_NOT_OWNER;
    else if (s)
      rc = wr_sock_controlling_process(s, ep_mb(rt, st->peer));
    else
      rc = WR_ENOTCONN;
    if (rc == 0)
      rt->eps[st->ep].owner = rt->s->endpoints[st->peer].process
                                  ? st->peer
                                  : rt->s->endpoints[st->peer].proc - 1;
    return judge_rc(rt, st, rc);
  case WR_SCN_SPAWN:
    rc = wr_run_spawn_(rt, st);
    if (rc < 0)
      return stop(rt, WR_RUN_ERROR, st, "cannot start the process");
    obs_add(rt, st, "ok", "ok");
    return 0;
  case WR_SCN_AWAIT: {
    char text[64];
    if (wr_run_await_(rt, st, text, sizeof text))
      return 1;
    return judge(rt, st, strcmp(text, st->on ? "killed" : "normal") == 0, text,
                 text);
  }
  case WR_SCN_KILL:
    rc = wr_run_kill_(rt, st);
    if (rc < 0)
      return judge(rt, st, 0, "not spawned", "not spawned");
    obs_add(rt, st, "ok", "ok");
    return wr_run_dead_(rt); /* a process that killed itself stops */
  case WR_SCN_WAIT:
    wr_sockenv_run(rt->env, ms_of(st->t));
    obs_add(rt, st, "ok", "ok");
    return 0;
  case WR_SCN_REPEAT:
    if (st->until)
      return exec_until(rt, st);
    /* A round counts too: `repeat 4294967295 {}` nested is bounded. */
    for (uint64_t i = 0; i < st->n; i++)
      if (spend(rt, st, 1) || exec_block(rt, &st->body))
        return 1;
    return 0;
  case WR_SCN_MAILBOX:
    return exec_cmp(rt, st, wr_mailbox_len(ep_mb(rt, st->ep)), "");
  case WR_SCN_STATE:
    return exec_state(rt, st);
  case WR_SCN_SOCKNAME:
  case WR_SCN_PEERNAME:
    return exec_addr(rt, st);
  case WR_SCN_SENT:
    return exec_cmp(rt, st, rt->eps[st->ep].sent, "");
  case WR_SCN_RECEIVED:
    return exec_cmp(rt, st, rt->eps[st->ep].received, "");
  case WR_SCN_ELAPSED:
    return exec_cmp(rt, st, wr_net_now(rt->net) - rt->start, "ns");
  case WR_SCN_ROUNDS:
    return exec_cmp(rt, st, rt->rounds, "");
  case WR_SCN_NET_POLICY:
  case WR_SCN_NET_BUFFERS:
  case WR_SCN_NET_RESET:
  case WR_SCN_NET_DROP:
  case WR_SCN_NET_STALL:
  case WR_SCN_NET_RELEASE:
  case WR_SCN_NET_REFUSE:
    return exec_net(rt, st);
  case WR_SCN_STREAM:
    return exec_stream(rt, st);
  }
  return stop(rt, WR_RUN_ERROR, st, "unknown step");
}

static int exec_block(run_rt *rt, const wr_scn_block *b) {
  return wr_run_exec_block_(rt, b);
}

int wr_run_exec_block_(run_rt *rt, const wr_scn_block *b) {
  for (size_t i = 0; i < b->n; i++) {
    if (wr_run_dead_(rt))
      return 1;
    int rc = exec_step(rt, &b->steps[i]);
    if (wr_run_dead_(rt))
      return 1;
    /* A bound met during the step is the run's verdict, whatever the
     * step observed (a flood's mailbox refused messages). */
    if (check_bounds(rt, &b->steps[i]) || rc)
      return 1;
  }
  return 0;
}

static int make_net(run_rt *rt, const wr_run_params *p) {
  char err[256] = "";
  int rc = wr_run_net_create(p->transport, p->seed, p->trace, &rt->net, err,
                             sizeof err);
  if (rc < 0) {
    char msg[300];
    snprintf(msg, sizeof msg, "cannot create the transport: %.200s", err);
    return stop(rt, WR_RUN_ERROR, NULL, msg);
  }
  if (wr_sockenv_create(rt->net, &rt->env) < 0)
    return stop(rt, WR_RUN_ERROR, NULL, "out of memory");
  wr_sock_limits lim = {.mailbox_bytes = rt->max_mailbox,
                        .queue_bytes = rt->max_queue};
  /* Wall time bounds loopback runs only: a simulated run never reads the
   * clock, its steps are counted instead. */
  if (p->transport == WR_RUN_LOOPBACK)
    lim.deadline = rt->wall_deadline =
        wr_net_now(rt->net) + (wr_time)rt->timeout_s * WR_NS_PER_SEC;
  wr_sockenv_set_limits(rt->env, &lim);
  return 0;
}

static int procs_start(run_rt *rt) {
  if (wr_run_procs_start_(rt))
    return stop(rt, WR_RUN_ERROR, NULL, "out of memory");
  return 0;
}

/* Observations process by process, each in its own order (runner.h):
 * the order processes interleave in is the transport's. */
static int obs_cmp(const void *a, const void *b) {
  const wr_run_obs *x = a, *y = b;
  if (x->proc != y->proc)
    return x->proc < y->proc ? -1 : 1;
  return x->text_off < y->text_off ? -1 : x->text_off > y->text_off;
}

static void sort_by_process(wr_run_result *r) {
  if (r->nobs > 1)
    qsort(r->obs, r->nobs, sizeof *r->obs, obs_cmp);
}

/* The segment boundaries simnet made in direction i, from the trace. */
static void collect_cuts(run_rt *rt, size_t i) {
  wr_run_dir *d = &rt->r->dirs[i];
  d->ncuts = 0;
  d->cuts_overflow = 0;
  size_t n = wr_simnet_trace_count(rt->net);
  for (size_t k = 0; k < n; k++) {
    const wr_trace_rec *t = wr_simnet_trace_get(rt->net, k);
    if (t->kind != WR_TR_SEGMENT || t->conn != rt->dconn[i] ||
        (int)t->dir != rt->dside[i])
      continue;
    uint64_t end = t->a + t->b;
    if (end >= d->written || (d->ncuts && end <= d->cuts[d->ncuts - 1]))
      continue;
    if (d->ncuts == WR_POLICY_MAX_CUTS) {
      d->cuts_overflow = 1;
      return;
    }
    d->cuts[d->ncuts++] = end;
  }
}

/* The run's packets as a capture (wr_run_params.pcap): simnet only. */
static int pcap_open(run_rt *rt, const wr_run_params *p) {
  if (!p->pcap || p->transport != WR_RUN_SIM)
    return 0;
  char err[300], msg[400];
  if (wr_pcap_export_open(rt->net, p->pcap, err, sizeof err) == 0)
    return 0;
  snprintf(msg, sizeof msg, "cannot write the run's pcap: %s", err);
  return stop(rt, WR_RUN_ERROR, NULL, msg);
}

/* Lets what is still in flight arrive before the file is closed: a file
 * closed at the last step would miss the FIN a close had just sent. The
 * verdict and the trace hash were taken before, so the drain changes
 * neither. */
static void pcap_close(run_rt *rt, const wr_run_params *p) {
  if (!p->pcap || p->transport != WR_RUN_SIM)
    return;
  wr_sockenv_run(rt->env, 2000);
  int rc = wr_pcap_export_close(rt->net);
  if (rc != 0 && rt->r->verdict == WR_RUN_PASS) {
    char msg[400];
    snprintf(msg, sizeof msg, "cannot write the run's pcap %s: %s", p->pcap,
             wr_strerror(rc));
    stop(rt, WR_RUN_ERROR, NULL, msg);
  }
}

wr_run_verdict wr_run_once(const wr_scenario *s, const wr_run_params *p,
                           wr_run_result *r) {
  r->verdict = WR_RUN_PASS;
  r->fail_step = NULL;
  set_text(&r->expected, "", 0);
  set_text(&r->observed, "", 0);
  r->reason[0] = '\0';
  r->nobs = 0;
  r->buf_len = 0;
  r->ndirs = 0;
  r->elapsed = 0;
  r->trace_hash = 0;
  r->steps = 0;
  r->bound = 0;
  run_rt rt;
  memset(&rt, 0, sizeof rt);
  rt.s = s;
  rt.r = r;
  rt.sched = p->sched;
  rt.shim_trace = p->shim_trace;
  rt.transport = p->transport;
  rt.seed = p->seed;
  rt.preload = p->preload;
  rt.observe = p->observe;
  rt.max_steps = p->max_steps ? p->max_steps : WR_RUN_MAX_STEPS_DEFAULT;
  rt.max_mailbox = p->max_mailbox ? p->max_mailbox : WR_RUN_MAX_MAILBOX_DEFAULT;
  rt.max_queue = p->max_queue ? p->max_queue : WR_RUN_MAX_QUEUE_DEFAULT;
  rt.timeout_s = p->timeout_s ? p->timeout_s : WR_RUN_TIMEOUT_DEFAULT_S;
  rt.default_ms =
      p->default_timeout ? ms_of(p->default_timeout) : DEFAULT_TIMEOUT_MS;
  rt.eps = calloc(s->nendpoints ? s->nendpoints : 1, sizeof *rt.eps);
  rt.vars = calloc(s->nvars ? s->nvars : 1, sizeof *rt.vars);
  if (!rt.eps || !rt.vars) {
    free(rt.eps);
    free(rt.vars);
    stop(&rt, WR_RUN_ERROR, NULL, "out of memory");
    return r->verdict;
  }
  for (size_t i = 0; i < s->nendpoints; i++) {
    rt.eps[i].peer = -1;
    rt.eps[i].client_of = -1;
    rt.eps[i].pid = -1;
    rt.eps[i].outfd = -1;
    rt.eps[i].owner = s->endpoints[i].proc - 1; /* -1: main */
  }
  rt.cur = -1;
  if (s->transports == WR_SCN_SIM && p->transport == WR_RUN_LOOPBACK)
    stop(&rt, WR_RUN_SKIP, NULL, "the file says `transports sim`");
  else if (s->transports == WR_SCN_LOOPBACK && p->transport == WR_RUN_SIM)
    stop(&rt, WR_RUN_SKIP, NULL, "the file says `transports loopback`");
  else if (!make_net(&rt, p) && !pcap_open(&rt, p) && !procs_start(&rt)) {
    rt.start = wr_net_now(rt.net);
    exec_block(&rt, &s->steps);
    wr_run_procs_end_(&rt);
    if (s->uses_procs)
      sort_by_process(r);
    r->elapsed = wr_net_now(rt.net) - rt.start;
    /* Directions exist only where the transport named its connections;
     * their bytes and cuts come from the same records. */
    for (size_t i = 0; i < r->ndirs; i++) {
      wr_simnet_dirstats ds;
      if (wr_simnet_dirstats_get(rt.net, rt.dconn[i], rt.dside[i], &ds) == 0)
        r->dirs[i].written = ds.written;
      if (p->trace)
        collect_cuts(&rt, i);
    }
    if (p->transport == WR_RUN_SIM)
      r->trace_hash = wr_simnet_trace_hash(rt.net);
    if (p->at_end)
      p->at_end(p->at_end_ctx, rt.net);
    pcap_close(&rt, p);
  }
  wr_run_targets_stop(&rt);
  if (rt.env)
    wr_sockenv_destroy(rt.env);
  if (rt.net)
    wr_net_destroy(rt.net);
  for (size_t i = 0; i < s->nendpoints; i++)
    free(rt.eps[i].stream);
  for (size_t i = 0; i < s->nvars; i++)
    free(rt.vars[i].ptr);
  free(rt.vars);
  free(rt.eps);
  free(rt.text.p);
  free(rt.key.p);
  return r->verdict;
}

void wr_run_result_free(wr_run_result *r) {
  free(r->obs);
  free(r->buf);
  free(r->expected);
  free(r->observed);
  memset(r, 0, sizeof *r);
}
