/* The one way wirerig's parsers fill a caller's error buffer. Private to
 * wirerig's libraries. Header-only: the preload shim compiles the policy
 * parser on its own, without linking base. */
#ifndef WIRERIG_BASE_ERRTEXT_H
#define WIRERIG_BASE_ERRTEXT_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

/* Formats the message into err (nothing when err is NULL or errlen 0: a
 * caller that wants only the code) and returns code, so that a parser can
 * say `return wr_errf(err, errlen, WR_EINVAL, "...", ...);`. */
static inline int wr_errf(char *err, size_t errlen, int code, const char *fmt,
                          ...) __attribute__((format(printf, 4, 5)));
static inline int wr_errf(char *err, size_t errlen, int code, const char *fmt,
                          ...) {
  if (err && errlen) {
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
  }
  return code;
}

#endif
