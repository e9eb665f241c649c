/* A plain re-statement of OTP 25's HTTP line parser (semantics §3.2),
 * written from the specification and not from framing/http.c, used as a
 * differential oracle for wr_http_parse. Spans are offsets into the line.
 */
#ifndef WIRERIG_FUZZ_REF_HTTP_H
#define WIRERIG_FUZZ_REF_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/framing.h"

typedef struct fz_off_span {
  size_t off, len;
} fz_off_span;

typedef struct fz_http_ref {
  wr_http_kind kind;
  int32_t major, minor;                /* request, response */
  fz_off_span method;                  /* request */
  int method_index;                    /* request */
  wr_uri_kind uri_kind;                /* request */
  fz_off_span s1, s2;                  /* request uri parts, as wr_http_uri */
  int s2_root;                         /* absoluteURI without a '/': path "/" */
  int32_t port;                        /* absoluteURI, 0 = undefined */
  int32_t status;                      /* response */
  fz_off_span reason;                  /* response */
  fz_off_span name, value;             /* header */
  uint8_t canon[WR_HTTP_MAX_NAME_LEN]; /* header name, canonical form */
  int header_index;                    /* header */
} fz_http_ref;

/* The known header (1..52) and method (1..7) names of semantics §3.2;
 * NULL out of range. */
const char *fz_ref_header_name(int index);
const char *fz_ref_method_name(int index);

/* What wr_http_parse must answer for line[0..len) in `state`. */
fz_http_ref fz_ref_http(const uint8_t *line, size_t len, int state);

#endif
