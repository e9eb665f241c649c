/* The CLI's JSON reader and writer (cli/json.c).
 *
 * Every input is placed so that it ends at a guard page: the parser is
 * given an exact length and no NUL, so reading one byte too far crashes the
 * test. Rejections are checked for the position and the words of the
 * message, since a person acts on those.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json.h"
#include "testutil.h"

typedef struct fixture {
  wr_json_doc *doc;
  tu_guard guard;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (!f)
    return -1;
  f->doc = wr_json_doc_new();
  tu_guard_init(&f->guard, 4096);
  *state = f;
  return f->doc ? 0 : -1;
}

static int teardown(void **state) {
  fixture *f = *state;
  wr_json_doc_free(f->doc);
  tu_guard_free(&f->guard);
  free(f);
  return 0;
}

/* Parses text[0..len) placed against the guard page. */
static const wr_json *parse_n(fixture *f, const char *text, size_t len,
                              const wr_json_limits *lim, wr_json_error *err) {
  const uint8_t *p = tu_guard_place(&f->guard, text, len);
  return wr_json_parse(f->doc, (const char *)p, len, lim, err);
}

static const wr_json *parse(fixture *f, const char *text, wr_json_error *err) {
  return parse_n(f, text, strlen(text), NULL, err);
}

/* ---- accepted documents ------------------------------------------------ */

static void test_accepts(void **state) {
  fixture *f = *state;
  static const struct {
    const char *text;
    wr_json_type type;
  } rows[] = {
      {"null", WR_JSON_NULL},
      {"true", WR_JSON_BOOL},
      {" \t\r\n false \n", WR_JSON_BOOL},
      {"0", WR_JSON_NUMBER},
      {"-0", WR_JSON_NUMBER},
      {"123", WR_JSON_NUMBER},
      {"1.5", WR_JSON_NUMBER},
      {"1e10", WR_JSON_NUMBER},
      {"-1.25E-3", WR_JSON_NUMBER},
      {"2E+2", WR_JSON_NUMBER},
      {"\"\"", WR_JSON_STRING},
      {"\"a\\\"b\"", WR_JSON_STRING},
      {"[]", WR_JSON_ARRAY},
      {"[ ]", WR_JSON_ARRAY},
      {"[1,[2,[3]]]", WR_JSON_ARRAY},
      {"{}", WR_JSON_OBJECT},
      {"{ \"a\" : 1 , \"b\" : [true, null, {}] }", WR_JSON_OBJECT},
      {"{\"\":0}", WR_JSON_OBJECT},
      {"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", WR_JSON_STRING},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    wr_json_error err;
    const wr_json *v = parse(f, rows[i].text, &err);
    TU_CHECK(v != NULL, "'%s' rejected: %s", rows[i].text, err.text);
    if (v)
      TU_CHECK(v->type == rows[i].type, "'%s' parsed as %s", rows[i].text,
               wr_json_type_name(v->type));
  }
}

static void test_structure(void **state) {
  fixture *f = *state;
  wr_json_error err;
  const wr_json *v =
      parse(f, "{\"a\":[1,\"x\",false],\"b\":{\"c\":null}}", &err);
  assert_non_null(v);
  assert_int_equal(v->u.obj.count, 2);
  assert_string_equal(v->u.obj.members[0].key, "a");
  assert_string_equal(v->u.obj.members[1].key, "b");
  const wr_json *a = wr_json_get(v, "a");
  assert_non_null(a);
  assert_int_equal(a->type, WR_JSON_ARRAY);
  assert_int_equal(a->u.arr.count, 3);
  assert_int_equal(a->u.arr.items[0]->u.num.integer, 1);
  assert_string_equal(a->u.arr.items[1]->u.str.ptr, "x");
  assert_int_equal(a->u.arr.items[2]->u.boolean, 0);
  const wr_json *c = wr_json_get(wr_json_get(v, "b"), "c");
  assert_non_null(c);
  assert_int_equal(c->type, WR_JSON_NULL);
  assert_null(wr_json_get(v, "missing"));
  assert_null(wr_json_get(a, "a")); /* not an object */
  /* Values know where they start. */
  assert_int_equal(a->pos.column, 6);
  assert_int_equal(c->pos.offset, 28);
}

