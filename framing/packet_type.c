/* Packet type names as gen_tcp and decode_packet/3 spell them. */
#include <string.h>

#include "wirerig/framing.h"

static const char *const type_names[WR_PACKET_TYPE_COUNT] = {
    [WR_PACKET_RAW] = "raw",
    [WR_PACKET_1] = "1",
    [WR_PACKET_2] = "2",
    [WR_PACKET_4] = "4",
    [WR_PACKET_ASN1] = "asn1",
    [WR_PACKET_SUNRM] = "sunrm",
    [WR_PACKET_CDR] = "cdr",
    [WR_PACKET_FCGI] = "fcgi",
    [WR_PACKET_TPKT] = "tpkt",
    [WR_PACKET_LINE] = "line",
    [WR_PACKET_HTTP] = "http",
    [WR_PACKET_HTTPH] = "httph",
    [WR_PACKET_HTTP_BIN] = "http_bin",
    [WR_PACKET_HTTPH_BIN] = "httph_bin",
};

int wr_packet_type_parse(const char *name, wr_packet_type *out) {
  if (name == NULL)
    return WR_EINVAL;
  if (strcmp(name, "0") == 0) { /* gen_tcp's alias for raw */
    *out = WR_PACKET_RAW;
    return 0;
  }
  for (int t = 0; t < WR_PACKET_TYPE_COUNT; t++) {
    if (strcmp(name, type_names[t]) == 0) {
      *out = (wr_packet_type)t;
      return 0;
    }
  }
  return WR_EINVAL;
}

const char *wr_packet_type_name(wr_packet_type type) {
  if ((unsigned)type >= WR_PACKET_TYPE_COUNT)
    return "?";
  return type_names[type];
}

const char *wr_packet_type_names(void) {
  return "raw 0 1 2 4 asn1 sunrm cdr fcgi tpkt line http httph http_bin "
         "httph_bin";
}

int wr_packet_type_is_http(wr_packet_type type) {
  return type == WR_PACKET_HTTP || type == WR_PACKET_HTTPH ||
         type == WR_PACKET_HTTP_BIN || type == WR_PACKET_HTTPH_BIN;
}

int wr_packet_type_is_http_bin(wr_packet_type type) {
  return type == WR_PACKET_HTTP_BIN || type == WR_PACKET_HTTPH_BIN;
}

wr_framing wr_framing_default(wr_packet_type type) {
  wr_framing f;
  f.type = type;
  f.packet_size = 0;
  f.trunc_len = 0;
  f.delimiter = '\n';
  return f;
}
