/* Internal to the framing library: the byte scans of the HTTP line parser
 * (http.c, http_frame.c), each with an SSE2 body and a scalar one.
 *
 * SSE2 is used on x86-64, where every processor has it and a pointer and a
 * size_t are 8 bytes each (put_span_ relies on that). Everywhere else, or
 * when built with WR_HTTP_SCALAR=1 (CMake option WIRERIG_HTTP_SCALAR, and the
 * scalar library the tests build), one byte at a time. Both give the same
 * result byte for byte: test_framing_http and test_framing_http_scalar run
 * the same rows, as do test_framing_stream and its scalar twin.
 *
 * No scan reads outside [0, n) of the buffer it is given: a 16-byte load is
 * made only where 16 bytes remain, and the rest goes byte by byte.
 */
#ifndef WIRERIG_FRAMING_HTTP_SCAN_H
#define WIRERIG_FRAMING_HTTP_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "wirerig/framing.h"

#ifndef WR_HTTP_SCALAR
#define WR_HTTP_SCALAR 0
#endif
#if defined(__SSE2__) && defined(__x86_64__) && !WR_HTTP_SCALAR
#define WR_HTTP_SSE2 1
#include <emmintrin.h>
#else
#define WR_HTTP_SSE2 0
#endif

/* Token characters: 33..127 except the separators. DEL (127) counts as a
 * token character because OTP's separator table leaves it unset; real
 * Erlang accepts "X\177y: v" as a header. */
static inline int wr_http_is_token_(uint8_t c) {
  if (c <= 32 || c >= 128)
    return 0;
  switch (c) {
  case '(':
  case ')':
  case '<':
  case '>':
  case '@':
  case ',':
  case ';':
  case ':':
  case '\\':
  case '"':
  case '/':
  case '[':
  case ']':
  case '?':
  case '=':
  case '{':
  case '}':
    return 0;
  default:
    return 1;
  }
}

static inline int wr_http_is_sp_(uint8_t c) { return c == ' ' || c == '\t'; }

#if WR_HTTP_SSE2
static inline __m128i wr_load16_(const uint8_t *p) {
  return _mm_loadu_si128((const __m128i *)(const void *)p);
}

/* Token characters of 16 bytes at once: 33..127 (signed > 32) and none of
 * the separators, which fall in the ranges 0x28-0x29, 0x3a-0x40 and
 * 0x5b-0x5d or are one of " , / { }. */
static inline __m128i wr_token_mask_(__m128i v) {
  __m128i ok = _mm_cmpgt_epi8(v, _mm_set1_epi8(32));
#define WR_IN_RANGE(lo, hi)                                                    \
  _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8((char)((lo)-1))),              \
                _mm_cmplt_epi8(v, _mm_set1_epi8((char)((hi) + 1))))
  __m128i sep = _mm_or_si128(WR_IN_RANGE(0x28, 0x29), WR_IN_RANGE(0x3a, 0x40));
  sep = _mm_or_si128(sep, WR_IN_RANGE(0x5b, 0x5d));
#undef WR_IN_RANGE
  sep = _mm_or_si128(sep, _mm_cmpeq_epi8(v, _mm_set1_epi8('"')));
  sep = _mm_or_si128(sep, _mm_cmpeq_epi8(v, _mm_set1_epi8(',')));
  sep = _mm_or_si128(sep, _mm_cmpeq_epi8(v, _mm_set1_epi8('/')));
  sep = _mm_or_si128(sep, _mm_cmpeq_epi8(v, _mm_set1_epi8('{')));
  sep = _mm_or_si128(sep, _mm_cmpeq_epi8(v, _mm_set1_epi8('}')));
  return _mm_andnot_si128(sep, ok);
}
#endif

