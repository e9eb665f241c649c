/* Link layers: from a captured frame to the start of its IP header. */
#include <pcap/dlt.h>
#include <stdint.h>

#include "base/bytes.h"
#include "pcap_internal.h"

#define ETHERTYPE_IPV4 0x0800u
#define ETHERTYPE_IPV6 0x86DDu
#define ETHERTYPE_VLAN 0x8100u     /* 802.1Q */
#define ETHERTYPE_QINQ 0x88A8u     /* 802.1ad service tag */
#define ETHERTYPE_QINQ_OLD 0x9100u /* pre-standard QinQ, still seen */

/* The ethertype at p[*off..]; skips VLAN tags (4 bytes each: the tag
 * control information, then the next ethertype). */
static link_result by_ethertype(const uint8_t *p, size_t caplen, size_t *off) {
  /* Any depth: every tag takes 4 bytes of the frame, so the walk ends with
   * the captured bytes at the latest. A fixed limit used to count deep
   * stacks (which real switches and fuzzers both produce) as "not IP". */
  for (;;) {
    if (caplen < *off + 2)
      return LINK_SHORT;
    uint16_t type = wr_be16(p + *off);
    *off += 2;
    switch (type) {
    case ETHERTYPE_IPV4:
      return LINK_IPV4;
    case ETHERTYPE_IPV6:
      return LINK_IPV6;
    case ETHERTYPE_VLAN:
    case ETHERTYPE_QINQ:
    case ETHERTYPE_QINQ_OLD:
      *off += 2; /* the tag control information */
      continue;
    default:
      return LINK_OTHER;
    }
  }
}

/* Address family values written by the BSDs, macOS and Linux into the
 * 4-byte null/loop header (AF_INET is 2 everywhere; AF_INET6 is not). */
static link_result by_family(uint32_t af) {
  switch (af) {
  case 2:
    return LINK_IPV4;
  case 10: /* Linux */
  case 24: /* NetBSD, OpenBSD, BSD/OS */
  case 28: /* FreeBSD, DragonFly */
  case 30: /* macOS */
    return LINK_IPV6;
  default:
    return LINK_OTHER;
  }
}

/* Raw IP carries no type field: the version nibble tells. */
static link_result by_version(const uint8_t *p, size_t caplen, size_t off) {
  if (caplen < off + 1)
    return LINK_SHORT;
  switch (p[off] >> 4) {
  case 4:
    return LINK_IPV4;
  case 6:
    return LINK_IPV6;
  default:
    return LINK_OTHER;
  }
}

link_result wr_link_strip(int dlt, const uint8_t *p, size_t caplen,
                          size_t *off) {
  switch (dlt) {
  case DLT_EN10MB:
    /* dst(6) src(6) ethertype(2); a type below 0x600 is an 802.3 length
     * (LLC follows), which by_ethertype reports as not IP. */
    *off = 12;
    return by_ethertype(p, caplen, off);
  case DLT_LINUX_SLL:
    /* packet type(2) ARPHRD(2) address length(2) address(8) protocol(2) */
    *off = 14;
    return by_ethertype(p, caplen, off);
  case DLT_LINUX_SLL2: {
    /* protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1)
     * address length(1) address(8) */
    if (caplen < 20)
      return LINK_SHORT;
    uint16_t type = wr_be16(p);
    if (type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6) {
      *off = 20;
      return type == ETHERTYPE_IPV4 ? LINK_IPV4 : LINK_IPV6;
    }
    if (type != ETHERTYPE_VLAN && type != ETHERTYPE_QINQ &&
        type != ETHERTYPE_QINQ_OLD)
      return LINK_OTHER;
    /* A tag that was not stripped: its control information opens the
     * payload, then the next ethertype. */
    *off = 22;
    return by_ethertype(p, caplen, off);
  }
  case DLT_RAW:
  case DLT_IPV4:
  case DLT_IPV6:
    *off = 0;
    return by_version(p, caplen, 0);
  case DLT_NULL: {
    /* The family in the byte order of the machine that captured; no
     * family value is above 0xFFFF, so the order that gives a small
     * number is the right one. */
    if (caplen < 4)
      return LINK_SHORT;
    uint32_t le = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                  (uint32_t)p[3] << 24;
    uint32_t be = (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
                  (uint32_t)p[0] << 24;
    *off = 4;
    return by_family(le <= 0xFFFF ? le : be);
  }
  case DLT_LOOP: {
    if (caplen < 4)
      return LINK_SHORT;
    uint32_t be = (uint32_t)p[3] | (uint32_t)p[2] << 8 | (uint32_t)p[1] << 16 |
                  (uint32_t)p[0] << 24;
    *off = 4;
    return by_family(be);
  }
  default:
    return LINK_OTHER;
  }
}
