/* wr_http_parse on arbitrary lines, in both states.
 *
 * The line need not be one wr_frame_next would cut: any bytes, any length,
 * with or without a terminator. The checks are those of fz_check_http
 * (spans inside the line, documented state transitions, tables agree,
 * wr_http_field within bounds), plus determinism: the same line parsed
 * again, from a different buffer, gives the same answer.
 *
 * Input layout:
 *   byte 0  bit 0: start in the header state (else the request-line state)
 *   rest    the line
 */
#include <stdlib.h>
#include <string.h>

#include "check_http.h"
#include "fuzz_util.h"

/* Where a span sits in its line; SIZE_MAX for one outside it (the literal
 * "/" path of an absoluteURI without one). */
static size_t off_of(wr_span s, const uint8_t *base, size_t n) {
  if (s.len == 0)
    return 0;
  if (!fz_span_in(s, base, n))
    return SIZE_MAX;
  return (size_t)((uintptr_t)s.ptr - (uintptr_t)base);
}

/* The parts of two results that must agree, as offsets into their lines. */
static void check_same(const wr_http_packet *a, const uint8_t *la,
                       const wr_http_packet *b, const uint8_t *lb, size_t n) {
  FZ_CHECK(a->kind == b->kind, "kind %d then %d for the same line",
           (int)a->kind, (int)b->kind);
  if (a->kind == WR_HTTP_REQUEST) {
    FZ_CHECK(a->method_index == b->method_index && a->uri.kind == b->uri.kind &&
                 a->uri.port == b->uri.port && a->major == b->major &&
                 a->minor == b->minor && a->uri.s1.len == b->uri.s1.len &&
                 off_of(a->uri.s1, la, n) == off_of(b->uri.s1, lb, n) &&
                 a->uri.s2.len == b->uri.s2.len &&
                 off_of(a->uri.s2, la, n) == off_of(b->uri.s2, lb, n),
             "request parsed differently the second time");
  } else if (a->kind == WR_HTTP_RESPONSE) {
    FZ_CHECK(a->major == b->major && a->minor == b->minor &&
                 a->status == b->status && a->reason.len == b->reason.len &&
                 off_of(a->reason, la, n) == off_of(b->reason, lb, n),
             "response parsed differently the second time");
  } else if (a->kind == WR_HTTP_HEADER) {
    wr_span fa = wr_http_field(a), fb = wr_http_field(b);
    FZ_CHECK(a->header_index == b->header_index && fa.len == fb.len &&
                 (fa.len == 0 || memcmp(fa.ptr, fb.ptr, fa.len) == 0),
             "header name differs the second time");
  }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_in in = {data, size};
  int state = (fz_u8(&in) & 1) ? WR_HTTP_HEADERS : WR_HTTP_REQUEST_LINE;
  uint8_t *line = fz_copy(in.p, in.n);
  uint8_t *again = fz_copy(in.p, in.n);

  wr_http_packet p, q;
  memset(&p, 0x5a, sizeof p);
  memset(&q, 0xa5, sizeof q);
  int s1 = state, s2 = state;
  wr_http_kind k = wr_http_parse(line, in.n, &s1, &p);
  FZ_CHECK(k == p.kind, "returned kind %d, out->kind %d", (int)k, (int)p.kind);
  fz_check_http(&p, line, in.n, state, s1);

  wr_http_parse(again, in.n, &s2, &q);
  FZ_CHECK(s1 == s2, "state %d then %d for the same line", s1, s2);
  fz_check_http(&q, again, in.n, state, s2);
  check_same(&p, line, &q, again, in.n);

  /* The parser must not have written into the line. */
  FZ_CHECK(in.n == 0 || (memcmp(line, in.p, in.n) == 0 &&
                         memcmp(again, in.p, in.n) == 0),
           "wr_http_parse modified its input");
  free(line);
  free(again);
  return 0;
}
