/* IPv4 and IPv6 headers, IPv6 extension headers, fragment fields. */
#include <string.h>

#include "base/bytes.h"
#include "pcap_internal.h"

/* More extension headers than this in one datagram is an attack or
 * garbage; stop rather than walk a crafted chain. */
#define MAX_EXT_HEADERS 16

/* A length field beyond the frame's wire length cannot be snaplen
 * truncation (the frame was that long on the wire, and no longer): the
 * field lies. The datagram is what the frame holds, as tshark reads it
 * ("total length exceeds packet length"), and it is counted, but no bytes
 * are invented as missing -- a gap there would make the reassembler drop
 * the next in-order segment as if it came after a hole. */
static size_t clamp_len(size_t field, size_t wirelen, ip_info *out) {
  if (field <= wirelen)
    return field;
  out->bad_len = 1;
  return wirelen;
}

static ip_result parse_v4(const uint8_t *p, size_t caplen, size_t wirelen,
                          ip_info *out) {
  if (caplen < 20)
    return IP_SHORT;
  size_t ihl = (size_t)(p[0] & 15u) * 4;
  if (ihl < 20)
    return IP_MALFORMED;
  if (caplen < ihl)
    return IP_SHORT;
  size_t total = wr_be16(p + 2);
  /* A total length of 0 is what a capture on the sending host shows for a
   * segment the card will cut up (TSO): the frame is the datagram. */
  if (total == 0)
    total = caplen;
  if (total < ihl)
    return IP_MALFORMED;
  total = clamp_len(total, wirelen, out);
  size_t avail = caplen < total ? caplen : total;
  uint16_t frag = wr_be16(p + 6);
  out->family = 4;
  memset(out->src, 0, sizeof out->src);
  memset(out->dst, 0, sizeof out->dst);
  memcpy(out->src, p + 12, 4);
  memcpy(out->dst, p + 16, 4);
  out->proto = p[9];
  out->payload = p + ihl;
  out->cap_len = avail - ihl;
  out->len = total - ihl;
  out->frag_off = (uint32_t)(frag & 0x1FFFu) * 8;
  out->frag_more = (frag & 0x2000u) != 0;
  out->is_frag = out->frag_off != 0 || out->frag_more;
  out->frag_id = wr_be16(p + 4);
  return IP_OK;
}

ip_result wr_ipv6_walk(uint8_t nh, const uint8_t *p, size_t caplen, size_t len,
                       ip_info *out) {
  out->is_frag = 0;
  for (int n = 0; n < MAX_EXT_HEADERS; n++) {
    size_t hl;
    switch (nh) {
    case 0:  /* hop-by-hop options */
    case 43: /* routing */
    case 60: /* destination options */
      if (caplen < 2)
        return len < 2 ? IP_MALFORMED : IP_SHORT;
      hl = ((size_t)p[1] + 1) * 8;
      break;
    case 51: /* authentication header: length in 4-byte units, minus 2 */
      if (caplen < 2)
        return len < 2 ? IP_MALFORMED : IP_SHORT;
      hl = ((size_t)p[1] + 2) * 4;
      break;
    case 44: { /* fragment */
      if (len < 8)
        return IP_MALFORMED;
      if (caplen < 8)
        return IP_SHORT;
      uint16_t offlg = wr_be16(p + 2);
      if ((offlg & 0xFFF8u) == 0 && (offlg & 1u) == 0) {
        /* An atomic fragment (RFC 6946): whole, just labelled. */
        hl = 8;
        break;
      }
      out->is_frag = 1;
      out->frag_off = offlg & 0xFFF8u;
      out->frag_more = offlg & 1u;
      out->frag_id = wr_be32(p + 4);
      out->proto = p[0];
      out->payload = p + 8;
      out->cap_len = caplen - 8;
      out->len = len - 8;
      return IP_OK;
    }
    case 50: /* ESP: encrypted */
    case 59: /* no next header */
      return IP_NO_PAYLOAD;
    default:
      out->proto = nh;
      out->payload = p;
      out->cap_len = caplen;
      out->len = len;
      return IP_OK;
    }
    if (hl > len)
      return IP_MALFORMED;
    if (hl > caplen)
      return IP_SHORT;
    nh = p[0];
    p += hl;
    caplen -= hl;
    len -= hl;
  }
  return IP_MALFORMED;
}

static ip_result parse_v6(const uint8_t *p, size_t caplen, size_t wirelen,
                          ip_info *out) {
  if (caplen < 40)
    return IP_SHORT;
  size_t plen = wr_be16(p + 4);
  /* 0 is a jumbogram or a TSO segment on the sending host: take the frame. */
  if (plen == 0)
    plen = caplen - 40;
  plen = clamp_len(plen, wirelen - 40, out);
  size_t avail = caplen - 40 < plen ? caplen - 40 : plen;
  out->family = 6;
  memcpy(out->src, p + 8, 16);
  memcpy(out->dst, p + 24, 16);
  return wr_ipv6_walk(p[6], p + 40, avail, plen, out);
}

ip_result wr_ip_parse(int family, const uint8_t *p, size_t caplen,
                      size_t wirelen, ip_info *out) {
  if (caplen < 1)
    return IP_SHORT;
  if (wirelen < caplen)
    wirelen = caplen; /* a record header that contradicts itself */
  out->bad_len = 0;
  int version = p[0] >> 4;
  if (version != family)
    return IP_MALFORMED;
  return family == 4 ? parse_v4(p, caplen, wirelen, out)
                     : parse_v6(p, caplen, wirelen, out);
}
