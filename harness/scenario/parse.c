/* Statements: the dispatcher, the header (scenario, seeds, transports,
 * exhaustive), targets, wait, repeat blocks and elapsed. The NAME VERB
 * statements are in verbs.c, `net` in netdir.c. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_int.h"

#define REPEAT_MAX 4294967295ull
#define REPEAT_DEPTH_MAX 16

const char *wr_scnp_dir(const scn_parser *p) { return p->dir; }

/* ---- shared helpers --------------------------------------------------- */

wr_scn_step wr_scnp_step_init(const scn_parser *p, wr_scn_kind k,
                              const tok *t) {
  wr_scn_step st;
  memset(&st, 0, sizeof st);
  st.kind = k;
  st.pos.file = p->s->file;
  st.pos.line = t->line;
  st.pos.col = t->col;
  st.ep = st.peer = st.acc = -1;
  return st;
}

wr_scn_step *wr_scnp_step_add(scn_parser *p, const wr_scn_step *st) {
  scn_blockbuild *b = &p->blocks[p->depth - 1];
  if (b->n == b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 16;
    wr_scn_step *ns = realloc(b->steps, cap * sizeof *ns);
    if (!ns) {
      p->oom = 1;
      return NULL;
    }
    b->steps = ns;
    b->cap = cap;
  }
  b->steps[b->n] = *st;
  return &b->steps[b->n++];
}

scn_blockbuild *wr_scnp_block_open(scn_parser *p, const wr_scn_step *st,
                                   const tok *kw) {
  wr_scn_step *owner = wr_scnp_step_add(p, st);
  if (!owner)
    return NULL;
  if (p->depth == p->bcap) {
    size_t cap = p->bcap * 2;
    scn_blockbuild *nb = realloc(p->blocks, cap * sizeof *nb);
    if (!nb) {
      p->oom = 1;
      return NULL;
    }
    p->blocks = nb;
    p->bcap = cap;
  }
  scn_blockbuild *b = &p->blocks[p->depth++];
  memset(b, 0, sizeof *b);
  b->owner = owner;
  b->line = kw->line;
  b->col = kw->col;
  return b;
}

int wr_scnp_end(scn_parser *p) {
  const tok *t = scn_peek(p);
  if (t->kind == T_EOL)
    return 0;
  return wr_scnp_err(p, t, "extra token %s; expected end of line",
                     SCN_FOUND(p, t));
}

int wr_scnp_opts_store(scn_parser *p, wr_scn_step *st, const wr_sockopt *o,
                       size_t n) {
  st->nopts = n;
  st->opts = NULL;
  if (n == 0)
    return 0;
  wr_sockopt *d = wr_scnp_alloc(p, n * sizeof *d);
  if (!d)
    return -1;
  memcpy(d, o, n * sizeof *d);
  st->opts = d;
  return 0;
}

int wr_scnp_timeout(scn_parser *p, const tok *t, wr_scn_step *st) {
  if (st->has_timeout)
    return wr_scnp_err(p, t, "timeout given twice");
  if (t->vstring)
    return wr_scnp_err_at(p, t->line, t->vcol,
                          "bad duration for timeout; expected a number with a "
                          "unit ns us ms s (e.g. 1.5ms), found a string");
  if (wr_scnp_duration_text(p, t->line, t->vcol, t->vtext, t->vlen, "timeout",
                            &st->timeout))
    return -1;
  st->has_timeout = 1;
  return 0;
}

int wr_scnp_cmp(scn_parser *p, wr_scn_step *st) {
  const tok *t = scn_peek(p);
  if (t->kind != T_CMP)
    return wr_scnp_err(
        p, t, "missing comparison; expected == != < <= > or >=, found %s",
        SCN_FOUND(p, t));
  st->cmp = t->cmp;
  scn_next(p);
  return 0;
}

