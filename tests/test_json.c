/* The CLI's JSON: what is wirerig's own around jansson.
 *
 * - the writer (cli/json_write.c): shapes, misuse, byte strings and text,
 *   read back through jansson;
 * - wr_json_load: the flags wirerig parses with (duplicates refused,
 *   nothing after the value, \u0000 kept), given exact lengths -- every
 *   input ends at a guard page, so reading one byte too far crashes;
 * - wr_json_string_bytes: the byte-string encoding;
 * - `decode --batch` answers (cli/decode_batch.c), line by line: the
 *   bad_input details a person and a program act on (line, column,
 *   message) and a few good answers.
 *
 * jansson's own parsing is not retested here beyond what wirerig relies on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "decode.h"
#include "json.h"
#include "testutil.h"

typedef struct fixture {
  tu_guard guard;
} fixture;

static int setup(void **state) {
  fixture *f = calloc(1, sizeof *f);
  if (!f)
    return -1;
  tu_guard_init(&f->guard, 4096);
  *state = f;
  return 0;
}

static int teardown(void **state) {
  fixture *f = *state;
  tu_guard_free(&f->guard);
  free(f);
  return 0;
}

/* Parses text[0..len) placed against the guard page. */
static json_t *load_n(fixture *f, const char *text, size_t len,
                      json_error_t *err) {
  const uint8_t *p = tu_guard_place(&f->guard, text, len);
  return wr_json_load((const char *)p, len, err);
}

static json_t *load(fixture *f, const char *text, json_error_t *err) {
  return load_n(f, text, strlen(text), err);
}

/* ---- wr_json_load: the flags ------------------------------------------- */

