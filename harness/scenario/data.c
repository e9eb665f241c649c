/* Data terms: "text", x"00 05", file("p"), frame(TYPE, DATA...),
 * pattern(N) and TERM * N, evaluated to bytes at parse time. Every size is
 * checked against the cap before anything is allocated, so `"a" * 10^18`
 * is an error, not an allocation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scn_int.h"

#define FRAME_DEPTH_MAX 8

typedef struct dbuf {
  uint8_t *p;
  size_t n, cap;
} dbuf;

static int dbuf_reserve(scn_parser *p, dbuf *b, size_t add) {
  if (b->cap - b->n >= add)
    return 0;
  size_t cap = b->cap ? b->cap : 64;
  while (cap - b->n < add)
    cap = cap > SIZE_MAX / 2 ? b->n + add : cap * 2;
  uint8_t *np = realloc(b->p, cap);
  if (!np) {
    p->oom = 1;
    return -1;
  }
  b->p = np;
  b->cap = cap;
  return 0;
}

static int dbuf_put(scn_parser *p, dbuf *b, const void *d, size_t n) {
  if (n == 0)
    return 0;
  if (dbuf_reserve(p, b, n))
    return -1;
  memcpy(b->p + b->n, d, n);
  b->n += n;
  return 0;
}

/* The most bytes the expression being built may come to: the smaller of
 * the per-expression limit and what is left of the file's. */
static size_t cap(const scn_parser *p) {
  uint64_t left = p->cfg.max_file_data > p->data_total
                      ? p->cfg.max_file_data - p->data_total
                      : 0;
  return left < p->cfg.max_data ? (size_t)left : p->cfg.max_data;
}

/* Which limit n bytes pass, said with its value. */
static int too_big(scn_parser *p, const tok *t, unsigned long long n) {
  if (cap(p) < p->cfg.max_data)
    return wr_scnp_err(p, t,
                       "data too large: this expression would come to %llu "
                       "bytes, and the file's data (%llu bytes before it) to "
                       "over the limit of %llu bytes for one file",
                       n, (unsigned long long)p->data_total,
                       (unsigned long long)p->cfg.max_file_data);
  return wr_scnp_err(p, t, "data too large: %llu bytes; the limit is %zu bytes",
                     n, p->cfg.max_data);
}

static int expect_tok(scn_parser *p, tok_kind k, const char *what) {
  const tok *t = scn_peek(p);
  if (t->kind != k)
    return wr_scnp_err(p, t, "expected %s, found %s", what, SCN_FOUND(p, t));
  scn_next(p);
  return 0;
}

static int data_seq(scn_parser *p, const char *what, int depth, dbuf *out);

static int term_file(scn_parser *p, const tok *name, dbuf *out) {
  if (expect_tok(p, T_LP, "'(' after file"))
    return -1;
  const tok *t = scn_peek(p);
  if (t->kind != T_STRING)
    return wr_scnp_err(p, t,
                       "missing path for file(); expected a string, found %s",
                       SCN_FOUND(p, t));
  scn_next(p);
  if (expect_tok(p, T_RP, "')' after the path of file()"))
    return -1;
  if (p->cfg.no_files)
    return wr_scnp_err(p, name, "file() is disabled here");
  const uint8_t *path = scn_sbytes(p, t);
  if (memchr(path, 0, t->slen))
    return wr_scnp_err(p, t, "bad path for file(): it contains a NUL byte");
  size_t dl = strlen(wr_scnp_dir(p));
  char *full = malloc(dl + t->slen + 2);
  if (!full) {
    p->oom = 1;
    return -1;
  }
  if (t->slen > 0 && path[0] == '/') {
    memcpy(full, path, t->slen);
    full[t->slen] = 0;
  } else {
    memcpy(full, wr_scnp_dir(p), dl);
    full[dl] = '/';
    memcpy(full + dl + 1, path, t->slen);
    full[dl + 1 + t->slen] = 0;
  }
  char *data = NULL, err[200];
  size_t len = 0;
  size_t room = cap(p) - out->n;
  int rc = wr_scnp_read_file(full, room, &data, &len, err, sizeof err);
  if (rc != 0) {
    char q[120];
    snprintf(q, sizeof q, "%s", full);
    free(full);
    return wr_scnp_err(p, t, "cannot read file(\"%.*s\") (%s): %s",
                       (int)(t->slen < 80 ? t->slen : 80), (const char *)path,
                       q, err);
  }
  free(full);
  rc = dbuf_put(p, out, data, len);
  free(data);
  return rc;
}

