/* The strict JSON reader (the writer is json_write.c); see json.h.
 *
 * The reader is a recursive-descent parser whose recursion is bounded by
 * the depth limit. Values live in an arena owned by the document. While a
 * container is open its children wait on a shared stack (items/members) and
 * are copied into the arena, exactly sized, when it closes -- so the tree
 * has plain arrays and the parser never needs to know counts in advance.
 */
#include "json.h"
#include "json_utf8.h"

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

/* A buffer of elem-sized elements with room for at least need of them:
 * buf itself, or a bigger copy (the caller stores it), or NULL when memory
 * ran out (buf is then untouched). Returning the pointer instead of
 * writing through a void ** keeps this free of type-punning. */
static void *grow(void *buf, size_t *cap, size_t need, size_t elem) {
  if (need <= *cap)
    return buf;
  size_t ncap = *cap ? *cap : 16;
  while (ncap < need)
    ncap *= 2;
  void *nb = realloc(buf, ncap * elem);
  if (nb)
    *cap = ncap;
  return nb;
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
    char *scratch =
        grow(doc->scratch, &doc->scratch_cap, n + (run - ps->i) + 4, 1);
    if (!scratch) {
      fail_at(ps, start, "out of memory");
      return -1;
    }
    doc->scratch = scratch;
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
      size_t k = json_utf8_seq(ps->s + ps->i, ps->len - ps->i);
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
    n += json_utf8_put(doc->scratch + n, (unsigned long)cp);
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
      const wr_json **items = grow(doc->items, &doc->items_cap,
                                   doc->items_len + 1, sizeof *doc->items);
      if (!items) {
        fail_at(ps, ps->i, "out of memory");
        return NULL;
      }
      doc->items = items;
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
      wr_json_member *members =
          grow(doc->members, &doc->members_cap, doc->members_len + 1,
               sizeof *doc->members);
      if (!members) {
        fail_at(ps, ps->i, "out of memory");
        return NULL;
      }
      doc->members = members;
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

int wr_json_string_bytes(const wr_json *s, uint8_t *out, size_t *out_len,
                         size_t *bad_char) {
  if (!s || s->type != WR_JSON_STRING)
    return -1;
  const unsigned char *p = (const unsigned char *)s->u.str.ptr;
  size_t n = s->u.str.len, k = 0, o = 0, chars = 0;
  while (k < n) {
    unsigned long cp = json_utf8_get(p, &k);
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