static void test_load_accepts(void **state) {
  fixture *f = *state;
  static const struct {
    const char *text;
    json_type type;
  } rows[] = {
      /* JSON_DECODE_ANY: not only arrays and objects at the top. */
      {"null", JSON_NULL},
      {"true", JSON_TRUE},
      {" \t\r\n false \n", JSON_FALSE},
      {"-0", JSON_INTEGER},
      {"4294967295", JSON_INTEGER},
      {"-1.25E-3", JSON_REAL},
      {"\"\"", JSON_STRING},
      {"[1,[2,[3]]]", JSON_ARRAY},
      {"{ \"a\" : 1 , \"b\" : [true, null, {}] }", JSON_OBJECT},
      {"{\"\":0}", JSON_OBJECT},
      {"\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"", JSON_STRING},
      /* A line ending in CR (a CRLF file) is fine: CR is whitespace. */
      {"{\"a\":1}\r", JSON_OBJECT},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    json_error_t err;
    json_t *v = load(f, rows[i].text, &err);
    TU_CHECK(v != NULL, "'%s' rejected: %s", rows[i].text, err.text);
    if (v)
      TU_CHECK(json_typeof(v) == rows[i].type, "'%s' parsed as %s",
               rows[i].text, wr_json_type_name(v));
    json_decref(v);
  }
}

static void test_load_rejects(void **state) {
  fixture *f = *state;
  static const struct {
    const char *text;
    size_t len; /* 0: strlen(text) */
    const char *words;
  } rows[] = {
      /* JSON_REJECT_DUPLICATES */
      {"{\"a\":1,\"a\":2}", 0, "duplicate object key"},
      {"{\"x\":{\"a\":1,\"b\":2,\"a\":3}}", 0, "duplicate object key"},
      /* the end-of-input check (no JSON_DISABLE_EOF_CHECK) */
      {"{\"a\":1} x", 0, "end of file expected"},
      {"1 2", 0, "end of file expected"},
      {"truex", 0, ""},
      /* NUL is allowed in values, not in keys */
      {"{\"a\\u0000b\":1}", 0, "NUL byte in object key"},
      /* strictness the old parser had and the schema relies on */
      {"", 0, ""},
      {"[1,]", 0, ""},
      {"{\"a\":1,}", 0, ""},
      {"01", 0, ""},
      {"NaN", 0, ""},
      {"\"\\uD800\"", 0, "invalid Unicode"},
      {"\"\\uDC00\"", 0, "invalid Unicode"},
      {"\"a\tb\"", 0, "control character"},
      {"\"\0\"", 3, ""},
      {"\"\xc3\x28\"", 0, "unable to decode byte 0xc3"},
      {"\"\xed\xa0\x80\"", 0, ""}, /* an encoded surrogate */
      {"\xef\xbb\xbf"
       "1",
       0, ""}, /* no byte-order mark */
      {"\"abc", 0, ""},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    size_t len = rows[i].len ? rows[i].len : strlen(rows[i].text);
    json_error_t err;
    tu_where_set("row %zu", i);
    json_t *v = load_n(f, rows[i].text, len, &err);
    TU_CHECK(v == NULL, "accepted");
    json_decref(v);
    if (v)
      continue;
    TU_CHECK(strstr(err.text, rows[i].words) != NULL, "message '%s' lacks '%s'",
             err.text, rows[i].words);
  }
  tu_where_set("%s", "");
}

/* \u escapes, surrogate pairs and NUL come back as UTF-8 of the right
 * length. */
static void test_load_strings(void **state) {
  fixture *f = *state;
  static const struct {
    const char *text;
    const char *bytes;
    size_t len;
  } rows[] = {
      {"\"\\\"\\\\\\/\\b\\f\\n\\r\\t\"", "\"\\/\b\f\n\r\t", 8},
      {"\"a\\u0000b\"", "a\0b", 3},
      {"\"\\u0041\\u00e9\\u00E9\"", "A\xc3\xa9\xc3\xa9", 5},
      {"\"\\u20ac\"", "\xe2\x82\xac", 3},
      {"\"\\uD83D\\uDE00\"", "\xf0\x9f\x98\x80", 4},
      {"\"\\udbff\\udfff\"", "\xf4\x8f\xbf\xbf", 4},
  };
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    json_error_t err;
    json_t *v = load(f, rows[i].text, &err);
    TU_CHECK(json_is_string(v), "'%s': %s", rows[i].text,
             v ? "not a string" : err.text);
    if (json_is_string(v))
      TU_CHECK(
          json_string_length(v) == rows[i].len &&
              memcmp(json_string_value(v), rows[i].bytes, rows[i].len) == 0,
          "'%s' decoded to %zu bytes", rows[i].text, json_string_length(v));
    json_decref(v);
  }
}

static void test_type_names(void **state) {
  fixture *f = *state;
  static const struct {
    const char *text, *name;
  } rows[] = {{"null", "null"}, {"true", "boolean"}, {"false", "boolean"},
              {"1", "number"},  {"1.5", "number"},   {"\"\"", "string"},
              {"[]", "array"},  {"{}", "object"}};
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    json_error_t err;
    json_t *v = load(f, rows[i].text, &err);
    assert_non_null(v);
    assert_string_equal(wr_json_type_name(v), rows[i].name);
    json_decref(v);
  }
}