/* ---- rejected documents ------------------------------------------------ */

typedef struct reject_row {
  const char *text;
  size_t len; /* 0: strlen(text) */
  size_t line, column;
  const char *words; /* must appear in the message */
} reject_row;

static const reject_row reject_rows[] = {
    {"{\"a\":1 x}", 0, 1, 8, "expected ',' or '}' but found 'x'"},
    {"", 0, 1, 1, "expected a value"},
    {"   ", 0, 1, 4, "found end of input"},
    {"[1,]", 0, 1, 4, "expected a value"},
    {"[1 2]", 0, 1, 4, "expected ',' or ']' but found '2'"},
    {"{\"a\":1,}", 0, 1, 8, "expected a string key but found '}'"},
    {"{a:1}", 0, 1, 2, "expected a string key but found 'a'"},
    {"{\"k\" 1}", 0, 1, 6, "expected ':' after the key but found '1'"},
    {"{\"k\":}", 0, 1, 6, "expected a value"},
    {"01", 0, 1, 1, "leading zeros"},
    {"-01", 0, 1, 1, "leading zeros"},
    {"-", 0, 1, 2, "expected a digit after '-' but found end of input"},
    {"-a", 0, 1, 2, "expected a digit after '-' but found 'a'"},
    {"1.", 0, 1, 3, "expected a digit after '.'"},
    {"1.e5", 0, 1, 3, "expected a digit after '.'"},
    {"1e", 0, 1, 3, "expected a digit in the exponent"},
    {"1e+", 0, 1, 4, "expected a digit in the exponent"},
    {".5", 0, 1, 1, "expected a value"},
    {"+1", 0, 1, 1, "expected a value"},
    {"NaN", 0, 1, 1, "expected a value"},
    {"Infinity", 0, 1, 1, "expected a value"},
    {"-Infinity", 0, 1, 2, "expected a digit after '-'"},
    {"1e999", 0, 1, 1, "too large"},
    {"nul", 0, 1, 1, "expected a value"},
    {"True", 0, 1, 1, "expected a value"},
    {"truex", 0, 1, 5, "expected end of input after the value but found 'x'"},
    {"1 2", 0, 1, 3, "expected end of input"},
    {"\"abc", 0, 1, 5, "unterminated string"},
    {"\"abc\\", 0, 1, 6, "unterminated string"},
    {"\"a\\qb\"", 0, 1, 3, "invalid escape"},
    {"\"\\u12\"", 0, 1, 2, "expected 4 hex digits after \\u"},
    {"\"\\u12G4\"", 0, 1, 2, "expected 4 hex digits"},
    {"\"\\uD800\"", 0, 1, 2, "lone high surrogate \\uD800"},
    {"\"\\uD83D\\u0041\"", 0, 1, 2, "lone high surrogate"},
    {"\"\\uD83Dx\"", 0, 1, 2, "lone high surrogate"},
    {"\"\\uDC00\"", 0, 1, 2, "lone low surrogate \\uDC00"},
    {"\"a\tb\"", 0, 1, 3, "control character 0x09"},
    {"\"a\nb\"", 0, 1, 3, "control character 0x0a"},
    {"\"\0\"", 3, 1, 2, "control character 0x00"},
    {"\"\xc3\x28\"", 0, 1, 2, "invalid UTF-8 byte 0xc3"},
    {"\"\xc0\xaf\"", 0, 1, 2, "invalid UTF-8 byte 0xc0"},     /* overlong */
    {"\"\xe0\x80\xaf\"", 0, 1, 2, "invalid UTF-8 byte 0xe0"}, /* overlong */
    {"\"\xed\xa0\x80\"", 0, 1, 2, "invalid UTF-8 byte 0xed"}, /* surrogate */
    {"\"\xf4\x90\x80\x80\"", 0, 1, 2, "invalid UTF-8"},       /* > U+10FFFF */
    {"\"\xff\"", 0, 1, 2, "invalid UTF-8 byte 0xff"},
    {"\"\xe2\x82\"", 0, 1, 2, "invalid UTF-8"}, /* cut short */
    {"\xef\xbb\xbf"
     "1",
     0, 1, 1, "found byte 0xef"}, /* no BOM */
    {"{\"a\":1,\"a\":2}", 0, 1, 8, "duplicate key \"a\""},
    {"[1]\n\n  x", 0, 3, 3,
     "expected end of input after the value but found 'x'"},
    {"[1,\r\n 2,\n\t}", 0, 3, 2, "expected a value"},
    /* Columns count characters: the 'x' is the 5th character. */
    {"\"\xc3\xa9\" x", 0, 1, 5, "found 'x'"},
    {"[\x01]", 0, 1, 2, "found byte 0x01"},
    {"[1\n", 0, 2, 1, "found end of input"},
};

