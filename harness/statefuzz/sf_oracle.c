/* The oracles of the stateful targets (statefuzz.h): determinism,
 * conservation, and the gen_tcp invariants a log shows.
 *
 * Each invariant is an upper bound or an implication that holds whatever
 * the network did, so that no generated case is judged by an outcome the
 * generator could not know (docs/fuzzing.md, "Oracles").
 */
#include <stdlib.h>
#include <string.h>

#include "sf_int.h"
#include "wirerig/error.h"
#include "wirerig/simnet.h"
#include "wirerig/sockopt.h"

/* A violation: its description into why, and 0. */
#define bad(why, len, ...) (snprintf(why, len, __VA_ARGS__), 0)

/* ---- conservation, read from simnet at the end of a run ------------------
 */

typedef struct at_end {
  int violated;
  char why[256];
} at_end;

/* Every direction's bytes are accounted for: written = read + discarded +
 * still queued (simnet.h), and nothing is read that was not written. */
static void conservation(void *ctx, wr_net *net) {
  at_end *a = ctx;
  uint32_t n = wr_simnet_conn_count(net);
  for (uint32_t c = 1; c <= n && !a->violated; c++)
    for (int d = 0; d < 2; d++) {
      wr_simnet_dirstats ds;
      if (wr_simnet_dirstats_get(net, c, d, &ds) != 0)
        continue;
      if (ds.written != ds.read + ds.discarded + ds.queued ||
          ds.read > ds.written || ds.delivered > ds.written) {
        a->violated = 1;
        snprintf(a->why, sizeof a->why,
                 "conservation: conn %u dir %d: written %llu, read %llu, "
                 "discarded %llu, queued %llu, delivered %llu",
                 c, d, (unsigned long long)ds.written,
                 (unsigned long long)ds.read, (unsigned long long)ds.discarded,
                 (unsigned long long)ds.queued,
                 (unsigned long long)ds.delivered);
        break;
      }
    }
}

/* ---- the log ------------------------------------------------------------- */

/* Bytes of a rendered string ("a\x00b"), -1 when it is not one (an http
 * term) or was cut ("..."). */
static long rendered_len(const char *t) {
  if (*t != '"')
    return -1;
  long n = 0;
  for (t++; *t && *t != '"'; t++, n++)
    if (*t == '\\')
      t += t[1] == 'x' ? 3 : 1;
  if (*t != '"' || t[1] != '\0')
    return -1;
  return n;
}

typedef struct ep_state {
  int unlimited;      /* active=true granted at some point */
  uint64_t budget;    /* data messages allowed by once and N grants */
  uint64_t counters;  /* integer active settings: tcp_passive at most */
  uint64_t data_msgs; /* data messages read from its mailbox */
  uint64_t passives;
  int closed_msg; /* tcp_closed read that ends the socket's messages */
  /* tcp_closed read while exit_on_close false was ever set: the port
   * stays, and OTP 25 goes on delivering once a setopts changes the
   * active mode -- after a framing error, or after shutdown(read), since
   * Linux still takes data in (semantics §4.3, §5.4) -- yet never posts
   * tcp_closed again. */
  int soft_closed;
  int keep_open; /* exit_on_close false held at some point */
  int closed;    /* `close` done */
  int always_on; /* the last active setting that held was true */
  int raw;       /* packet raw/0 (the last setting that held) */
} ep_state;

/* An option list that held (listen, connect, a successful setopts), in
 * the order gen_tcp applies it: back to front, and for listen and connect
 * (initial) only the last occurrence of each option (semantics §5.2,
 * "Order"). The active option of a listen or connect replaces the default
 * {active,true} before any data could arrive. */
static void apply(ep_state *e, const wr_sockopt *o, size_t n, int initial) {
  for (size_t i = n; i-- > 0;) {
    int later = 0;
    for (size_t j = i + 1; initial && j < n; j++)
      later |= o[j].name == o[i].name;
    if (later)
      continue;
    if (o[i].name == WR_OPT_PACKET)
      e->raw = o[i].value == 0;
    if (o[i].name == WR_OPT_EXIT_ON_CLOSE && o[i].value == 0)
      e->keep_open = 1;
    if (o[i].name != WR_OPT_ACTIVE)
      continue;
    if (initial)
      e->unlimited = 0;
    e->always_on = o[i].value == WR_ACTIVE_TRUE;
    if (o[i].value == WR_ACTIVE_TRUE)
      e->unlimited = 1;
    else if (o[i].value == WR_ACTIVE_ONCE)
      e->budget++;
    else if (o[i].value == WR_ACTIVE_N) {
      e->counters++;
      if (o[i].value2 > 0)
        e->budget += (uint64_t)o[i].value2;
    }
  }
}

