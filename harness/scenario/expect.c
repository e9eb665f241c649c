/* Expectations after `->`: results, error reasons, recv's EXPECT, the
 * MSG of message(s), and HTTP terms normalised for comparison with
 * wr_http_render. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_int.h"
#include "wirerig/error.h"

#define HTTP_DEPTH_MAX 6

static const char *reason_names(void) {
  static char list[400];
  if (!list[0]) {
    size_t o = 0;
    for (int k = 0; k < WR_ERRIDX_COUNT_; k++) {
      int n = snprintf(list + o, sizeof list - o, "%s%s", k ? " " : "",
                       wr_err_name(-(k + 1)));
      if (n < 0 || (size_t)n >= sizeof list - o)
        break;
      o += (size_t)n;
    }
  }
  return list;
}

int wr_scnp_reason(scn_parser *p, const tok *t, wr_scn_expect *e) {
  char name[32];
  if (t->kind != T_ATOM)
    return wr_scnp_err(p, t,
                       "missing error reason; expected one of %s, found %s",
                       reason_names(), SCN_FOUND(p, t));
  int code = 0;
  if (t->len < sizeof name) {
    memcpy(name, t->text, t->len);
    name[t->len] = 0;
    code = wr_err_from_name(name);
  }
  if (code >= 0)
    return wr_scnp_err(p, t, "unknown error reason %s; expected one of %s",
                       SCN_FOUND(p, t), reason_names());
  e->kind = WR_SCN_EXPECT_ERROR;
  e->error = code;
  e->reason = wr_err_name(code);
  scn_next(p);
  return 0;
}

static void set_pos(scn_parser *p, wr_scn_expect *e) {
  const tok *t = scn_peek(p);
  e->pos.file = p->s->file;
  e->pos.line = t->line;
  e->pos.col = t->col;
}

int wr_scnp_expect_result(scn_parser *p, wr_scn_expect *e) {
  set_pos(p, e);
  const tok *t = scn_peek(p);
  if (wr_scnp_is(t, "ok")) {
    scn_next(p);
    e->kind = WR_SCN_EXPECT_OK;
    return 0;
  }
  if (wr_scnp_is(t, "error")) {
    scn_next(p);
    return wr_scnp_reason(p, scn_peek(p), e);
  }
  return wr_scnp_err(p, t, "expected ok or error REASON after '->', found %s",
                     SCN_FOUND(p, t));
}

/* ---- HTTP terms ------------------------------------------------------------
 */

typedef struct sbuf {
  char *p;
  size_t n, cap;
} sbuf;

static int sb_put(scn_parser *p, sbuf *b, const char *s, size_t n) {
  if (b->cap - b->n < n + 1) {
    size_t cap = b->cap ? b->cap : 64;
    while (cap - b->n < n + 1)
      cap *= 2;
    char *np = realloc(b->p, cap);
    if (!np) {
      p->oom = 1;
      return -1;
    }
    b->p = np;
    b->cap = cap;
  }
  memcpy(b->p + b->n, s, n);
  b->n += n;
  b->p[b->n] = 0;
  return 0;
}

/* The canonical string form, shared with http_render.c's. */
static int sb_quote(scn_parser *p, sbuf *b, const uint8_t *s, size_t n) {
  if (sb_put(p, b, "\"", 1))
    return -1;
  for (size_t k = 0; k < n; k++) {
    char tmp[8];
    unsigned c = s[k];
    const char *out = tmp;
    size_t len = 1;
    switch (c) {
    case '"':
      out = "\\\"";
      len = 2;
      break;
    case '\\':
      out = "\\\\";
      len = 2;
      break;
    case '\r':
      out = "\\r";
      len = 2;
      break;
    case '\n':
      out = "\\n";
      len = 2;
      break;
    case '\t':
      out = "\\t";
      len = 2;
      break;
    default:
      if (c >= 0x20 && c < 0x7f)
        tmp[0] = (char)c;
      else
        len = (size_t)snprintf(tmp, sizeof tmp, "\\x%02x", c);
    }
    if (sb_put(p, b, out, len))
      return -1;
  }
  return sb_put(p, b, "\"", 1);
}

static int bare_atom(const char *s, size_t n) {
  if (n == 0 || !(s[0] >= 'a' && s[0] <= 'z'))
    return 0;
  for (size_t k = 1; k < n; k++) {
    char c = s[k];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
          (c >= '0' && c <= '9') || c == '_' || c == '@'))
      return 0;
  }
  return 1;
}

static int integer(const char *s, size_t n) {
  size_t k = (n > 1 && s[0] == '-') ? 1 : 0;
  if (k == n || n - k > 20)
    return 0;
  for (; k < n; k++)
    if (s[k] < '0' || s[k] > '9')
      return 0;
  return 1;
}

static int is_cmp(const tok *t, wr_scn_cmp c) {
  return t->kind == T_CMP && t->cmp == c;
}

/* A binary as http_bin gives strings: << "..." >>, or <<>> when empty;
 * written as <<"...">> (<<"">> is <<>>) to compare with the renderer. */
