/* Strict JSON reader and writer; see json.h for the contract.
 *
 * The reader is a recursive-descent parser whose recursion is bounded by
 * the depth limit. Values live in an arena owned by the document. While a
 * container is open its children wait on a shared stack (items/members) and
 * are copied into the arena, exactly sized, when it closes -- so the tree
 * has plain arrays and the parser never needs to know counts in advance.
 */
#include "json.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- Arena ------------------------------------------------------------- */

typedef struct arena_block {
  struct arena_block *next;
  size_t size, used;
  max_align_t data[]; /* max_align_t elements keep every allocation aligned */
} arena_block;

#define ARENA_MIN_BLOCK ((size_t)16 << 10)
#define ALIGN_UP(n)                                                            \
  (((n) + sizeof(max_align_t) - 1) & ~(sizeof(max_align_t) - 1))

struct wr_json_doc {
  arena_block *blocks; /* newest first */
  /* Children of the containers being parsed (see the comment on top). */
  const wr_json **items;
  size_t items_len, items_cap;
  wr_json_member *members;
  size_t members_len, members_cap;
  /* A string being decoded. */
  char *scratch;
  size_t scratch_cap;
};

static void *arena_alloc(wr_json_doc *doc, size_t n) {
  n = ALIGN_UP(n ? n : 1);
  arena_block *b = doc->blocks;
  if (!b || b->size - b->used < n) {
    size_t size = n > ARENA_MIN_BLOCK ? n : ARENA_MIN_BLOCK;
    /* Grow geometrically so a big document needs few blocks. */
    if (b && size < b->size * 2)
      size = b->size * 2;
    arena_block *nb = malloc(sizeof *nb + size);
    if (!nb)
      return NULL;
    nb->size = size;
    nb->used = 0;
    nb->next = b;
    doc->blocks = nb;
    b = nb;
  }
  void *p = (char *)b->data + b->used;
  b->used += n;
  return p;
}

/* Keeps only the newest (largest) block, emptied, for the next parse. */
static void arena_reset(wr_json_doc *doc) {
  arena_block *b = doc->blocks;
  if (!b)
    return;
  arena_block *old = b->next;
  while (old) {
    arena_block *next = old->next;
    free(old);
    old = next;
  }
  b->next = NULL;
  b->used = 0;
}

wr_json_doc *wr_json_doc_new(void) { return calloc(1, sizeof(wr_json_doc)); }

void wr_json_doc_free(wr_json_doc *doc) {
  if (!doc)
    return;
  arena_block *b = doc->blocks;
  while (b) {
    arena_block *next = b->next;
    free(b);
    b = next;
  }
  free(doc->items);
  free(doc->members);
  free(doc->scratch);
  free(doc);
}

/* Grows *buf (elements of size elem) to hold at least need elements. */
static int grow(void *bufp, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap)
    return 0;
  size_t ncap = *cap ? *cap : 16;
  while (ncap < need)
    ncap *= 2;
  void *nb = realloc(*(void **)bufp, ncap * elem);
  if (!nb)
    return -1;
  *(void **)bufp = nb;
  *cap = ncap;
  return 0;
}

/* ---- Parser ------------------------------------------------------------ */

typedef struct parser {
  wr_json_doc *doc;
  const unsigned char *s;
  size_t len, i;
  size_t depth, max_depth;
  /* Line bookkeeping. Newlines can only occur in whitespace (a raw newline
   * in a string is an error), so skip_ws tracks lines. Columns are counted
   * lazily from col_off, which only moves forward: positions are asked for
   * in increasing order, so the total cost stays linear. */
  size_t line, line_start, col_off, col;
  wr_json_error *err;
  int failed;
} parser;

static wr_json_pos pos_at(parser *ps, size_t off) {
  if (off < ps->col_off) { /* not expected, but stay correct */
    ps->col_off = ps->line_start;
    ps->col = 1;
  }
  for (; ps->col_off < off; ps->col_off++)
    if ((ps->s[ps->col_off] & 0xC0) != 0x80)
      ps->col++;
  wr_json_pos p = {off, ps->line, ps->col};
  return p;
}

