/* A small, strict JSON reader (and the writer) for the `wirerig` command.
 *
 * Reader: RFC 8259 exactly, nothing more. No comments, no trailing commas,
 * no NaN/Infinity, no leading zeros, no byte-order mark, no duplicate keys in
 * an object, strings must be valid UTF-8 and may not hold lone surrogates.
 * It builds a read-only tree in an arena owned by a wr_json_doc; a document
 * is reused from one parse to the next, so parsing many small documents (one
 * per input line) allocates almost nothing. Nesting depth and input size are
 * limited, and every rejection says where ("line 1, column 17") and what was
 * expected and found.
 *
 * Writer: base/json_write.h (shared with the libraries); wr_jw_value here
 * writes a parsed value back.
 */
#ifndef WIRERIG_CLI_JSON_H
#define WIRERIG_CLI_JSON_H

#include <stddef.h>
#include <stdint.h>

#include "base/json_write.h"

typedef enum wr_json_type {
  WR_JSON_NULL,
  WR_JSON_BOOL,
  WR_JSON_NUMBER,
  WR_JSON_STRING,
  WR_JSON_ARRAY,
  WR_JSON_OBJECT
} wr_json_type;

/* A place in the input: byte offset from 0; line and column from 1. Columns
 * count characters (UTF-8 sequences), not bytes. */
typedef struct wr_json_pos {
  size_t offset, line, column;
} wr_json_pos;

typedef struct wr_json wr_json;

typedef struct wr_json_member {
  const char *key; /* NUL-terminated UTF-8; key_len excludes the NUL */
  size_t key_len;
  wr_json_pos key_pos;
  const wr_json *value;
} wr_json_member;

/* Integers up to 2^53 in magnitude are exact. */
#define WR_JSON_MAX_SAFE_INT 9007199254740992LL

struct wr_json {
  wr_json_type type;
  wr_json_pos pos; /* where the value starts, for callers' messages */
  union {
    int boolean;
    struct {
      /* is_integer: written without fraction or exponent and within
       * +-2^53; then `integer` holds it exactly. `number` is always set. */
      int is_integer;
      int64_t integer;
      double number;
      const char *text; /* the literal as written, NUL-terminated */
    } num;
    struct {
      const char *ptr; /* UTF-8, NUL-terminated, may contain NUL */
      size_t len;
    } str;
    struct {
      const wr_json *const *items;
      size_t count;
    } arr;
    struct {
      const wr_json_member *members; /* in input order */
      size_t count;
    } obj;
  } u;
};

#define WR_JSON_DEFAULT_MAX_DEPTH 64
#define WR_JSON_DEFAULT_MAX_SIZE ((size_t)64 << 20)

typedef struct wr_json_limits {
  size_t max_depth; /* arrays/objects nested deeper are rejected; 0 = default */
  size_t max_size;  /* longer input is rejected; 0 = default */
} wr_json_limits;

typedef struct wr_json_error {
  wr_json_pos pos;
  char what[160]; /* "expected ',' or '}' but found 'x'" */
  char text[224]; /* "line 1, column 17: " + what */
} wr_json_error;

typedef struct wr_json_doc wr_json_doc;

/* NULL when out of memory. */
wr_json_doc *wr_json_doc_new(void);
void wr_json_doc_free(wr_json_doc *doc);

/* Parses text[0..len) (which need not be NUL-terminated). Returns the root,
 * valid until the next parse with the same doc or its free; or NULL with
 * *err filled in (also for out of memory). limits may be NULL. */
const wr_json *wr_json_parse(wr_json_doc *doc, const char *text, size_t len,
                             const wr_json_limits *limits, wr_json_error *err);

/* "null", "boolean", "number", "string", "array", "object". */
const char *wr_json_type_name(wr_json_type type);

/* The member `key` of an object; NULL when absent or v is not an object. */
const wr_json *wr_json_get(const wr_json *v, const char *key);

/* Structural equality: object members compare regardless of order, numbers
 * by value (integers exactly). Returns 1 when equal. When they differ and
 * path is not NULL, writes where, e.g. "packet.uri.port" or "version[1]"
 * ("" for the root). */
int wr_json_equal(const wr_json *a, const wr_json *b, char *path,
                  size_t path_size);

/* Converts a string whose code points are all <= U+00FF to those bytes.
 * out needs room for s->u.str.len bytes (never more is written). Returns 0,
 * or -1 when s is not a string or holds a larger code point; then *bad_char
 * (if not NULL) is the 0-based index of that character. */
int wr_json_string_bytes(const wr_json *s, uint8_t *out, size_t *out_len,
                         size_t *bad_char);

/* ---- Writer (base/json_write.h) ----------------------------------------- */

/* Any parsed value, compactly (numbers exactly as they were written). */
void wr_jw_value(wr_json_writer *w, const wr_json *v);

#endif
