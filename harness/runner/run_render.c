/* The runner's text: expectations and observations in the scenario
 * language's own spelling, schedules as `A->B=cuts:1,3`, and the two
 * comparisons of logs (same failure, agreement between transports). One
 * spelling for both sides is what makes "expected X, observed Y" readable
 * and lets a shrunk scenario be checked by comparing strings. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wirerig/error.h"
#include "wirerig/runner.h"

int wr_run_render_bytes(const uint8_t *p, size_t n, size_t max, char *buf,
                        size_t len) {
  size_t o = 0;
#define PUT(c)                                                                 \
  do {                                                                         \
    if (o + 1 < len)                                                           \
      buf[o] = (char)(c);                                                      \
    o++;                                                                       \
  } while (0)
  PUT('"');
  size_t shown = n < max ? n : max;
  for (size_t k = 0; k < shown; k++) {
    unsigned c = p[k];
    const char *esc = NULL;
    switch (c) {
    case '"':
      esc = "\\\"";
      break;
    case '\\':
      esc = "\\\\";
      break;
    case '\n':
      esc = "\\n";
      break;
    case '\r':
      esc = "\\r";
      break;
    case '\t':
      esc = "\\t";
      break;
    default:
      break;
    }
    if (esc) {
      PUT(esc[0]);
      PUT(esc[1]);
    } else if (c < 0x20 || c >= 0x7f) {
      static const char hex[] = "0123456789abcdef";
      PUT('\\');
      PUT('x');
      PUT(hex[c >> 4]);
      PUT(hex[c & 15]);
    } else {
      PUT(c);
    }
  }
  PUT('"');
  if (shown < n) {
    char tail[48];
    int t = snprintf(tail, sizeof tail, "... (%zu bytes)", n);
    for (int k = 0; k < t; k++)
      PUT(tail[k]);
  }
#undef PUT
  if (len)
    buf[o < len ? o : len - 1] = '\0';
  return (int)o;
}

/* snprintf-style composition: writes what fits, counts everything. */
typedef struct rbuf {
  char *buf;
  size_t cap, n;
} rbuf;

static char *room_at(rbuf *o, size_t *room) {
  *room = o->n < o->cap ? o->cap - o->n : 0;
  return *room ? o->buf + o->n : NULL;
}

static void put(rbuf *o, const char *s) {
  for (; *s; s++, o->n++)
    if (o->n + 1 < o->cap)
      o->buf[o->n] = *s;
}

/* prefix, a number, suffix */
static void put_num(rbuf *o, const char *prefix, unsigned long long v,
                    const char *suffix) {
  char tmp[24];
  snprintf(tmp, sizeof tmp, "%llu", v);
  put(o, prefix);
  put(o, tmp);
  put(o, suffix);
}

static void put_bytes(rbuf *o, const wr_scn_bytes *b) {
  size_t room;
  char *at = room_at(o, &room);
  o->n += (size_t)wr_run_render_bytes(b->ptr, b->len, 120, at, room);
}

static void put_http(rbuf *o, const wr_scn_http *h) {
  size_t room;
  char *at = room_at(o, &room);
  int n = wr_scn_http_render(h, at, room);
  if (n > 0)
    o->n += (size_t)n;
}

/* The value of getopts' option as its text form writes it (`once`,
 * `true,5`, `raw`): the typed option formatted, sized first. */
static void put_optvalue(rbuf *o, const wr_sockopt *opt) {
  int n = wr_sockopt_format(opt, NULL, 0);
  char *t = n >= 0 ? malloc((size_t)n + 1) : NULL;
  if (!t) {
    put(o, "?");
    return;
  }
  wr_sockopt_format(opt, t, (size_t)n + 1);
  const char *v = strchr(t, '=');
  put(o, v ? v + 1 : t);
  free(t);
}

static void core(rbuf *o, const wr_scn_expect *e) {
  switch (e->kind) {
  case WR_SCN_EXPECT_OK:
    put(o, "ok");
    return;
  case WR_SCN_EXPECT_BYTES:
    put_bytes(o, &e->bytes);
    return;
  case WR_SCN_EXPECT_COUNT:
    put_num(o, "bytes ", (unsigned long long)e->count, "");
    return;
  case WR_SCN_EXPECT_HTTP:
    put(o, "http ");
    put_http(o, e->http);
    return;
  case WR_SCN_EXPECT_ERROR:
    put(o, "error ");
    put(o, e->error ? wr_err_name(e->error) : "_");
    return;
  case WR_SCN_EXPECT_ANY:
    put(o, "any");
    return;
  case WR_SCN_EXPECT_VAR:
    put(o, "$");
    put(o, e->var_name ? e->var_name : "?");
    return;
  case WR_SCN_EXPECT_PREFIX:
    put(o, "prefix ");
    put_bytes(o, &e->bytes);
    return;
  case WR_SCN_EXPECT_LEN:
    put_num(o, "len ", (unsigned long long)e->count, "");
    return;
  }
  put(o, "?");
}