static void fail_at_pos(parser *ps, wr_json_pos pos, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void fail_at_pos(parser *ps, wr_json_pos pos, const char *fmt, ...) {
  if (ps->failed)
    return;
  ps->failed = 1;
  wr_json_error *e = ps->err;
  e->pos = pos;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(e->what, sizeof e->what, fmt, ap);
  va_end(ap);
  snprintf(e->text, sizeof e->text, "line %zu, column %zu: %s", pos.line,
           pos.column, e->what);
}

#define fail_at(ps, off, ...)                                                  \
  fail_at_pos((ps), pos_at((ps), (off)), __VA_ARGS__)

/* How the byte at offset off reads in a message: 'x', end of input, or a
 * byte value for anything unprintable. */
static const char *describe(parser *ps, size_t off, char buf[16]) {
  if (off >= ps->len)
    return "end of input";
  unsigned c = ps->s[off];
  if (c >= 0x20 && c < 0x7F)
    snprintf(buf, 16, "'%c'", (char)c);
  else if (c == '\n')
    snprintf(buf, 16, "a newline");
  else
    snprintf(buf, 16, "byte 0x%02x", c);
  return buf;
}

static void skip_ws(parser *ps) {
  while (ps->i < ps->len) {
    unsigned char c = ps->s[ps->i];
    if (c == '\n') {
      ps->i++;
      ps->line++;
      ps->line_start = ps->col_off = ps->i;
      ps->col = 1;
    } else if (c == ' ' || c == '\t' || c == '\r') {
      ps->i++;
    } else {
      break;
    }
  }
}

static wr_json *new_value(parser *ps, wr_json_type type, size_t start) {
  wr_json *v = arena_alloc(ps->doc, sizeof *v);
  if (!v) {
    fail_at(ps, start, "out of memory");
    return NULL;
  }
  memset(v, 0, sizeof *v);
  v->type = type;
  v->pos = pos_at(ps, start);
  return v;
}

static char *arena_strdup(parser *ps, const char *p, size_t n, size_t at) {
  char *d = arena_alloc(ps->doc, n + 1);
  if (!d) {
    fail_at(ps, at, "out of memory");
    return NULL;
  }
  if (n)
    memcpy(d, p, n);
  d[n] = '\0';
  return d;
}

static int hexval(unsigned char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

/* Four hex digits at off, or -1. */
static long hex4(parser *ps, size_t off) {
  if (ps->len - off < 4)
    return -1;
  long v = 0;
  for (int k = 0; k < 4; k++) {
    int h = hexval(ps->s[off + k]);
    if (h < 0)
      return -1;
    v = v * 16 + h;
  }
  return v;
}

/* Length of the valid UTF-8 sequence at off (2..4), or 0. Rejects overlong
 * forms, encoded surrogates and code points above U+10FFFF. */
static size_t utf8_seq(const unsigned char *s, size_t n) {
  unsigned c = s[0];
  size_t need;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF)
    need = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    if (c == 0xE0)
      lo = 0xA0;
    else if (c == 0xED)
      hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    if (c == 0xF0)
      lo = 0x90;
    else if (c == 0xF4)
      hi = 0x8F;
  } else
    return 0;
  if (n < need || s[1] < lo || s[1] > hi)
    return 0;
  for (size_t k = 2; k < need; k++)
    if ((s[k] & 0xC0) != 0x80)
      return 0;
  return need;
}