static void test_rejects(void **state) {
  fixture *f = *state;
  for (size_t i = 0; i < sizeof reject_rows / sizeof reject_rows[0]; i++) {
    const reject_row *r = &reject_rows[i];
    size_t len = r->len ? r->len : strlen(r->text);
    wr_json_error err;
    tu_where_set("row %zu", i);
    const wr_json *v = parse_n(f, r->text, len, NULL, &err);
    TU_CHECK(v == NULL, "accepted");
    if (v)
      continue;
    TU_CHECK(err.pos.line == r->line && err.pos.column == r->column,
             "position line %zu column %zu, expected line %zu column %zu (%s)",
             err.pos.line, err.pos.column, r->line, r->column, err.text);
    TU_CHECK(strstr(err.what, r->words) != NULL, "message '%s' lacks '%s'",
             err.what, r->words);
    /* The full text is the position followed by the message. */
    char prefix[64];
    snprintf(prefix, sizeof prefix, "line %zu, column %zu: ", err.pos.line,
             err.pos.column);
    TU_CHECK(strncmp(err.text, prefix, strlen(prefix)) == 0 &&
                 strcmp(err.text + strlen(prefix), err.what) == 0,
             "text '%s'", err.text);
  }
  tu_where_set("%s", "");
}

static void test_error_offset(void **state) {
  fixture *f = *state;
  wr_json_error err;
  assert_null(parse(f, "{\"a\":1 x}", &err));
  assert_int_equal(err.pos.offset, 7);
  assert_string_equal(err.text,
                      "line 1, column 8: expected ',' or '}' but found 'x'");
}

/* Many keys take the sorted path of the duplicate check. */
static void test_duplicate_in_large_object(void **state) {
  fixture *f = *state;
  char text[1024];
  size_t o = 0;
  o += (size_t)snprintf(text + o, sizeof text - o, "{");
  for (int k = 0; k < 40; k++)
    o += (size_t)snprintf(text + o, sizeof text - o, "\"k%02d\":%d,", k, k);
  size_t dup_at = o;
  o += (size_t)snprintf(text + o, sizeof text - o, "\"k17\":0}");
  wr_json_error err;
  assert_null(parse(f, text, &err));
  assert_int_equal(err.pos.offset, dup_at);
  assert_non_null(strstr(err.what, "duplicate key \"k17\""));
  /* Without the duplicate the same object is fine. */
  text[dup_at + 2] = 'x';
  assert_non_null(parse(f, text, &err));
}

static void test_depth_limit(void **state) {
  fixture *f = *state;
  char text[400];
  wr_json_error err;
  /* 64 levels (the default) are fine, 65 are not. */
  for (int depth = 63; depth <= 66; depth++) {
    size_t o = 0;
    for (int k = 0; k < depth; k++)
      text[o++] = '[';
    for (int k = 0; k < depth; k++)
      text[o++] = ']';
    const wr_json *v = parse_n(f, text, o, NULL, &err);
    if (depth <= WR_JSON_DEFAULT_MAX_DEPTH) {
      TU_CHECK(v != NULL, "depth %d rejected: %s", depth, err.text);
    } else {
      TU_CHECK(v == NULL, "depth %d accepted", depth);
      TU_CHECK(err.pos.column == WR_JSON_DEFAULT_MAX_DEPTH + 1,
               "depth %d: error at column %zu", depth, err.pos.column);
      TU_CHECK(strstr(err.what, "nested more than 64 deep") != NULL, "%s",
               err.what);
    }
  }
  /* A custom limit, and objects count as levels too. */
  wr_json_limits lim = {2, 0};
  const char *ok = "{\"a\":[1]}";
  const char *deep = "{\"a\":[{}]}";
  assert_non_null(parse_n(f, ok, strlen(ok), &lim, &err));
  assert_null(parse_n(f, deep, strlen(deep), &lim, &err));
  assert_int_equal(err.pos.column, 7);
}

