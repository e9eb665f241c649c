/* Helpers shared by the fuzz targets: options read from the front of the
 * input, exact-size heap copies (so AddressSanitizer catches any read past
 * the end), span checks and oracle failures.
 *
 * An oracle failure prints what went wrong and calls abort(), which both
 * libFuzzer and replay_main report as a crash of the current input.
 */
#ifndef WIRERIG_FUZZ_UTIL_H
#define WIRERIG_FUZZ_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/framing.h"

/* Every target defines this; replay_main.c calls it on corpus files. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The unread part of the input. */
typedef struct fz_in {
  const uint8_t *p;
  size_t n;
} fz_in;

/* The next byte, or 0 once the input is exhausted (so a short input means
 * "every option at its default"). */
uint8_t fz_u8(fz_in *in);
/* Takes up to n bytes; *got says how many there were. */
const uint8_t *fz_bytes(fz_in *in, size_t n, size_t *got);

/* A packet_size / line_length / buffer value from one byte, biased towards
 * the values where the rules change: 0 (no limit) and small numbers, then
 * a few hundred, then the boundaries (1460, 2^16, INT_MAX - header sizes,
 * 2^32 - 1). */
uint32_t fz_limit(uint8_t code);
/* The line delimiter: code 0 is '\n' (the default), every byte reachable. */
uint8_t fz_delimiter(uint8_t code);

/* malloc(n) (at least one byte) holding a copy of p; aborts on failure. */
uint8_t *fz_copy(const uint8_t *p, size_t n);
void *fz_xmalloc(size_t n);
void *fz_xrealloc(void *p, size_t n);

/* Oracle failure: prints file:line, the failed condition and a message. */
#if defined(__GNUC__)
__attribute__((noreturn, format(printf, 4, 5)))
#endif
void fz_fail(const char *file, int line, const char *cond, const char *fmt,
             ...);

#define FZ_CHECK(cond, ...)                                                    \
  do {                                                                         \
    if (!(cond))                                                               \
      fz_fail(__FILE__, __LINE__, #cond, __VA_ARGS__);                         \
  } while (0)

/* Nonzero when s is empty or lies inside base[0..n). Compares addresses as
 * integers: the span may point anywhere when the library is wrong. */
int fz_span_in(wr_span s, const uint8_t *base, size_t n);

/* HTTP token characters: 33..127 except the separators ()<>@,;:\"/[]?={} */
int fz_is_token(uint8_t c);

/* p[0..n) as C-escaped text (first 96 bytes), for messages. The result
 * lives in a static buffer until the next call. */
const char *fz_escape(const uint8_t *p, size_t n);

#endif