static size_t utf8_put(char *d, unsigned long cp) {
  if (cp < 0x80) {
    d[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    d[0] = (char)(0xC0 | (cp >> 6));
    d[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    d[0] = (char)(0xE0 | (cp >> 12));
    d[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    d[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  d[0] = (char)(0xF0 | (cp >> 18));
  d[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  d[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  d[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}

/* Decodes the string starting at the opening quote ps->i into the arena.
 * On success out and out_len are set and ps->i is past the closing quote. */
static int parse_string(parser *ps, const char **out, size_t *out_len) {
  wr_json_doc *doc = ps->doc;
  size_t start = ps->i;
  size_t n = 0;
  ps->i++; /* opening quote */
  for (;;) {
    /* Fast path: a run of plain ASCII. */
    size_t run = ps->i;
    while (run < ps->len) {
      unsigned char c = ps->s[run];
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80)
        break;
      run++;
    }
    /* Room for the run and for what the special byte after it can add (an
     * escape or a UTF-8 sequence decodes to at most 4 bytes). */
    if (grow(&doc->scratch, &doc->scratch_cap, n + (run - ps->i) + 4, 1)) {
      fail_at(ps, start, "out of memory");
      return -1;
    }
    memcpy(doc->scratch + n, ps->s + ps->i, run - ps->i);
    n += run - ps->i;
    ps->i = run;
    if (ps->i >= ps->len) {
      fail_at(ps, ps->i, "unterminated string (it starts at offset %zu)",
              start);
      return -1;
    }
    unsigned char c = ps->s[ps->i];
    if (c == '"') {
      ps->i++;
      break;
    }
    if (c < 0x20) {
      fail_at(ps, ps->i,
              "control character 0x%02x in a string must be escaped "
              "(\\n, \\t, \\u00XX ...)",
              c);
      return -1;
    }
    if (c >= 0x80) {
      size_t k = utf8_seq(ps->s + ps->i, ps->len - ps->i);
      if (!k) {
        fail_at(ps, ps->i, "invalid UTF-8 byte 0x%02x in a string", c);
        return -1;
      }
      memcpy(doc->scratch + n, ps->s + ps->i, k);
      n += k;
      ps->i += k;
      continue;
    }
    /* A backslash escape. */
    size_t esc = ps->i;
    if (ps->i + 1 >= ps->len) {
      fail_at(ps, ps->i + 1, "unterminated string (it starts at offset %zu)",
              start);
      return -1;
    }
    unsigned char e = ps->s[ps->i + 1];
    ps->i += 2;
    char simple = 0;
    switch (e) {
    case '"':
      simple = '"';
      break;
    case '\\':
      simple = '\\';
      break;
    case '/':
      simple = '/';
      break;
    case 'b':
      simple = '\b';
      break;
    case 'f':
      simple = '\f';
      break;
    case 'n':
      simple = '\n';
      break;
    case 'r':
      simple = '\r';
      break;
    case 't':
      simple = '\t';
      break;
    case 'u':
      break;
    default: {
      char buf[16];
      fail_at(ps, esc,
              "invalid escape: expected one of \\\" \\\\ \\/ \\b \\f \\n \\r "
              "\\t \\uXXXX but found \\ followed by %s",
              describe(ps, esc + 1, buf));
      return -1;
    }
    }
    if (e != 'u') {
      doc->scratch[n++] = simple;
      continue;
    }
    long cp = hex4(ps, ps->i);
    if (cp < 0) {
      fail_at(ps, esc, "expected 4 hex digits after \\u");
      return -1;
    }
    ps->i += 4;
    if (cp >= 0xDC00 && cp <= 0xDFFF) {
      fail_at(ps, esc,
              "lone low surrogate \\u%04lX (it must follow a high surrogate "
              "\\uD800..\\uDBFF)",
              cp);
      return -1;
    }
    if (cp >= 0xD800 && cp <= 0xDBFF) {
      long lo = -1;
      if (ps->len - ps->i >= 6 && ps->s[ps->i] == '\\' &&
          ps->s[ps->i + 1] == 'u')
        lo = hex4(ps, ps->i + 2);
      if (lo < 0xDC00 || lo > 0xDFFF) {
        fail_at(ps, esc,
                "lone high surrogate \\u%04lX (expected a low surrogate "
                "\\uDC00..\\uDFFF right after it)",
                cp);
        return -1;
      }
      ps->i += 6;
      cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
    }
    n += utf8_put(doc->scratch + n, (unsigned long)cp);
  }
  char *d = arena_strdup(ps, doc->scratch, n, start);
  if (!d)
    return -1;
  *out = d;
  *out_len = n;
  return 0;
}

static int is_digit(unsigned char c) { return c >= '0' && c <= '9'; }

static const wr_json *parse_number(parser *ps) {
  size_t start = ps->i;
  const unsigned char *s = ps->s;
  char buf[16];
  int neg = 0;
  if (s[ps->i] == '-') {
    neg = 1;
    ps->i++;
  }
  if (ps->i >= ps->len || !is_digit(s[ps->i])) {
    fail_at(ps, ps->i, "expected a digit after '-' but found %s",
            describe(ps, ps->i, buf));
    return NULL;
  }
  size_t int_start = ps->i;
  if (s[ps->i] == '0' && ps->i + 1 < ps->len && is_digit(s[ps->i + 1])) {
    fail_at(ps, start, "leading zeros are not allowed in numbers");
    return NULL;
  }
  while (ps->i < ps->len && is_digit(s[ps->i]))
    ps->i++;
  size_t int_end = ps->i;
  int integral = 1;
  if (ps->i < ps->len && s[ps->i] == '.') {
    integral = 0;
    ps->i++;
    if (ps->i >= ps->len || !is_digit(s[ps->i])) {
      fail_at(ps, ps->i, "expected a digit after '.' but found %s",
              describe(ps, ps->i, buf));
      return NULL;
    }
    while (ps->i < ps->len && is_digit(s[ps->i]))
      ps->i++;
  }
  if (ps->i < ps->len && (s[ps->i] == 'e' || s[ps->i] == 'E')) {
    integral = 0;
    ps->i++;
    if (ps->i < ps->len && (s[ps->i] == '+' || s[ps->i] == '-'))
      ps->i++;
    if (ps->i >= ps->len || !is_digit(s[ps->i])) {
      fail_at(ps, ps->i, "expected a digit in the exponent but found %s",
              describe(ps, ps->i, buf));
      return NULL;
    }
    while (ps->i < ps->len && is_digit(s[ps->i]))
      ps->i++;
  }
  wr_json *v = new_value(ps, WR_JSON_NUMBER, start);
  if (!v)
    return NULL;
  char *text = arena_strdup(ps, (const char *)s + start, ps->i - start, start);
  if (!text)
    return NULL;
  v->u.num.text = text;
  if (integral && int_end - int_start <= 16) {
    /* 16 digits cannot overflow uint64; compare with 2^53 afterwards. */
    uint64_t mag = 0;
    for (size_t k = int_start; k < int_end; k++)
      mag = mag * 10 + (uint64_t)(s[k] - '0');
    if (mag <= (uint64_t)WR_JSON_MAX_SAFE_INT) {
      v->u.num.is_integer = 1;
      v->u.num.integer = neg ? -(int64_t)mag : (int64_t)mag;
      v->u.num.number = (double)v->u.num.integer;
      return v;
    }
  }
  /* strtod follows the C locale's decimal point; the CLI never calls
   * setlocale, so that is '.'. */
  char *end;
  double d = strtod(text, &end);
  if (d > 1.7976931348623157e308 || d < -1.7976931348623157e308) {
    fail_at(ps, start, "number %s is too large", text);
    return NULL;
  }
  v->u.num.number = d;
  return v;
}

static const wr_json *parse_value(parser *ps);

static int enter(parser *ps, size_t at) {
  if (++ps->depth > ps->max_depth) {
    fail_at(ps, at, "arrays and objects nested more than %zu deep",
            ps->max_depth);
    return -1;
  }
  return 0;
}

static const wr_json *parse_array(parser *ps) {
  wr_json_doc *doc = ps->doc;
  size_t start = ps->i;
  char buf[16];
  if (enter(ps, start))
    return NULL;
  wr_json *v = new_value(ps, WR_JSON_ARRAY, start);
  if (!v)
    return NULL;
  ps->i++;
  size_t base = doc->items_len;
  skip_ws(ps);
  if (ps->i < ps->len && ps->s[ps->i] == ']') {
    ps->i++;
  } else {
    for (;;) {
      const wr_json *item = parse_value(ps);
      if (!item)
        return NULL;
      if (grow(&doc->items, &doc->items_cap, doc->items_len + 1,
               sizeof *doc->items)) {
        fail_at(ps, ps->i, "out of memory");
        return NULL;
      }
      doc->items[doc->items_len++] = item;
      skip_ws(ps);
      if (ps->i < ps->len && ps->s[ps->i] == ',') {
        ps->i++;
        continue;
      }
      if (ps->i < ps->len && ps->s[ps->i] == ']') {
        ps->i++;
        break;
      }
      fail_at(ps, ps->i, "expected ',' or ']' but found %s",
              describe(ps, ps->i, buf));
      return NULL;
    }
  }
  size_t count = doc->items_len - base;
  const wr_json **items = NULL;
  if (count) {
    items = arena_alloc(doc, count * sizeof *items);
    if (!items) {
      fail_at(ps, ps->i, "out of memory");
      return NULL;
    }
    memcpy(items, doc->items + base, count * sizeof *items);
  }
  doc->items_len = base;
  v->u.arr.items = items;
  v->u.arr.count = count;
  ps->depth--;
  return v;
}

static int member_cmp(const void *a, const void *b) {
  const wr_json_member *x = *(const wr_json_member *const *)a;
  const wr_json_member *y = *(const wr_json_member *const *)b;
  size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
  int c = memcmp(x->key, y->key, n);
  if (c)
    return c;
  if (x->key_len != y->key_len)
    return x->key_len < y->key_len ? -1 : 1;
  return x->key_pos.offset < y->key_pos.offset ? -1 : 1;
}

/* Writes key for a message: printable ASCII as is, the rest as \xNN,
 * shortened to fit. */
static void quote_key(const char *k, size_t n, char *out, size_t cap) {
  size_t o = 0;
  for (size_t j = 0; j < n && o + 8 < cap; j++) {
    unsigned char c = (unsigned char)k[j];
    if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\')
      out[o++] = (char)c;
    else
      o += (size_t)snprintf(out + o, cap - o, "\\x%02x", c);
  }
  if (o + 8 >= cap && o + 4 <= cap) {
    memcpy(out + o, "...", 3);
    o += 3;
  }
  out[o] = '\0';
}

/* Rejects duplicate keys among m[0..count). Small objects are checked pair
 * by pair; large ones are sorted so that a crafted object with many keys
 * cannot make the check quadratic. Reports the earliest second occurrence. */
static int check_duplicates(parser *ps, const wr_json_member *m, size_t count) {
  const wr_json_member *dup = NULL;
  if (count <= 16) {
    for (size_t j = 1; j < count && !dup; j++)
      for (size_t k = 0; k < j; k++)
        if (m[j].key_len == m[k].key_len &&
            memcmp(m[j].key, m[k].key, m[j].key_len) == 0) {
          dup = &m[j];
          break;
        }
  } else {
    const wr_json_member **sorted = malloc(count * sizeof *sorted);
    if (!sorted) {
      fail_at(ps, ps->i, "out of memory");
      return -1;
    }
    for (size_t j = 0; j < count; j++)
      sorted[j] = &m[j];
    qsort(sorted, count, sizeof *sorted, member_cmp);
    for (size_t j = 1; j < count; j++) {
      const wr_json_member *a = sorted[j - 1], *b = sorted[j];
      if (a->key_len == b->key_len && memcmp(a->key, b->key, a->key_len) == 0 &&
          (!dup || b->key_pos.offset < dup->key_pos.offset))
        dup = b;
    }
    free(sorted);
  }
  if (!dup)
    return 0;
  char q[64];
  quote_key(dup->key, dup->key_len, q, sizeof q);
  fail_at_pos(ps, dup->key_pos, "duplicate key \"%s\" in object", q);
  return -1;
}

static const wr_json *parse_object(parser *ps) {
  wr_json_doc *doc = ps->doc;
  size_t start = ps->i;
  char buf[16];
  if (enter(ps, start))
    return NULL;
  wr_json *v = new_value(ps, WR_JSON_OBJECT, start);
  if (!v)
    return NULL;
  ps->i++;
  size_t base = doc->members_len;
  skip_ws(ps);
  if (ps->i < ps->len && ps->s[ps->i] == '}') {
    ps->i++;
  } else {
    for (;;) {
      skip_ws(ps);
      if (ps->i >= ps->len || ps->s[ps->i] != '"') {
        fail_at(ps, ps->i, "expected a string key but found %s",
                describe(ps, ps->i, buf));
        return NULL;
      }
      wr_json_member m;
      m.key_pos = pos_at(ps, ps->i);
      if (parse_string(ps, &m.key, &m.key_len))
        return NULL;
      skip_ws(ps);
      if (ps->i >= ps->len || ps->s[ps->i] != ':') {
        fail_at(ps, ps->i, "expected ':' after the key but found %s",
                describe(ps, ps->i, buf));
        return NULL;
      }
      ps->i++;
      m.value = parse_value(ps);
      if (!m.value)
        return NULL;
      if (grow(&doc->members, &doc->members_cap, doc->members_len + 1,
               sizeof *doc->members)) {
        fail_at(ps, ps->i, "out of memory");
        return NULL;
      }
      doc->members[doc->members_len++] = m;
      skip_ws(ps);
      if (ps->i < ps->len && ps->s[ps->i] == ',') {
        ps->i++;
        continue;
      }
      if (ps->i < ps->len && ps->s[ps->i] == '}') {
        ps->i++;
        break;
      }
      fail_at(ps, ps->i, "expected ',' or '}' but found %s",
              describe(ps, ps->i, buf));
      return NULL;
    }
  }
  size_t count = doc->members_len - base;
  wr_json_member *members = NULL;
  if (count) {
    if (check_duplicates(ps, doc->members + base, count))
      return NULL;
    members = arena_alloc(doc, count * sizeof *members);
    if (!members) {
      fail_at(ps, ps->i, "out of memory");
      return NULL;
    }
    memcpy(members, doc->members + base, count * sizeof *members);
  }
  doc->members_len = base;
  v->u.obj.members = members;
  v->u.obj.count = count;
  ps->depth--;
  return v;
}

static const wr_json *parse_literal(parser *ps, const char *word,
                                    wr_json_type type, int b) {
  size_t n = strlen(word);
  if (ps->len - ps->i < n || memcmp(ps->s + ps->i, word, n) != 0) {
    char buf[16];
    fail_at(ps, ps->i,
            "expected a value (object, array, string, number, true, false "
            "or null) but found %s",
            describe(ps, ps->i, buf));
    return NULL;
  }
  wr_json *v = new_value(ps, type, ps->i);
  if (!v)
    return NULL;
  v->u.boolean = b;
  ps->i += n;
  return v;
}

static const wr_json *parse_value(parser *ps) {
  skip_ws(ps);
  if (ps->i < ps->len) {
    switch (ps->s[ps->i]) {
    case '{':
      return parse_object(ps);
    case '[':
      return parse_array(ps);
    case '"': {
      size_t start = ps->i;
      const char *p;
      size_t n;
      if (parse_string(ps, &p, &n))
        return NULL;
      wr_json *v = new_value(ps, WR_JSON_STRING, start);
      if (!v)
        return NULL;
      v->u.str.ptr = p;
      v->u.str.len = n;
      return v;
    }
    case 't':
      return parse_literal(ps, "true", WR_JSON_BOOL, 1);
    case 'f':
      return parse_literal(ps, "false", WR_JSON_BOOL, 0);
    case 'n':
      return parse_literal(ps, "null", WR_JSON_NULL, 0);
    default:
      if (ps->s[ps->i] == '-' || is_digit(ps->s[ps->i]))
        return parse_number(ps);
    }
  }
  char buf[16];
  fail_at(ps, ps->i,
          "expected a value (object, array, string, number, true, false or "
          "null) but found %s",
          describe(ps, ps->i, buf));
  return NULL;
}

const wr_json *wr_json_parse(wr_json_doc *doc, const char *text, size_t len,
                             const wr_json_limits *limits, wr_json_error *err) {
  wr_json_error dummy;
  if (!err)
    err = &dummy;
  memset(err, 0, sizeof *err);
  parser ps = {0};
  ps.doc = doc;
  ps.s = (const unsigned char *)text;
  ps.len = len;
  ps.line = ps.col = 1;
  ps.err = err;
  ps.max_depth = limits && limits->max_depth ? limits->max_depth
                                             : WR_JSON_DEFAULT_MAX_DEPTH;
  size_t max_size =
      limits && limits->max_size ? limits->max_size : WR_JSON_DEFAULT_MAX_SIZE;
  arena_reset(doc);
  doc->items_len = doc->members_len = 0;
  if (len > max_size) {
    fail_at(&ps, 0, "input is %zu bytes, more than the limit of %zu", len,
            max_size);
    return NULL;
  }
  const wr_json *root = parse_value(&ps);
  if (!root)
    return NULL;
  skip_ws(&ps);
  if (ps.i < ps.len) {
    char buf[16];
    fail_at(&ps, ps.i, "expected end of input after the value but found %s",
            describe(&ps, ps.i, buf));
    return NULL;
  }
  return root;
}

/* ---- Access ------------------------------------------------------------ */

const char *wr_json_type_name(wr_json_type type) {
  switch (type) {
  case WR_JSON_NULL:
    return "null";
  case WR_JSON_BOOL:
    return "boolean";
  case WR_JSON_NUMBER:
    return "number";
  case WR_JSON_STRING:
    return "string";
  case WR_JSON_ARRAY:
    return "array";
  case WR_JSON_OBJECT:
    return "object";
  }
  return "?";
}

const wr_json *wr_json_get(const wr_json *v, const char *key) {
  if (!v || v->type != WR_JSON_OBJECT)
    return NULL;
  size_t n = strlen(key);
  for (size_t j = 0; j < v->u.obj.count; j++) {
    const wr_json_member *m = &v->u.obj.members[j];
    if (m->key_len == n && memcmp(m->key, key, n) == 0)
      return m->value;
  }
  return NULL;
}

/* Path steps for wr_json_equal: ".key" (no dot at the root) and "[i]". */
static void path_key(char *path, size_t size, size_t at, const char *key,
                     size_t key_len) {
  if (!path || at >= size)
    return;
  char q[64];
  quote_key(key, key_len, q, sizeof q);
  snprintf(path + at, size - at, "%s%s", at ? "." : "", q);
}

static void path_index(char *path, size_t size, size_t at, size_t index) {
  if (!path || at >= size)
    return;
  snprintf(path + at, size - at, "[%zu]", index);
}

static int equal_at(const wr_json *a, const wr_json *b, char *path, size_t size,
                    size_t at) {
  if (path && at < size)
    path[at] = '\0';
  if (a->type != b->type)
    return 0;
  switch (a->type) {
  case WR_JSON_NULL:
    return 1;
  case WR_JSON_BOOL:
    return !a->u.boolean == !b->u.boolean;
  case WR_JSON_NUMBER:
    if (a->u.num.is_integer && b->u.num.is_integer)
      return a->u.num.integer == b->u.num.integer;
    return a->u.num.number == b->u.num.number;
  case WR_JSON_STRING:
    return a->u.str.len == b->u.str.len &&
           memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len) == 0;
  case WR_JSON_ARRAY:
    for (size_t j = 0; j < a->u.arr.count && j < b->u.arr.count; j++) {
      path_index(path, size, at, j);
      size_t sub = path ? strlen(path) : 0;
      if (!equal_at(a->u.arr.items[j], b->u.arr.items[j], path, size, sub))
        return 0;
    }
    if (a->u.arr.count != b->u.arr.count) {
      size_t j =
          a->u.arr.count < b->u.arr.count ? a->u.arr.count : b->u.arr.count;
      path_index(path, size, at, j);
      return 0;
    }
    if (path && at < size)
      path[at] = '\0';
    return 1;
  case WR_JSON_OBJECT: {
    /* Keys are unique (the parser enforces it), so "every member of a is
     * in b with an equal value, and the counts match" is equality. */
    for (size_t j = 0; j < a->u.obj.count; j++) {
      const wr_json_member *m = &a->u.obj.members[j];
      const wr_json *other = NULL;
      for (size_t k = 0; k < b->u.obj.count; k++) {
        const wr_json_member *o = &b->u.obj.members[k];
        if (o->key_len == m->key_len &&
            memcmp(o->key, m->key, m->key_len) == 0) {
          other = o->value;
          break;
        }
      }
      path_key(path, size, at, m->key, m->key_len);
      if (!other)
        return 0;
      size_t sub = path ? strlen(path) : 0;
      if (!equal_at(m->value, other, path, size, sub))
        return 0;
    }
    if (a->u.obj.count != b->u.obj.count) {
      /* b has a key that a lacks: name it. */
      for (size_t k = 0; k < b->u.obj.count; k++) {
        const wr_json_member *o = &b->u.obj.members[k];
        int found = 0;
        for (size_t j = 0; j < a->u.obj.count && !found; j++)
          found = a->u.obj.members[j].key_len == o->key_len &&
                  memcmp(a->u.obj.members[j].key, o->key, o->key_len) == 0;
        if (!found) {
          path_key(path, size, at, o->key, o->key_len);
          break;
        }
      }
      return 0;
    }
    if (path && at < size)
      path[at] = '\0';
    return 1;
  }
  }
  return 0;
}

int wr_json_equal(const wr_json *a, const wr_json *b, char *path,
                  size_t path_size) {
  if (path_size == 0)
    path = NULL;
  return equal_at(a, b, path, path_size, 0);
}

/* Decodes one code point from valid UTF-8 (the parser guarantees it). */
static unsigned long utf8_get(const unsigned char *s, size_t *k) {
  unsigned c = s[*k];
  if (c < 0x80) {
    *k += 1;
    return c;
  }
  if (c < 0xE0) {
    unsigned long cp = ((unsigned long)(c & 0x1F) << 6) | (s[*k + 1] & 0x3F);
    *k += 2;
    return cp;
  }
  if (c < 0xF0) {
    unsigned long cp = ((unsigned long)(c & 0x0F) << 12) |
                       ((unsigned long)(s[*k + 1] & 0x3F) << 6) |
                       (s[*k + 2] & 0x3F);
    *k += 3;
    return cp;
  }
  unsigned long cp = ((unsigned long)(c & 0x07) << 18) |
                     ((unsigned long)(s[*k + 1] & 0x3F) << 12) |
                     ((unsigned long)(s[*k + 2] & 0x3F) << 6) |
                     (s[*k + 3] & 0x3F);
  *k += 4;
  return cp;
}

int wr_json_string_bytes(const wr_json *s, uint8_t *out, size_t *out_len,
                         size_t *bad_char) {
  if (!s || s->type != WR_JSON_STRING)
    return -1;
  const unsigned char *p = (const unsigned char *)s->u.str.ptr;
  size_t n = s->u.str.len, k = 0, o = 0, chars = 0;
  while (k < n) {
    unsigned long cp = utf8_get(p, &k);
    if (cp > 0xFF) {
      if (bad_char)
        *bad_char = chars;
      return -1;
    }
    out[o++] = (uint8_t)cp;
    chars++;
  }
  *out_len = o;
  return 0;
}

/* ---- Writer ------------------------------------------------------------ */

void wr_jw_init(wr_json_writer *w) { memset(w, 0, sizeof *w); }

void wr_jw_free(wr_json_writer *w) {
  free(w->buf);
  memset(w, 0, sizeof *w);
}

void wr_jw_reset(wr_json_writer *w) {
  w->len = 0;
  if (w->buf)
    w->buf[0] = '\0';
  w->failed = 0;
  w->depth = 0;
  w->after_key = 0;
}

static int reserve(wr_json_writer *w, size_t n) {
  if (w->failed)
    return -1;
  if (w->cap - w->len > n)
    return 0;
  size_t ncap = w->cap ? w->cap : 256;
  while (ncap - w->len <= n)
    ncap *= 2;
  char *nb = realloc(w->buf, ncap);
  if (!nb) {
    w->failed = 1;
    return -1;
  }
  w->buf = nb;
  w->cap = ncap;
  return 0;
}

static void put(wr_json_writer *w, const char *s, size_t n) {
  if (reserve(w, n))
    return;
  memcpy(w->buf + w->len, s, n);
  w->len += n;
  w->buf[w->len] = '\0';
}

void wr_jw_raw(wr_json_writer *w, const char *s, size_t n) { put(w, s, n); }

/* The comma (or nothing) before a value, and bookkeeping for it. */
static void before_value(wr_json_writer *w) {
  if (w->after_key) {
    w->after_key = 0;
    return;
  }
  if (w->depth > 0) {
    if (w->has_items[w->depth - 1])
      put(w, ",", 1);
    w->has_items[w->depth - 1] = 1;
  }
}

static void container_open(wr_json_writer *w, char c) {
  before_value(w);
  if (w->depth >= WR_JSON_WRITER_MAX_DEPTH) {
    w->failed = 1;
    return;
  }
  w->has_items[w->depth++] = 0;
  put(w, &c, 1);
}

static void container_close(wr_json_writer *w, char c) {
  if (w->depth == 0 || w->after_key) {
    w->failed = 1;
    return;
  }
  w->depth--;
  put(w, &c, 1);
}

void wr_jw_object_begin(wr_json_writer *w) { container_open(w, '{'); }
void wr_jw_object_end(wr_json_writer *w) { container_close(w, '}'); }
void wr_jw_array_begin(wr_json_writer *w) { container_open(w, '['); }
void wr_jw_array_end(wr_json_writer *w) { container_close(w, ']'); }

void wr_jw_key(wr_json_writer *w, const char *key) {
  if (w->after_key) {
    w->failed = 1;
    return;
  }
  wr_jw_str(w, key);
  put(w, ":", 1);
  w->after_key = 1;
}

void wr_jw_null(wr_json_writer *w) {
  before_value(w);
  put(w, "null", 4);
}

void wr_jw_bool(wr_json_writer *w, int b) {
  before_value(w);
  if (b)
    put(w, "true", 4);
  else
    put(w, "false", 5);
}

void wr_jw_int(wr_json_writer *w, int64_t v) {
  char buf[24];
  before_value(w);
  int n = snprintf(buf, sizeof buf, "%lld", (long long)v);
  put(w, buf, (size_t)n);
}

void wr_jw_uint(wr_json_writer *w, uint64_t v) {
  char buf[24];
  before_value(w);
  int n = snprintf(buf, sizeof buf, "%llu", (unsigned long long)v);
  put(w, buf, (size_t)n);
}

static const char hexdigits[] = "0123456789abcdef";

/* \uXXXX for a code point below 0x10000. */
static void put_u(wr_json_writer *w, unsigned long cp) {
  char e[6] = {'\\',
               'u',
               hexdigits[(cp >> 12) & 15],
               hexdigits[(cp >> 8) & 15],
               hexdigits[(cp >> 4) & 15],
               hexdigits[cp & 15]};
  put(w, e, 6);
}

void wr_jw_bytes(wr_json_writer *w, const void *p, size_t n) {
  const unsigned char *s = p;
  before_value(w);
  /* Worst case every byte becomes six characters. */
  if (reserve(w, n * 6 + 2))
    return;
  char *d = w->buf + w->len;
  *d++ = '"';
  for (size_t k = 0; k < n; k++) {
    unsigned c = s[k];
    if (c == '"' || c == '\\') {
      *d++ = '\\';
      *d++ = (char)c;
    } else if (c < 0x20 || c >= 0x7F) {
      memcpy(d, "\\u00", 4);
      d[4] = hexdigits[c >> 4];
      d[5] = hexdigits[c & 15];
      d += 6;
    } else {
      *d++ = (char)c;
    }
  }
  *d++ = '"';
  *d = '\0';
  w->len = (size_t)(d - w->buf);
}

int wr_jw_utf8(wr_json_writer *w, const char *str, size_t n) {
  const unsigned char *s = (const unsigned char *)str;
  int rc = 0;
  before_value(w);
  put(w, "\"", 1);
  size_t k = 0;
  while (k < n) {
    unsigned c = s[k];
    if (c == '"' || c == '\\') {
      char e[2] = {'\\', (char)c};
      put(w, e, 2);
      k++;
    } else if (c == '\n') {
      put(w, "\\n", 2);
      k++;
    } else if (c == '\t') {
      put(w, "\\t", 2);
      k++;
    } else if (c == '\r') {
      put(w, "\\r", 2);
      k++;
    } else if (c < 0x20 || c == 0x7F) {
      put_u(w, c);
      k++;
    } else if (c < 0x80) {
      char ch = (char)c;
      put(w, &ch, 1);
      k++;
    } else {
      size_t len = utf8_seq(s + k, n - k);
      if (!len) {
        put_u(w, 0xFFFD);
        rc = -1;
        k++;
        continue;
      }
      size_t kk = k;
      unsigned long cp = utf8_get(s, &kk);
      k += len;
      if (cp >= 0x10000) {
        cp -= 0x10000;
        put_u(w, 0xD800 + (cp >> 10));
        put_u(w, 0xDC00 + (cp & 0x3FF));
      } else {
        put_u(w, cp);
      }
    }
  }
  put(w, "\"", 1);
  return rc;
}

void wr_jw_str(wr_json_writer *w, const char *s) {
  (void)wr_jw_utf8(w, s, strlen(s));
}

void wr_jw_value(wr_json_writer *w, const wr_json *v) {
  switch (v->type) {
  case WR_JSON_NULL:
    wr_jw_null(w);
    break;
  case WR_JSON_BOOL:
    wr_jw_bool(w, v->u.boolean);
    break;
  case WR_JSON_NUMBER:
    before_value(w);
    put(w, v->u.num.text, strlen(v->u.num.text));
    break;
  case WR_JSON_STRING:
    (void)wr_jw_utf8(w, v->u.str.ptr, v->u.str.len);
    break;
  case WR_JSON_ARRAY:
    wr_jw_array_begin(w);
    for (size_t j = 0; j < v->u.arr.count; j++)
      wr_jw_value(w, v->u.arr.items[j]);
    wr_jw_array_end(w);
    break;
  case WR_JSON_OBJECT:
    wr_jw_object_begin(w);
    for (size_t j = 0; j < v->u.obj.count; j++) {
      const wr_json_member *m = &v->u.obj.members[j];
      if (w->after_key) {
        w->failed = 1;
        return;
      }
      (void)wr_jw_utf8(w, m->key, m->key_len);
      put(w, ":", 1);
      w->after_key = 1;
      wr_jw_value(w, m->value);
    }
    wr_jw_object_end(w);
    break;
  }
}
