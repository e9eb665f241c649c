/* The JSON writer; see json.h. It appends to one growable buffer and
 * tracks, per open container, whether a comma is due, so callers never
 * write punctuation themselves. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "json.h"
#include "json_utf8.h"

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
      size_t len = json_utf8_seq(s + k, n - k);
      if (!len) {
        put_u(w, 0xFFFD);
        rc = -1;
        k++;
        continue;
      }
      size_t kk = k;
      unsigned long cp = json_utf8_get(s, &kk);
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