int wr_scnp_word(scn_parser *p, const tok **first, const char **text,
                 size_t *len) {
  const tok *t = scn_peek(p);
  *first = t;
  if (t->kind == T_EOL)
    return -1;
  const tok *last = scn_next(p);
  for (;;) {
    const tok *n = scn_peek(p);
    if (n->kind == T_EOL || n->line != last->line ||
        n->text != last->text + last->len || last->kind == T_OPT ||
        n->kind == T_OPT || n->kind == T_STRING || last->kind == T_STRING)
      break;
    last = scn_next(p);
  }
  *text = t->text;
  *len = (size_t)(last->text + last->len - t->text);
  return 0;
}

/* ---- header ---------------------------------------------------------------
 */

static int header_only(scn_parser *p, const tok *kw) {
  if (p->depth > 1)
    return wr_scnp_err(p, kw, "'%.*s' is not allowed inside a %s block",
                       (int)kw->len, kw->text,
                       p->blocks[p->depth - 1].spawn ? "spawn" : "repeat");
  return 0;
}

static int st_scenario(scn_parser *p, const tok *kw) {
  const tok *t = scn_peek(p);
  if (header_only(p, kw))
    return -1;
  if (t->kind != T_STRING)
    return wr_scnp_err(p, t, "missing title; expected a string, found %s",
                       SCN_FOUND(p, t));
  scn_next(p);
  if (wr_scnp_end(p))
    return -1;
  const uint8_t *b = scn_sbytes(p, t);
  if (memchr(b, 0, t->slen))
    return wr_scnp_err(p, t, "bad title: it contains a NUL byte");
  p->s->title = wr_scnp_strdup(p, (const char *)b, t->slen);
  return p->s->title ? 0 : -1;
}

static int st_seeds(scn_parser *p, const tok *kw) {
  const tok *t = scn_peek(p);
  if (header_only(p, kw))
    return -1;
  if (t->kind == T_EOL)
    return wr_scnp_err(p, t,
                       "missing seed count; expected a number, found end of "
                       "line");
  if (wr_scnp_number(p, t, "seeds", 1, UINT32_MAX, &p->s->seeds))
    return -1;
  scn_next(p);
  return wr_scnp_end(p);
}

static int st_transports(scn_parser *p, const tok *kw) {
  const tok *t = scn_peek(p);
  if (header_only(p, kw))
    return -1;
  if (wr_scnp_is(t, "sim"))
    p->s->transports = WR_SCN_SIM;
  else if (wr_scnp_is(t, "loopback"))
    p->s->transports = WR_SCN_LOOPBACK;
  else if (wr_scnp_is(t, "both"))
    p->s->transports = WR_SCN_BOTH;
  else
    return wr_scnp_err(p, t,
                       "%s transports; expected sim, loopback or both, "
                       "found %s",
                       t->kind == T_EOL ? "missing" : "bad", SCN_FOUND(p, t));
  scn_next(p);
  return wr_scnp_end(p);
}

static int st_exhaustive(scn_parser *p, const tok *kw) {
  const tok *t = scn_peek(p);
  if (header_only(p, kw))
    return -1;
  if (wr_scnp_is(t, "off")) {
    p->s->exhaustive = -1;
  } else {
    if (t->kind != T_ATOM)
      return wr_scnp_err(p, t,
                         "%s exhaustive limit; expected off or a byte count, "
                         "found %s",
                         t->kind == T_EOL ? "missing" : "bad", SCN_FOUND(p, t));
    if (wr_scnp_number(p, t, "exhaustive", 0, UINT32_MAX,
                       &p->s->exhaustive_limit))
      return -1;
    p->s->exhaustive = 1;
  }
  scn_next(p);
  return wr_scnp_end(p);
}

/* ---- targets ------------------------------------------------------------- */

