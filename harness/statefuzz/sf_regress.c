/* A model finding as a regression scenario (statefuzz.h,
 * wr_sf_regression_write).
 *
 * The fuzzed case says `-> any` where it could not know the outcome, so
 * as it stands `wirerig run` passes it: the oracle, not an expectation,
 * saw the violation. The regression file therefore states expectations:
 * every step before and after the violating one expects what the model
 * observed (the oracles accepted those), and the violating step states
 * what its invariant requires -- a `message` that must not deliver data
 * becomes `nothing within T`, a recv that must not give data expects its
 * error. The file is run once in the runner's normal mode before it is
 * written, and must fail at that step.
 */
#include <stdlib.h>
#include <string.h>

#include "base/atomic_file.h"
#include "sf_int.h"
#include "wirerig/error.h"

static void bput(wr_sf_buf *b, const char *s, size_t n) {
  if (b->oom)
    return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 1024;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = 1;
      return;
    }
    b->p = p;
    b->cap = cap;
  }
  memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

typedef struct model_ctx {
  wr_sf_outcome want;
  wr_run_result r1, r2;
} model_ctx;

/* The model's verdict on an input, as an outcome (same_outcome compares
 * the oracle's words without their numbers). */
static int model_outcome(model_ctx *m, const uint8_t *d, size_t n,
                         wr_sf_outcome *o) {
  wr_sf_case c;
  memset(o, 0, sizeof *o);
  if (wr_sf_decode(d, n, NULL, &c) != 0)
    return WR_ENOMEM;
  wr_sf_verdict v;
  o->failed = !wr_sf_check(&c, &m->r1, &m->r2, &v);
  snprintf(o->why, sizeof o->why, "%s", v.why);
  o->nops = c.nops;
  o->seed = c.seed;
  wr_sf_case_free(&c);
  return 0;
}

static int model_fails(void *ctx, const uint8_t *d, size_t n) {
  model_ctx *m = ctx;
  wr_sf_outcome o;
  return model_outcome(m, d, n, &o) == 0 && wr_sf_same_outcome(&o, &m->want);
}

/* What each oracle pins down, for the file's header. */
static const char *pinned(const char *why) {
  static const struct {
    const char *key, *says;
  } t[] = {
      {"more data messages than active", "an {active,once} or {active,N} "
                                         "socket delivers no more data "
                                         "messages than it was granted"},
      {"tcp_passive", "tcp_passive comes only after an {active,N} counter"},
      {"after tcp_closed", "nothing but what the model allows follows "
                           "tcp_closed"},
      {"after close", "a verb on a closed socket fails"},
      {"while {active,true}", "recv on an {active,true} socket is einval, "
                              "never data"},
      {"length other than N", "recv N on a raw passive socket returns "
                              "exactly N bytes"},
  };
  for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
    if (strstr(why, t[i].key))
      return t[i].says;
  return "the gen_tcp invariant named below";
}

/* The violating step's line, as the invariant requires it; NULL when the
 * invariant says nothing a step can expect. */
static int required(const wr_scn_step *st, const char *why, const char *line,
                    size_t n, wr_sf_buf *b) {
  const char *arrow = strstr(line, " -> ");
  size_t keep =
      arrow && (size_t)(arrow - line) < n ? (size_t)(arrow - line) : n;
  char t[64];
  switch (st->kind) {
  case WR_SCN_MESSAGE:
    /* no message at all where the oracle saw one */
    snprintf(t, sizeof t, "%s nothing within %llums\n",
             line[0] == 's' ? "s" : "c",
             (unsigned long long)(st->timeout / WR_NS_PER_MS));
    bput(b, t, strlen(t));
    return 0;
  case WR_SCN_NOTHING:
    bput(b, line, keep);
    bput(b, "\n", 1);
    return 0;
  case WR_SCN_RECV:
    bput(b, line, keep);
    if (strstr(why, "while {active,true}"))
      snprintf(t, sizeof t, " -> error einval\n");
    else if (strstr(why, "after close"))
      snprintf(t, sizeof t, " -> error closed\n");
    else if (strstr(why, "length other than N"))
      snprintf(t, sizeof t, " -> len %llu\n", (unsigned long long)st->n);
    else
      return -1;
    bput(b, t, strlen(t));
    return 0;
  case WR_SCN_SETOPTS:
  case WR_SCN_SEND:
  case WR_SCN_SHUTDOWN:
    bput(b, line, keep);
    bput(b, " -> error closed\n", 17);
    return 0;
  default:
    return -1;
  }
}