int wr_sf_check_log(const wr_sf_case *c, const wr_run_result *r, char *why,
                    size_t len) {
  /* A run the harness ended because its event loop spun is a finding in
   * itself: without the transport's guard it would have hung. */
  if (r->verdict == WR_RUN_ERROR && r->bound == WR_RUN_BOUND_LIVELOCK) {
    snprintf(why, len, "livelock: %.200s", r->reason);
    return 0;
  }
  const wr_scenario *s = c->scn;
  size_t ne = s->nendpoints;
  ep_state st[8];
  if (ne > 8)
    ne = 8;
  for (size_t i = 0; i < ne; i++) {
    memset(&st[i], 0, sizeof st[i]);
    /* gen_tcp's defaults: {active,true}, {packet,raw} */
    st[i].unlimited = st[i].always_on = st[i].raw = 1;
  }
  /* A listener's options are inherited by the connection accepted on it,
   * which has the listener's name (`s`); the client's are its own. */
  for (size_t i = 0; i < r->nobs; i++) {
    const wr_scn_step *step = r->obs[i].step;
    const char *t = wr_run_obs_text(r, i);
    int ep = step->ep;
    if (ep < 0 || (size_t)ep >= ne)
      continue;
    ep_state *e = &st[ep];
    int ok = !strcmp(t, "ok");
    switch (step->kind) {
    case WR_SCN_LISTEN:
    case WR_SCN_CONNECT:
      if (ok) {
        /* the defaults again: a listen's options replace them */
        apply(e, step->opts, step->nopts, 1);
      }
      break;
    case WR_SCN_SETOPTS:
      if (e->closed && ok)
        return bad(why, len, "setopts on %s after close said ok (obs %zu)",
                   s->endpoints[ep].name, i);
      if (ok)
        apply(e, step->opts, step->nopts, 0);
      break;
    case WR_SCN_SEND:
    case WR_SCN_SHUTDOWN:
      if (e->closed && ok)
        return bad(why, len, "a verb on %s after close said ok (obs %zu)",
                   s->endpoints[ep].name, i);
      break;
    case WR_SCN_CLOSE:
      e->closed = 1;
      break;
    case WR_SCN_RECV:
      if (strncmp(t, "error ", 6) != 0) {
        if (e->closed)
          return bad(why, len, "recv on %s after close gave data (obs %zu)",
                     s->endpoints[ep].name, i);
        /* semantics: recv on an active socket is einval, never data */
        if (e->always_on && e->unlimited)
          return bad(why, len,
                     "recv on %s gave data while {active,true} (obs %zu)",
                     s->endpoints[ep].name, i);
        long n = rendered_len(t);
        if (e->raw && step->has_n && step->n > 0 && n >= 0 &&
            (uint64_t)n != step->n)
          return bad(why, len,
                     "recv N on raw %s gave a length other than N (obs %zu)",
                     s->endpoints[ep].name, i);
      }
      break;
    case WR_SCN_MESSAGE:
    case WR_SCN_NOTHING: {
      if (!strncmp(t, "tcp ", 4) || !strncmp(t, "http ", 5)) {
        e->data_msgs++;
        if (e->closed_msg)
          return bad(why, len,
                     "a data message for %s after tcp_closed (obs "
                     "%zu)",
                     s->endpoints[ep].name, i);
        if (!e->unlimited && e->data_msgs > e->budget)
          return bad(why, len,
                     "%s got more data messages than active granted "
                     "(obs %zu)",
                     s->endpoints[ep].name, i);
      } else if (!strcmp(t, "tcp_passive")) {
        if (++e->passives > e->counters)
          return bad(why, len,
                     "tcp_passive for %s without an {active,N} counter "
                     "(obs %zu)",
                     s->endpoints[ep].name, i);
      } else if (!strcmp(t, "tcp_closed")) {
        if (e->closed_msg || e->soft_closed)
          return bad(why, len, "a second tcp_closed for %s (obs %zu)",
                     s->endpoints[ep].name, i);
        if (e->keep_open)
          e->soft_closed = 1;
        else
          e->closed_msg = 1;
      }
      break;
    }
    default:
      break;
    }
  }
  return 1;
}

