/* The scenario lexer: one statement (a line, with its `\` continuations) at
 * a time, into tokens that point at the source. Strings are unescaped into
 * a per-statement buffer. The token set is deliberately loose (T_ATOM covers
 * names, numbers, durations and policy items alike): what a word must be
 * depends on the statement, so the statement parsers check it and say what
 * they expected. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/hex.h"
#include "scn_int.h"

static int peekc(const scn_lexer *lx, size_t k) {
  return lx->pos + k < lx->len ? (unsigned char)lx->buf[lx->pos + k] : -1;
}

static void adv(scn_lexer *lx) {
  if (lx->buf[lx->pos] == '\n') {
    lx->line++;
    lx->col = 1;
  } else {
    lx->col++;
  }
  lx->pos++;
}

/* A `\` that ends the line (before "\n" or "\r\n"). */
static int at_continuation(const scn_lexer *lx) {
  return peekc(lx, 0) == '\\' &&
         (peekc(lx, 1) == '\n' ||
          (peekc(lx, 1) == '\r' && peekc(lx, 2) == '\n'));
}

/* Characters that end an atom. */
static int atom_stop(int c) {
  return c < 0 || c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '"' ||
         c == '\'' || c == '#' || c == '(' || c == ')' || c == ',' ||
         c == '{' || c == '}' || c == '*' || c == '=' || c == '<' || c == '>' ||
         c == '!' || c == '\\' || c == 0;
}

static int sput(scn_parser *p, scn_lexer *lx, uint8_t b) {
  if (lx->slen == lx->scap) {
    size_t cap = lx->scap ? lx->scap * 2 : 256;
    uint8_t *nb = realloc(lx->sbuf, cap);
    if (!nb) {
      p->oom = 1;
      return -1;
    }
    lx->sbuf = nb;
    lx->scap = cap;
  }
  lx->sbuf[lx->slen++] = b;
  return 0;
}

static tok *push(scn_parser *p, scn_lexer *lx, tok_kind k) {
  if (lx->ntok == lx->tcap) {
    size_t cap = lx->tcap ? lx->tcap * 2 : 32;
    tok *nt = realloc(lx->toks, cap * sizeof *nt);
    if (!nt) {
      p->oom = 1;
      return NULL;
    }
    lx->toks = nt;
    lx->tcap = cap;
  }
  tok *t = &lx->toks[lx->ntok++];
  memset(t, 0, sizeof *t);
  t->kind = k;
  t->line = lx->line;
  t->col = lx->col;
  t->text = lx->buf + lx->pos;
  return t;
}

/* Skips to the end of the statement after an error. */
static void skip_statement(scn_lexer *lx) {
  while (lx->pos < lx->len) {
    if (at_continuation(lx)) {
      adv(lx);
      continue;
    }
    int c = peekc(lx, 0);
    adv(lx);
    if (c == '\n')
      return;
  }
}

static const char *show_char(int c, char *buf, size_t cap) {
  if (c < 0)
    snprintf(buf, cap, "end of line");
  else if (c >= 0x21 && c < 0x7f)
    snprintf(buf, cap, "'%c'", c);
  else if (c == ' ')
    snprintf(buf, cap, "a space");
  else
    snprintf(buf, cap, "byte 0x%02x", (unsigned)c);
  return buf;
}

/* "..." at lx->pos; decoded bytes appended to sbuf. */
static int lex_string(scn_parser *p, scn_lexer *lx, tok *t) {
  uint32_t line = lx->line, col = lx->col;
  t->soff = lx->slen;
  adv(lx); /* opening quote */
  for (;;) {
    int c = peekc(lx, 0);
    if (c < 0 || c == '\n' || (c == '\r' && peekc(lx, 1) == '\n'))
      return wr_scnp_err_at(p, line, col,
                            "unterminated string; expected '\"' before end of "
                            "line");
    if (c == '"') {
      adv(lx);
      break;
    }
    if (c != '\\') {
      if (sput(p, lx, (uint8_t)c))
        return -1;
      adv(lx);
      continue;
    }
    uint32_t ecol = lx->col;
    int e = peekc(lx, 1);
    int b;
    switch (e) {
    case '\\':
      b = '\\';
      break;
    case '"':
      b = '"';
      break;
    case 'n':
      b = '\n';
      break;
    case 'r':
      b = '\r';
      break;
    case 't':
      b = '\t';
      break;
    case '0':
      b = 0;
      break;
    case 'x': {
      int h1 = wr_hexval(peekc(lx, 2)),
          h2 = h1 < 0 ? -1 : wr_hexval(peekc(lx, 3));
      if (h1 < 0 || h2 < 0) {
        char shown[8];
        size_t n = 0;
        shown[n++] = '\\';
        shown[n++] = 'x';
        for (size_t k = 2; k < 4 && wr_hexval(peekc(lx, k)) >= 0; k++)
          shown[n++] = (char)peekc(lx, k);
        shown[n] = 0;
        return wr_scnp_err_at(p, lx->line, ecol,
                              "bad escape '%s' in string; expected \\xHH with "
                              "exactly two hex digits",
                              shown);
      }
      b = h1 * 16 + h2;
      adv(lx);
      adv(lx);
      break;
    }
    default: {
      char shown[16];
      if (e >= 0x21 && e < 0x7f)
        snprintf(shown, sizeof shown, "\\%c", e);
      else if (e < 0 || e == '\n' || e == '\r')
        snprintf(shown, sizeof shown, "\\");
      else
        snprintf(shown, sizeof shown, "\\<0x%02x>", (unsigned)e);
      return wr_scnp_err_at(p, lx->line, ecol,
                            "bad escape '%s' in string; expected \\\\ \\\" \\n "
                            "\\r \\t \\0 or \\xHH",
                            shown);
    }
    }
    adv(lx);
    adv(lx);
    if (sput(p, lx, (uint8_t)b))
      return -1;
  }
  t->slen = lx->slen - t->soff;
  return 0;
}