static int parse_hostport(scn_parser *p, const tok *t, const char *text,
                          size_t len, wr_scn_endpoint *e) {
  const char *colon = NULL;
  for (size_t k = len; k > 0; k--)
    if (text[k - 1] == ':') {
      colon = text + k - 1;
      break;
    }
  char q[80];
  snprintf(q, sizeof q, "%.*s", (int)(len < 70 ? len : 70), text);
  if (!colon || colon == text)
    return wr_scnp_err(p, t,
                       "bad address; expected HOST:PORT (e.g. "
                       "127.0.0.1:8080 or [::1]:8080), found '%s'",
                       q);
  const char *ps = colon + 1;
  size_t pl = (size_t)(text + len - ps);
  uint64_t port = 0;
  int ok = pl > 0 && pl <= 5;
  for (size_t k = 0; ok && k < pl; k++) {
    if (ps[k] < '0' || ps[k] > '9')
      ok = 0;
    else
      port = port * 10 + (uint64_t)(ps[k] - '0');
  }
  if (!ok || port < 1 || port > 65535)
    return wr_scnp_err(p, t, "bad port in '%s'; expected 1..65535", q);
  const char *hs = text;
  size_t hl = (size_t)(colon - text);
  if (hl >= 2 && hs[0] == '[' && hs[hl - 1] == ']') {
    hs++;
    hl -= 2;
  }
  if (hl == 0)
    return wr_scnp_err(p, t, "bad address '%s'; the host is empty", q);
  e->host = wr_scnp_strdup(p, hs, hl);
  e->port = (uint16_t)port;
  return e->host ? 0 : -1;
}

