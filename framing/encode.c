/* Encoders: what gen_tcp:send puts in front of a payload, and well-formed
 * frames of every type for tests, scenarios and fuzzing. */
#include <string.h>

#include "wirerig/framing.h"

static void put_be(uint8_t *p, uint64_t v, int bytes) {
  for (int i = bytes - 1; i >= 0; i--) {
    p[i] = (uint8_t)v;
    v >>= 8;
  }
}

int wr_encode_header(wr_packet_type type, size_t len, wr_encode_mode mode,
                     uint8_t hdr[4]) {
  /* gen_tcp never checks: the header is the size modulo 2^(8h). Each
   * size is written out, not looped over: this runs once per send. */
  uint64_t v = (uint64_t)len;
  int strict = mode == WR_ENCODE_STRICT;
  switch (type) {
  case WR_PACKET_1:
    if (strict && v >> 8)
      return WR_EMSGSIZE;
    hdr[0] = (uint8_t)v;
    return 1;
  case WR_PACKET_2:
    if (strict && v >> 16)
      return WR_EMSGSIZE;
    hdr[0] = (uint8_t)(v >> 8);
    hdr[1] = (uint8_t)v;
    return 2;
  case WR_PACKET_4:
    if (strict && v >> 32)
      return WR_EMSGSIZE;
    hdr[0] = (uint8_t)(v >> 24);
    hdr[1] = (uint8_t)(v >> 16);
    hdr[2] = (uint8_t)(v >> 8);
    hdr[3] = (uint8_t)v;
    return 4;
  default:
    return 0; /* every other type is sent verbatim */
  }
}

/* Copies header then payload into out as far as cap allows. */
static long long emit(const uint8_t *hdr, size_t hlen, const uint8_t *payload,
                      size_t len, size_t pad, uint8_t *out, size_t cap) {
  size_t total = hlen + len + pad;
  if (out != NULL && cap > 0) {
    size_t k = hlen < cap ? hlen : cap;
    if (k)
      memcpy(out, hdr, k);
    if (cap > hlen) {
      size_t m = len < cap - hlen ? len : cap - hlen;
      if (m)
        memcpy(out + hlen, payload, m);
      if (cap > hlen + len) {
        size_t z = pad < cap - hlen - len ? pad : cap - hlen - len;
        memset(out + hlen + len, 0, z);
      }
    }
  }
  return (long long)total;
}

long long wr_frame_build(wr_packet_type type, uint8_t delimiter,
                         const uint8_t *payload, size_t len, uint8_t *out,
                         size_t cap) {
  uint8_t hdr[12];
  size_t hlen = 0, pad = 0;
  switch (type) {
  case WR_PACKET_1:
  case WR_PACKET_2:
  case WR_PACKET_4: {
    int h = wr_encode_header(type, len, WR_ENCODE_STRICT, hdr);
    if (h < 0)
      return h;
    hlen = (size_t)h;
    break;
  }
  case WR_PACKET_SUNRM: /* one record marked as the last fragment */
    if (len > 0x7fffffffu - 4)
      return WR_EMSGSIZE;
    put_be(hdr, 0x80000000u | (uint32_t)len, 4);
    hlen = 4;
    break;
  case WR_PACKET_ASN1: /* OCTET STRING with a minimal definite length */
    if (len > 0x7fffffffu - 6)
      return WR_EMSGSIZE;
    hdr[0] = 0x04;
    if (len < 0x80) {
      hdr[1] = (uint8_t)len;
      hlen = 2;
    } else {
      int k = len <= 0xff ? 1 : len <= 0xffff ? 2 : len <= 0xffffff ? 3 : 4;
      hdr[1] = (uint8_t)(0x80 | k);
      put_be(hdr + 2, len, k);
      hlen = 2 + (size_t)k;
    }
    break;
  case WR_PACKET_CDR: /* GIOP 1.0, big-endian, message type 0 (Request) */
    if (len > 0x7fffffffu - 12)
      return WR_EMSGSIZE;
    memcpy(hdr, "GIOP\x01\x00\x00\x00", 8);
    put_be(hdr + 8, len, 4);
    hlen = 12;
    break;
  case WR_PACKET_FCGI: /* version 1, FCGI_STDIN, request id 1 */
    if (len > 0xffff)
      return WR_EMSGSIZE;
    pad = (8 - len % 8) % 8;
    hdr[0] = 1;
    hdr[1] = 5;
    put_be(hdr + 2, 1, 2);
    put_be(hdr + 4, len, 2);
    hdr[6] = (uint8_t)pad;
    hdr[7] = 0;
    hlen = 8;
    break;
  case WR_PACKET_TPKT: /* version 3; the length includes the header */
    if (len > 0xffff - 4)
      return WR_EMSGSIZE;
    hdr[0] = 3;
    hdr[1] = 0;
    put_be(hdr + 2, len + 4, 2);
    hlen = 4;
    break;
  case WR_PACKET_LINE: {
    if (len && memchr(payload, delimiter, len) != NULL)
      return WR_EMSGSIZE; /* the delimiter would end the line early */
    long long n = emit(NULL, 0, payload, len, 0, out, cap);
    if (out != NULL && (size_t)n < cap)
      out[n] = delimiter;
    return n + 1;
  }
  case WR_PACKET_RAW:
  case WR_PACKET_HTTP:
  case WR_PACKET_HTTPH:
  case WR_PACKET_HTTP_BIN:
  case WR_PACKET_HTTPH_BIN:
    break;
  default:
    return WR_EINVAL;
  }
  return emit(hdr, hlen, payload, len, pad, out, cap);
}