static void expect(rbuf *o, const wr_scn_step *st) {
  const wr_scn_expect *e = &st->expect;
  static const char *const states[] = {"open", "closed", "read_closed",
                                       "write_closed"};
  switch (st->kind) {
  case WR_SCN_MESSAGE:
  case WR_SCN_MESSAGES:
    switch (e->msg) {
    case WR_SCN_MSG_TCP:
      put(o, "tcp ");
      core(o, e);
      return;
    case WR_SCN_MSG_HTTP:
      put(o, "http ");
      put_http(o, e->http);
      return;
    case WR_SCN_MSG_TCP_CLOSED:
      put(o, "tcp_closed");
      return;
    case WR_SCN_MSG_TCP_ERROR:
      put(o, "tcp_error ");
      put(o, e->error ? wr_err_name(e->error) : "_");
      return;
    case WR_SCN_MSG_TCP_PASSIVE:
      put(o, "tcp_passive");
      return;
    default:
      put(o, "?");
      return;
    }
  case WR_SCN_NOTHING:
    put(o, "nothing");
    return;
  case WR_SCN_DRAIN:
    put_num(o, "bytes ", (unsigned long long)st->n, "");
    return;
  case WR_SCN_GETOPTS:
    if (e->kind == WR_SCN_EXPECT_ERROR)
      core(o, e);
    else if (st->nopts)
      put_optvalue(o, &st->opts[0]);
    else
      put(o, "?");
    return;
  case WR_SCN_MAILBOX:
  case WR_SCN_SENT:
  case WR_SCN_RECEIVED:
    put(o, wr_scn_cmp_name(st->cmp));
    put_num(o, " ", (unsigned long long)st->n, "");
    return;
  case WR_SCN_ELAPSED:
    put(o, wr_scn_cmp_name(st->cmp));
    put_num(o, " ", (unsigned long long)st->t, "ns");
    return;
  case WR_SCN_ROUNDS:
    put(o, wr_scn_cmp_name(st->cmp));
    put_num(o, " ", (unsigned long long)st->n, "");
    return;
  case WR_SCN_REPEAT:
    put(o, "until ");
    if (e->msg == WR_SCN_MSG_TCP_CLOSED)
      put(o, "tcp_closed");
    else if (e->msg == WR_SCN_MSG_TCP_PASSIVE)
      put(o, "tcp_passive");
    else if (e->msg == WR_SCN_MSG_TCP_ERROR)
      put(o, "tcp_error "), put(o, e->error ? wr_err_name(e->error) : "_");
    else
      core(o, e);
    put_num(o, " within ", (unsigned long long)st->n, " rounds");
    return;
  case WR_SCN_STATE:
    put(o, states[st->state]);
    return;
  case WR_SCN_AWAIT:
    put(o, st->on ? "killed" : "normal");
    return;
  case WR_SCN_STREAM:
    if (st->has_n)
      put(o, "ok");
    else
      core(o, e);
    return;
  default:
    core(o, e);
    return;
  }
}

int wr_run_render_expect(const wr_scn_step *st, char *buf, size_t len) {
  rbuf o = {buf, len, 0};
  expect(&o, st);
  if (len)
    buf[o.n < len ? o.n : len - 1] = '\0';
  return (int)o.n;
}

int wr_run_sched_format(const wr_scenario *s, const wr_run_sched *sc, char *buf,
                        size_t len) {
  wr_policy seg = sc->seg;
  seg.latency = 0;
  seg.jitter_min = seg.jitter_max = 0;
  seg.bandwidth = 0;
  char pol[WR_POLICY_MAX_CUTS * 12 + 64];
  if (seg.seg == WR_SEG_CUTS && seg.ncuts == 0)
    snprintf(pol, sizeof pol, "whole");
  else
    wr_policy_format(&seg, pol, sizeof pol);
  if (sc->shim)
    return snprintf(buf, len, "%s#%llu=%s", s->endpoints[sc->ep].name,
                    (unsigned long long)sc->conn, pol);
  return snprintf(buf, len, "%s->%s=%s", s->endpoints[sc->ep].name,
                  s->endpoints[sc->peer].name, pol);
}

static int find_ep(const wr_scenario *s, const char *name, size_t n) {
  for (size_t i = 0; i < s->nendpoints; i++)
    if (strlen(s->endpoints[i].name) == n &&
        memcmp(s->endpoints[i].name, name, n) == 0)
      return (int)i;
  return -1;
}

