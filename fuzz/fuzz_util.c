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
   * SEMANTICS.md 1.2) and 2^32 - 1 (the largest option value). */
  static const uint32_t edges[] = {
      1459u,       1460u,       1461u,       65535u,      65536u,
      65537u,      1u << 20,    0x7ffffff0u, 0x7ffffffau, 0x7ffffffbu,
      0x7ffffffcu, 0x7ffffffeu, 0x7fffffffu, 0x80000000u, 0xfffffffeu,
      0xffffffffu};
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
   * "X\177y: v" (SEMANTICS.md 3.2 says 33..126; the experiment wins). */
  if (c < 33 || c > 127)
    return 0;
  return strchr("()<>@,;:\\\"/[]?={}", c) == NULL;
}

/* The line without its terminator, as OTP strips it: two bytes when the
 * second-to-last is CR, else one when the last is LF. */
static size_t http_content_len(const uint8_t *line, size_t len) {
  if (len >= 2 && line[len - 2] == '\r')
    return len - 2;
  if (len >= 1 && line[len - 1] == '\n')
    return len - 1;
  return len;
}

static int is_ws(uint8_t c) { return c == ' ' || c == '\t'; }

static size_t token_run(const uint8_t *p, size_t n) {
  size_t i = 0;
  while (i < n && fz_is_token(p[i]))
    i++;
  return i;
}

static int span_is(wr_span s, const char *text) {
  size_t n = strlen(text);
  return s.len == n && (n == 0 || memcmp(s.ptr, text, n) == 0);
}

static int lower(int c) { return c >= 'A' && c <= 'Z' ? c + 32 : c; }

static void check_request(const wr_http_packet *p, const uint8_t *line,
                          size_t len, size_t content) {
  FZ_CHECK(!(content >= 5 && memcmp(line, "HTTP/", 5) == 0),
           "a line starting with HTTP/ parsed as a request");
  size_t mlen = token_run(line, content);
  FZ_CHECK(mlen > 0 && mlen < content && is_ws(line[mlen]),
           "request accepted without a method followed by SP/HT "
           "(token run %zu of %zu bytes)",
           mlen, content);
  FZ_CHECK(p->method.ptr == line && p->method.len == mlen,
           "method span is not the token run at the start of the line "
           "(len %zu, expected len %zu)",
           p->method.len, mlen);
  FZ_CHECK(p->method_index >= 0 && p->method_index <= WR_HTTP_METHOD_COUNT,
           "method_index %d out of range", p->method_index);
  if (p->method_index > 0) {
    const char *name = wr_http_method_name(p->method_index);
    FZ_CHECK(name && span_is(p->method, name),
             "method_index %d does not name the method text",
             p->method_index);
  } else {
    for (int i = 1; i <= WR_HTTP_METHOD_COUNT; i++)
      FZ_CHECK(!span_is(p->method, wr_http_method_name(i)),
               "known method %s came back with index 0",
               wr_http_method_name(i));
  }
  FZ_CHECK(p->uri.kind >= WR_URI_STAR && p->uri.kind <= WR_URI_STRING,
           "uri kind %d out of range", (int)p->uri.kind);
  FZ_CHECK(fz_span_in(p->uri.s1, line, len) && fz_span_in(p->uri.s2, line, len),
           "uri spans outside the line");
}

