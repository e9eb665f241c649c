/* Encode -> decode round trips for every packet type.
 *
 * wr_encode_header: for 1/2/4 the header is the big-endian size modulo
 * 2^8/2^16/2^32 (WRAP) or WR_EMSGSIZE when it does not fit (STRICT); every
 * other type has no header (semantics §1.4). Checked on the real payload
 * size and on a fuzzer-chosen size up to 2^40.
 *
 * wr_frame_build: the size query (cap 0) and the build agree, a too-small
 * buffer is never overrun, and decoding the frame with wr_frame_next gives
 * the payload back exactly with consumed == frame size. Two frames built
 * back to back decode as two packets; packet_size equal to the body is
 * accepted and one less is INVALID (2.9). The http types build the payload
 * unchanged.
 *
 * Input layout:
 *   byte 0     packet type (modulo WR_PACKET_TYPE_COUNT)
 *   byte 1     delimiter code (fz_delimiter)
 *   byte 2     where to split the payload into two frames (fraction/255)
 *   bytes 3-7  a size for wr_encode_header, little-endian, 40 bits
 *   rest       the payload
 */
#include <stdlib.h>
#include <string.h>

#include "fuzz_util.h"

static size_t header_len(wr_packet_type t) {
  return t == WR_PACKET_1 ? 1 : t == WR_PACKET_2 ? 2 : t == WR_PACKET_4 ? 4 : 0;
}

static void check_encode_header(wr_packet_type t, size_t len) {
  uint8_t hdr[4], strict[4];
  memset(hdr, 0xee, sizeof hdr);
  int h = wr_encode_header(t, len, WR_ENCODE_WRAP, hdr);
  size_t want = header_len(t);
  FZ_CHECK(h == (int)want, "%s: header length %d for %zu bytes, expected %zu",
           wr_packet_type_name(t), h, len, want);
  for (size_t i = 0; i < want; i++) {
    uint8_t b = (uint8_t)((unsigned long long)len >> (8 * (want - 1 - i)));
    FZ_CHECK(hdr[i] == b,
             "%s: header byte %zu is %02x for size %zu, "
             "expected %02x (size modulo 2^%zu)",
             wr_packet_type_name(t), i, hdr[i], len, b, 8 * want);
  }
  int s = wr_encode_header(t, len, WR_ENCODE_STRICT, strict);
  int fits = want == 0 || (unsigned long long)len < (1ull << (8 * want));
  if (fits) {
    FZ_CHECK(s == (int)want && memcmp(strict, hdr, want) == 0,
             "%s strict: %d for %zu bytes, expected the wrapped header",
             wr_packet_type_name(t), s, len);
  } else {
    FZ_CHECK(s == WR_EMSGSIZE,
             "%s strict: %d for %zu bytes, expected "
             "WR_EMSGSIZE",
             wr_packet_type_name(t), s, len);
  }
}

/* The header wr_frame_build documents for each type. */
static void check_layout(wr_packet_type t, const uint8_t *f, size_t size,
                         size_t len) {
  const char *name = wr_packet_type_name(t);
  switch (t) {
  case WR_PACKET_ASN1: {
    size_t k = 0;
    for (size_t v = len; v > 0; v >>= 8)
      k++;
    size_t hdr = len < 128 ? 2 : 2 + k;
    FZ_CHECK(size == hdr + len && f[0] == 0x04 &&
                 (len < 128 ? f[1] == len : f[1] == (0x80 | k)),
             "asn1: not an OCTET STRING with a minimal length (%zu bytes "
             "for %zu)",
             size, len);
    break;
  }
  case WR_PACKET_SUNRM:
    FZ_CHECK(size == 4 + len && (f[0] & 0x80),
             "sunrm: record mark without the last-fragment bit");
    break;
  case WR_PACKET_CDR:
    FZ_CHECK(size == 12 + len && !memcmp(f, "GIOP", 4) && f[4] == 1 &&
                 f[5] == 0 && f[6] == 0 && f[7] == 0,
             "cdr: not a GIOP 1.0 big-endian header of message type 0");
    break;
  case WR_PACKET_FCGI:
    FZ_CHECK(size % 8 == 0 && size >= 8 + len && size < 16 + len && f[0] == 1 &&
                 f[1] == 5 && f[2] == 0 && f[3] == 1 &&
                 ((size_t)f[4] << 8 | f[5]) == len && f[6] == size - 8 - len,
             "fcgi: %zu bytes for %zu: not version 1, FCGI_STDIN, id 1, "
             "padded to a multiple of 8",
             size, len);
    break;
  case WR_PACKET_TPKT:
    FZ_CHECK(size == 4 + len && f[0] == 3, "tpkt: not a version 3 header");
    break;
  default:
    FZ_CHECK(size == header_len(t) + len + (t == WR_PACKET_LINE),
             "%s: %zu-byte frame for %zu bytes", name, size, len);
  }
}