static void test_size_limit(void **state) {
  fixture *f = *state;
  wr_json_limits lim = {0, 4};
  wr_json_error err;
  assert_non_null(parse_n(f, "1234", 4, &lim, &err));
  assert_null(parse_n(f, "12345", 5, &lim, &err));
  assert_non_null(strstr(err.what, "5 bytes, more than the limit of 4"));
  assert_int_equal(err.pos.line, 1);
  assert_int_equal(err.pos.column, 1);
}

/* ---- numbers ------------------------------------------------------------ */

static void test_numbers(void **state) {
  fixture *f = *state;
  static const struct {
    const char *text;
    int is_integer;
    long long integer;
    double number;
  } rows[] = {
      {"0", 1, 0, 0},
      {"-0", 1, 0, 0},
      {"42", 1, 42, 42},
      {"-17", 1, -17, -17},
      {"4294967295", 1, 4294967295LL, 4294967295.0},
      {"9007199254740992", 1, 9007199254740992LL, 9007199254740992.0},
      {"-9007199254740992", 1, -9007199254740992LL, -9007199254740992.0},
      /* Beyond 2^53 a number is no longer an exact integer. */
      {"9007199254740993", 0, 0, 9007199254740992.0},
      {"123456789012345678901234567890", 0, 0, 1.2345678901234568e29},
      {"1.0", 0, 0, 1.0},
      {"1e3", 0, 0, 1000.0},
      {"-2.5e-1", 0, 0, -0.25},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    wr_json_error err;
    const wr_json *v = parse(f, rows[i].text, &err);
    TU_CHECK(v && v->type == WR_JSON_NUMBER, "'%s': %s", rows[i].text,
             v ? "not a number" : err.text);
    if (!v)
      continue;
    TU_CHECK(v->u.num.is_integer == rows[i].is_integer, "'%s' is_integer %d",
             rows[i].text, v->u.num.is_integer);
    if (rows[i].is_integer)
      TU_CHECK(v->u.num.integer == rows[i].integer, "'%s' integer %lld",
               rows[i].text, (long long)v->u.num.integer);
    TU_CHECK(v->u.num.number == rows[i].number, "'%s' number %.17g",
             rows[i].text, v->u.num.number);
    TU_CHECK(strcmp(v->u.num.text, rows[i].text) == 0, "'%s' text '%s'",
             rows[i].text, v->u.num.text);
  }
}

/* ---- strings ------------------------------------------------------------ */

static void test_string_escapes(void **state) {
  fixture *f = *state;
  static const struct {
    const char *text;
    const char *bytes;
    size_t len;
  } rows[] = {
      {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8},
      {"\"\\u0000\"", "\0", 1},
      {"\"a\\u0000b\"", "a\0b", 3},
      {"\"\\u0041\\u00e9\\u00E9\"", "A\xc3\xa9\xc3\xa9", 5},
      {"\"\\u20ac\"", "\xe2\x82\xac", 3},
      {"\"\\uffff\"", "\xef\xbf\xbf", 3},
      {"\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80", 4},
      {"\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf", 4},
      {"\"\xf0\x9f\x98\x80 raw\"", "\xf0\x9f\x98\x80 raw", 8},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    wr_json_error err;
    const wr_json *v = parse(f, rows[i].text, &err);
    TU_CHECK(v && v->type == WR_JSON_STRING, "'%s': %s", rows[i].text,
             v ? "not a string" : err.text);
    if (!v)
      continue;
    TU_CHECK(v->u.str.len == rows[i].len &&
                 memcmp(v->u.str.ptr, rows[i].bytes, rows[i].len) == 0,
             "'%s' decoded to %zu bytes", rows[i].text, v->u.str.len);
    TU_CHECK(v->u.str.ptr[v->u.str.len] == '\0', "'%s' not NUL-terminated",
             rows[i].text);
  }
}

