/* Encoders: wr_encode_header (gen_tcp:send's 1/2/4 header, semantics
 * §1.4) and wr_frame_build (a well-formed frame of any type), checked by
 * decoding what they produce with wr_frame_next. */
#include "test_framing_common.h"

#include <stdlib.h>
#include <string.h>

/* ---- wr_encode_header ------------------------------------------------------
 */

static const struct {
  const char *name;
  wr_packet_type type;
  size_t len;
  wr_encode_mode mode;
  int rc;          /* header length or WR_EMSGSIZE */
  const char *hdr; /* expected header bytes (rc of them) */
} header_rows[] = {
    /* wrap mode: the size modulo 2^8 / 2^16 / 2^32, never checked */
    {"p1 300 wraps to 44", WR_PACKET_1, 300, WR_ENCODE_WRAP, 1, "\x2c"},
    {"p1 256 wraps to 0", WR_PACKET_1, 256, WR_ENCODE_WRAP, 1, "\0"},
    {"p1 255", WR_PACKET_1, 255, WR_ENCODE_WRAP, 1, "\xff"},
    {"p1 empty payload", WR_PACKET_1, 0, WR_ENCODE_WRAP, 1, "\0"},
    {"p2 70000 wraps to 4464", WR_PACKET_2, 70000, WR_ENCODE_WRAP, 2,
     "\x11\x70"},
    {"p2 65536 wraps to 0", WR_PACKET_2, 65536, WR_ENCODE_WRAP, 2, "\0\0"},
    {"p2 258 big-endian", WR_PACKET_2, 258, WR_ENCODE_WRAP, 2, "\1\2"},
    {"p2 empty payload", WR_PACKET_2, 0, WR_ENCODE_WRAP, 2, "\0\0"},
    {"p4 5", WR_PACKET_4, 5, WR_ENCODE_WRAP, 4, "\0\0\0\5"},
    {"p4 0x01020304 big-endian", WR_PACKET_4, 0x01020304, WR_ENCODE_WRAP, 4,
     "\1\2\3\4"},
    {"p4 empty payload", WR_PACKET_4, 0, WR_ENCODE_WRAP, 4, "\0\0\0\0"},
    /* strict mode refuses what does not fit */
    {"strict p1 255", WR_PACKET_1, 255, WR_ENCODE_STRICT, 1, "\xff"},
    {"strict p1 256", WR_PACKET_1, 256, WR_ENCODE_STRICT, WR_EMSGSIZE, ""},
    {"strict p1 300", WR_PACKET_1, 300, WR_ENCODE_STRICT, WR_EMSGSIZE, ""},
    {"strict p2 65535", WR_PACKET_2, 65535, WR_ENCODE_STRICT, 2, "\xff\xff"},
    {"strict p2 65536", WR_PACKET_2, 65536, WR_ENCODE_STRICT, WR_EMSGSIZE, ""},
    {"strict p2 70000", WR_PACKET_2, 70000, WR_ENCODE_STRICT, WR_EMSGSIZE, ""},
    {"strict p4 0xffffffff", WR_PACKET_4, 0xffffffffu, WR_ENCODE_STRICT, 4,
     "\xff\xff\xff\xff"},
    {"strict p4 empty", WR_PACKET_4, 0, WR_ENCODE_STRICT, 4, "\0\0\0\0"},
    {"strict p1 empty", WR_PACKET_1, 0, WR_ENCODE_STRICT, 1, "\0"},
};

static void test_encode_header(void **st) {
  (void)st;
  for (size_t i = 0; i < FR_COUNT(header_rows); i++) {
    uint8_t hdr[4] = {0xee, 0xee, 0xee, 0xee};
    int rc = wr_encode_header(header_rows[i].type, header_rows[i].len,
                              header_rows[i].mode, hdr);
    TU_CHECK(rc == header_rows[i].rc, "row '%s': returned %d (%s), want %d",
             header_rows[i].name, rc, wr_err_name(rc), header_rows[i].rc);
    if (rc > 0) {
      tu_str got = {0}, want = {0};
      tu_str_quote(&got, hdr, (size_t)rc);
      tu_str_quote(&want, header_rows[i].hdr, (size_t)rc);
      TU_CHECK(memcmp(hdr, header_rows[i].hdr, (size_t)rc) == 0,
               "row '%s': header %s, want %s", header_rows[i].name,
               tu_str_c(&got), tu_str_c(&want));
      tu_str_free(&got);
      tu_str_free(&want);
    }
    tu_count(1);
  }
}