static int st_target(scn_parser *p, const tok *kw) {
  const tok *name = scn_peek(p);
  if (name->kind == T_EOL)
    return wr_scnp_err(p, name,
                       "missing target name; expected a name, found end "
                       "of line");
  scn_next(p);
  const tok *how = scn_peek(p);
  int start = wr_scnp_is(how, "start");
  if (!start && !wr_scnp_is(how, "at"))
    return wr_scnp_err(p, how, "%s target verb; expected start or at, found %s",
                       how->kind == T_EOL ? "missing" : "bad",
                       SCN_FOUND(p, how));
  scn_next(p);
  wr_scn_endpoint e;
  memset(&e, 0, sizeof e);
  wr_scn_step st =
      wr_scnp_step_init(p, start ? WR_SCN_TARGET_START : WR_SCN_TARGET_AT, kw);
  if (start) {
    const tok *cmd = scn_peek(p);
    if (cmd->kind != T_STRING)
      return wr_scnp_err(p, cmd, "missing command; expected a string, found %s",
                         SCN_FOUND(p, cmd));
    scn_next(p);
    if (memchr(scn_sbytes(p, cmd), 0, cmd->slen))
      return wr_scnp_err(p, cmd, "bad command: it contains a NUL byte");
    e.command = wr_scnp_strdup(p, (const char *)scn_sbytes(p, cmd), cmd->slen);
    if (!e.command)
      return -1;
    for (;;) {
      const tok *o = scn_peek(p);
      if (o->kind == T_EOL)
        break;
      if (o->kind == T_OPT && o->len == 5 && memcmp(o->text, "ready", 5) == 0) {
        if (!o->vstring)
          return wr_scnp_err_at(
              p, o->line, o->vcol,
              "bad option value for 'ready'; expected a string, "
              "found '%.*s'",
              (int)(o->vlen < 60 ? o->vlen : 60), o->vtext);
        if (e.ready)
          return wr_scnp_err(p, o, "ready given twice");
        const uint8_t *b = scn_sbytes(p, o);
        if (memchr(b, 0, o->slen))
          return wr_scnp_err(p, o, "bad ready text: it contains a NUL byte");
        e.ready = wr_scnp_strdup(p, (const char *)b, o->slen);
        if (!e.ready)
          return -1;
      } else if (o->kind == T_OPT && o->len == 7 &&
                 memcmp(o->text, "timeout", 7) == 0) {
        if (wr_scnp_timeout(p, o, &st))
          return -1;
        e.timeout = st.timeout;
      } else if (o->kind == T_OPT &&
                 ((o->len == 4 && memcmp(o->text, "shim", 4) == 0) ||
                  (o->len == 11 && memcmp(o->text, "shim_writes", 11) == 0))) {
        /* The target's own reads (shim) and writes (shim_writes) are cut
         * by the preload shim; the policy is checked here so that a typo
         * fails `wirerig check`, not the run. */
        int wr = o->len == 11;
        if (!o->vstring)
          return wr_scnp_err_at(p, o->line, o->vcol,
                                "bad option value for '%s'; expected a "
                                "policy string like \"random:1-8\"",
                                wr ? "shim_writes" : "shim");
        if (wr ? e.shim_writes != NULL : e.shim_reads != NULL)
          return wr_scnp_err(p, o, "%s given twice",
                             wr ? "shim_writes" : "shim");
        const uint8_t *b = scn_sbytes(p, o);
        char text[256], perr[300];
        snprintf(text, sizeof text, "%.*s",
                 (int)(o->slen < 255 ? o->slen : 255), (const char *)b);
        wr_policy pol;
        if (memchr(b, 0, o->slen) ||
            wr_policy_parse(text, &pol, perr, sizeof perr) < 0)
          return wr_scnp_err(p, o, "bad %s policy: %s",
                             wr ? "shim_writes" : "shim", perr);
        if (pol.latency || pol.jitter_max || pol.bandwidth)
          return wr_scnp_err(p, o,
                             "bad %s policy '%s': the shim cuts calls; "
                             "latency, jitter and bandwidth do not apply",
                             wr ? "shim_writes" : "shim", text);
        const char *d = wr_scnp_strdup(p, text, strlen(text));
        if (!d)
          return -1;
        if (wr)
          e.shim_writes = d;
        else
          e.shim_reads = d;
      } else if (o->kind == T_OPT && o->len == 9 &&
                 memcmp(o->text, "shim_conn", 9) == 0) {
        /* Some connections' reads by their own policy: what `wirerig run`
         * writes into a shrunk target scenario. */
        if (!o->vstring)
          return wr_scnp_err_at(p, o->line, o->vcol,
                                "bad option value for 'shim_conn'; expected "
                                "a string like \"0=cuts:3,7\"");
        if (e.shim_conn)
          return wr_scnp_err(p, o, "shim_conn given twice");
        const uint8_t *b = scn_sbytes(p, o);
        char text[WR_POLICY_MAX_CUTS * 24 + 64], perr[400];
        wr_conn_policies cp;
        if (memchr(b, 0, o->slen) || o->slen >= sizeof text)
          return wr_scnp_err(p, o, "bad shim_conn: NUL byte or too long");
        memcpy(text, b, o->slen);
        text[o->slen] = '\0';
        if (wr_conn_policies_parse(text, &cp, perr, sizeof perr) < 0)
          return wr_scnp_err(p, o, "bad shim_conn: %s", perr);
        e.shim_conn = wr_scnp_strdup(p, text, strlen(text));
        if (!e.shim_conn)
          return -1;
      } else if (o->kind == T_OPT) {
        return wr_scnp_err(p, o,
                           "unknown option '%.*s' for target start; expected "
                           "ready=\"TEXT\", timeout=T, shim=\"POLICY\", "
                           "shim_writes=\"POLICY\" or shim_conn=\"C=POLICY\"",
                           (int)(o->len < 60 ? o->len : 60), o->text);
      } else {
        return wr_scnp_end(p);
      }
      scn_next(p);
    }
  } else {
    const tok *first;
    const char *text;
    size_t len;
    if (wr_scnp_word(p, &first, &text, &len))
      return wr_scnp_err(p, first,
                         "missing address; expected HOST:PORT, found "
                         "end of line");
    if (parse_hostport(p, first, text, len, &e))
      return -1;
    if (wr_scnp_end(p))
      return -1;
  }
  int k = wr_scnp_declare(p, name, WR_SCN_EP_TARGET);
  if (k < 0)
    return -1;
  wr_scn_endpoint *ep = &p->s->endpoints[k];
  e.name = ep->name;
  e.kind = ep->kind;
  e.pos = ep->pos;
  e.proc = ep->proc;
  *ep = e;
  st.ep = k;
  return wr_scnp_step_add(p, &st) ? 0 : -1;
}