/* Frames that wr_frame_build must refuse (WR_EMSGSIZE). */
static int unbuildable(wr_packet_type t, uint8_t delim, const uint8_t *p,
                       size_t len) {
  switch (t) {
  case WR_PACKET_1:
    return len > 0xff;
  case WR_PACKET_2:
    return len > 0xffff;
  case WR_PACKET_FCGI:
    return len > 0xffff;
  case WR_PACKET_TPKT:
    return len > 0xffff - 4;
  case WR_PACKET_LINE:
    return len > 0 && memchr(p, delim, len) != NULL;
  default:
    return 0;
  }
}

static uint8_t *build(wr_packet_type t, uint8_t delim, const uint8_t *p,
                      size_t len, size_t *size) {
  long long want = wr_frame_build(t, delim, p, len, NULL, 0);
  if (unbuildable(t, delim, p, len)) {
    FZ_CHECK(want == WR_EMSGSIZE,
             "%s: %zu-byte payload should not build, "
             "size query returned %lld",
             wr_packet_type_name(t), len, want);
    return NULL;
  }
  FZ_CHECK(want >= (long long)len,
           "%s: size query returned %lld for a "
           "%zu-byte payload",
           wr_packet_type_name(t), want, len);
  uint8_t *out = fz_xmalloc((size_t)want);
  long long got = wr_frame_build(t, delim, p, len, out, (size_t)want);
  FZ_CHECK(got == want, "%s: build returned %lld, size query %lld",
           wr_packet_type_name(t), got, want);
  if (want > 0) {
    /* One byte short: nothing may be written past cap (ASan would see it
     * in this exact-size buffer), and the full size is still returned. */
    uint8_t *small = fz_xmalloc((size_t)want - 1);
    long long s = wr_frame_build(t, delim, p, len, small, (size_t)want - 1);
    FZ_CHECK(s == want, "%s: build into %lld bytes returned %lld",
             wr_packet_type_name(t), want - 1, s);
    free(small);
  }
  if (wr_packet_type_is_http(t) || t == WR_PACKET_RAW)
    FZ_CHECK(want == (long long)len && (len == 0 || !memcmp(out, p, len)),
             "%s: frame is not the payload unchanged", wr_packet_type_name(t));
  if (t == WR_PACKET_LINE)
    FZ_CHECK(want == (long long)len + 1 && out[len] == delim &&
                 (len == 0 || !memcmp(out, p, len)),
             "line: frame is not payload + delimiter");
  check_layout(t, out, (size_t)want, len);
  *size = (size_t)want;
  return out;
}

/* The body that packet_size bounds (semantics §1.2, §2.9). */
static size_t body_len(wr_packet_type t, size_t frame, size_t payload) {
  switch (t) {
  case WR_PACKET_FCGI:
    return frame - 8; /* content + padding */
  case WR_PACKET_LINE:
    return payload + 1; /* the delimiter counts */
  default:
    return payload;
  }
}