static void test_string_bytes(void **state) {
  fixture *f = *state;
  json_error_t err;
  uint8_t out[16];
  size_t n = 99, bad = 99;
  json_t *v = load(f, "\"\\u00ff\\u0000a\xc3\xa9\"", &err);
  assert_non_null(v);
  assert_int_equal(wr_json_string_bytes(v, out, &n, &bad), 0);
  assert_int_equal(n, 4);
  assert_memory_equal(out, "\xff\0a\xe9", 4);
  /* Counting only. */
  n = 0;
  assert_int_equal(wr_json_string_bytes(v, NULL, &n, &bad), 0);
  assert_int_equal(n, 4);
  json_decref(v);

  v = load(f, "\"\\u0100\"", &err);
  assert_int_equal(wr_json_string_bytes(v, out, &n, &bad), -1);
  assert_int_equal(bad, 0);
  json_decref(v);

  v = load(f, "\"ab\xe2\x82\xac\"", &err); /* a b EURO */
  assert_int_equal(wr_json_string_bytes(v, out, &n, &bad), -1);
  assert_int_equal(bad, 2);
  json_decref(v);

  v = load(f, "\"x\\ud83d\\ude00\"", &err); /* one character, U+1F600 */
  assert_int_equal(wr_json_string_bytes(v, out, &n, &bad), -1);
  assert_int_equal(bad, 1);
  json_decref(v);

  v = load(f, "17", &err);
  assert_int_equal(wr_json_string_bytes(v, out, &n, NULL), -1);
  json_decref(v);
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
  /* jansson reads it back as the same structure. */
  json_error_t err;
  json_t *v = wr_json_load(w.buf, w.len, &err);
  assert_non_null(v);
  assert_int_equal(json_object_size(v), 8);
  assert_int_equal(json_integer_value(json_object_get(v, "i")), -2147483648LL);
  assert_int_equal(json_array_size(json_object_get(v, "l")), 3);
  json_decref(v);
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
  wr_jw_object_begin(&w);
  wr_jw_key(&w, "a");
  wr_jw_key(&w, "b"); /* two keys in a row */
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
  uint8_t all[256], back[256];
  for (int k = 0; k < 256; k++)
    all[k] = (uint8_t)k;
  wr_jw_reset(&w);
  wr_jw_bytes(&w, all, sizeof all);
  for (size_t k = 0; k < w.len; k++)
    TU_CHECK((unsigned char)w.buf[k] >= 0x20 && (unsigned char)w.buf[k] < 0x7f,
             "byte 0x%02x at %zu is not printable ASCII",
             (unsigned char)w.buf[k], k);
  json_error_t err;
  json_t *v = load_n(f, w.buf, w.len, &err);
  TU_CHECK(v != NULL, "not JSON: %s", err.text);
  size_t n = 0;
  assert_int_equal(wr_json_string_bytes(v, back, &n, NULL), 0);
  assert_int_equal(n, 256);
  assert_memory_equal(back, all, 256);
  json_decref(v);
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
  json_error_t err;
  json_t *v = load_n(f, w.buf, w.len, &err);
  assert_non_null(v);
  assert_int_equal(json_string_length(v), sizeof text - 1);
  assert_memory_equal(json_string_value(v), text, sizeof text - 1);
  json_decref(v);
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

/* ---- decode --batch answers ------------------------------------------- */

/* One batch line and what its answer must be. */
typedef struct batch_row {
  const char *line;
  size_t len;    /* 0: strlen(line) */
  size_t lineno; /* the input line it is */
  const char *result;
  long column;       /* bad_input: the column member; 0 = must be absent */
  const char *words; /* bad_input: in the message after the position */
} batch_row;

static const batch_row batch_rows[] = {
    /* JSON syntax: jansson's column and message, after "invalid JSON". */
    {"{\"packet\":\"2\" \"input\":\"\"}", 0, 16, "bad_input", 21,
     "invalid JSON: '}' expected near '\"input\"'"},
    {"{\"packet\":\"2\",\"input\":\"\",\"input\":\"\"}", 0, 22, "bad_input", 32,
     "invalid JSON: duplicate object key near '\"input\"'"},
    {"{\"packet\":\"2\",\"input\":\"\"} x", 0, 3, "bad_input", 27,
     "end of file expected near 'x'"},
    {"{\"packet\":\"2\",\"input\":\"\"}{}", 0, 4, "bad_input", 26,
     "end of file expected"},
    {"{\"packet\":\"2\",", 0, 5, "bad_input", 14, "near end of file"},
    {"{\"a\\u0000\":1}", 0, 6, "bad_input", 10, "NUL byte in object key"},
    {"{\"packet\":\"2\",\"input\":\"\\uD800\"}", 0, 7, "bad_input", 30,
     "invalid Unicode '\\uD800'"},
    /* Columns count characters: the 'x' is the 10th. */
    {"[\"\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9\"] x", 0, 8, "bad_input", 10,
     "end of file expected near 'x'"},
    /* A byte that is not UTF-8: jansson stops at the string's quote. */
    {"{\"packet\":\"2\",\"input\":\"\xff\"}", 0, 9, "bad_input", 23,
     "unable to decode byte 0xff"},
    /* Valid JSON that is not a question: no column (jansson does not say
     * where values start), the member named instead. */
    {"[1]", 0, 21, "bad_input", 0, "expected an object, found array"},
    {"\"x\"", 0, 21, "bad_input", 0, "expected an object, found string"},
    {"", 0, 8, "bad_input", 0, "empty line (expected a JSON object)"},
    {"\r", 0, 8, "bad_input", 0, "empty line"},
    {"{\"packet\":\"2\",\"input\":\"\",\"foo\":1,\"bar\":2}", 0, 12,
     "bad_input", 0, "unknown field \"foo\"; expected packet, input"},
    {"{\"packet\":\"2\"}", 0, 17, "bad_input", 0, "missing field \"input\""},
    {"{\"input\":\"\"}", 0, 18, "bad_input", 0, "missing field \"packet\""},
    {"{\"packet\":2,\"input\":\"\"}", 0, 19, "bad_input", 0,
     "\"packet\": expected a string, found number"},
    {"{\"packet\":\"x3\",\"input\":\"\"}", 0, 10, "bad_input", 0,
     "\"packet\": unknown packet type \"x3\"; expected one of raw 0 1 2 4"},
    {"{\"packet\":\"2\\u0000\",\"input\":\"\"}", 0, 10, "bad_input", 0,
     "unknown packet type \"2\\x00\""},
    {"{\"packet\":\"2\",\"input\":null}", 0, 20, "bad_input", 0,
     "\"input\": expected a string, found null"},
    {"{\"packet\":\"2\",\"input\":\"\\u20ac\"}", 0, 11, "bad_input", 0,
     "\"input\": character 1 is above U+00FF"},
    {"{\"packet\":\"2\",\"input\":\"ab\\uD83D\\uDE00\"}", 0, 11, "bad_input", 0,
     "\"input\": character 3 is above U+00FF"},
    {"{\"packet\":\"2\",\"packet_size\":-1,\"input\":\"\"}", 0, 13, "bad_input",
     0, "\"packet_size\": expected an integer 0..4294967295, found -1"},
    {"{\"packet\":\"2\",\"packet_size\":1.5,\"input\":\"\"}", 0, 14,
     "bad_input", 0,
     "\"packet_size\": expected an integer 0..4294967295, "
     "found 1.5"},
    {"{\"packet\":\"2\",\"packet_size\":4294967296,\"input\":\"\"}", 0, 14,
     "bad_input", 0, "found 4294967296"},
    {"{\"packet\":\"2\",\"line_length\":\"1\",\"input\":\"\"}", 0, 14,
     "bad_input", 0,
     "\"line_length\": expected an integer 0..4294967295, "
     "found string"},
    {"{\"packet\":\"line\",\"line_delimiter\":256,\"input\":\"\"}", 0, 15,
     "bad_input", 0, "\"line_delimiter\": expected an integer 0..255"},
    {"{\"packet\":\"2\",\"line_delimiter\":44,\"input\":\"\"}", 0, 9,
     "bad_input", 0, "\"line_delimiter\" is only valid with packet \"line\""},
    /* Questions with answers. */
    {"{\"packet\":\"2\",\"input\":\"\\u0000\\u0003abcd\"}", 0, 1, "ok", 0,
     NULL},
    {"{\"input\":\"a,b\",\"line_delimiter\":44,\"packet\":\"line\"}", 0, 2,
     "ok", 0, NULL},
    {"{\"packet\":\"4\",\"input\":\"\\u0080\\u0000\\u0000\\u0000\"}", 0, 3,
     "error", 0, NULL},
    {"{\"packet\":\"asn1\",\"input\":\"0\\u0081\"}\r", 0, 4, "more", 0, NULL},
};

/* Checks one answer against its row; the answer is parsed back with
 * jansson so every member is looked at, not just some text. */
static void check_answer(const batch_row *r, const wr_json_writer *w) {
  TU_CHECK(!w->failed, "the writer failed");
  json_error_t err;
  json_t *a = wr_json_load(w->buf, w->len, &err);
  TU_CHECK(a != NULL, "answer '%s' is not JSON: %s", w->buf, err.text);
  if (!a)
    return;
  const char *result = json_string_value(json_object_get(a, "result"));
  TU_CHECK(result && strcmp(result, r->result) == 0, "answer '%s', expected %s",
           w->buf, r->result);
  if (strcmp(r->result, "bad_input") == 0) {
    const json_t *line = json_object_get(a, "line");
    const json_t *column = json_object_get(a, "column");
    const char *detail = json_string_value(json_object_get(a, "detail"));
    TU_CHECK(json_is_integer(line) &&
                 json_integer_value(line) == (json_int_t)r->lineno,
             "'%s': line member, expected %zu", w->buf, r->lineno);
    if (r->column)
      TU_CHECK(json_is_integer(column) &&
                   json_integer_value(column) == (json_int_t)r->column,
               "'%s': column member, expected %ld", w->buf, r->column);
    else
      TU_CHECK(column == NULL, "'%s': a column where none is known", w->buf);
    /* The detail starts with the same position, then the message. */
    char prefix[64];
    if (r->column)
      snprintf(prefix, sizeof prefix, "line %zu, column %ld: ", r->lineno,
               r->column);
    else
      snprintf(prefix, sizeof prefix, "line %zu: ", r->lineno);
    TU_CHECK(detail && strncmp(detail, prefix, strlen(prefix)) == 0,
             "'%s': detail does not start with '%s'", w->buf, prefix);
    TU_CHECK(detail && strstr(detail + strlen(prefix), r->words) != NULL,
             "'%s': detail lacks '%s'", w->buf, r->words);
    TU_CHECK(json_object_size(a) == (r->column ? 4u : 3u),
             "'%s': unexpected members", w->buf);
  }
  json_decref(a);
}

static void test_batch_answers(void **state) {
  fixture *f = *state;
  wr_json_writer w;
  wr_jw_init(&w);
  for (size_t i = 0; i < sizeof batch_rows / sizeof batch_rows[0]; i++) {
    const batch_row *r = &batch_rows[i];
    size_t len = r->len ? r->len : strlen(r->line);
    tu_where_set("row %zu '%s'", i, r->line);
    /* Against the guard page: the line is not NUL-terminated. */
    const uint8_t *p = tu_guard_place(&f->guard, r->line, len);
    wr_decode_batch_answer(&w, r->lineno, p, len);
    check_answer(r, &w);
  }
  tu_where_set("%s", "");
  wr_jw_free(&w);
}

/* Good questions: the exact answers (the schema in docs/cli.md). */
static void test_batch_exact(void **state) {
  (void)state;
  static const struct {
    const char *line, *answer;
  } rows[] = {
      {"{\"packet\":\"2\",\"input\":\"\\u0000\\u0003abcd\"}",
       "{\"result\":\"ok\",\"packet\":\"abc\",\"rest\":\"d\"}"},
      {"{\"packet\":\"line\",\"line_delimiter\":44,\"line_length\":0,"
       "\"packet_size\":0,\"input\":\"a,b\"}",
       "{\"result\":\"ok\",\"packet\":\"a,\",\"rest\":\"b\"}"},
      {"{\"packet\":\"asn1\",\"input\":\"0\\u0081\"}",
       "{\"result\":\"more\",\"length\":null}"},
      {"{\"packet\":\"httph_bin\",\"input\":\"content-md5: x\\r\\n\\r\\n\"}",
       "{\"result\":\"ok\",\"packet\":{\"type\":\"http_header\",\"index\":40,"
       "\"field\":\"Content-Md5\",\"field_known\":true,\"raw_field\":"
       "\"content-md5\",\"value\":\"x\"},\"rest\":\"\\u000d\\u000a\"}"},
      {"[1]", "{\"result\":\"bad_input\",\"detail\":\"line 7: expected an "
              "object, found array\",\"line\":7}"},
      {"{\"packet\":\"2\" \"input\":\"\"}",
       "{\"result\":\"bad_input\",\"detail\":\"line 7, column 21: invalid "
       "JSON: '}' expected near '\\\"input\\\"'\",\"line\":7,\"column\":21}"},
  };
  wr_json_writer w;
  wr_jw_init(&w);
  for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
    wr_decode_batch_answer(&w, 7, (const uint8_t *)rows[i].line,
                           strlen(rows[i].line));
    TU_CHECK(strcmp(w.buf, rows[i].answer) == 0,
             "'%s':\n  got      %s\n"
             "  expected %s",
             rows[i].line, w.buf, rows[i].answer);
  }
  wr_jw_free(&w);
}

