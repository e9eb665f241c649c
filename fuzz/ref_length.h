/* A second, deliberately plain statement of the length rules
 * (semantics §1.2, §1.3, §2.1-2.7, §2.10, §3.1), used as a
 * differential oracle for wr_frame_length / wr_frame_next. Written from the
 * specification, not from framing/, so the two can disagree.
 */
#ifndef WIRERIG_FUZZ_REF_LENGTH_H
#define WIRERIG_FUZZ_REF_LENGTH_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/framing.h"

typedef struct fz_ref {
  wr_len_result result;
  size_t total;       /* WR_LEN_TOTAL: header + body (+ fcgi padding) */
  size_t deliver_off; /* where the delivered packet starts in the frame */
  size_t deliver_len; /* and how long it is */
} fz_ref;

/* Nonzero for 1, 2, 4, asn1, sunrm, cdr, fcgi and tpkt. */
int fz_ref_has_header(wr_packet_type type);

/* The length function for a header-based type over buf[0..n). */
fz_ref fz_ref_length(wr_packet_type type, uint32_t packet_size,
                     const uint8_t *buf, size_t n);

/* The length function for any type, as wr_frame_next sees it: line uses
 * cfg's packet_size, trunc_len and delimiter, http the limit packet_size
 * (or trunc_len when it is 0) and http_state (httph: always headers). */
fz_ref fz_ref_frame(const wr_framing *cfg, int http_state, const uint8_t *buf,
                    size_t n);

#endif
