/* A second, deliberately plain statement of the length rules for the
 * header-based packet types (SEMANTICS.md 1.2, 1.3, 2.2-2.7), used as a
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

#endif