/* NAME#CONN=POLICY: a shim target's reads of one connection. */
static int shim_sched_parse(const wr_scenario *s, const char *text,
                            const char *hash, wr_run_sched *out, char *err,
                            size_t errlen) {
  const char *eq = strchr(hash, '=');
  int a = find_ep(s, text, (size_t)(hash - text));
  if (a < 0 || s->endpoints[a].kind != WR_SCN_EP_TARGET ||
      !(s->endpoints[a].shim_reads || s->endpoints[a].shim_writes ||
        s->endpoints[a].shim_conn)) {
    snprintf(err, errlen,
             "schedule '%s': '%.*s' is not a target of %s started with "
             "shim=",
             text, (int)(hash - text), text, s->file);
    return WR_EINVAL;
  }
  uint64_t conn = 0;
  const char *d = hash + 1;
  if (!eq || d == eq || eq - d > 19) {
    snprintf(err, errlen,
             "schedule '%s': expected NAME#CONN=POLICY (e.g. kv#0=cuts:3,7)",
             text);
    return WR_EINVAL;
  }
  for (; d < eq; d++) {
    if (*d < '0' || *d > '9') {
      snprintf(err, errlen,
               "schedule '%s': the connection number must be decimal "
               "digits, found '%c'",
               text, *d);
      return WR_EINVAL;
    }
    conn = conn * 10 + (uint64_t)(*d - '0');
  }
  wr_policy p;
  char perr[256];
  if (wr_policy_parse(eq + 1, &p, perr, sizeof perr) < 0) {
    snprintf(err, errlen, "schedule '%s': %s", text, perr);
    return WR_EINVAL;
  }
  if (p.latency || p.jitter_max || p.bandwidth) {
    snprintf(err, errlen,
             "schedule '%s': a target's reads are cut, not delayed: "
             "latency, jitter and bandwidth do not apply",
             text);
    return WR_EINVAL;
  }
  memset(out, 0, sizeof *out);
  out->ep = a;
  out->peer = -1;
  out->seg = p;
  out->shim = 1;
  out->conn = conn;
  return 0;
}

int wr_run_sched_parse(const wr_scenario *s, const char *text,
                       wr_run_sched *out, char *err, size_t errlen) {
  const char *arrow = strstr(text, "->");
  const char *hash = strchr(text, '#');
  if (hash && (!arrow || hash < arrow))
    return shim_sched_parse(s, text, hash, out, err, errlen);
  const char *eq = arrow ? strchr(arrow + 2, '=') : NULL;
  if (!arrow || !eq) {
    snprintf(err, errlen,
             "schedule '%s': expected A->B=POLICY (e.g. "
             "client->server=cuts:1,3)",
             text);
    return WR_EINVAL;
  }
  int a = find_ep(s, text, (size_t)(arrow - text));
  int b = find_ep(s, arrow + 2, (size_t)(eq - arrow - 2));
  if (a < 0 || b < 0) {
    snprintf(err, errlen, "schedule '%s': %s names no endpoint of %s", text,
             a < 0 ? "the sender" : "the receiver", s->file);
    return WR_EINVAL;
  }
  wr_policy p;
  char perr[256];
  if (wr_policy_parse(eq + 1, &p, perr, sizeof perr) < 0) {
    snprintf(err, errlen, "schedule '%s': %s", text, perr);
    return WR_EINVAL;
  }
  memset(out, 0, sizeof *out);
  out->ep = a;
  out->peer = b;
  out->seg = p;
  return 0;
}

int wr_run_same_failure(const wr_run_result *a, const wr_run_result *b) {
  if (a->verdict != WR_RUN_FAIL || b->verdict != WR_RUN_FAIL)
    return 0;
  const wr_scn_step *x = a->fail_step, *y = b->fail_step;
  if (!x || !y || x->kind != y->kind || x->ep != y->ep)
    return 0;
  return strcmp(a->observed, b->observed) == 0 &&
         strcmp(a->expected, b->expected) == 0;
}

int wr_run_agree(const wr_run_result *sim, const wr_run_result *lo, char *why,
                 size_t len) {
  if (sim->verdict != lo->verdict) {
    snprintf(why, len, "simnet %s, loopback %s",
             sim->verdict == WR_RUN_PASS ? "passed" : "failed",
             lo->verdict == WR_RUN_PASS ? "passed" : "failed");
    return 0;
  }
  size_t n = sim->nobs < lo->nobs ? sim->nobs : lo->nobs;
  for (size_t i = 0; i < n; i++) {
    if (strcmp(wr_run_obs_key(sim, i), wr_run_obs_key(lo, i)) != 0) {
      const wr_scn_step *st = sim->obs[i].step;
      snprintf(why, len, "%s:%u:%u: %s: simnet observed %s, loopback %s",
               st->pos.file, st->pos.line, st->pos.col,
               wr_scn_kind_name(st->kind), wr_run_obs_text(sim, i),
               wr_run_obs_text(lo, i));
      return 0;
    }
  }
  if (sim->nobs != lo->nobs) {
    snprintf(why, len, "simnet observed %zu steps, loopback %zu", sim->nobs,
             lo->nobs);
    return 0;
  }
  return 1;
}