static void test_string_bytes(void **state) {
  fixture *f = *state;
  wr_json_error err;
  uint8_t out[16];
  size_t n, bad = 99;
  const wr_json *v = parse(f, "\"\\u00ff\\u0000a\xc3\xa9\"", &err);
  assert_non_null(v);
  assert_int_equal(wr_json_string_bytes(v, out, &n, &bad), 0);
  assert_int_equal(n, 4);
  assert_memory_equal(out, "\xff\0a\xe9", 4);

  v = parse(f, "\"\\u0100\"", &err);
  assert_non_null(v);
  assert_int_equal(wr_json_string_bytes(v, out, &n, &bad), -1);
  assert_int_equal(bad, 0);

  v = parse(f, "\"ab\xe2\x82\xac\"", &err); /* a b EURO */
  assert_non_null(v);
  assert_int_equal(wr_json_string_bytes(v, out, &n, &bad), -1);
  assert_int_equal(bad, 2);

  v = parse(f, "17", &err);
  assert_int_equal(wr_json_string_bytes(v, out, &n, NULL), -1);
}

/* ---- equality ----------------------------------------------------------- */

static void test_equal(void **state) {
  fixture *f = *state;
  wr_json_doc *other = wr_json_doc_new();
  assert_non_null(other);
  static const struct {
    const char *a, *b;
    int equal;
    const char *path;
  } rows[] = {
      {"{\"x\":1,\"y\":[true,null]}", "{\"y\":[true,null],\"x\":1}", 1, ""},
      {"1", "1.0", 1, ""},
      {"100", "1e2", 1, ""},
      {"\"a\\u0000\"", "\"a\\u0000\"", 1, ""},
      {"1", "2", 0, ""},
      {"1", "\"1\"", 0, ""},
      {"\"a\\u0000\"", "\"a\"", 0, ""},
      {"{\"a\":{\"b\":[1,2]}}", "{\"a\":{\"b\":[1,3]}}", 0, "a.b[1]"},
      {"{\"a\":[1,2]}", "{\"a\":[1]}", 0, "a[1]"},
      {"{\"a\":1}", "{\"a\":1,\"b\":2}", 0, "b"},
      {"{\"a\":1,\"c\":2}", "{\"a\":1,\"b\":2}", 0, "c"},
      {"[{\"k\":false}]", "[{\"k\":true}]", 0, "[0].k"},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    wr_json_error err;
    const wr_json *a =
        wr_json_parse(f->doc, rows[i].a, strlen(rows[i].a), NULL, &err);
    const wr_json *b =
        wr_json_parse(other, rows[i].b, strlen(rows[i].b), NULL, &err);
    assert_non_null(a);
    assert_non_null(b);
    char path[64];
    int eq = wr_json_equal(a, b, path, sizeof path);
    TU_CHECK(eq == rows[i].equal, "%s vs %s: equal %d", rows[i].a, rows[i].b,
             eq);
    if (!eq)
      TU_CHECK(strcmp(path, rows[i].path) == 0, "%s vs %s: path '%s'",
               rows[i].a, rows[i].b, path);
    /* Equality is symmetric. */
    TU_CHECK(wr_json_equal(b, a, NULL, 0) == rows[i].equal, "%s vs %s flipped",
             rows[i].a, rows[i].b);
  }
  wr_json_doc_free(other);
}

/* ---- writer ------------------------------------------------------------- */

