/* Checks one wr_http_parse result, shared by every target that parses HTTP
 * lines (split_http*, http_parse, stream).
 */
#ifndef WIRERIG_FUZZ_CHECK_HTTP_H
#define WIRERIG_FUZZ_CHECK_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/framing.h"

/* p is what wr_http_parse gave for line[0..len) parsed in state_before,
 * leaving state_after. Checks that the kind is allowed in that state and
 * the state moved as documented, that every span lies inside the line,
 * that the tables agree with semantics §3.2, that wr_http_field stays in
 * bounds, and that every field equals what the reference parser
 * (ref_http.c) finds. */
void fz_check_http(const wr_http_packet *p, const uint8_t *line, size_t len,
                   int state_before, int state_after);

#endif
