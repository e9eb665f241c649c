/* JSON for the `wirerig` command: reading through jansson, and a writer
 * of our own.
 *
 * Reader: jansson (json_loadb) with the flags below -- strict RFC 8259, no
 * duplicate keys, nothing after the value -- plus the one thing jansson
 * cannot know: wirerig's byte strings (wr_json_string_bytes).
 *
 * Writer (base/json_write.h): appends compact JSON to a growable buffer,
 * inserting the commas itself. It writes pure ASCII. Two kinds of strings: text
 * (UTF-8, non-ASCII written as \uXXXX) and byte strings, where every byte
 * becomes the code point of the same value (U+0000..U+00FF) -- the encoding
 * wirerig uses for packet bytes, so any byte sequence survives a trip through
 * JSON. jansson's encoder would need a json_t per value and writes UTF-8 rather
 * than the \u00XX escapes the batch schema promises, hence our own.
 */
#ifndef WIRERIG_CLI_JSON_H
#define WIRERIG_CLI_JSON_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/* ---- Reader ------------------------------------------------------------ */

/* How wirerig parses JSON:
 * - JSON_REJECT_DUPLICATES: {"a":1,"a":2} is an error, not a silent choice;
 * - JSON_DECODE_ANY: any value at the top, so callers can say "expected an
 *   object, found array" rather than jansson's "'[' or '{' expected";
 * - JSON_ALLOW_NUL: "\u0000" in strings, which byte strings need (jansson
 *   still refuses it in object keys).
 * Without JSON_DISABLE_EOF_CHECK, anything but whitespace after the value is
 * an error too. */
#define WR_JSON_LOAD_FLAGS                                                     \
  (JSON_REJECT_DUPLICATES | JSON_DECODE_ANY | JSON_ALLOW_NUL)

/* Parses text[0..len) (which need not be NUL-terminated). Returns a new
 * reference (json_decref it), or NULL with *err filled in: jansson's
 * line, column (in characters) and position (in bytes, both where it
 * stopped) and its message. */
json_t *wr_json_load(const char *text, size_t len, json_error_t *err);

/* "null", "boolean", "number", "string", "array", "object". */
const char *wr_json_type_name(const json_t *v);

/* Converts a string whose code points are all <= U+00FF to those bytes.
 * out needs room for json_string_length(s) bytes (never more is written);
 * out may be NULL to only count and check. Returns 0, or -1 when s is not
 * a string or holds a larger code point; then *bad_char (if not NULL) is
 * the 0-based index of that character. */
int wr_json_string_bytes(const json_t *s, uint8_t *out, size_t *out_len,
                         size_t *bad_char);

/* ---- Writer: base/json_write.h, shared with the libraries ---------- */

#include "base/json_write.h"

#endif
