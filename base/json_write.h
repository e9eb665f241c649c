/* A small JSON writer, private to wirerig (the libraries' manifests and
 * the command's --json output).
 *
 * It appends compact JSON to a growable buffer, inserting the commas
 * itself. It writes pure ASCII. Two kinds of strings: text (UTF-8, non-ASCII
 * written as \uXXXX) and byte strings, where every byte becomes the code
 * point of the same value (U+0000..U+00FF) -- the encoding wirerig uses for
 * packet bytes, so any byte sequence survives a trip through JSON.
 */
#ifndef WIRERIG_BASE_JSON_WRITE_H
#define WIRERIG_BASE_JSON_WRITE_H

#include <stddef.h>
#include <stdint.h>

/* ---- Writer ------------------------------------------------------------ */

#define WR_JSON_WRITER_MAX_DEPTH 64

typedef struct wr_json_writer {
  char *buf; /* NUL-terminated whenever len > 0 */
  size_t len, cap;
  /* Set when memory ran out or the calls did not nest properly; the output
   * is then incomplete and must not be used. */
  int failed;
  unsigned depth;
  int after_key;
  unsigned char has_items[WR_JSON_WRITER_MAX_DEPTH];
} wr_json_writer;

void wr_jw_init(wr_json_writer *w);
void wr_jw_free(wr_json_writer *w);
/* Empties the output, keeps the memory. */
void wr_jw_reset(wr_json_writer *w);

void wr_jw_object_begin(wr_json_writer *w);
void wr_jw_object_end(wr_json_writer *w);
void wr_jw_array_begin(wr_json_writer *w);
void wr_jw_array_end(wr_json_writer *w);
/* A member name (UTF-8, NUL-terminated); the next call writes its value. */
void wr_jw_key(wr_json_writer *w, const char *key);

void wr_jw_null(wr_json_writer *w);
void wr_jw_bool(wr_json_writer *w, int b);
void wr_jw_int(wr_json_writer *w, int64_t v);
void wr_jw_uint(wr_json_writer *w, uint64_t v);
/* A byte string: byte b is written as code point U+00bb. '"' and '\\' are
 * backslash-escaped; bytes < 0x20 and >= 0x7F as \u00XX. */
void wr_jw_bytes(wr_json_writer *w, const void *p, size_t n);
/* A text string. Returns 0, or -1 when s is not valid UTF-8 (each bad byte
 * is then written as U+FFFD). */
int wr_jw_utf8(wr_json_writer *w, const char *s, size_t n);
void wr_jw_str(wr_json_writer *w, const char *s); /* NUL-terminated UTF-8 */
/* Raw text outside the JSON grammar, e.g. "\n" between lines. */
void wr_jw_raw(wr_json_writer *w, const char *s, size_t n);
/* A value written exactly as given (a number literal already in JSON
 * form), with the comma before it. */
void wr_jw_literal(wr_json_writer *w, const char *s, size_t n);
/* A member name of n bytes of UTF-8 (may hold NUL). */
void wr_jw_key_utf8(wr_json_writer *w, const char *key, size_t n);

#endif
