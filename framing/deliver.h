/* Internal to the framing library: what a complete packet delivers. */
#ifndef WIRERIG_FRAMING_DELIVER_H
#define WIRERIG_FRAMING_DELIVER_H

#include "wirerig/framing.h"

/* The delivered part of a complete packet of `total` bytes at buf: the body
 * for 1/2/4, header + content for fcgi (padding dropped), else all of it. */
static inline wr_span wr_deliver_span_(wr_packet_type type, const uint8_t *buf,
                                       size_t total) {
  size_t skip = 0, len = total;
  switch (type) {
  case WR_PACKET_1:
    skip = 1;
    break;
  case WR_PACKET_2:
    skip = 2;
    break;
  case WR_PACKET_4:
    skip = 4;
    break;
  case WR_PACKET_FCGI:
    len = 8 + ((size_t)buf[4] << 8 | buf[5]);
    break;
  default:
    break;
  }
  wr_span s = {buf + skip, len - skip};
  return s;
}

#endif