/* 2^32 + 3 wraps to 3 in packet 4 (only where size_t can hold it). */
static void test_encode_header_p4_wrap(void **st) {
  (void)st;
  if (sizeof(size_t) < 8) {
    skip();
  }
  uint64_t big = 0x100000003ull;
  uint8_t hdr[4];
  int rc = wr_encode_header(WR_PACKET_4, (size_t)big, WR_ENCODE_WRAP, hdr);
  TU_CHECK(rc == 4 && memcmp(hdr, "\0\0\0\3", 4) == 0,
           "p4 2^32+3 wrap: rc %d header %02x%02x%02x%02x", rc, hdr[0], hdr[1],
           hdr[2], hdr[3]);
  rc = wr_encode_header(WR_PACKET_4, (size_t)big, WR_ENCODE_STRICT, hdr);
  TU_CHECK(rc == WR_EMSGSIZE, "p4 2^32+3 strict: rc %d", rc);
  tu_count(2);
}

/* Every type other than 1/2/4 is sent verbatim: no header in either mode. */
static void test_encode_header_verbatim(void **st) {
  (void)st;
  static const size_t sizes[] = {0, 1, 255, 256, 70000};
  for (int t = 0; t < WR_PACKET_TYPE_COUNT; t++) {
    if (t == WR_PACKET_1 || t == WR_PACKET_2 || t == WR_PACKET_4)
      continue;
    for (size_t i = 0; i < FR_COUNT(sizes); i++)
      for (int mode = 0; mode < 2; mode++) {
        uint8_t hdr[4] = {0xee, 0xee, 0xee, 0xee};
        int rc = wr_encode_header((wr_packet_type)t, sizes[i],
                                  (wr_encode_mode)mode, hdr);
        TU_CHECK(rc == 0, "%s, %zu bytes, mode %d: returned %d, want 0",
                 fr_type_erl((wr_packet_type)t), sizes[i], mode, rc);
        TU_CHECK(memcmp(hdr, "\xee\xee\xee\xee", 4) == 0,
                 "%s: header bytes written for a verbatim type",
                 fr_type_erl((wr_packet_type)t));
        tu_count(1);
      }
  }
}

/* gen_tcp:send then recv: the header + payload decodes to the payload. */
static void test_encode_header_round_trip(void **st) {
  (void)st;
  static const wr_packet_type types[] = {WR_PACKET_1, WR_PACKET_2, WR_PACKET_4};
  static const size_t sizes[] = {0, 1, 2, 100, 255, 256, 1000, 65535, 65536};
  tu_guard g;
  tu_guard_init(&g, 70000);
  for (size_t t = 0; t < FR_COUNT(types); t++)
    for (size_t i = 0; i < FR_COUNT(sizes); i++) {
      size_t len = sizes[i];
      uint8_t hdr[4];
      int h = wr_encode_header(types[t], len, WR_ENCODE_STRICT, hdr);
      if (h == WR_EMSGSIZE)
        continue; /* too long for this header */
      TU_CHECK(h > 0, "%s %zu: rc %d", fr_type_erl(types[t]), len, h);
      uint8_t *wire = malloc((size_t)h + len + 1);
      TU_CHECK(wire != NULL, "out of memory");
      memcpy(wire, hdr, (size_t)h);
      for (size_t k = 0; k < len; k++)
        wire[h + k] = (uint8_t)(k * 7 + 1);
      const uint8_t *in = tu_guard_place(&g, wire, (size_t)h + len);
      wr_framing cfg = wr_framing_default(types[t]);
      wr_frame f;
      wr_frame_status s = wr_frame_next(&cfg, 0, in, (size_t)h + len, &f);
      TU_CHECK(s == WR_FRAME_PACKET && f.consumed == (size_t)h + len &&
                   f.packet.len == len &&
                   (len == 0 || memcmp(f.packet.ptr, wire + h, len) == 0),
               "%s %zu bytes: decode status %d consumed %zu len %zu",
               fr_type_erl(types[t]), len, (int)s, f.consumed, f.packet.len);
      free(wire);
      tu_count(1);
    }
  tu_guard_free(&g);
}

/* ---- wr_frame_build
 * ------------------------------------------------------------ */

/* Where the payload sits in a built frame of `type`, from the frame's own
 * bytes (the decoder checks are separate). */
static size_t payload_offset(wr_packet_type type, const uint8_t *fr) {
  switch (type) {
  case WR_PACKET_1:
    return 1;
  case WR_PACKET_2:
    return 2;
  case WR_PACKET_4:
  case WR_PACKET_SUNRM:
  case WR_PACKET_TPKT:
    return 4;
  case WR_PACKET_CDR:
    return 12;
  case WR_PACKET_FCGI:
    return 8;
  case WR_PACKET_ASN1:
    return fr[1] & 0x80 ? 2 + (size_t)(fr[1] & 0x7f) : 2;
  default:
    return 0;
  }
}