/* Any other step: what the model observed, where the language can say
 * it. */
static void observed(const wr_scn_step *st, const char *obs, const char *line,
                     size_t n, wr_sf_buf *b) {
  const char *arrow = strstr(line, " -> ");
  size_t keep =
      arrow && (size_t)(arrow - line) < n ? (size_t)(arrow - line) : n;
  int is_rc = !strcmp(obs, "ok") || !strncmp(obs, "error ", 6);
  char t[64];
  switch (st->kind) {
  case WR_SCN_LISTEN:
  case WR_SCN_CONNECT:
  case WR_SCN_SEND:
  case WR_SCN_SETOPTS:
  case WR_SCN_SHUTDOWN:
  case WR_SCN_CLOSE:
    bput(b, line, keep);
    if (is_rc) {
      bput(b, " -> ", 4);
      bput(b, obs, strlen(obs));
    }
    bput(b, "\n", 1);
    return;
  case WR_SCN_MESSAGE:
    if (!strncmp(obs, "tcp_", 4)) {
      bput(b, line, keep);
      bput(b, " -> ", 4);
      bput(b, obs, strlen(obs));
      bput(b, "\n", 1);
    } else if (strncmp(obs, "tcp ", 4) && strncmp(obs, "http ", 5)) {
      /* no message: the same wait, expecting none */
      snprintf(t, sizeof t, "%s nothing within %llums\n",
               line[0] == 's' ? "s" : "c",
               (unsigned long long)(st->timeout / WR_NS_PER_MS));
      bput(b, t, strlen(t));
    } else {
      bput(b, line, n);
      bput(b, "\n", 1);
    }
    return;
  default:
    if (st->kind >= WR_SCN_NET_POLICY && st->kind <= WR_SCN_NET_RELEASE &&
        !is_rc) {
      /* a directive for a connection already gone: the runner's normal
       * mode calls that a harness error, so it is kept as a comment */
      bput(b, "# (refused: ", 12);
      bput(b, obs, strlen(obs));
      bput(b, ") ", 2);
    }
    bput(b, line, n);
    bput(b, "\n", 1);
    return;
  }
}

/* The pinned text of a case; the violating step on line *vline. */
static int pin(const wr_sf_case *c, const wr_run_result *r, size_t vobs,
               const char *why, wr_sf_buf *b, unsigned *vline) {
  const wr_scn_step *vstep = r->obs[vobs].step;
  *vline = vstep->pos.line;
  const char *p = c->text;
  for (unsigned line = 1; *p; line++) {
    const char *e = strchr(p, '\n');
    size_t n = e ? (size_t)(e - p) : strlen(p);
    const wr_scn_step *st = NULL;
    const char *obs = NULL;
    for (size_t i = 0; i < r->nobs && !st; i++)
      if (r->obs[i].step->pos.line == line) {
        st = r->obs[i].step;
        obs = wr_run_obs_text(r, i);
      }
    if (st == vstep) {
      if (required(st, why, p, n, b))
        return WR_ENOTSUP;
    } else if (st) {
      observed(st, obs, p, n, b);
    } else {
      bput(b, p, n);
      bput(b, "\n", 1);
    }
    p += n + (e ? 1 : 0);
  }
  return b->oom ? WR_ENOMEM : 0;
}

/* The pinned file must fail at the violating line in the runner's normal
 * mode (what `wirerig run` does). */
static int verify(const char *text, size_t len, uint64_t seed, unsigned line,
                  char *err, size_t errlen) {
  wr_scn_config cfg = {.max_data = 64 * 1024, .no_files = 1};
  wr_scenario *s = wr_scn_parse("regression.scn", text, len, &cfg);
  if (!s)
    return WR_ENOMEM;
  int rc = 0;
  if (s->nerrors) {
    snprintf(err, errlen, "the pinned file does not parse: line %u: %s",
             s->errors[0].line, s->errors[0].msg);
    rc = WR_EPROTO;
  } else {
    wr_run_params p;
    memset(&p, 0, sizeof p);
    p.transport = WR_RUN_SIM;
    p.seed = seed;
    wr_run_result r;
    memset(&r, 0, sizeof r);
    wr_run_once(s, &p, &r);
    if (r.verdict != WR_RUN_FAIL || !r.fail_step ||
        r.fail_step->pos.line != line) {
      snprintf(err, errlen,
               "the pinned file does not fail at line %u as the oracle "
               "did: verdict %d at line %u (%s)",
               line, (int)r.verdict, r.fail_step ? r.fail_step->pos.line : 0,
               r.verdict == WR_RUN_FAIL ? r.observed : r.reason);
      rc = WR_EPROTO;
    }
    wr_run_result_free(&r);
  }
  wr_scn_free(s);
  return rc;
}