/* Decoding frame[0..n) gives payload back, consuming exactly `size`. */
static void check_decode(wr_packet_type t, uint8_t delim, uint32_t ps,
                         const uint8_t *frame, size_t n, size_t size,
                         const uint8_t *p, size_t len) {
  wr_framing cfg = wr_framing_default(t);
  cfg.delimiter = delim;
  cfg.packet_size = ps;
  wr_frame f;
  wr_frame_status st = wr_frame_next(&cfg, WR_HTTP_REQUEST_LINE, frame, n, &f);
  if (t == WR_PACKET_RAW && size == 0) {
    FZ_CHECK(st == WR_FRAME_MORE || n > 0, "raw: nothing is MORE");
    return;
  }
  FZ_CHECK(st == WR_FRAME_PACKET,
           "%s (packet_size %u): %zu-byte frame of a "
           "%zu-byte payload decodes to %d",
           wr_packet_type_name(t), ps, size, len, (int)st);
  if (t == WR_PACKET_RAW)
    return; /* raw takes everything available */
  FZ_CHECK(f.consumed == size, "%s: consumed %zu of a %zu-byte frame",
           wr_packet_type_name(t), f.consumed, size);
  /* The payload is the tail of what is delivered, except that line keeps
   * its delimiter and fcgi drops its padding. */
  size_t dlen = f.packet.len;
  if (t == WR_PACKET_LINE) {
    FZ_CHECK(dlen == len + 1, "line: delivered %zu bytes for %zu + 1", dlen,
             len);
    dlen--;
  }
  FZ_CHECK(fz_span_in(f.packet, frame, size) && dlen >= len,
           "%s: delivered %zu bytes, payload %zu", wr_packet_type_name(t),
           f.packet.len, len);
  FZ_CHECK(len == 0 || !memcmp(f.packet.ptr + dlen - len, p, len),
           "%s: delivered bytes do not end with the payload",
           wr_packet_type_name(t));
  if (t == WR_PACKET_1 || t == WR_PACKET_2 || t == WR_PACKET_4)
    FZ_CHECK(f.packet.len == len, "%s: body of %zu bytes, payload %zu",
             wr_packet_type_name(t), f.packet.len, len);
  else if (t != WR_PACKET_FCGI && t != WR_PACKET_LINE)
    FZ_CHECK(f.packet.ptr == frame && f.packet.len == size,
             "%s: the whole frame is delivered", wr_packet_type_name(t));
}

static void roundtrip_type(wr_packet_type t, uint8_t delim, const uint8_t *p,
                           size_t len, size_t split) {
  size_t asize = 0, bsize = 0;
  uint8_t *a = build(t, delim, p, split, &asize);
  uint8_t *b = build(t, delim, p + split, len - split, &bsize);
  if (a && !wr_packet_type_is_http(t)) {
    uint8_t *exact = fz_copy(a, asize);
    check_decode(t, delim, 0, exact, asize, asize, p, split);
    if (t != WR_PACKET_RAW) {
      size_t body = body_len(t, asize, split);
      if (body > 0)
        check_decode(t, delim, (uint32_t)body, exact, asize, asize, p, split);
      if (body > 1) {
        wr_framing cfg = wr_framing_default(t);
        cfg.delimiter = delim;
        cfg.packet_size = (uint32_t)(body - 1);
        wr_frame f;
        wr_frame_status st =
            wr_frame_next(&cfg, WR_HTTP_REQUEST_LINE, exact, asize, &f);
        FZ_CHECK(st == WR_FRAME_INVALID,
                 "%s: body %zu with packet_size %zu must be INVALID, got %d",
                 wr_packet_type_name(t), body, body - 1, (int)st);
      }
    }
    free(exact);
    if (b && t != WR_PACKET_RAW) {
      /* back to back: the first frame must end exactly where the second
       * starts */
      uint8_t *two = fz_xmalloc(asize + bsize);
      memcpy(two, a, asize);
      memcpy(two + asize, b, bsize);
      check_decode(t, delim, 0, two, asize + bsize, asize, p, split);
      check_decode(t, delim, 0, two + asize, bsize, bsize, p + split,
                   len - split);
      free(two);
    }
  }
  free(a);
  free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  fz_in in = {data, size};
  wr_packet_type t = (wr_packet_type)(fz_u8(&in) % WR_PACKET_TYPE_COUNT);
  uint8_t delim = fz_delimiter(fz_u8(&in));
  uint8_t frac = fz_u8(&in);
  unsigned long long synthetic = 0;
  for (int i = 0; i < 5; i++)
    synthetic |= (unsigned long long)fz_u8(&in) << (8 * i);

  check_encode_header(t, (size_t)synthetic);
  check_encode_header(t, in.n);

  uint8_t *payload = fz_copy(in.p, in.n);
  size_t split = in.n * frac / 255;
  roundtrip_type(t, delim, payload, in.n, split);
  free(payload);
  return 0;
}