/* The largest payload each type can frame; SIZE_MAX = no limit tested. */
static size_t max_payload(wr_packet_type type) {
  switch (type) {
  case WR_PACKET_1:
    return 255;
  case WR_PACKET_2:
  case WR_PACKET_FCGI:
    return 65535;
  case WR_PACKET_TPKT:
    return 65531;
  default:
    return SIZE_MAX;
  }
}

/* Builds a frame around a payload, checks its layout, decodes it back. */
static void build_round_trip(wr_packet_type type, uint8_t delim,
                             const uint8_t *payload, size_t len, tu_guard *g) {
  const char *tn = fr_type_erl(type);
  long long size = wr_frame_build(type, delim, payload, len, NULL, 0);
  if (len > max_payload(type)) {
    TU_CHECK(size == WR_EMSGSIZE, "%s, %zu bytes: size %lld, want emsgsize", tn,
             len, size);
    return;
  }
  TU_CHECK(size > 0 || (size == 0 && len == 0 &&
                        (type == WR_PACKET_RAW || fr_is_http(type))),
           "%s, %zu bytes: wr_frame_build sized it %lld", tn, len, size);
  if (size == 0)
    return;

  /* The output ends at a guard page: a write past cap would crash. */
  tu_guard out;
  tu_guard_init(&out, (size_t)size);
  uint8_t *buf = out.end - size;
  long long wrote =
      wr_frame_build(type, delim, payload, len, buf, (size_t)size);
  TU_CHECK(wrote == size, "%s, %zu bytes: built %lld, sized %lld", tn, len,
           wrote, size);

  /* A too-small cap writes at most cap bytes and still returns the size. */
  if (size > 1) {
    size_t cap = (size_t)size - 1;
    uint8_t *small = out.end - cap;
    long long r = wr_frame_build(type, delim, payload, len, small, cap);
    TU_CHECK(r == size, "%s, %zu bytes, cap %zu: returned %lld", tn, len, cap,
             r);
    /* rebuild the full frame for the checks below */
    wrote = wr_frame_build(type, delim, payload, len, buf, (size_t)size);
    TU_CHECK(wrote == size, "%s: rebuild failed", tn);
  }

  /* Layout promised by framing.h. */
  size_t off = payload_offset(type, buf);
  size_t pad = 0;
  switch (type) {
  case WR_PACKET_ASN1:
    TU_CHECK(buf[0] == 0x04, "asn1 tag %02x, want 04 (OCTET STRING)", buf[0]);
    if (len < 128)
      TU_CHECK(off == 2 && buf[1] == len, "asn1 %zu: short form expected", len);
    else {
      size_t k = buf[1] & 0x7f, v = 0;
      for (size_t i = 0; i < k; i++)
        v = v << 8 | buf[2 + i];
      TU_CHECK(v == len && buf[2] != 0,
               "asn1 %zu: long form with %zu bytes is not minimal", len, k);
    }
    break;
  case WR_PACKET_SUNRM:
    TU_CHECK(buf[0] & 0x80, "sunrm: last-fragment bit not set");
    break;
  case WR_PACKET_CDR:
    TU_CHECK(memcmp(buf, "GIOP\1\0\0\0", 8) == 0,
             "cdr: header is not GIOP 1.0 big-endian type 0");
    break;
  case WR_PACKET_FCGI:
    pad = buf[6];
    TU_CHECK(buf[0] == 1 && buf[1] == 5 && buf[2] == 0 && buf[3] == 1,
             "fcgi: header not version 1, FCGI_STDIN, request id 1");
    TU_CHECK((size_t)(buf[4] << 8 | buf[5]) == len, "fcgi: content length");
    TU_CHECK((8 + len + pad) % 8 == 0 && pad < 8,
             "fcgi %zu: padding %zu does not make a multiple of 8", len, pad);
    break;
  case WR_PACKET_TPKT:
    TU_CHECK(buf[0] == 3 && (size_t)(buf[2] << 8 | buf[3]) == len + 4,
             "tpkt: header not version 3 with length %zu", len + 4);
    break;
  default:
    break;
  }
  size_t tail = type == WR_PACKET_LINE ? 1 : 0;
  TU_CHECK((size_t)size == off + len + pad + tail,
           "%s, %zu bytes: frame of %lld, want %zu", tn, len, size,
           off + len + pad + tail);
  TU_CHECK(len == 0 || memcmp(buf + off, payload, len) == 0,
           "%s, %zu bytes: payload not at offset %zu", tn, len, off);
  if (type == WR_PACKET_LINE)
    TU_CHECK(buf[size - 1] == delim,
             "line: frame does not end in the delimiter");

  /* Decode it back. */
  if (!fr_is_http(type)) {
    wr_framing cfg = wr_framing_default(type);
    cfg.delimiter = delim;
    wr_frame f;
    wr_frame_status s = wr_frame_next(&cfg, 0, buf, (size_t)size, &f);
    TU_CHECK(s == WR_FRAME_PACKET && f.consumed == (size_t)size,
             "%s, %zu bytes: frame decodes as status %d consumed %zu of %lld",
             tn, len, (int)s, f.consumed, size);
    size_t kept =
        (type == WR_PACKET_1 || type == WR_PACKET_2 || type == WR_PACKET_4)
            ? 0
            : off;
    TU_CHECK(f.packet.len == kept + len + tail &&
                 memcmp(f.packet.ptr + kept, payload, len) == 0,
             "%s, %zu bytes: decoded packet of %zu bytes is not the payload",
             tn, len, f.packet.len);
  }
  tu_guard_free(&out);
  tu_count(1);
}