/* The first index >= p that is not a token character, or n. */
static inline size_t wr_http_token_end_(const uint8_t *buf, size_t p,
                                        size_t n) {
#if WR_HTTP_SSE2
  while (p + 16 <= n) {
    unsigned tok =
        (unsigned)_mm_movemask_epi8(wr_token_mask_(wr_load16_(buf + p)));
    if (tok != 0xffffu)
      return p + (size_t)__builtin_ctz(~tok & 0xffffu);
    p += 16;
  }
#endif
  while (p < n && wr_http_is_token_(buf[p]))
    p++;
  return p;
}

/* The first LF at or after p, or n. */
static inline size_t wr_http_find_lf_(const uint8_t *buf, size_t p, size_t n) {
#if WR_HTTP_SSE2
  /* Inline for the short values of most header lines, where a call to
   * memchr costs more than the scan. */
  const __m128i lf = _mm_set1_epi8('\n');
  while (p + 16 <= n) {
    unsigned m =
        (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(wr_load16_(buf + p), lf));
    if (m)
      return p + (size_t)__builtin_ctz(m);
    p += 16;
  }
  while (p < n && buf[p] != '\n')
    p++;
  return p;
#else
  const uint8_t *lf = p < n ? memchr(buf + p, '\n', n - p) : NULL;
  return lf ? (size_t)(lf - buf) : n;
#endif
}

/* The first SP, HT, CR or LF at or after p, or n: the end of a URI in the
 * common request line (a CR or LF sends the line to the general parser). */
static inline size_t wr_http_find_space_(const uint8_t *buf, size_t p,
                                         size_t n) {
#if WR_HTTP_SSE2
  while (p + 16 <= n) {
    __m128i v = wr_load16_(buf + p);
    __m128i m = _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(' ')),
                             _mm_cmpeq_epi8(v, _mm_set1_epi8('\t')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('\r')));
    m = _mm_or_si128(m, _mm_cmpeq_epi8(v, _mm_set1_epi8('\n')));
    unsigned bits = (unsigned)_mm_movemask_epi8(m);
    if (bits)
      return p + (size_t)__builtin_ctz(bits);
    p += 16;
  }
#endif
  while (p < n && buf[p] != ' ' && buf[p] != '\t' && buf[p] != '\r' &&
         buf[p] != '\n')
    p++;
  return p;
}

/* One span written whole. With SSE2 it is a single 16-byte store, so that a
 * caller copying the span (a 16-byte load, as compilers emit for a struct
 * copy) gets it from the store buffer instead of waiting for two 8-byte
 * stores to reach the cache (a store-forwarding stall, seen in perf on
 * bench_framing's HTTP cases). */
static inline void wr_put_span_(wr_span *s, const uint8_t *p, size_t len) {
#if WR_HTTP_SSE2
  _mm_storeu_si128((__m128i *)(void *)s,
                   _mm_set_epi64x((long long)len, (long long)(uintptr_t)p));
#else
  s->ptr = p;
  s->len = len;
#endif
}

/* The canonical name upper-cases the first letter and each letter after a
 * '-', lower-cases the rest; a '-' in the upper-case position does not
 * re-arm it ("a--b" -> "A--b"). One byte at a time from p, with `up` the
 * state after byte p - 1; returns the end of the token run (<= n). */
static inline size_t wr_http_scan_name_scalar_(const uint8_t *buf, size_t p,
                                               size_t n, int up,
                                               uint8_t *canon) {
  while (p < n && wr_http_is_token_(buf[p])) {
    uint8_t c = buf[p];
    if (p < WR_HTTP_MAX_NAME_LEN) {
      if (up) {
        if (c >= 'a' && c <= 'z')
          c = (uint8_t)(c - ('a' - 'A'));
        up = 0;
      } else if (c >= 'A' && c <= 'Z') {
        c = (uint8_t)(c + ('a' - 'A'));
      } else if (c == '-') {
        up = 1;
      }
      canon[p] = c;
    }
    p++;
  }
  return p;
}

