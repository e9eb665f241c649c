/* Reading JSON through jansson (the writer is json_write.c); see json.h. */
#include "json.h"
#include "json_utf8.h"

json_t *wr_json_load(const char *text, size_t len, json_error_t *err) {
  return json_loadb(text, len, WR_JSON_LOAD_FLAGS, err);
}

const char *wr_json_type_name(const json_t *v) {
  switch (json_typeof(v)) {
  case JSON_NULL:
    return "null";
  case JSON_TRUE:
  case JSON_FALSE:
    return "boolean";
  case JSON_INTEGER:
  case JSON_REAL:
    return "number";
  case JSON_STRING:
    return "string";
  case JSON_ARRAY:
    return "array";
  case JSON_OBJECT:
    return "object";
  }
  return "?";
}

int wr_json_string_bytes(const json_t *s, uint8_t *out, size_t *out_len,
                         size_t *bad_char) {
  if (!json_is_string(s))
    return -1;
  /* jansson keeps strings as valid UTF-8 (it checks what it parses), so
   * decoding need not check again. */
  const unsigned char *p = (const unsigned char *)json_string_value(s);
  size_t n = json_string_length(s), k = 0, o = 0, chars = 0;
  while (k < n) {
    unsigned long cp = json_utf8_get(p, &k);
    if (cp > 0xFF) {
      if (bad_char)
        *bad_char = chars;
      return -1;
    }
    if (out)
      out[o] = (uint8_t)cp;
    o++;
    chars++;
  }
  *out_len = o;
  return 0;
}
