/* Helpers shared by every wirerig test.
 *
 * Three ideas, taken from the decoders we model ourselves on:
 *  - guard pages (picohttpparser): an input is copied so that its last byte
 *    sits right before a PROT_NONE page, so any read past the end crashes
 *    the test instead of passing by luck;
 *  - split runs (http-parser, llhttp): the same input is fed one-shot, one
 *    byte at a time and cut in two at every point, and every way of cutting
 *    it must produce the same event log;
 *  - failures that say where: every message carries the table row and the
 *    split being run (tu_where_set), so a red test is reproducible by eye.
 *
 * Include after <stdarg.h>, <stddef.h>, <stdint.h>, <setjmp.h> and <cmocka.h>
 * like any cmocka test, or on its own: it includes what it needs.
 */
#ifndef WIRERIG_TESTUTIL_H
#define WIRERIG_TESTUTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define TU_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define TU_PRINTF(f, a)
#endif

/* ---- byte literals in tables ------------------------------------------ */

/* A byte string in a table: TU_B("a\0b") keeps the embedded NUL. */
typedef struct tu_bytes {
  const char *p;
  size_t n;
} tu_bytes;
#define TU_B(lit)                                                              \
  { (lit), sizeof(lit) - 1 }

/* ---- growable strings (event logs, messages) -------------------------- */

typedef struct tu_str {
  char *s;
  size_t len, cap;
} tu_str;

void tu_str_printf(tu_str *b, const char *fmt, ...) TU_PRINTF(2, 3);
/* Appends p[0..n) as a double-quoted string: printable ASCII as is, \" \\
 * \r \n \t, every other byte as \xHH (lower-case hex). The same escaping is
 * used by the Erlang oracle script, so the two sides compare as text. */
void tu_str_quote(tu_str *b, const void *p, size_t n);
/* The text so far, "" for an empty string. */
const char *tu_str_c(const tu_str *b);
void tu_str_clear(tu_str *b);
void tu_str_free(tu_str *b);

/* ---- where are we (for failure messages) ------------------------------ */

/* Sets the context printed in front of every tu_fail message, e.g.
 * "row 'asn1 long form', split at 3". Empty by default. */
void tu_where_set(const char *fmt, ...) TU_PRINTF(1, 2);
const char *tu_where(void);

/* Fails the current cmocka test with "file:line: [where] message". */
void tu_fail_at(const char *file, int line, const char *fmt, ...)
    TU_PRINTF(3, 4);
#define TU_FAIL(...) tu_fail_at(__FILE__, __LINE__, __VA_ARGS__)
#define TU_CHECK(cond, ...)                                                    \
  do {                                                                         \
    if (!(cond))                                                               \
      tu_fail_at(__FILE__, __LINE__, __VA_ARGS__);                             \
  } while (0)

/* Counts checks made through tu_count(), so each test can print how many
 * cases it ran (and a test that ran none can fail). */
void tu_count(unsigned long n);
unsigned long tu_counted(void);

/* ---- guard pages ------------------------------------------------------- */

/* A buffer whose usable bytes end exactly at a PROT_NONE page. */
typedef struct tu_guard {
  uint8_t *map;   /* the whole mapping */
  size_t map_len; /* its length */
  uint8_t *end;   /* first byte of the protected page */
  size_t cap;     /* bytes usable in front of `end` */
} tu_guard;

/* Maps at least cap usable bytes followed by a guard page. Fails the test
 * if mmap or mprotect fail. */
void tu_guard_init(tu_guard *g, size_t cap);
/* Copies data[0..len) so that it ends at the guard page and returns where
 * it starts (len 0 returns g->end: a valid pointer to zero bytes, reading
 * through it crashes). Grows the mapping when len > cap, so earlier
 * pointers from this guard become invalid. */
const uint8_t *tu_guard_place(tu_guard *g, const void *data, size_t len);
void tu_guard_free(tu_guard *g);

/* ---- split runs -------------------------------------------------------- */

/* A decoder under test, seen as something that is fed chunks and writes an
 * event log. begin() resets it, feed() gets one chunk (which ends at a
 * guard page and is valid only during the call), end() appends whatever
 * remains to say (final status, bytes left). */
typedef struct tu_split_ops {
  void (*begin)(void *ctx, tu_str *log);
  void (*feed)(void *ctx, const uint8_t *chunk, size_t n, tu_str *log);
  void (*end)(void *ctx, tu_str *log);
} tu_split_ops;

/* Feeds input[0..len) through ops one-shot, byte at a time, and cut in two
 * at every point 1..len-1. The log of every run must equal `expect`, or,
 * when expect is NULL, the one-shot log. A difference fails the test with
 * the row name, the split and both logs. While a run is going on,
 * tu_where() names the row and the split. Returns the number of runs. */
size_t tu_split_run(const char *row, const void *input, size_t len,
                    const tu_split_ops *ops, void *ctx, const char *expect);

#endif
