/* A growing string for the runner (run_sb.h). */
#include "run_sb.h"

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wr_run_sb_reserve(wr_run_sb *b, size_t n) {
  if (b->oom)
    return -1;
  if (n > SIZE_MAX / 2 - b->len) {
    b->oom = 1;
    return -1;
  }
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap * 2 : 1024;
    while (cap < b->len + n + 1)
      cap *= 2;
    char *p = realloc(b->p, cap);
    if (!p) {
      b->oom = 1;
      return -1;
    }
    b->p = p;
    b->cap = cap;
  }
  return 0;
}

void wr_run_sb_clear(wr_run_sb *b) {
  b->len = 0;
  b->oom = 0;
  if (b->p)
    b->p[0] = '\0';
}

const char *wr_run_sb_text(const wr_run_sb *b) { return b->p ? b->p : ""; }

void wr_run_sb_puts(wr_run_sb *b, const char *s) {
  wr_run_sb_put(b, s, strlen(s));
}

void wr_run_sb_put(wr_run_sb *b, const char *s, size_t n) {
  if (wr_run_sb_reserve(b, n))
    return;
  if (n)
    memcpy(b->p + b->len, s, n);
  b->len += n;
  b->p[b->len] = '\0';
}

void wr_run_sb_printf(wr_run_sb *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  char tmp[2048];
  int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
  va_end(ap);
  if (n < 0)
    return;
  wr_run_sb_put(b, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}
