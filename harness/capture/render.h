/* Packets as `wirerig decode` shows them, for the capture tools' text
 * (to-scenario's expectations, replay's packet comparison). Private. */
#ifndef WIRERIG_CAPTURE_RENDER_H
#define WIRERIG_CAPTURE_RENDER_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wirerig/framing.h"

/* Bytes as a double-quoted string: printable ASCII as is, \" \\ \r \n \t,
 * and \xHH for everything else. */
void wr_cap_print_bytes(FILE *out, const uint8_t *p, size_t n);
/* An HTTP packet as the Erlang term decode_packet returns for `type`
 * (wr_http_render). */
void wr_cap_print_http(FILE *out, wr_packet_type type, const wr_http_packet *p);

#endif
