#include "fuzz_util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint8_t fz_u8(fz_in *in) {
  if (in->n == 0)
    return 0;
  in->n--;
  return *in->p++;
}

const uint8_t *fz_bytes(fz_in *in, size_t n, size_t *got) {
  const uint8_t *p = in->p;
  if (n > in->n)
    n = in->n;
  in->p += n;
  in->n -= n;
  *got = n;
  return p;
}

uint32_t fz_limit(uint8_t code) {
  /* Where the framing rules change: around 1460 (gen_tcp's default buffer),
   * 2^16 (packet 2, tpkt), INT_MAX minus a header length (the size rule of
   * semantics §1.2) and 2^32 - 1 (the largest option value). */
  static const uint32_t edges[] = {
      1459u,       1460u,       1461u,       65535u,
      65536u,      65537u,      1u << 20,    0x7ffffff0u,
      0x7ffffffau, 0x7ffffffbu, 0x7ffffffcu, 0x7ffffffeu,
      0x7fffffffu, 0x80000000u, 0xfffffffeu, 0xffffffffu};
  if (code < 128)
    return code;
  if (code < 192)
    return 128u + (uint32_t)(code - 128) * 24u;
  return edges[(code - 192) % (sizeof edges / sizeof edges[0])];
}

uint8_t fz_delimiter(uint8_t code) { return (uint8_t)(code ^ '\n'); }

void *fz_xmalloc(size_t n) {
  void *p = malloc(n ? n : 1);
  if (!p) {
    fprintf(stderr, "fuzz: out of memory allocating %zu bytes\n", n);
    abort();
  }
  return p;
}

void *fz_xrealloc(void *p, size_t n) {
  void *q = realloc(p, n ? n : 1);
  if (!q) {
    fprintf(stderr, "fuzz: out of memory reallocating %zu bytes\n", n);
    abort();
  }
  return q;
}

uint8_t *fz_copy(const uint8_t *p, size_t n) {
  uint8_t *q = fz_xmalloc(n);
  if (n)
    memcpy(q, p, n);
  return q;
}

void fz_fail(const char *file, int line, const char *cond, const char *fmt,
             ...) {
  va_list ap;
  fprintf(stderr, "\n%s:%d: fuzz oracle violated: %s\n  ", file, line, cond);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n");
  fflush(stderr);
  abort();
}

int fz_span_in(wr_span s, const uint8_t *base, size_t n) {
  if (s.len == 0)
    return 1;
  uintptr_t b = (uintptr_t)base, p = (uintptr_t)s.ptr;
  return p >= b && p - b <= n && s.len <= n - (p - b);
}

int fz_is_token(uint8_t c) {
  /* 127 included: OTP's table leaves DEL unset, so Erlang accepts
   * "X\177y: v" (an earlier reference said 33..126; checked against
   * OTP 25, semantics §3.2). */
  if (c < 33 || c > 127)
    return 0;
  return strchr("()<>@,;:\\\"/[]?={}", c) == NULL;
}

const char *fz_escape(const uint8_t *p, size_t n) {
  static char out[4 * 96 + 8];
  size_t o = 0;
  for (size_t i = 0; i < n && i < 96; i++) {
    uint8_t c = p[i];
    if (c >= 32 && c < 127 && c != '"' && c != '\\')
      out[o++] = (char)c;
    else
      o += (size_t)snprintf(out + o, sizeof out - o, "\\x%02x", c);
  }
  if (n > 96)
    o += (size_t)snprintf(out + o, sizeof out - o, "...");
  out[o] = '\0';
  return out;
}
