/* Expectations after `->`: results, error reasons, recv's EXPECT, the
 * MSG of message(s), and HTTP terms typed as the packets they expect
 * (wr_scn_http; compared and printed in http_term.c). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_int.h"
#include "wirerig/error.h"

#define HTTP_DEPTH_MAX 6

/* The reasons a step can expect: every error code but the harness's own
 * livelock, which ends a run as ERROR and is never an operation's answer. */
static int expectable(int code) { return code < 0 && code != WR_LIVELOCK; }

static const char *reason_names(void) {
  static char list[400];
  if (!list[0]) {
    size_t o = 0;
    for (int k = 0; k < WR_ERRIDX_COUNT_; k++) {
      if (!expectable(-(k + 1)))
        continue;
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
  if (t->kind == T_ATOM && t->len == 1 && t->text[0] == '_') {
    e->kind = WR_SCN_EXPECT_ERROR; /* {error, _}: any reason */
    e->error = 0;
    e->reason = "_";
    scn_next(p);
    return 0;
  }
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
  if (!expectable(code))
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
 *
 * Read in two passes: the Erlang syntax into a small tree (tuples, atoms,
 * integers, lists, binaries), then the tree into a wr_scn_http, checking
 * that it has a shape gen_tcp can return. Strings are data expressions
 * ("a" * 65536 is a string of 65536 bytes), evaluated into the arena.
 */

typedef enum hkind { H_ATOM, H_INT, H_LIST, H_BINARY, H_TUPLE, H_ANY } hkind;

typedef struct hnode {
  hkind kind;
  const tok *t;     /* its first token, for messages */
  const tok *inner; /* H_TUPLE: the token after '{' (the tag's place) */
  const char *text; /* H_ATOM: the name (quotes dropped); H_INT: digits */
  size_t len;
  wr_scn_bytes bytes; /* H_LIST, H_BINARY (arena) */
  int child, n;       /* H_TUPLE: the first element, the element count */
  int next;           /* the next element of the enclosing tuple, -1 */
} hnode;

/* The nodes of one term, by index (the array moves as it grows). */
typedef struct htree {
  hnode *v;
  int n, cap;
} htree;

static int h_new(scn_parser *p, htree *h, hkind k, const tok *t) {
  if (h->n == h->cap) {
    int cap = h->cap ? h->cap * 2 : 16;
    hnode *v = realloc(h->v, (size_t)cap * sizeof *v);
    if (!v) {
      p->oom = 1;
      return -1;
    }
    h->v = v;
    h->cap = cap;
  }
  hnode *x = &h->v[h->n];
  memset(x, 0, sizeof *x);
  x->kind = k;
  x->t = t;
  x->child = x->next = -1;
  return h->n++;
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

/* A binary as http_bin gives strings: << DATA >>, or <<>> when empty. */
static int h_binary(scn_parser *p, htree *h) {
  const tok *open = scn_peek(p);
  scn_next(p);
  if (!is_cmp(scn_peek(p), WR_SCN_LT))
    return wr_scnp_err(p, open,
                       "bad http term; expected a binary <<\"...\">> "
                       "after '<', found %s",
                       SCN_FOUND(p, scn_peek(p)));
  scn_next(p);
  int k = h_new(p, h, H_BINARY, open);
  if (k < 0)
    return -1;
  if (wr_scnp_starts_data(p, scn_peek(p)) &&
      wr_scnp_data_in_term(p, "a binary", &h->v[k].bytes))
    return -1;
  for (int i = 0; i < 2; i++) {
    const tok *t = scn_peek(p);
    if (!is_cmp(t, WR_SCN_GT))
      return wr_scnp_err(p, t,
                         "bad http term; a binary is <<\"...\">> or <<>>, "
                         "expected '>>' to close it, found %s",
                         SCN_FOUND(p, t));
    scn_next(p);
  }
  return k;
}

/* One element: its node index, or -1 after an error. */
static int h_elem(scn_parser *p, htree *h, int depth) {
  const tok *t = scn_peek(p);
  int k;
  if (wr_scnp_starts_data(p, t)) {
    k = h_new(p, h, H_LIST, t);
    if (k < 0)
      return -1;
    wr_scn_bytes b;
    if (wr_scnp_data_in_term(p, "a string", &b))
      return -1;
    h->v[k].bytes = b;
    return k;
  }
  switch (t->kind) {
  case T_LB: {
    if (depth >= HTTP_DEPTH_MAX)
      return wr_scnp_err(p, t, "http term nested too deeply");
    scn_next(p);
    k = h_new(p, h, H_TUPLE, t);
    if (k < 0)
      return -1;
    h->v[k].inner = scn_peek(p);
    int last = -1, n = 0;
    for (;;) {
      const tok *c = scn_peek(p);
      if (c->kind == T_RB && n == 0)
        break;
      if (c->kind == T_EOL)
        return wr_scnp_err(
            p, t,
            "unbalanced '{' in http term; expected '}' before end "
            "of line");
      int e = h_elem(p, h, depth + 1);
      if (e < 0)
        return -1;
      if (last < 0)
        h->v[k].child = e;
      else
        h->v[last].next = e;
      last = e;
      n++;
      c = scn_peek(p);
      if (c->kind == T_COMMA) {
        scn_next(p);
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
    h->v[k].n = n;
    return k;
  }
  case T_ATOM:
    if (t->len == 2 && memcmp(t->text, "[]", 2) == 0) {
      scn_next(p); /* the empty string, as Erlang prints "" */
      return h_new(p, h, H_LIST, t);
    }
    if (t->len == 1 && t->text[0] == '_') {
      scn_next(p); /* matches anything, as in an Erlang pattern */
      return h_new(p, h, H_ANY, t);
    }
    if (!bare_atom(t->text, t->len) && !integer(t->text, t->len))
      return wr_scnp_err(
          p, t,
          "bad http term; expected an atom, a number, a string or "
          "'{', found %s",
          SCN_FOUND(p, t));
    scn_next(p);
    k = h_new(p, h, bare_atom(t->text, t->len) ? H_ATOM : H_INT, t);
    if (k >= 0) {
      h->v[k].text = t->text;
      h->v[k].len = t->len;
    }
    return k;
  case T_QATOM:
    scn_next(p);
    k = h_new(p, h, H_ATOM, t);
    if (k >= 0) {
      h->v[k].text = t->text + 1;
      h->v[k].len = t->len - 2;
    }
    return k;
  case T_CMP:
    if (t->cmp == WR_SCN_LT)
      return h_binary(p, h);
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

/* ---- the tree as a wr_scn_http ---- */

typedef struct hconv {
  scn_parser *p;
  const htree *h;
  wr_scn_http *e;
} hconv;

static const hnode *h_at(const hconv *c, int k) { return &c->h->v[k]; }

/* Element i (0-based) of tuple k. */
static const hnode *h_elt(const hconv *c, const hnode *tu, int i) {
  int k = tu->child;
  while (i-- > 0)
    k = c->h->v[k].next;
  return h_at(c, k);
}

static int atom_is(const hnode *x, const char *name) {
  return x->kind == H_ATOM && strlen(name) == x->len &&
         memcmp(x->text, name, x->len) == 0;
}

/* The node's first token as "found ..." text. */
#define H_FOUND(c, x) SCN_FOUND((c)->p, (x)->t)

/* `_` in place of a field: the field's bit goes into e->any. */
static int h_any(hconv *c, const hnode *x, uint32_t bit) {
  if (x->kind != H_ANY || !bit)
    return 0;
  c->e->any |= bit;
  return 1;
}

static int h_int(hconv *c, const hnode *x, const char *what, int32_t *out,
                 uint32_t any) {
  if (h_any(c, x, any))
    return 0;
  if (x->kind == H_INT) {
    char buf[32];
    memcpy(buf, x->text, x->len);
    buf[x->len] = 0;
    errno = 0;
    long long v = strtoll(buf, NULL, 10);
    if (errno == 0 && v >= INT32_MIN && v <= INT32_MAX) {
      *out = (int32_t)v;
      return 0;
    }
  }
  return wr_scnp_err(
      c->p, x->t,
      "bad http term; %s is an integer in "
      "-2147483648..2147483647 (gen_tcp wraps them like a C int), "
      "found %s",
      what, H_FOUND(c, x));
}

/* A string, list or binary; every string of one term is the same kind,
 * as in the packets of one type. */
static int h_str(hconv *c, const hnode *x, const char *what, wr_scn_bytes *out,
                 uint32_t any) {
  if (h_any(c, x, any))
    return 0;
  if (x->kind != H_LIST && x->kind != H_BINARY)
    return wr_scnp_err(c->p, x->t,
                       "bad http term; %s is a string \"...\" or a binary "
                       "<<\"...\">>, found %s",
                       what, H_FOUND(c, x));
  wr_scn_http_strings k =
      x->kind == H_LIST ? WR_SCN_HTTP_LISTS : WR_SCN_HTTP_BINARIES;
  if (c->e->strings != WR_SCN_HTTP_NO_STRINGS && c->e->strings != k)
    return wr_scnp_err(c->p, x->t,
                       "bad http term; it mixes strings and binaries, but "
                       "gen_tcp gives every string of a packet as a list "
                       "(http, httph) or every one as a binary (http_bin, "
                       "httph_bin)");
  c->e->strings = k;
  *out = x->bytes;
  return 0;
}

static int h_version(hconv *c, const hnode *x) {
  if (h_any(c, x, WR_SCN_HTTP_ANY_MAJOR | WR_SCN_HTTP_ANY_MINOR))
    return 0;
  if (x->kind != H_TUPLE || x->n != 2)
    return wr_scnp_err(c->p, x->t,
                       "bad http term; expected the version {Major,Minor}, "
                       "found %s",
                       H_FOUND(c, x));
  if (h_int(c, h_elt(c, x, 0), "the major version", &c->e->major,
            WR_SCN_HTTP_ANY_MAJOR) ||
      h_int(c, h_elt(c, x, 1), "the minor version", &c->e->minor,
            WR_SCN_HTTP_ANY_MINOR))
    return -1;
  return 0;
}

static int name_index(const char *(*name)(int), int count, const char *s,
                      size_t n) {
  for (int i = 1; i <= count; i++)
    if (strlen(name(i)) == n && memcmp(name(i), s, n) == 0)
      return i;
  return 0;
}

static int h_method(hconv *c, const hnode *x) {
  wr_scn_http *e = c->e;
  if (h_any(c, x, WR_SCN_HTTP_ANY_METHOD))
    return 0;
  if (x->kind == H_ATOM) {
    e->method_index =
        name_index(wr_http_method_name, WR_HTTP_METHOD_COUNT, x->text, x->len);
    if (e->method_index == 0)
      return wr_scnp_err(c->p, x->t,
                         "bad http term; gen_tcp gives only OPTIONS GET HEAD "
                         "POST PUT DELETE TRACE as atoms, other methods as "
                         "strings; found '%.*s'",
                         (int)x->len, x->text);
    return 0;
  }
  if (h_str(c, x, "the method", &e->method, 0))
    return -1;
  if (name_index(wr_http_method_name, WR_HTTP_METHOD_COUNT,
                 (const char *)e->method.ptr, e->method.len))
    return wr_scnp_err(c->p, x->t,
                       "bad http term; gen_tcp gives the method %.*s as the "
                       "atom '%.*s', not as a string",
                       (int)e->method.len, (const char *)e->method.ptr,
                       (int)e->method.len, (const char *)e->method.ptr);
  return 0;
}

static int h_uri(hconv *c, const hnode *x) {
  wr_scn_http *e = c->e;
  if (h_any(c, x, WR_SCN_HTTP_ANY_URI))
    return 0;
  if (atom_is(x, "*")) {
    e->uri_kind = WR_URI_STAR;
    return 0;
  }
  if (x->kind == H_LIST || x->kind == H_BINARY) {
    e->uri_kind = WR_URI_STRING;
    return h_str(c, x, "the URI", &e->uri_s1, 0);
  }
  if (x->kind == H_TUPLE && x->n > 0) {
    const hnode *tag = h_elt(c, x, 0);
    if (atom_is(tag, "abs_path") && x->n == 2) {
      e->uri_kind = WR_URI_ABS_PATH;
      return h_str(c, h_elt(c, x, 1), "the path", &e->uri_s1, 0);
    }
    if (atom_is(tag, "scheme") && x->n == 3) {
      e->uri_kind = WR_URI_SCHEME;
      return h_str(c, h_elt(c, x, 1), "the scheme", &e->uri_s1, 0) ||
                     h_str(c, h_elt(c, x, 2), "the rest of the URI", &e->uri_s2,
                           0)
                 ? -1
                 : 0;
    }
    if (atom_is(tag, "absoluteURI") && x->n == 5) {
      const hnode *sch = h_elt(c, x, 1), *port = h_elt(c, x, 3);
      if (atom_is(sch, "http"))
        e->uri_kind = WR_URI_HTTP;
      else if (atom_is(sch, "https"))
        e->uri_kind = WR_URI_HTTPS;
      else
        return wr_scnp_err(c->p, sch->t,
                           "bad http term; an absoluteURI's scheme is http "
                           "or https, found %s",
                           H_FOUND(c, sch));
      if (h_str(c, h_elt(c, x, 2), "the host", &e->uri_s1, 0))
        return -1;
      if (atom_is(port, "undefined")) {
        e->port = 0;
      } else {
        if (h_int(c, port, "the port", &e->port, 0))
          return -1;
        if (e->port == 0)
          return wr_scnp_err(c->p, port->t,
                             "bad http term; gen_tcp gives a missing port "
                             "as undefined, never 0");
      }
      return h_str(c, h_elt(c, x, 4), "the path", &e->uri_s2, 0);
    }
  }
  return wr_scnp_err(c->p, x->t,
                     "bad http term; expected the URI: '*', {abs_path,S}, "
                     "{absoluteURI,http|https,Host,Port|undefined,Path}, "
                     "{scheme,S,S} or a string, found %s",
                     H_FOUND(c, x));
}

static int h_header(hconv *c, const hnode *tu) {
  wr_scn_http *e = c->e;
  const hnode *num = h_elt(c, tu, 1), *f = h_elt(c, tu, 2);
  if (h_int(c, num, "the header number", &e->header_index,
            WR_SCN_HTTP_ANY_NUMBER))
    return -1;
  /* With `_` for the number, the field alone decides; the checks that tie
   * the two apply when both are written. */
  int any_num = (e->any & WR_SCN_HTTP_ANY_NUMBER) != 0;
  if (!any_num &&
      (e->header_index < 0 || e->header_index > WR_HTTP_HEADER_COUNT))
    return wr_scnp_err(c->p, num->t,
                       "bad http term; the header number is 0..%d (0 for a "
                       "header gen_tcp does not know), found %s",
                       WR_HTTP_HEADER_COUNT, H_FOUND(c, num));
  if (h_any(c, f, WR_SCN_HTTP_ANY_FIELD)) {
    /* any field: the number, if written, decides */
  } else if (f->kind == H_ATOM) {
    e->field_index =
        name_index(wr_http_header_name, WR_HTTP_HEADER_COUNT, f->text, f->len);
    if (e->field_index == 0)
      return wr_scnp_err(c->p, f->t,
                         "bad http term; '%.*s' is not a header gen_tcp "
                         "knows (those come as atoms); write the field as a "
                         "string",
                         (int)f->len, f->text);
    if (!any_num && e->field_index != e->header_index)
      return wr_scnp_err(c->p, num->t,
                         "bad http term; gen_tcp numbers the header '%s' "
                         "%d, found %s",
                         wr_http_header_name(e->field_index), e->field_index,
                         H_FOUND(c, num));
  } else {
    if (h_str(c, f, "the header field", &e->field, 0))
      return -1;
    int known = name_index(wr_http_header_name, WR_HTTP_HEADER_COUNT,
                           (const char *)e->field.ptr, e->field.len);
    if (known)
      return wr_scnp_err(c->p, f->t,
                         "bad http term; gen_tcp gives the header %s as the "
                         "atom '%s' (number %d), not as a string",
                         wr_http_header_name(known), wr_http_header_name(known),
                         known);
    if (!any_num && e->header_index != 0)
      return wr_scnp_err(c->p, num->t,
                         "bad http term; a header whose field is a string "
                         "has the number 0, found %s",
                         H_FOUND(c, num));
  }
  return h_str(c, h_elt(c, tu, 3), "the field as received", &e->raw_field,
               WR_SCN_HTTP_ANY_RAW_FIELD) ||
                 h_str(c, h_elt(c, tu, 4), "the header value", &e->value,
                       WR_SCN_HTTP_ANY_VALUE)
             ? -1
             : 0;
}

/* The packets decode_packet returns for the http types, by tag: arity
 * (tag included). */
static const struct {
  const char *tag;
  int arity;
  wr_http_kind kind;
} http_tags[] = {{"http_request", 4, WR_HTTP_REQUEST},
                 {"http_response", 4, WR_HTTP_RESPONSE},
                 {"http_header", 5, WR_HTTP_HEADER},
                 {"http_error", 2, WR_HTTP_ERROR}};

static int h_convert(hconv *c, const hnode *tu) {
  const tok *tag = tu->inner;
  size_t k = 0;
  for (; k < sizeof http_tags / sizeof http_tags[0]; k++)
    if (wr_scnp_is(tag, http_tags[k].tag))
      break;
  if (k == sizeof http_tags / sizeof http_tags[0])
    return wr_scnp_err(c->p, tag,
                       "bad http term; expected http_request, http_response, "
                       "http_header or http_error, found %s",
                       SCN_FOUND(c->p, tag));
  if (tu->n != http_tags[k].arity)
    return wr_scnp_err(c->p, tu->t,
                       "bad http term; {%s, ...} has %d elements, found %d",
                       http_tags[k].tag, http_tags[k].arity, tu->n);
  wr_scn_http *e = c->e;
  e->kind = http_tags[k].kind;
  switch (e->kind) {
  case WR_HTTP_REQUEST:
    return h_method(c, h_elt(c, tu, 1)) || h_uri(c, h_elt(c, tu, 2)) ||
                   h_version(c, h_elt(c, tu, 3))
               ? -1
               : 0;
  case WR_HTTP_RESPONSE:
    return h_version(c, h_elt(c, tu, 1)) ||
                   h_int(c, h_elt(c, tu, 2), "the status", &e->status,
                         WR_SCN_HTTP_ANY_STATUS) ||
                   h_str(c, h_elt(c, tu, 3), "the reason", &e->reason,
                         WR_SCN_HTTP_ANY_REASON)
               ? -1
               : 0;
  case WR_HTTP_HEADER:
    return h_header(c, tu);
  default:
    return h_str(c, h_elt(c, tu, 1), "the line", &e->line,
                 WR_SCN_HTTP_ANY_LINE);
  }
}

static int http_term(scn_parser *p, wr_scn_expect *e) {
  const tok *t = scn_peek(p);
  if (t->kind == T_EOL)
    return wr_scnp_err(
        p, t,
        "missing http term; expected http_eoh or {http_request | "
        "http_response | http_header | http_error, ...}, found "
        "end of line");
  wr_scn_http *x = wr_scnp_alloc(p, sizeof *x);
  if (!x)
    return -1;
  memset(x, 0, sizeof *x);
  if (wr_scnp_is(t, "http_eoh")) {
    scn_next(p);
    x->kind = WR_HTTP_EOH;
  } else if (t->kind == T_ATOM && t->len == 1 && t->text[0] == '_') {
    scn_next(p);
    x->any = WR_SCN_HTTP_ANY_TERM;
  } else if (t->kind == T_LB) {
    htree h = {0};
    int root = h_elem(p, &h, 0);
    hconv c = {p, &h, x};
    int rc = root < 0 ? -1 : h_convert(&c, &h.v[root]);
    free(h.v);
    if (rc)
      return -1;
  } else {
    return wr_scnp_err(
        p, t,
        "bad http term; expected http_eoh or {http_request | "
        "http_response | http_header | http_error, ...}, found %s",
        SCN_FOUND(p, t));
  }
  if (scn_peek(p)->kind == T_RB)
    return wr_scnp_err(p, scn_peek(p), "unbalanced '}' in http term");
  e->http = x;
  return 0;
}

/* ---- variables -------------------------------------------------------------
 *
 * `$name`: bound by its first use in the file (a capture), compared by
 * every later one. File order, not run order, decides, so a variable's
 * role is known when the file is parsed and a use before any capture is
 * an error at its token.
 */

#define SCN_MAX_VARS 256

int wr_scnp_is_var(const tok *t) {
  return t->kind == T_ATOM && t->len >= 1 && t->text[0] == '$';
}

int wr_scnp_var(scn_parser *p, const tok *t, int may_bind, int *bind) {
  *bind = 0;
  int ok = t->len >= 2 &&
           ((t->text[1] >= 'a' && t->text[1] <= 'z') ||
            (t->text[1] >= 'A' && t->text[1] <= 'Z') || t->text[1] == '_');
  for (size_t k = 2; ok && k < t->len; k++) {
    char c = t->text[k];
    ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
         (c >= '0' && c <= '9') || c == '_';
  }
  if (!ok || t->len > 64)
    return wr_scnp_err(p, t,
                       "bad variable %s; expected $NAME with NAME "
                       "[A-Za-z_][A-Za-z0-9_]* (at most 63 characters)",
                       SCN_FOUND(p, t));
  wr_scenario *s = p->s;
  for (size_t k = 0; k < s->nvars; k++)
    if (strlen(s->vars[k]) == t->len - 1 &&
        memcmp(s->vars[k], t->text + 1, t->len - 1) == 0)
      return (int)k + 1;
  if (!may_bind)
    return wr_scnp_err(p, t,
                       "unbound variable %s: capture it first with "
                       "`recv -> $%.*s`, `message -> tcp $%.*s` or "
                       "`stream -> $%.*s`",
                       SCN_FOUND(p, t), (int)t->len - 1, t->text + 1,
                       (int)t->len - 1, t->text + 1, (int)t->len - 1,
                       t->text + 1);
  if (s->nvars == SCN_MAX_VARS)
    return wr_scnp_err(p, t, "too many variables (more than %d)", SCN_MAX_VARS);
  if (!s->vars) {
    s->vars = wr_scnp_alloc(p, SCN_MAX_VARS * sizeof *s->vars);
    if (!s->vars)
      return -1;
  }
  const char *name = wr_scnp_strdup(p, t->text + 1, t->len - 1);
  if (!name)
    return -1;
  ((const char **)s->vars)[s->nvars++] = name;
  *bind = 1;
  return (int)s->nvars;
}

/* ---- recv / message expectations ------------------------------------------
 */

/* `WORD N` after the keyword was taken: N into e->count, e->kind set. */
static int counted(scn_parser *p, wr_scn_expect *e, wr_scn_expect_kind kind,
                   const char *word, const char *what) {
  const tok *n = scn_peek(p);
  if (n->kind == T_EOL)
    return wr_scnp_err(p, n,
                       "missing %s after '%s'; expected a number, found end "
                       "of line",
                       what, word);
  if (wr_scnp_number(p, n, what, 0, UINT64_MAX, &e->count))
    return -1;
  scn_next(p);
  e->kind = kind;
  return 0;
}

static int count_or_data(scn_parser *p, wr_scn_expect *e, const char *what) {
  const tok *t = scn_peek(p);
  if (wr_scnp_is(t, "bytes")) {
    scn_next(p);
    return counted(p, e, WR_SCN_EXPECT_COUNT, "bytes", "byte count");
  }
  if (wr_scnp_is(t, "any")) {
    scn_next(p);
    e->kind = WR_SCN_EXPECT_ANY;
    return 0;
  }
  if (wr_scnp_is(t, "len")) {
    scn_next(p);
    return counted(p, e, WR_SCN_EXPECT_LEN, "len", "length");
  }
  if (wr_scnp_is(t, "prefix")) {
    scn_next(p);
    e->kind = WR_SCN_EXPECT_PREFIX;
    return wr_scnp_data(p, "prefix", &e->bytes);
  }
  if (wr_scnp_is_var(t)) {
    e->var = wr_scnp_var(p, t, 1, &e->bind);
    if (e->var < 0)
      return -1;
    scn_next(p);
    e->kind = WR_SCN_EXPECT_VAR;
    e->var_name = p->s->vars[e->var - 1];
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
                     "bad expectation for recv; expected DATA, bytes N, "
                     "prefix DATA, len N, $VAR, http TERM, error REASON or "
                     "any, found %s",
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
                       "bad tcp message; expected DATA, bytes N, prefix DATA, "
                       "len N, $VAR or any after 'tcp', found %s",
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

int wr_scnp_expect_stream(scn_parser *p, wr_scn_expect *e) {
  set_pos(p, e);
  const tok *t = scn_peek(p);
  if (wr_scnp_is(t, "any") || wr_scnp_is(t, "http") || wr_scnp_is(t, "error"))
    return wr_scnp_err(p, t,
                       "bad expectation for stream; expected DATA, bytes N, "
                       "prefix DATA, len N or $VAR, found %s",
                       SCN_FOUND(p, t));
  int rc = count_or_data(p, e, "stream");
  if (rc != -2)
    return rc;
  return wr_scnp_err(p, t,
                     "bad expectation for stream; expected DATA, bytes N, "
                     "prefix DATA, len N or $VAR, found %s",
                     SCN_FOUND(p, t));
}