static int term_frame(scn_parser *p, const tok *name, int depth, dbuf *out) {
  if (depth >= FRAME_DEPTH_MAX)
    return wr_scnp_err(p, name,
                       "frame() nested too deeply (more than %d levels)",
                       FRAME_DEPTH_MAX);
  if (expect_tok(p, T_LP, "'(' after frame"))
    return -1;
  const tok *tt = scn_peek(p);
  wr_packet_type type;
  char tn[24];
  if (tt->kind != T_ATOM || tt->len >= sizeof tn)
    return wr_scnp_err(p, tt,
                       "missing packet type for frame(); expected one of %s, "
                       "found %s",
                       wr_packet_type_names(), SCN_FOUND(p, tt));
  memcpy(tn, tt->text, tt->len);
  tn[tt->len] = 0;
  if (wr_packet_type_parse(tn, &type) != 0)
    return wr_scnp_err(
        p, tt, "bad packet type for frame(); expected one of %s, found %s",
        wr_packet_type_names(), SCN_FOUND(p, tt));
  scn_next(p);
  if (expect_tok(p, T_COMMA, "',' after the packet type of frame()"))
    return -1;
  dbuf in = {0};
  if (data_seq(p, "frame()", depth + 1, &in)) {
    free(in.p);
    return -1;
  }
  if (expect_tok(p, T_RP, "')' closing frame()")) {
    free(in.p);
    return -1;
  }
  long long need = wr_frame_build(type, '\n', in.p, in.n, NULL, 0);
  if (need < 0) {
    free(in.p);
    return wr_scnp_err(p, name,
                       "frame(%s, ...): %zu bytes cannot be framed as %s (too "
                       "long for its header%s)",
                       tn, in.n, tn,
                       type == WR_PACKET_LINE ? ", or it contains the delimiter"
                                              : "");
  }
  if ((unsigned long long)need > cap(p) - out->n) {
    free(in.p);
    return too_big(p, name, (unsigned long long)need + out->n);
  }
  if (dbuf_reserve(p, out, (size_t)need)) {
    free(in.p);
    return -1;
  }
  if (need > 0) /* frame(raw, "") is no bytes, and maybe no buffer yet */
    wr_frame_build(type, '\n', in.p, in.n, out->p + out->n, (size_t)need);
  out->n += (size_t)need;
  free(in.p);
  return 0;
}

static int term_pattern(scn_parser *p, const tok *name, dbuf *out) {
  if (expect_tok(p, T_LP, "'(' after pattern"))
    return -1;
  const tok *t = scn_peek(p);
  uint64_t n;
  if (t->kind == T_RP || t->kind == T_EOL)
    return wr_scnp_err(p, t,
                       "missing length for pattern(); expected a number, "
                       "found %s",
                       SCN_FOUND(p, t));
  if (wr_scnp_number(p, t, "pattern() length", 0, p->cfg.max_data, &n))
    return -1;
  scn_next(p);
  if (expect_tok(p, T_RP, "')' closing pattern()"))
    return -1;
  if (n > cap(p) - out->n)
    return too_big(p, name, (unsigned long long)(n + out->n));
  if (dbuf_reserve(p, out, (size_t)n))
    return -1;
  for (uint64_t k = 0; k < n; k++)
    out->p[out->n++] = (uint8_t)k;
  return 0;
}