/* ---- the whole check ----------------------------------------------------- */

static void run_sim(const wr_sf_case *c, wr_run_result *r, at_end *a) {
  wr_run_params p;
  memset(&p, 0, sizeof p);
  p.transport = WR_RUN_SIM;
  p.seed = c->seed;
  p.observe = 1;
  p.at_end = conservation;
  p.at_end_ctx = a;
  memset(a, 0, sizeof *a);
  wr_run_once(c->scn, &p, r);
}

int wr_sf_check(const wr_sf_case *c, wr_run_result *r, wr_run_result *r2,
                wr_sf_verdict *v) {
  memset(v, 0, sizeof *v);
  at_end a1, a2;
  run_sim(c, r, &a1);
  v->hash = r->trace_hash;
  v->nobs = r->nobs;
  v->ran_to_end = r->verdict == WR_RUN_PASS;
  if (a1.violated) {
    snprintf(v->why, sizeof v->why, "%s", a1.why);
    return v->ok = 0;
  }
  if (!wr_sf_check_log(c, r, v->why, sizeof v->why))
    return v->ok = 0;
  /* Determinism: the same case and seed, the same run. */
  if (!c->rerun)
    return v->ok = 1;
  run_sim(c, r2, &a2);
  if (r2->verdict != r->verdict || r2->trace_hash != r->trace_hash ||
      r2->nobs != r->nobs) {
    snprintf(v->why, sizeof v->why,
             "determinism: run 1 verdict %d hash %016llx %zu observations, "
             "run 2 verdict %d hash %016llx %zu observations",
             (int)r->verdict, (unsigned long long)r->trace_hash, r->nobs,
             (int)r2->verdict, (unsigned long long)r2->trace_hash, r2->nobs);
    return v->ok = 0;
  }
  for (size_t i = 0; i < r->nobs; i++)
    if (strcmp(wr_run_obs_text(r, i), wr_run_obs_text(r2, i)) != 0) {
      snprintf(v->why, sizeof v->why,
               "determinism: observation %zu: \"%.100s\" then \"%.100s\"", i,
               wr_run_obs_text(r, i), wr_run_obs_text(r2, i));
      return v->ok = 0;
    }
  return v->ok = 1;
}

int wr_sf_check_loopback(const wr_sf_case *c, wr_run_result *sim,
                         wr_run_result *lo, wr_sf_verdict *v) {
  memset(v, 0, sizeof *v);
  at_end a;
  run_sim(c, sim, &a);
  v->hash = sim->trace_hash;
  v->nobs = sim->nobs;
  if (a.violated) {
    snprintf(v->why, sizeof v->why, "%s", a.why);
    return v->ok = 0;
  }
  if (!wr_sf_check_log(c, sim, v->why, sizeof v->why))
    return v->ok = 0;
  if (c->sim_only || sim->verdict != WR_RUN_PASS)
    return v->ok = 1;
  wr_run_params p;
  memset(&p, 0, sizeof p);
  p.transport = WR_RUN_LOOPBACK;
  p.seed = c->seed;
  p.observe = 1;
  wr_run_once(c->scn, &p, lo);
  v->ran_to_end = lo->verdict == WR_RUN_PASS;
  if (lo->verdict != WR_RUN_PASS)
    return v->ok = 1; /* skipped (a directive loopback lacks) */
  if (!wr_sf_check_log(c, lo, v->why, sizeof v->why))
    return v->ok = 0;
  char why[400] = "";
  if (!wr_run_agree(sim, lo, why, sizeof why)) {
    snprintf(v->why, sizeof v->why, "sim and loopback disagree: %s", why);
    return v->ok = 0;
  }
  return v->ok = 1;
}