/* ---- wait, repeat, elapsed --------------------------------------------- */

static int st_wait(scn_parser *p, const tok *kw) {
  wr_scn_step st = wr_scnp_step_init(p, WR_SCN_WAIT, kw);
  if (wr_scnp_duration(p, scn_peek(p), "wait", &st.t))
    return -1;
  scn_next(p);
  if (wr_scnp_end(p))
    return -1;
  return wr_scnp_step_add(p, &st) ? 0 : -1;
}

/* `until RESULT`: a result a step can give -- ok, error REASON (or _) -- or
 * a message that ends a wait: tcp_closed, tcp_passive, tcp_error REASON. */
static int until_result(scn_parser *p, wr_scn_step *st) {
  const tok *t = scn_peek(p);
  if (wr_scnp_is(t, "ok") || wr_scnp_is(t, "error"))
    return wr_scnp_expect_result(p, &st->expect);
  if (wr_scnp_is(t, "tcp_closed") || wr_scnp_is(t, "tcp_passive") ||
      wr_scnp_is(t, "tcp_error"))
    return wr_scnp_expect_message(p, &st->expect);
  return wr_scnp_err(p, t,
                     "bad result after 'until'; expected ok, error REASON, "
                     "tcp_closed, tcp_passive or tcp_error REASON, found %s",
                     SCN_FOUND(p, t));
}

/* `repeat N [until RESULT [within T]]`, up to the '{'. */
static int repeat_header(scn_parser *p, wr_scn_step *stp) {
  wr_scn_step st = *stp;
  const tok *t = scn_peek(p);
  if (t->kind != T_ATOM)
    return wr_scnp_err(p, t,
                       "missing repeat count; expected a number, found %s",
                       SCN_FOUND(p, t));
  if (wr_scnp_number(p, t, "repeat count", 0, REPEAT_MAX, &st.n))
    return -1;
  scn_next(p);
  if (wr_scnp_is(scn_peek(p), "until")) {
    scn_next(p);
    if (until_result(p, &st))
      return -1;
    st.until = 1;
    p->s->uses_until = 1;
    if (wr_scnp_is(scn_peek(p), "within")) {
      scn_next(p);
      const tok *w = scn_peek(p);
      if (wr_scnp_duration(p, w, "within", &st.t))
        return -1;
      if (st.t == 0)
        return wr_scnp_err(p, w,
                           "a repeat ... until loop needs time to run; "
                           "expected within T with T > 0, found %s",
                           SCN_FOUND(p, w));
      scn_next(p);
    }
  }
  /* A loop that waits for a result is bounded by its count and a time,
   * so a result that never comes ends the run with a report. */
  if (st.until && st.n == 0)
    return wr_scnp_err(p, t,
                       "a repeat ... until loop runs at least once; "
                       "expected a count of 1 or more, found 0");
  const tok *lb = scn_peek(p);
  if (lb->kind != T_LB)
    return wr_scnp_err(p, lb, "expected '{' after the repeat count%s, found %s",
                       st.until ? " and its until RESULT" : "",
                       SCN_FOUND(p, lb));
  *stp = st;
  return 0;
}