/* One term, with its `* N`, appended to out. */
static int term(scn_parser *p, const char *what, int depth, dbuf *out) {
  const tok *t = scn_peek(p);
  size_t start = out->n;
  switch (t->kind) {
  case T_STRING:
  case T_HEX:
    scn_next(p);
    if (t->slen > cap(p) - out->n)
      return too_big(p, t, (unsigned long long)t->slen + out->n);
    if (dbuf_put(p, out, scn_sbytes(p, t), t->slen))
      return -1;
    break;
  case T_ATOM:
    if (wr_scnp_is(t, "file") || wr_scnp_is(t, "frame") ||
        wr_scnp_is(t, "pattern")) {
      scn_next(p);
      int rc = wr_scnp_is(t, "file")    ? term_file(p, t, out)
               : wr_scnp_is(t, "frame") ? term_frame(p, t, depth, out)
                                        : term_pattern(p, t, out);
      if (rc)
        return -1;
      break;
    }
    /* fall through */
  default:
    return wr_scnp_err(p, t,
                       "bad data for %s; expected a string, x\"HEX\", file(), "
                       "frame() or pattern(), found %s",
                       what, SCN_FOUND(p, t));
  }
  if (scn_peek(p)->kind != T_STAR)
    return 0;
  const tok *star = scn_next(p);
  const tok *nt = scn_peek(p);
  uint64_t n;
  if (nt->kind != T_ATOM)
    return wr_scnp_err(p, nt,
                       "missing repeat count after '*'; expected a number, "
                       "found %s",
                       SCN_FOUND(p, nt));
  if (wr_scnp_number(p, nt, "repeat count", 0, UINT64_MAX, &n))
    return -1;
  scn_next(p);
  size_t unit = out->n - start;
  if (n == 0) {
    out->n = start;
    return 0;
  }
  if (unit == 0) /* "" * 10^18 is empty, at once: no loop over N */
    return 0;
  if (n - 1 > (cap(p) - out->n) / unit) {
    if (cap(p) < p->cfg.max_data)
      return wr_scnp_err(
          p, star,
          "data too large: %zu bytes * %llu would take the file's data "
          "(%llu bytes before this expression) over the limit of %llu "
          "bytes for one file",
          unit, (unsigned long long)n, (unsigned long long)p->data_total,
          (unsigned long long)p->cfg.max_file_data);
    return wr_scnp_err(p, star,
                       "data too large: %zu bytes * %llu is over the limit of "
                       "%zu bytes",
                       unit, (unsigned long long)n, p->cfg.max_data);
  }
  if (dbuf_reserve(p, out, unit * (size_t)(n - 1)))
    return -1;
  /* Doubling: "x" * 2^28 is 28 copies, not 2^28. */
  uint64_t have = 1;
  while (have < n) {
    uint64_t more = have < n - have ? have : n - have;
    memcpy(out->p + out->n, out->p + start, (size_t)more * unit);
    out->n += (size_t)more * unit;
    have += more;
  }
  return 0;
}

/* Terms up to the end of the statement, `->`, `)` or `,`; in_term: also
 * `}` and `>`, which end a string inside an http term. */
static int data_seq_in(scn_parser *p, const char *what, int depth, int in_term,
                       dbuf *out) {
  int terms = 0;
  for (;;) {
    tok_kind k = scn_peek(p)->kind;
    if (k == T_EOL || k == T_ARROW || k == T_RP || k == T_COMMA)
      break;
    if (in_term && (k == T_RB || k == T_CMP))
      break;
    if (wr_scnp_is_var(scn_peek(p)))
      return wr_scnp_err(p, scn_peek(p),
                         "a variable stands alone: `send $x` sends its "
                         "bytes, `-> $x` captures or compares; it cannot be "
                         "joined with other data in %s",
                         what);
    if (term(p, what, depth, out))
      return -1;
    terms++;
  }
  if (terms == 0) {
    const tok *t = scn_peek(p);
    return wr_scnp_err(p, t,
                       "missing data for %s; expected a string, x\"HEX\", "
                       "file(), frame() or pattern(), found %s",
                       what, SCN_FOUND(p, t));
  }
  return 0;
}

static int data_seq(scn_parser *p, const char *what, int depth, dbuf *out) {
  return data_seq_in(p, what, depth, 0, out);
}

static int data(scn_parser *p, const char *what, int in_term,
                wr_scn_bytes *out) {
  dbuf b = {0};
  if (data_seq_in(p, what, 0, in_term, &b)) {
    free(b.p);
    return -1;
  }
  /* Every term was checked against cap(), which leaves room for the
   * file's earlier data: the total stays within max_file_data. */
  p->data_total += b.n;
  out->len = b.n;
  out->ptr = NULL;
  if (b.n) {
    out->ptr = wr_scnp_alloc(p, b.n);
    if (!out->ptr) {
      free(b.p);
      return -1;
    }
    memcpy(out->ptr, b.p, b.n);
  }
  free(b.p);
  return 0;
}

int wr_scnp_data(scn_parser *p, const char *what, wr_scn_bytes *out) {
  return data(p, what, 0, out);
}

int wr_scnp_data_in_term(scn_parser *p, const char *what, wr_scn_bytes *out) {
  return data(p, what, 1, out);
}

int wr_scnp_starts_data(const scn_parser *p, const tok *t) {
  (void)p;
  if (t->kind == T_STRING || t->kind == T_HEX)
    return 1;
  /* file, frame and pattern are names too: followed by '(' they are data
   * (t is not T_EOL here, so a token follows it). */
  return (wr_scnp_is(t, "file") || wr_scnp_is(t, "frame") ||
          wr_scnp_is(t, "pattern")) &&
         t[1].kind == T_LP;
}