/* A line too long to keep is answered from its length alone. */
static void test_batch_too_long(void **state) {
  (void)state;
  wr_json_writer w;
  wr_jw_init(&w);
  wr_decode_batch_answer(&w, 3, NULL, WR_DECODE_BATCH_MAX_LINE + 5);
  char want[200];
  snprintf(want, sizeof want,
           "{\"result\":\"bad_input\",\"detail\":\"line 3: the line is %zu "
           "bytes, more than the limit of %zu\",\"line\":3}",
           WR_DECODE_BATCH_MAX_LINE + 5, WR_DECODE_BATCH_MAX_LINE);
  assert_string_equal(w.buf, want);
  wr_jw_free(&w);
}

/* One writer answers many lines: each answer replaces the last. */
static void test_batch_reuse(void **state) {
  (void)state;
  wr_json_writer w;
  wr_jw_init(&w);
  for (int k = 0; k < 1000; k++) {
    char line[64], want[64];
    int len = snprintf(line, sizeof line,
                       "{\"packet\":\"1\",\"input\":\"\\u0001%d\"}", k % 10);
    wr_decode_batch_answer(&w, (size_t)k + 1, (const uint8_t *)line,
                           (size_t)len);
    snprintf(want, sizeof want,
             "{\"result\":\"ok\",\"packet\":\"%d\",\"rest\":\"\"}", k % 10);
    TU_CHECK(strcmp(w.buf, want) == 0, "line %d: %s", k + 1, w.buf);
  }
  wr_jw_free(&w);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_load_accepts, setup, teardown),
      cmocka_unit_test_setup_teardown(test_load_rejects, setup, teardown),
      cmocka_unit_test_setup_teardown(test_load_strings, setup, teardown),
      cmocka_unit_test_setup_teardown(test_type_names, setup, teardown),
      cmocka_unit_test_setup_teardown(test_string_bytes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_writer_shapes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_writer_misuse, setup, teardown),
      cmocka_unit_test_setup_teardown(test_writer_bytes, setup, teardown),
      cmocka_unit_test_setup_teardown(test_writer_utf8, setup, teardown),
      cmocka_unit_test_setup_teardown(test_batch_answers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_batch_exact, setup, teardown),
      cmocka_unit_test_setup_teardown(test_batch_too_long, setup, teardown),
      cmocka_unit_test_setup_teardown(test_batch_reuse, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
