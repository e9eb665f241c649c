/* The TCP header of one segment, and its checksum. */
#include <arpa/inet.h>
#include <string.h>

#include "base/bytes.h"
#include "pcap_internal.h"

/* The one's-complement sum does not care about byte order as long as every
 * word is read the same way (RFC 1071), so words are loaded in native order,
 * eight bytes at a time, and only the final comparison is byte-order aware.
 * Adding 32-bit halves into a 64-bit accumulator keeps the carries. */
uint64_t wr_csum_add(uint64_t acc, const uint8_t *p, size_t n) {
  while (n >= 32) {
    uint64_t w[4];
    memcpy(w, p, sizeof w);
    for (int i = 0; i < 4; i++)
      acc += (w[i] & 0xFFFFFFFFu) + (w[i] >> 32);
    p += 32;
    n -= 32;
  }
  while (n >= 8) {
    uint64_t w;
    memcpy(&w, p, 8);
    acc += (w & 0xFFFFFFFFu) + (w >> 32);
    p += 8;
    n -= 8;
  }
  if (n > 0) {
    /* The tail, padded with zeros: an odd last byte is the high-order byte
     * of a final word on the wire, which is where memory order puts it. */
    uint8_t tail[8] = {0};
    memcpy(tail, p, n);
    uint64_t w;
    memcpy(&w, tail, 8);
    acc += (w & 0xFFFFFFFFu) + (w >> 32);
  }
  return acc;
}

uint16_t wr_csum_fold(uint64_t acc) {
  while (acc >> 16)
    acc = (acc & 0xFFFFu) + (acc >> 16);
  return (uint16_t)acc;
}

/* Sum of the pseudo-header for a TCP segment of `len` bytes. */
static uint64_t pseudo_sum(const ip_info *ip, size_t len) {
  uint8_t ph[40];
  size_t n;
  if (ip->family == 4) {
    memcpy(ph, ip->src, 4);
    memcpy(ph + 4, ip->dst, 4);
    ph[8] = 0;
    ph[9] = 6;
    uint16_t l = htons((uint16_t)len);
    memcpy(ph + 10, &l, 2);
    n = 12;
  } else {
    memcpy(ph, ip->src, 16);
    memcpy(ph + 16, ip->dst, 16);
    uint32_t l = htonl((uint32_t)len);
    memcpy(ph + 32, &l, 4);
    ph[36] = ph[37] = ph[38] = 0;
    ph[39] = 6;
    n = 40;
  }
  return wr_csum_add(0, ph, n);
}

static wr_csum_state check(const ip_info *ip) {
  const uint8_t *p = ip->payload;
  uint64_t ps = pseudo_sum(ip, ip->len);
  /* Checksum offload (CHECKSUM_PARTIAL on Linux, loopback included): the
   * stack wrote the folded pseudo-header sum and left the rest to a card
   * that never saw this copy. Looked at first because it needs no pass over
   * the payload, and captures on the sending host are all like this. A
   * correct checksum that happens to equal that value (1 in 65536) is
   * accepted either way. */
  uint16_t field;
  memcpy(&field, p + 16, 2);
  if (field == wr_csum_fold(ps))
    return WR_CSUM_OFFLOADED;
  if (wr_csum_fold(wr_csum_add(ps, p, ip->len)) == 0xFFFF)
    return WR_CSUM_OK;
  return WR_CSUM_BAD;
}

tcp_result wr_tcp_parse(const ip_info *ip, int no_checksum,
                        wr_tcp_segment *seg) {
  const uint8_t *p = ip->payload;
  if (ip->len < 20)
    return TCP_MALFORMED;
  if (ip->cap_len < 20)
    return TCP_SHORT;
  size_t doff = (size_t)(p[12] >> 4) * 4;
  if (doff < 20 || doff > ip->len)
    return TCP_MALFORMED;
  if (doff > ip->cap_len)
    return TCP_SHORT;
  memset(&seg->src, 0, sizeof seg->src);
  memset(&seg->dst, 0, sizeof seg->dst);
  seg->src.family = seg->dst.family = (uint8_t)ip->family;
  memcpy(seg->src.ip, ip->src, 16);
  memcpy(seg->dst.ip, ip->dst, 16);
  seg->src.port = wr_be16(p);
  seg->dst.port = wr_be16(p + 2);
  seg->seq = wr_be32(p + 4);
  seg->ack = wr_be32(p + 8);
  seg->flags = p[13] & 0x3Fu;
  seg->window = wr_be16(p + 14);
  seg->payload = p + doff;
  seg->len = (uint32_t)(ip->cap_len - doff);
  seg->wire_len = (uint32_t)(ip->len - doff);
  if (no_checksum || ip->cap_len < ip->len)
    seg->csum = WR_CSUM_UNVERIFIED;
  else
    seg->csum = (uint8_t)check(ip);
  return TCP_OK;
}