/* x"00 05 68": pairs of hex digits, spaces and tabs between pairs. */
static int lex_hex(scn_parser *p, scn_lexer *lx, tok *t) {
  uint32_t line = lx->line, col = lx->col;
  t->soff = lx->slen;
  adv(lx); /* x */
  adv(lx); /* " */
  for (;;) {
    int c = peekc(lx, 0);
    if (c < 0 || c == '\n')
      return wr_scnp_err_at(
          p, line, col,
          "unterminated hex string; expected '\"' before end of "
          "line");
    if (c == '"') {
      adv(lx);
      break;
    }
    if (c == ' ' || c == '\t') {
      adv(lx);
      continue;
    }
    int h1 = wr_hexval(c), h2 = wr_hexval(peekc(lx, 1));
    if (h1 >= 0 && (peekc(lx, 1) < 0 || peekc(lx, 1) == '\n'))
      return wr_scnp_err_at(
          p, line, col,
          "unterminated hex string; expected '\"' before end of "
          "line");
    if (h1 < 0 || h2 < 0) {
      char buf[32];
      if (h1 >= 0) { /* a lone digit: show what follows it */
        uint32_t c2 = lx->col + 1;
        return wr_scnp_err_at(p, lx->line, c2,
                              "bad hex string; expected a second hex digit, "
                              "found %s",
                              show_char(peekc(lx, 1), buf, sizeof buf));
      }
      return wr_scnp_err_at(
          p, lx->line, lx->col,
          "bad hex string; expected pairs of hex digits, found "
          "%s",
          show_char(c, buf, sizeof buf));
    }
    if (sput(p, lx, (uint8_t)(h1 * 16 + h2)))
      return -1;
    adv(lx);
    adv(lx);
  }
  t->slen = lx->slen - t->soff;
  t->len = (size_t)(lx->buf + lx->pos - t->text);
  return 0;
}

static int lex_qatom(scn_parser *p, scn_lexer *lx, tok *t) {
  uint32_t line = lx->line, col = lx->col;
  adv(lx);
  for (;;) {
    int c = peekc(lx, 0);
    if (c < 0 || c == '\n' || c == '\r')
      return wr_scnp_err_at(
          p, line, col,
          "unterminated quoted atom; expected \"'\" before end "
          "of line");
    adv(lx);
    if (c == '\'')
      break;
    if (c == '\\')
      return wr_scnp_err_at(p, lx->line, lx->col - 1,
                            "'\\' in a quoted atom is not supported");
    /* atoms in http terms are names gen_tcp prints ('GET', 'Host', '*'):
     * printable ASCII only */
    if (c < 0x20 || c >= 0x7f)
      return wr_scnp_err_at(
          p, lx->line, lx->col - 1,
          "bad byte 0x%02x in a quoted atom; expected printable "
          "ASCII",
          (unsigned)c);
  }
  t->len = (size_t)(lx->buf + lx->pos - t->text);
  return 0;
}

/* The value after `name=`. */
static int lex_opt_value(scn_parser *p, scn_lexer *lx, tok *t) {
  t->vcol = lx->col;
  t->vtext = lx->buf + lx->pos;
  if (peekc(lx, 0) == '"') {
    t->vstring = 1;
    if (lex_string(p, lx, t))
      return -1;
  } else {
    for (;;) {
      int c = peekc(lx, 0);
      if (c < 0 || c == ' ' || c == '\t' || c == '\n' || c == '\r' ||
          c == '#' || c == 0 || at_continuation(lx))
        break;
      adv(lx);
    }
    if (lx->buf + lx->pos == t->vtext)
      return wr_scnp_err_at(p, lx->line, lx->col,
                            "missing value after '%.*s='; options are written "
                            "NAME=VALUE without spaces",
                            (int)t->len, t->text);
  }
  t->vlen = (size_t)(lx->buf + lx->pos - t->vtext);
  return 0;
}

