#include "base/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wr_strbuf_reserve(wr_strbuf *b, size_t more) {
  if (b->oom)
    return -1;
  if (b->len + more + 1 <= b->cap)
    return 0;
  size_t cap = b->cap ? b->cap : 256;
  while (cap < b->len + more + 1) {
    if (cap > ((size_t)-1) / 2) {
      b->oom = 1;
      return -1;
    }
    cap *= 2;
  }
  char *p = realloc(b->p, cap);
  if (!p) {
    b->oom = 1;
    return -1;
  }
  b->p = p;
  b->cap = cap;
  return 0;
}

void wr_strbuf_put(wr_strbuf *b, const char *s, size_t n) {
  if (wr_strbuf_reserve(b, n))
    return;
  if (n)
    memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void wr_strbuf_puts(wr_strbuf *b, const char *s) {
  wr_strbuf_put(b, s, strlen(s));
}

void wr_strbuf_printf(wr_strbuf *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char small[256];
  int n = vsnprintf(small, sizeof small, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  if ((size_t)n < sizeof small) {
    wr_strbuf_put(b, small, (size_t)n);
    return;
  }
  if (wr_strbuf_reserve(b, (size_t)n))
    return;
  va_start(ap, fmt);
  vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
}

void wr_strbuf_quote(wr_strbuf *b, const unsigned char *s, size_t n) {
  wr_strbuf_put(b, "\"", 1);
  for (size_t i = 0; i < n; i++) {
    unsigned c = s[i];
    char tmp[5];
    switch (c) {
    case '"':
      wr_strbuf_put(b, "\\\"", 2);
      break;
    case '\\':
      wr_strbuf_put(b, "\\\\", 2);
      break;
    case '\n':
      wr_strbuf_put(b, "\\n", 2);
      break;
    case '\r':
      wr_strbuf_put(b, "\\r", 2);
      break;
    case '\t':
      wr_strbuf_put(b, "\\t", 2);
      break;
    default:
      if (c >= 0x20 && c < 0x7f) {
        tmp[0] = (char)c;
        wr_strbuf_put(b, tmp, 1);
      } else {
        snprintf(tmp, sizeof tmp, "\\x%02x", c);
        wr_strbuf_put(b, tmp, 4);
      }
    }
  }
  wr_strbuf_put(b, "\"", 1);
}

void wr_strbuf_clear(wr_strbuf *b) {
  b->len = 0;
  if (b->p)
    b->p[0] = '\0';
}

const char *wr_strbuf_text(const wr_strbuf *b) { return b->p ? b->p : ""; }

char *wr_strbuf_take(wr_strbuf *b) {
  if (b->oom) {
    wr_strbuf_free(b);
    return NULL;
  }
  char *p = b->p;
  if (!p) {
    p = malloc(1);
    if (p)
      p[0] = '\0';
  }
  b->p = NULL;
  b->len = b->cap = 0;
  return p;
}

void wr_strbuf_free(wr_strbuf *b) {
  free(b->p);
  b->p = NULL;
  b->len = b->cap = 0;
  b->oom = 0;
}