static void test_build_round_trip(void **st) {
  (void)st;
  static const size_t sizes[] = {0,    1,     5,     7,     8,     9,    15,
                                 16,   127,   128,   255,   256,   300,  1000,
                                 4096, 65531, 65532, 65535, 65536, 70000};
  uint8_t *payload = malloc(70000);
  TU_CHECK(payload != NULL, "out of memory");
  for (size_t k = 0; k < 70000; k++)
    payload[k] = (uint8_t)('a' + k % 26); /* no '\n', no ';' */
  tu_guard g;
  tu_guard_init(&g, 70000);
  for (int t = 0; t < WR_PACKET_TYPE_COUNT; t++)
    for (size_t i = 0; i < FR_COUNT(sizes); i++) {
      tu_where_set("%s, payload of %zu bytes", fr_type_erl((wr_packet_type)t),
                   sizes[i]);
      const uint8_t *p = tu_guard_place(&g, payload, sizes[i]);
      build_round_trip((wr_packet_type)t, '\n', p, sizes[i], &g);
    }
  tu_where_set("line with delimiter ';'");
  build_round_trip(WR_PACKET_LINE, ';', tu_guard_place(&g, "a\nb", 3), 3, &g);
  tu_where_set("%s", "");
  tu_guard_free(&g);
  free(payload);
}

/* An asn1 payload needing a 3- and a 4-byte length. */
static void test_build_asn1_long(void **st) {
  (void)st;
  static const size_t sizes[] = {65536, 16777215, 16777216};
  tu_guard g;
  tu_guard_init(&g, 16777216);
  uint8_t *payload = calloc(1, 16777216);
  TU_CHECK(payload != NULL, "out of memory");
  for (size_t i = 0; i < FR_COUNT(sizes); i++) {
    const uint8_t *p = tu_guard_place(&g, payload, sizes[i]);
    long long size = wr_frame_build(WR_PACKET_ASN1, '\n', p, sizes[i], NULL, 0);
    size_t want = sizes[i] < 16777216 ? 5 : 6;
    TU_CHECK(size == (long long)(want + sizes[i]),
             "asn1 %zu bytes: frame of %lld, want header of %zu", sizes[i],
             size, want);
    build_round_trip(WR_PACKET_ASN1, '\n', p, sizes[i], &g);
  }
  free(payload);
  tu_guard_free(&g);
}

/* A line payload that contains the delimiter cannot be framed. */
static void test_build_refusals(void **st) {
  (void)st;
  static const struct {
    const char *name;
    wr_packet_type type;
    uint8_t delim;
    tu_bytes payload;
  } rows[] = {
      {"line payload with LF", WR_PACKET_LINE, '\n', TU_B("a\nb")},
      {"line payload ending in LF", WR_PACKET_LINE, '\n', TU_B("ab\n")},
      {"line payload with ;", WR_PACKET_LINE, ';', TU_B("a;")},
      {"line payload with NUL delimiter", WR_PACKET_LINE, 0, TU_B("a\0")},
  };
  tu_guard g;
  tu_guard_init(&g, 64);
  uint8_t out[64];
  for (size_t i = 0; i < FR_COUNT(rows); i++) {
    const uint8_t *p = tu_guard_place(&g, rows[i].payload.p, rows[i].payload.n);
    long long r = wr_frame_build(rows[i].type, rows[i].delim, p,
                                 rows[i].payload.n, out, sizeof out);
    TU_CHECK(r == WR_EMSGSIZE, "row '%s': returned %lld, want emsgsize",
             rows[i].name, r);
    tu_count(1);
  }
  tu_guard_free(&g);
}

int main(int argc, char **argv) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_encode_header),
      cmocka_unit_test(test_encode_header_p4_wrap),
      cmocka_unit_test(test_encode_header_verbatim),
      cmocka_unit_test(test_encode_header_round_trip),
      cmocka_unit_test(test_build_round_trip),
      cmocka_unit_test(test_build_asn1_long),
      cmocka_unit_test(test_build_refusals),
  };
  return fr_main(argc, argv, "framing_encode", tests, FR_COUNT(tests), NULL, 0);
}