static int http_binary(scn_parser *p, sbuf *b) {
  const tok *open = scn_peek(p);
  scn_next(p);
  if (!is_cmp(scn_peek(p), WR_SCN_LT))
    return wr_scnp_err(p, open,
                       "bad http term; expected a binary <<\"...\">> "
                       "after '<', found %s",
                       SCN_FOUND(p, scn_peek(p)));
  scn_next(p);
  const tok *t = scn_peek(p);
  const uint8_t *bytes = NULL;
  size_t n = 0;
  if (t->kind == T_STRING) {
    bytes = scn_sbytes(p, t);
    n = t->slen;
    scn_next(p);
  }
  for (int k = 0; k < 2; k++) {
    t = scn_peek(p);
    if (!is_cmp(t, WR_SCN_GT))
      return wr_scnp_err(p, t,
                         "bad http term; a binary is <<\"...\">> or <<>>, "
                         "expected '>>' to close it, found %s",
                         SCN_FOUND(p, t));
    scn_next(p);
  }
  if (sb_put(p, b, "<<", 2))
    return -1;
  if (n && sb_quote(p, b, bytes, n))
    return -1;
  return sb_put(p, b, ">>", 2);
}

/* One element; *tag receives the first atom of a tuple (for the top-level
 * check), *arity its element count. */
static int http_elem(scn_parser *p, sbuf *b, int depth, const tok **tag,
                     int *arity) {
  const tok *t = scn_peek(p);
  switch (t->kind) {
  case T_LB: {
    if (depth >= HTTP_DEPTH_MAX)
      return wr_scnp_err(p, t, "http term nested too deeply");
    scn_next(p);
    if (sb_put(p, b, "{", 1))
      return -1;
    int n = 0;
    if (tag)
      *tag = scn_peek(p);
    for (;;) {
      const tok *c = scn_peek(p);
      if (c->kind == T_RB && n == 0)
        break;
      if (c->kind == T_EOL)
        return wr_scnp_err(
            p, t,
            "unbalanced '{' in http term; expected '}' before end "
            "of line");
      if (http_elem(p, b, depth + 1, NULL, NULL))
        return -1;
      n++;
      c = scn_peek(p);
      if (c->kind == T_COMMA) {
        scn_next(p);
        if (sb_put(p, b, ",", 1))
          return -1;
        continue;
      }
      if (c->kind == T_RB)
        break;
      if (c->kind == T_EOL)
        return wr_scnp_err(
            p, t,
            "unbalanced '{' in http term; expected '}' before end "
            "of line");
      return wr_scnp_err(p, c, "bad http term; expected ',' or '}', found %s",
                         SCN_FOUND(p, c));
    }
    scn_next(p);
    if (arity)
      *arity = n;
    return sb_put(p, b, "}", 1);
  }
  case T_ATOM:
    if (t->len == 2 && memcmp(t->text, "[]", 2) == 0) {
      scn_next(p); /* the empty string, as Erlang prints "" */
      return sb_put(p, b, "[]", 2);
    }
    if (!bare_atom(t->text, t->len) && !integer(t->text, t->len))
      return wr_scnp_err(
          p, t,
          "bad http term; expected an atom, a number, a string or "
          "'{', found %s",
          SCN_FOUND(p, t));
    scn_next(p);
    return sb_put(p, b, t->text, t->len);
  case T_QATOM:
    scn_next(p);
    if (bare_atom(t->text + 1, t->len - 2))
      return sb_put(p, b, t->text + 1, t->len - 2);
    return sb_put(p, b, t->text, t->len);
  case T_STRING:
    scn_next(p);
    if (t->slen == 0)
      return sb_put(p, b, "[]", 2); /* "" is [] */
    return sb_quote(p, b, scn_sbytes(p, t), t->slen);
  case T_CMP:
    if (t->cmp == WR_SCN_LT)
      return http_binary(p, b);
    break;
  case T_RB:
    return wr_scnp_err(p, t, "unbalanced '}' in http term");
  default:
    break;
  }
  return wr_scnp_err(p, t,
                     "bad http term; expected an atom, a number, a string, "
                     "a binary or '{', found %s",
                     SCN_FOUND(p, t));
}

/* The packets decode_packet returns for the http types, by tag: arity
 * (tag included). */
static const struct {
  const char *tag;
  int arity;
} http_tags[] = {{"http_request", 4},
                 {"http_response", 4},
                 {"http_header", 5},
                 {"http_error", 2}};