#if WR_HTTP_SSE2
/* The same scan 16 bytes at a time while the chunk and its canonical form
 * fit (the buffer and field_buf_). Without two '-' in a row, a byte is in
 * the upper-case position exactly when it is first or follows a '-', so the
 * case change is a shift and two range tests; a "--" (or a leading '-')
 * hands the rest to the scalar loop, which knows the alternation. */
static inline __attribute__((always_inline)) size_t
wr_http_scan_name_(const uint8_t *buf, size_t n, uint8_t *canon) {
  size_t p = 0;
  __m128i prev_dash = _mm_setr_epi8(-1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
                                    0, 0); /* "byte 0 is up" */
  int carry = 0;                           /* the previous chunk ended in '-' */
  if (n == 0 || buf[0] == '-')
    return wr_http_scan_name_scalar_(buf, 0, n, 1, canon);
  const __m128i k32 = _mm_set1_epi8(32);
  while (p + 16 <= n && p + 16 <= WR_HTTP_MAX_NAME_LEN) {
    __m128i v = wr_load16_(buf + p);
    /* Letters (either case), digits and '-' are token characters, and the
     * names seen in practice are made of them: test that class first, and
     * the full token set only when something else comes before the ':'. */
    __m128i x = _mm_or_si128(v, k32);
    __m128i letter = _mm_and_si128(_mm_cmpgt_epi8(x, _mm_set1_epi8('a' - 1)),
                                   _mm_cmplt_epi8(x, _mm_set1_epi8('z' + 1)));
    __m128i dash = _mm_cmpeq_epi8(v, _mm_set1_epi8('-'));
    __m128i digit = _mm_and_si128(_mm_cmpgt_epi8(v, _mm_set1_epi8('0' - 1)),
                                  _mm_cmplt_epi8(v, _mm_set1_epi8('9' + 1)));
    unsigned tok = (unsigned)_mm_movemask_epi8(
        _mm_or_si128(_mm_or_si128(letter, dash), digit));
    unsigned run = ~tok & 0xffffu; /* bytes outside the class */
    unsigned len = run ? (unsigned)__builtin_ctz(run) : 16u;
    if (len < 16 && buf[p + len] != ':') {
      tok = (unsigned)_mm_movemask_epi8(wr_token_mask_(v));
      run = ~tok & 0xffffu; /* non-token bytes */
      len = run ? (unsigned)__builtin_ctz(run) : 16u;
    }
    unsigned keep = len == 16 ? 0xffffu : (1u << len) - 1u;
    unsigned dm = (unsigned)_mm_movemask_epi8(dash) & keep;
    if ((dm & (dm << 1)) || (carry && (dm & 1u)))
      return wr_http_scan_name_scalar_(buf, 0, n, 1,
                                       canon); /* rare: start over */
    /* Every letter lower-cased, then those in the upper-case position
     * upper-cased; other bytes unchanged. */
    __m128i up = _mm_or_si128(_mm_slli_si128(dash, 1), prev_dash);
    __m128i c = _mm_or_si128(v, _mm_and_si128(letter, k32));
    c = _mm_sub_epi8(c, _mm_and_si128(_mm_and_si128(letter, up), k32));
    _mm_storeu_si128((__m128i *)(void *)(canon + p), c);
    if (len < 16)
      return p + len;
    carry = (dm >> 15) & 1u;
    prev_dash =
        carry ? _mm_setr_epi8(-1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
              : _mm_setzero_si128();
    p += 16;
  }
  /* The tail: a '-' at p - 1 that was not itself up arms byte p. */
  return wr_http_scan_name_scalar_(buf, p, n, p == 0 || carry, canon);
}
#else
static inline __attribute__((always_inline)) size_t
wr_http_scan_name_(const uint8_t *buf, size_t n, uint8_t *canon) {
  return wr_http_scan_name_scalar_(buf, 0, n, 1, canon);
}
#endif

#endif