static void put_s(wr_sf_buf *b, const char *s) { bput(b, s, strlen(s)); }

int wr_sf_regression_write(const uint8_t *data, size_t len, const char *path,
                           size_t *nops_before, size_t *nops_after, char *err,
                           size_t errlen) {
  if (errlen)
    err[0] = '\0';
  model_ctx *m = calloc(1, sizeof *m);
  if (!m) {
    snprintf(err, errlen, "out of memory");
    return WR_ENOMEM;
  }
  int rc = model_outcome(m, data, len, &m->want);
  uint8_t *small = NULL;
  size_t nsmall = 0;
  unsigned runs = 0;
  wr_sf_case c;
  memset(&c, 0, sizeof c);
  wr_sf_buf b = {0};
  if (rc)
    goto out;
  if (nops_before)
    *nops_before = m->want.nops;
  if (!m->want.failed) {
    rc = 1;
    goto out;
  }
  if ((rc = wr_sf_shrink(data, len, model_fails, m, 0, &small, &nsmall,
                         &runs)) != 0 ||
      (rc = wr_sf_decode(small, nsmall, NULL, &c)) != 0)
    goto out;
  wr_sf_verdict v;
  wr_sf_check(&c, &m->r1, &m->r2, &v);
  if (nops_after)
    *nops_after = c.nops;
  const char *at = strstr(v.why, "(obs ");
  size_t vobs = 0;
  if (v.ok || !at || sscanf(at, "(obs %zu)", &vobs) != 1 ||
      vobs >= m->r1.nobs) {
    snprintf(err, errlen,
             "the oracle names no step (\"%s\"): no expectation can pin it; "
             "the fuzz target's replay binary reproduces it",
             v.ok ? "it passed after shrinking" : v.why);
    rc = WR_ENOTSUP;
    goto out;
  }
  unsigned vline = 0;
  wr_sf_buf body = {0};
  rc = pin(&c, &m->r1, vobs, v.why, &body, &vline);
  if (rc) {
    snprintf(err, errlen, "no expectation states what \"%s\" requires", v.why);
    free(body.p);
    goto out;
  }
  /* The header, written twice: the second time with the violating
   * step's line in the file (the header's own line count comes first). */
  unsigned head_lines = 0;
  for (int pass = 0; pass < 2; pass++) {
    b.len = 0;
    char t[1024];
    snprintf(t, sizeof t,
             "# Regression found by the stateful fuzzer (stateful_model).\n"
             "# Pins down: %s.\n"
             "# Oracle: %s\n"
             "# Shrunk from %zu to %zu operations (%u runs). Every step "
             "expects what\n# the model did, except line %u, which states "
             "what the invariant\n# requires: the file fails there until "
             "the model is fixed.\n"
             "# Run: wirerig run FILE --transport sim --seed %llu\n"
             "# Fuzz input (hex): ",
             pinned(v.why), v.why, m->want.nops, c.nops, runs,
             vline + head_lines, (unsigned long long)c.seed);
    put_s(&b, t);
    for (size_t i = 0; i < nsmall; i++) {
      snprintf(t, sizeof t, "%02x", small[i]);
      put_s(&b, t);
    }
    snprintf(t, sizeof t,
             "\nscenario \"statefuzz regression seed %llu\"\nseeds 1\n"
             "transports sim\nexhaustive off\n",
             (unsigned long long)c.seed);
    put_s(&b, t);
    head_lines = 0;
    for (size_t i = 0; !b.oom && i < b.len; i++)
      head_lines += b.p[i] == '\n';
  }
  bput(&b, body.p ? body.p : "", body.len);
  free(body.p);
  if (b.oom) {
    rc = WR_ENOMEM;
    goto out;
  }
  if ((rc = verify(b.p, b.len, c.seed, vline + head_lines, err, errlen)) != 0)
    goto out;
  char e[256];
  if (wr_atomic_write(path, b.p, b.len, e, sizeof e) != 0) {
    snprintf(err, errlen, "%s", e);
    rc = WR_EIO;
  }
out:
  if (rc == WR_ENOMEM && err[0] == '\0')
    snprintf(err, errlen, "out of memory");
  wr_sf_case_free(&c);
  wr_run_result_free(&m->r1);
  wr_run_result_free(&m->r2);
  free(m);
  free(small);
  free(b.p);
  return rc;
}