static int http_term(scn_parser *p, wr_scn_expect *e) {
  const tok *t = scn_peek(p);
  if (t->kind == T_EOL)
    return wr_scnp_err(
        p, t,
        "missing http term; expected http_eoh or {http_request | "
        "http_response | http_header | http_error, ...}, found "
        "end of line");
  sbuf b = {0};
  const tok *tag = NULL;
  int arity = 0;
  if (wr_scnp_is(t, "http_eoh")) {
    scn_next(p);
    if (sb_put(p, &b, "http_eoh", 8))
      goto fail;
  } else if (t->kind == T_LB) {
    if (http_elem(p, &b, 0, &tag, &arity))
      goto fail;
    size_t k = 0;
    for (; k < sizeof http_tags / sizeof http_tags[0]; k++)
      if (wr_scnp_is(tag, http_tags[k].tag))
        break;
    if (k == sizeof http_tags / sizeof http_tags[0]) {
      wr_scnp_err(p, tag,
                  "bad http term; expected http_request, http_response, "
                  "http_header or http_error, found %s",
                  SCN_FOUND(p, tag));
      goto fail;
    }
    if (arity != http_tags[k].arity) {
      wr_scnp_err(p, t, "bad http term; {%s, ...} has %d elements, found %d",
                  http_tags[k].tag, http_tags[k].arity, arity);
      goto fail;
    }
  } else {
    wr_scnp_err(p, t,
                "bad http term; expected http_eoh or {http_request | "
                "http_response | http_header | http_error, ...}, found %s",
                SCN_FOUND(p, t));
    goto fail;
  }
  if (scn_peek(p)->kind == T_RB) {
    wr_scnp_err(p, scn_peek(p), "unbalanced '}' in http term");
    goto fail;
  }
  e->http = wr_scnp_strdup(p, b.p, b.n);
  free(b.p);
  return e->http ? 0 : -1;
fail:
  free(b.p);
  return -1;
}

/* ---- recv / message expectations ------------------------------------------
 */

static int count_or_data(scn_parser *p, wr_scn_expect *e, const char *what) {
  const tok *t = scn_peek(p);
  if (wr_scnp_is(t, "bytes")) {
    scn_next(p);
    const tok *n = scn_peek(p);
    if (n->kind == T_EOL)
      return wr_scnp_err(p, n,
                         "missing byte count after 'bytes'; expected a "
                         "number, found end of line");
    if (wr_scnp_number(p, n, "byte count", 0, UINT64_MAX, &e->count))
      return -1;
    scn_next(p);
    e->kind = WR_SCN_EXPECT_COUNT;
    return 0;
  }
  if (wr_scnp_is(t, "any")) {
    scn_next(p);
    e->kind = WR_SCN_EXPECT_ANY;
    return 0;
  }
  if (t->kind == T_STRING || t->kind == T_HEX || wr_scnp_is(t, "file") ||
      wr_scnp_is(t, "frame") || wr_scnp_is(t, "pattern")) {
    e->kind = WR_SCN_EXPECT_BYTES;
    return wr_scnp_data(p, what, &e->bytes);
  }
  return -2;
}

int wr_scnp_expect_recv(scn_parser *p, wr_scn_expect *e) {
  set_pos(p, e);
  const tok *t = scn_peek(p);
  if (wr_scnp_is(t, "http")) {
    scn_next(p);
    e->kind = WR_SCN_EXPECT_HTTP;
    return http_term(p, e);
  }
  if (wr_scnp_is(t, "error")) {
    scn_next(p);
    return wr_scnp_reason(p, scn_peek(p), e);
  }
  int rc = count_or_data(p, e, "recv");
  if (rc != -2)
    return rc;
  return wr_scnp_err(p, t,
                     "bad expectation for recv; expected DATA, bytes N, http "
                     "TERM, error REASON or any, found %s",
                     SCN_FOUND(p, t));
}

int wr_scnp_expect_message(scn_parser *p, wr_scn_expect *e) {
  set_pos(p, e);
  const tok *t = scn_peek(p);
  if (wr_scnp_is(t, "tcp")) {
    scn_next(p);
    e->msg = WR_SCN_MSG_TCP;
    int rc = count_or_data(p, e, "tcp message");
    if (rc != -2)
      return rc;
    const tok *d = scn_peek(p);
    return wr_scnp_err(p, d,
                       "bad tcp message; expected DATA, bytes N or any after "
                       "'tcp', found %s",
                       SCN_FOUND(p, d));
  }
  if (wr_scnp_is(t, "http")) {
    scn_next(p);
    e->msg = WR_SCN_MSG_HTTP;
    e->kind = WR_SCN_EXPECT_HTTP;
    return http_term(p, e);
  }
  if (wr_scnp_is(t, "tcp_closed") || wr_scnp_is(t, "tcp_passive")) {
    scn_next(p);
    e->msg = wr_scnp_is(t, "tcp_closed") ? WR_SCN_MSG_TCP_CLOSED
                                         : WR_SCN_MSG_TCP_PASSIVE;
    e->kind = WR_SCN_EXPECT_ANY;
    return 0;
  }
  if (wr_scnp_is(t, "tcp_error")) {
    scn_next(p);
    e->msg = WR_SCN_MSG_TCP_ERROR;
    return wr_scnp_reason(p, scn_peek(p), e);
  }
  return wr_scnp_err(
      p, t,
      "bad message; expected tcp, http, tcp_closed, tcp_error or "
      "tcp_passive, found %s",
      SCN_FOUND(p, t));
}
