/* UTF-8 helpers shared by json.c (byte strings out of jansson's strings)
 * and the writer (json_write.c). Private to wirerig. */
#ifndef WIRERIG_BASE_JSON_UTF8_H
#define WIRERIG_BASE_JSON_UTF8_H

#include <stddef.h>

/* Length of the valid UTF-8 sequence at off (2..4), or 0. Rejects overlong
 * forms, encoded surrogates and code points above U+10FFFF. */
static inline size_t json_utf8_seq(const unsigned char *s, size_t n) {
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

/* Decodes one code point from valid UTF-8 (jansson, or json_utf8_seq,
 * has checked it). */
static inline unsigned long json_utf8_get(const unsigned char *s, size_t *k) {
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

#endif