static int st_repeat(scn_parser *p, const tok *kw) {
  wr_scn_step st = wr_scnp_step_init(p, WR_SCN_REPEAT, kw);
  int bad = repeat_header(p, &st) != 0;
  if (bad) {
    /* A mistake in the header of a block still opens the block when the
     * line ends with '{', so its '}' closes it: one mistake, one message. */
    size_t k = p->i;
    while (p->t[k].kind != T_EOL)
      k++;
    if (k == 0 || p->t[k - 1].kind != T_LB)
      return -1;
    st.until = 0;
    st.n = 0;
  } else {
    scn_next(p);
    if (wr_scnp_end(p))
      return -1;
  }
  if (p->depth >= REPEAT_DEPTH_MAX)
    return wr_scnp_err(p, kw, "repeat blocks nested too deeply (more than %d)",
                       REPEAT_DEPTH_MAX - 1);
  scn_blockbuild *b = wr_scnp_block_open(p, &st, kw);
  if (!b)
    return -1;
  b->quiet = bad;
  return bad ? -1 : 0;
}

static int st_close_block(scn_parser *p, const tok *rb) {
  if (p->depth <= 1)
    return wr_scnp_err(p, rb, "unbalanced '}': no repeat block is open");
  /* Closed even when more follows, so one stray token is one error. */
  scn_blockbuild *b = &p->blocks[--p->depth];
  if (b->spawn)
    p->proc = -1; /* spawn blocks are only at the top */
  b->owner->body.steps = b->steps;
  b->owner->body.n = b->n;
  return wr_scnp_end(p);
}

/* `rounds OP N`: the rounds the last repeat ... until loop ran (the one
 * that gave the result included). */
static int st_rounds(scn_parser *p, const tok *kw) {
  if (!p->s->uses_until)
    return wr_scnp_err(p, kw,
                       "'rounds' counts the rounds of a repeat ... until "
                       "loop; no such loop comes before it");
  wr_scn_step st = wr_scnp_step_init(p, WR_SCN_ROUNDS, kw);
  if (wr_scnp_cmp(p, &st))
    return -1;
  const tok *t = scn_peek(p);
  if (t->kind != T_ATOM)
    return wr_scnp_err(p, t, "missing number; expected a number, found %s",
                       SCN_FOUND(p, t));
  if (wr_scnp_number(p, t, "rounds", 0, REPEAT_MAX, &st.n))
    return -1;
  scn_next(p);
  if (wr_scnp_end(p))
    return -1;
  return wr_scnp_step_add(p, &st) ? 0 : -1;
}

static int st_elapsed(scn_parser *p, const tok *kw) {
  wr_scn_step st = wr_scnp_step_init(p, WR_SCN_ELAPSED, kw);
  if (wr_scnp_cmp(p, &st))
    return -1;
  if (wr_scnp_duration(p, scn_peek(p), "elapsed", &st.t))
    return -1;
  scn_next(p);
  if (wr_scnp_end(p))
    return -1;
  return wr_scnp_step_add(p, &st) ? 0 : -1;
}

/* ---- the dispatcher ------------------------------------------------------ */

static const struct {
  const char *kw;
  int (*fn)(scn_parser *p, const tok *kw);
} keywords[] = {
    {"scenario", st_scenario},     {"seeds", st_seeds},
    {"transports", st_transports}, {"exhaustive", st_exhaustive},
    {"target", st_target},         {"wait", st_wait},
    {"repeat", st_repeat},         {"elapsed", st_elapsed},
    {"rounds", st_rounds},         {"net", wr_scnp_net},
    {"spawn", wr_scnp_spawn},      {"await", wr_scnp_await},
    {"kill", wr_scnp_kill},
};

int wr_scnp_statement(scn_parser *p) {
  const tok *first = scn_next(p);
  if (first->kind == T_RB)
    return st_close_block(p, first);
  if (first->kind == T_ATOM) {
    for (size_t k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
      if (wr_scnp_is(first, keywords[k].kw))
        return keywords[k].fn(p, first);
    if (wr_scnp_is_name(first))
      return wr_scnp_verb(p, first);
  }
  return wr_scnp_err(p, first,
                     "expected a statement (NAME VERB ..., or scenario, seeds, "
                     "transports, exhaustive, target, net, wait, repeat, "
                     "elapsed, rounds, spawn, await, kill), found %s",
                     SCN_FOUND(p, first));
}