static void test_writer_shapes(void **state) {
  (void)state;
  wr_json_writer w;
  wr_jw_init(&w);
  wr_jw_object_begin(&w);
  wr_jw_key(&w, "n");
  wr_jw_null(&w);
  wr_jw_key(&w, "t");
  wr_jw_bool(&w, 1);
  wr_jw_key(&w, "f");
  wr_jw_bool(&w, 0);
  wr_jw_key(&w, "i");
  wr_jw_int(&w, -2147483648LL);
  wr_jw_key(&w, "u");
  wr_jw_uint(&w, 4294967295u);
  wr_jw_key(&w, "a");
  wr_jw_array_begin(&w);
  wr_jw_array_end(&w);
  wr_jw_key(&w, "o");
  wr_jw_object_begin(&w);
  wr_jw_object_end(&w);
  wr_jw_key(&w, "l");
  wr_jw_array_begin(&w);
  wr_jw_int(&w, 1);
  wr_jw_str(&w, "two");
  wr_jw_array_begin(&w);
  wr_jw_int(&w, 3);
  wr_jw_array_end(&w);
  wr_jw_array_end(&w);
  wr_jw_object_end(&w);
  assert_false(w.failed);
  assert_string_equal(w.buf, "{\"n\":null,\"t\":true,\"f\":false,"
                             "\"i\":-2147483648,\"u\":4294967295,\"a\":[],"
                             "\"o\":{},\"l\":[1,\"two\",[3]]}");
  /* Reset keeps nothing of the old text. */
  wr_jw_reset(&w);
  wr_jw_int(&w, 7);
  assert_string_equal(w.buf, "7");
  wr_jw_free(&w);
}

static void test_writer_misuse(void **state) {
  (void)state;
  wr_json_writer w;
  wr_jw_init(&w);
  wr_jw_array_end(&w); /* nothing open */
  assert_true(w.failed);
  wr_jw_reset(&w);
  wr_jw_object_begin(&w);
  wr_jw_key(&w, "a");
  wr_jw_object_end(&w); /* key without a value */
  assert_true(w.failed);
  wr_jw_reset(&w);
  for (int k = 0; k <= WR_JSON_WRITER_MAX_DEPTH; k++)
    wr_jw_array_begin(&w);
  assert_true(w.failed);
  wr_jw_free(&w);
}

static void test_writer_bytes(void **state) {
  fixture *f = *state;
  wr_json_writer w;
  wr_jw_init(&w);
  wr_jw_bytes(&w, "a\"b\\c\r\n\x7f\x80\xff\0", 11);
  assert_false(w.failed);
  assert_string_equal(w.buf, "\"a\\\"b\\\\c\\u000d\\u000a\\u007f\\u0080"
                             "\\u00ff\\u0000\"");
  /* Every byte value survives the trip through JSON, as pure ASCII. */
  uint8_t all[256], back[256 * 2];
  for (int k = 0; k < 256; k++)
    all[k] = (uint8_t)k;
  wr_jw_reset(&w);
  wr_jw_bytes(&w, all, sizeof all);
  for (size_t k = 0; k < w.len; k++)
    TU_CHECK((unsigned char)w.buf[k] >= 0x20 && (unsigned char)w.buf[k] < 0x7f,
             "byte 0x%02x at %zu is not printable ASCII",
             (unsigned char)w.buf[k], k);
  wr_json_error err;
  const wr_json *v = parse_n(f, w.buf, w.len, NULL, &err);
  assert_non_null(v);
  size_t n;
  assert_int_equal(wr_json_string_bytes(v, back, &n, NULL), 0);
  assert_int_equal(n, 256);
  assert_memory_equal(back, all, 256);
  wr_jw_free(&w);
}

static void test_writer_utf8(void **state) {
  fixture *f = *state;
  wr_json_writer w;
  wr_jw_init(&w);
  const char text[] = "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \"q\"\n\x01";
  assert_int_equal(wr_jw_utf8(&w, text, sizeof text - 1), 0);
  assert_string_equal(w.buf, "\"caf\\u00e9 \\u20ac \\ud83d\\ude00 \\\"q\\\"\\n"
                             "\\u0001\"");
  wr_json_error err;
  const wr_json *v = parse_n(f, w.buf, w.len, NULL, &err);
  assert_non_null(v);
  assert_int_equal(v->u.str.len, sizeof text - 1);
  assert_memory_equal(v->u.str.ptr, text, sizeof text - 1);
  /* Invalid UTF-8 is reported and replaced, never passed through. */
  wr_jw_reset(&w);
  assert_int_equal(wr_jw_utf8(&w,
                              "a\xff"
                              "b\xc3",
                              4),
                   -1);
  assert_string_equal(w.buf, "\"a\\ufffdb\\ufffd\"");
  wr_jw_free(&w);
}