static void check_header(const wr_http_packet *p, const uint8_t *line,
                         size_t len, size_t content) {
  size_t nlen = token_run(line, content);
  FZ_CHECK(nlen < content && line[nlen] == ':',
           "header accepted although the name (token run of %zu bytes) is "
           "not followed by ':'",
           nlen);
  FZ_CHECK(p->raw_field.len == nlen && (nlen == 0 || p->raw_field.ptr == line),
           "raw field name is not the token run before ':' (len %zu, "
           "expected %zu)",
           p->raw_field.len, nlen);
  size_t v = nlen + 1;
  while (v < content && is_ws(line[v]))
    v++;
  FZ_CHECK(p->value.len == content - v &&
               (p->value.len == 0 || p->value.ptr == line + v),
           "value span is not the rest of the line after ':' and SP/HT "
           "(len %zu, expected offset %zu len %zu)",
           p->value.len, v, content - v);
  FZ_CHECK(p->header_index >= 0 && p->header_index <= WR_HTTP_HEADER_COUNT,
           "header_index %d out of range", p->header_index);

  wr_span field = wr_http_field(p);
  int in_line = fz_span_in(field, line, len);
  int in_pkt = fz_span_in(field, p->field_buf_, sizeof p->field_buf_);
  FZ_CHECK(in_line || in_pkt,
           "wr_http_field points neither into the line nor into the packet");
  FZ_CHECK(field.len == nlen, "field name length %zu, raw name length %zu",
           field.len, nlen);
  for (size_t i = 0; i < nlen; i++) {
    if (nlen > WR_HTTP_MAX_NAME_LEN)
      FZ_CHECK(field.ptr[i] == line[i],
               "a name over %d bytes must come back unmodified (byte %zu)",
               WR_HTTP_MAX_NAME_LEN, i);
    else
      FZ_CHECK(lower(field.ptr[i]) == lower(line[i]),
               "canonical name differs from the raw name beyond case at "
               "byte %zu",
               i);
  }
  if (p->header_index > 0) {
    const char *name = wr_http_header_name(p->header_index);
    FZ_CHECK(name && span_is(field, name),
             "header_index %d does not name the canonical field",
             p->header_index);
  } else {
    for (int i = 1; i <= WR_HTTP_HEADER_COUNT; i++)
      FZ_CHECK(!span_is(field, wr_http_header_name(i)),
               "known header %s came back with index 0",
               wr_http_header_name(i));
  }
}

void fz_check_http(const wr_http_packet *p, const uint8_t *line, size_t len,
                   int state_before, int state_after) {
  size_t content = http_content_len(line, len);
  FZ_CHECK(p->line.ptr == line && p->line.len == len,
           "packet line span is not the parsed line (len %zu of %zu)",
           p->line.len, len);
  switch (p->kind) {
  case WR_HTTP_REQUEST:
    FZ_CHECK(state_before == WR_HTTP_REQUEST_LINE,
             "request parsed in header state");
    FZ_CHECK(state_after == WR_HTTP_HEADERS,
             "state %d after a request, expected headers", state_after);
    check_request(p, line, len, content);
    break;
  case WR_HTTP_RESPONSE:
    FZ_CHECK(state_before == WR_HTTP_REQUEST_LINE,
             "response parsed in header state");
    FZ_CHECK(state_after == WR_HTTP_HEADERS,
             "state %d after a response, expected headers", state_after);
    FZ_CHECK(content >= 5 && memcmp(line, "HTTP/", 5) == 0,
             "response from a line not starting with HTTP/");
    FZ_CHECK(fz_span_in(p->reason, line, len), "reason outside the line");
    FZ_CHECK(p->reason.len == 0 || p->reason.ptr + p->reason.len ==
                                       line + content,
             "reason phrase does not end at the end of the line");
    break;
  case WR_HTTP_HEADER:
    FZ_CHECK(state_before == WR_HTTP_HEADERS,
             "header parsed in request-line state");
    FZ_CHECK(state_after == WR_HTTP_HEADERS,
             "state %d after a header, expected headers", state_after);
    FZ_CHECK(content > 0, "an empty line parsed as a header");
    check_header(p, line, len, content);
    break;
  case WR_HTTP_EOH:
    FZ_CHECK(state_before == WR_HTTP_HEADERS,
             "http_eoh in request-line state");
    FZ_CHECK(state_after == WR_HTTP_REQUEST_LINE,
             "state %d after http_eoh, expected request line", state_after);
    FZ_CHECK(content == 0, "http_eoh for a line with %zu content bytes",
             content);
    break;
  case WR_HTTP_ERROR:
    FZ_CHECK(state_after == state_before,
             "state changed %d -> %d on http_error", state_before,
             state_after);
    FZ_CHECK(!(state_before == WR_HTTP_HEADERS && content == 0),
             "an empty line in header state must be http_eoh");
    break;
  default:
    FZ_CHECK(0, "unknown http kind %d", (int)p->kind);
  }
}
