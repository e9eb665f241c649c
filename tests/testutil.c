#include "testutil.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

/* ---- strings ----------------------------------------------------------- */

static void str_reserve(tu_str *b, size_t more) {
  if (b->len + more + 1 <= b->cap)
    return;
  size_t cap = b->cap ? b->cap : 64;
  while (cap < b->len + more + 1)
    cap *= 2;
  char *s = realloc(b->s, cap);
  if (s == NULL) {
    /* Out of memory in a test helper: nothing sensible to report through. */
    fprintf(stderr, "testutil: out of memory\n");
    abort();
  }
  b->s = s;
  b->cap = cap;
}

static void str_vprintf(tu_str *b, const char *fmt, va_list ap) TU_PRINTF(2, 0);
static void str_vprintf(tu_str *b, const char *fmt, va_list ap) {
  va_list ap2;
  va_copy(ap2, ap);
  int n = vsnprintf(NULL, 0, fmt, ap2);
  va_end(ap2);
  if (n < 0)
    return;
  str_reserve(b, (size_t)n);
  vsnprintf(b->s + b->len, (size_t)n + 1, fmt, ap);
  b->len += (size_t)n;
}

void tu_str_printf(tu_str *b, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  str_vprintf(b, fmt, ap);
  va_end(ap);
}

void tu_str_quote(tu_str *b, const void *p, size_t n) {
  const uint8_t *s = p;
  str_reserve(b, n * 4 + 2);
  b->s[b->len++] = '"';
  for (size_t i = 0; i < n; i++) {
    uint8_t c = s[i];
    switch (c) {
    case '"':
      tu_str_printf(b, "\\\"");
      break;
    case '\\':
      tu_str_printf(b, "\\\\");
      break;
    case '\r':
      tu_str_printf(b, "\\r");
      break;
    case '\n':
      tu_str_printf(b, "\\n");
      break;
    case '\t':
      tu_str_printf(b, "\\t");
      break;
    default:
      if (c >= 0x20 && c <= 0x7e)
        tu_str_printf(b, "%c", c);
      else
        tu_str_printf(b, "\\x%02x", c);
    }
  }
  tu_str_printf(b, "\"");
}

const char *tu_str_c(const tu_str *b) { return b->s ? b->s : ""; }

void tu_str_clear(tu_str *b) {
  b->len = 0;
  if (b->s)
    b->s[0] = '\0';
}

void tu_str_free(tu_str *b) {
  free(b->s);
  b->s = NULL;
  b->len = b->cap = 0;
}

/* ---- context and failures ---------------------------------------------- */

static char where_buf[512];
static unsigned long checks_counted;

void tu_where_set(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(where_buf, sizeof where_buf, fmt, ap);
  va_end(ap);
}

const char *tu_where(void) { return where_buf; }

void tu_fail_at(const char *file, int line, const char *fmt, ...) {
  tu_str msg = {0};
  va_list ap;
  va_start(ap, fmt);
  str_vprintf(&msg, fmt, ap);
  va_end(ap);
  if (where_buf[0])
    print_error("%s:%d: [%s] %s\n", file, line, where_buf, tu_str_c(&msg));
  else
    print_error("%s:%d: %s\n", file, line, tu_str_c(&msg));
  tu_str_free(&msg);
  _fail(file, line); /* longjmps out of the test */
}

void tu_count(unsigned long n) { checks_counted += n; }
unsigned long tu_counted(void) { return checks_counted; }

/* ---- guard pages -------------------------------------------------------- */

static size_t page_size(void) {
  long ps = sysconf(_SC_PAGESIZE);
  return ps > 0 ? (size_t)ps : 4096;
}

void tu_guard_init(tu_guard *g, size_t cap) {
  size_t ps = page_size();
  size_t usable = (cap + ps - 1) / ps * ps;
  if (usable == 0)
    usable = ps;
  size_t len = usable + ps;
  void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
                 -1, 0);
  if (m == MAP_FAILED)
    TU_FAIL("tu_guard_init: mmap of %zu bytes failed", len);
  if (mprotect((uint8_t *)m + usable, ps, PROT_NONE) != 0)
    TU_FAIL("tu_guard_init: mprotect of the guard page failed");
  g->map = m;
  g->map_len = len;
  g->end = (uint8_t *)m + usable;
  g->cap = usable;
}

const uint8_t *tu_guard_place(tu_guard *g, const void *data, size_t len) {
  if (len > g->cap) {
    tu_guard_free(g);
    tu_guard_init(g, len);
  }
  uint8_t *dst = g->end - len;
  if (len)
    memmove(dst, data, len);
  return dst;
}

void tu_guard_free(tu_guard *g) {
  if (g->map)
    munmap(g->map, g->map_len);
  memset(g, 0, sizeof *g);
}

/* ---- split runs --------------------------------------------------------- */

/* One run: input cut at cuts[0..ncuts), each chunk placed at a guard. */
static void split_once(const uint8_t *in, size_t len, const size_t *cuts,
                       size_t ncuts, const tu_split_ops *ops, void *ctx,
                       tu_guard *g, tu_str *log) {
  tu_str_clear(log);
  ops->begin(ctx, log);
  size_t from = 0;
  for (size_t i = 0; i <= ncuts; i++) {
    size_t to = i < ncuts ? cuts[i] : len;
    const uint8_t *chunk = tu_guard_place(g, in + from, to - from);
    ops->feed(ctx, chunk, to - from, log);
    from = to;
  }
  ops->end(ctx, log);
}

static void split_compare(const char *row, const char *split, const tu_str *got,
                          const char *want, const char *want_from) {
  if (strcmp(tu_str_c(got), want) != 0)
    TU_FAIL("row '%s', %s: event log differs from %s\n  expected: %s\n  "
            "got:      %s",
            row, split, want_from, want, tu_str_c(got));
}

size_t tu_split_run(const char *row, const void *input, size_t len,
                    const tu_split_ops *ops, void *ctx, const char *expect) {
  const uint8_t *in = input;
  tu_guard g;
  tu_guard_init(&g, len ? len : 1);
  tu_str oneshot = {0}, log = {0};
  size_t runs = 0;
  size_t *cuts = calloc(len ? len : 1, sizeof *cuts);
  if (cuts == NULL)
    TU_FAIL("tu_split_run: out of memory");

  tu_where_set("row '%s', one-shot", row);
  split_once(in, len, NULL, 0, ops, ctx, &g, &oneshot);
  runs++;
  const char *want = expect ? expect : tu_str_c(&oneshot);
  const char *want_from = expect ? "the table" : "the one-shot run";
  if (expect)
    split_compare(row, "one-shot", &oneshot, want, want_from);

  /* byte at a time: cuts at 1, 2, ..., len-1 */
  for (size_t i = 1; i < len; i++)
    cuts[i - 1] = i;
  tu_where_set("row '%s', byte-at-a-time", row);
  split_once(in, len, cuts, len ? len - 1 : 0, ops, ctx, &g, &log);
  runs++;
  split_compare(row, "byte-at-a-time", &log, want, want_from);

  for (size_t k = 1; k < len; k++) {
    char name[64];
    snprintf(name, sizeof name, "split at %zu", k);
    tu_where_set("row '%s', %s", row, name);
    cuts[0] = k;
    split_once(in, len, cuts, 1, ops, ctx, &g, &log);
    runs++;
    split_compare(row, name, &log, want, want_from);
  }

  tu_where_set("%s", "");
  free(cuts);
  tu_str_free(&oneshot);
  tu_str_free(&log);
  tu_guard_free(&g);
  tu_count(runs);
  return runs;
}