/* parse -> write -> parse gives an equal value; the written text is
 * compact and written again gives the same text. */
static void test_writer_round_trip(void **state) {
  fixture *f = *state;
  static const char *const docs[] = {
      ("{ \"a\" : [ 1 , -2.5e3 , \"x\\u0000y\" , true , false , null ] ,"
       " \"b\" : { \"\" : { } , \"c\\\"\" : [ [ ] ] } }"),
      "\"\\ud83d\\ude00\\u00e9\\t\"",
      "[9007199254740993, 0.1, -0, 1E+2]",
      "{\"result\":\"ok\",\"packet\":\"\\u0000\\u00ff\",\"rest\":\"\"}",
  };
  wr_json_doc *other = wr_json_doc_new();
  assert_non_null(other);
  wr_json_writer w1, w2;
  wr_jw_init(&w1);
  wr_jw_init(&w2);
  for (size_t i = 0; i < sizeof docs / sizeof docs[0]; i++) {
    wr_json_error err;
    const wr_json *v = parse(f, docs[i], &err);
    TU_CHECK(v != NULL, "doc %zu: %s", i, err.text);
    if (!v)
      continue;
    wr_jw_reset(&w1);
    wr_jw_value(&w1, v);
    assert_false(w1.failed);
    const wr_json *v2 = wr_json_parse(other, w1.buf, w1.len, NULL, &err);
    TU_CHECK(v2 != NULL, "doc %zu rewritten '%s': %s", i, w1.buf, err.text);
    if (!v2)
      continue;
    TU_CHECK(wr_json_equal(v, v2, NULL, 0), "doc %zu changed: '%s'", i, w1.buf);
    wr_jw_reset(&w2);
    wr_jw_value(&w2, v2);
    TU_CHECK(strcmp(w1.buf, w2.buf) == 0, "doc %zu: '%s' then '%s'", i, w1.buf,
             w2.buf);
  }
  wr_jw_free(&w1);
  wr_jw_free(&w2);
  wr_json_doc_free(other);
}

/* One document parses many inputs; a big one spills into more arena
 * blocks and the next small parse still works. */
static void test_doc_reuse(void **state) {
  fixture *f = *state;
  size_t n = 200000;
  char *big = malloc(n + 2);
  assert_non_null(big);
  big[0] = '[';
  size_t o = 1;
  while (o + 2 < n) {
    big[o++] = '1';
    big[o++] = ',';
  }
  big[o++] = '1';
  big[o++] = ']';
  wr_json_error err;
  const wr_json *v = wr_json_parse(f->doc, big, o, NULL, &err);
  assert_non_null(v);
  assert_int_equal(v->u.arr.count, (o - 1) / 2);
  for (int k = 0; k < 1000; k++) {
    char text[32];
    int len = snprintf(text, sizeof text, "{\"k\":%d}", k);
    v = parse_n(f, text, (size_t)len, NULL, &err);
    assert_non_null(v);
    assert_int_equal(wr_json_get(v, "k")->u.num.integer, k);
  }
  free(big);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_accepts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_structure, setup, teardown),
      cmocka_unit_test_setup_teardown(test_rejects, setup, teardown),
      cmocka_unit_test_setup_teardown(test_error_offset, setup, teardown),
      cmocka_unit_test_setup_teardown(test_duplicate_in_large_object, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_depth_limit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_size_limit, setup, teardown),
      cmocka_unit_test_setup_teardown(test_numbers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_string_escapes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_string_bytes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_equal, setup, teardown),
      cmocka_unit_test_setup_teardown(test_writer_shapes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_writer_misuse, setup, teardown),
      cmocka_unit_test_setup_teardown(test_writer_bytes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_writer_utf8, setup, teardown),
      cmocka_unit_test_setup_teardown(test_writer_round_trip, setup, teardown),
      cmocka_unit_test_setup_teardown(test_doc_reuse, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