static int lex_one(scn_parser *p, scn_lexer *lx, tok **out) {
  int c = peekc(lx, 0), c1 = peekc(lx, 1);
  tok *t;
  *out = NULL;
  if (c == '"') {
    if (!(t = push(p, lx, T_STRING)))
      return -1;
    *out = t;
    if (lex_string(p, lx, t))
      return -1;
    t->len = (size_t)(lx->buf + lx->pos - t->text);
    return 0;
  }
  if (c == 'x' && c1 == '"') {
    if (!(t = push(p, lx, T_HEX)))
      return -1;
    *out = t;
    return lex_hex(p, lx, t);
  }
  if (c == '\'') {
    if (!(t = push(p, lx, T_QATOM)))
      return -1;
    *out = t;
    return lex_qatom(p, lx, t);
  }
  static const struct {
    const char *s;
    tok_kind k;
    wr_scn_cmp cmp;
  } punct[] = {
      {"<->", T_BIARROW, 0},    {"->", T_ARROW, 0},
      {"==", T_CMP, WR_SCN_EQ}, {"!=", T_CMP, WR_SCN_NE},
      {"<=", T_CMP, WR_SCN_LE}, {">=", T_CMP, WR_SCN_GE},
      {"<", T_CMP, WR_SCN_LT},  {">", T_CMP, WR_SCN_GT},
      {"(", T_LP, 0},           {")", T_RP, 0},
      {",", T_COMMA, 0},        {"{", T_LB, 0},
      {"}", T_RB, 0},           {"*", T_STAR, 0},
  };
  for (size_t k = 0; k < sizeof punct / sizeof punct[0]; k++) {
    size_t n = strlen(punct[k].s);
    if (lx->len - lx->pos >= n &&
        memcmp(lx->buf + lx->pos, punct[k].s, n) == 0) {
      if (!(t = push(p, lx, punct[k].k)))
        return -1;
      t->cmp = punct[k].cmp;
      t->len = n;
      for (size_t j = 0; j < n; j++)
        adv(lx);
      return 0;
    }
  }
  if (!atom_stop(c)) {
    if (!(t = push(p, lx, T_ATOM)))
      return -1;
    *out = t;
    while (!atom_stop(peekc(lx, 0)) &&
           !(peekc(lx, 0) == '-' && peekc(lx, 1) == '>'))
      adv(lx);
    t->len = (size_t)(lx->buf + lx->pos - t->text);
    if (peekc(lx, 0) == '=' && peekc(lx, 1) != '=') {
      t->kind = T_OPT;
      adv(lx);
      return lex_opt_value(p, lx, t);
    }
    return 0;
  }
  char buf[32];
  if (c == '=')
    return wr_scnp_err_at(p, lx->line, lx->col,
                          "unexpected '='; options are written NAME=VALUE "
                          "without spaces, comparisons as ==");
  if (c == '\\')
    return wr_scnp_err_at(
        p, lx->line, lx->col,
        "unexpected '\\'; a '\\' continues a line only as its "
        "last character (escapes belong in strings)");
  return wr_scnp_err_at(p, lx->line, lx->col, "unexpected %s",
                        show_char(c, buf, sizeof buf));
}

int wr_scnp_lex_statement(scn_parser *p, scn_lexer *lx) {
  lx->ntok = 0;
  lx->slen = 0;
  for (;;) {
    int c = peekc(lx, 0);
    if (c < 0 || c == '\n') {
      /* The end-of-line token sits where the line ends, so "found end of
       * line" points just past the last token. */
      tok *t = lx->ntok > 0 ? push(p, lx, T_EOL) : NULL;
      if (lx->ntok > 0 && !t)
        return -2;
      if (c == '\n')
        adv(lx);
      if (t)
        return 1;
      if (c < 0)
        return 0;
      continue;
    }
    if (c == ' ' || c == '\t' || (c == '\r' && peekc(lx, 1) == '\n')) {
      adv(lx);
      continue;
    }
    if (at_continuation(lx)) {
      while (peekc(lx, 0) != '\n')
        adv(lx);
      adv(lx);
      continue;
    }
    if (c == '#') {
      while (lx->pos < lx->len && peekc(lx, 0) != '\n')
        adv(lx);
      continue;
    }
    tok *t;
    if (lex_one(p, lx, &t)) {
      if (p->oom)
        return -2;
      skip_statement(lx);
      lx->ntok = 0;
      return -1;
    }
  }
}

void wr_scnp_lex_free(scn_lexer *lx) {
  free(lx->sbuf);
  free(lx->toks);
  lx->sbuf = NULL;
  lx->toks = NULL;
}
