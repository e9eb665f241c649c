/* Pieces of the capture reader shared between its files: link layers, IP,
 * fragments, TCP headers and checksums. Not installed. */
#ifndef WIRERIG_PCAP_INTERNAL_H
#define WIRERIG_PCAP_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "wirerig/pcap.h"

/* ---- link layers (link.c) --------------------------------------------- */

typedef enum link_result {
  LINK_IPV4 = 4,
  LINK_IPV6 = 6,
  LINK_OTHER = 0, /* ARP, LLC, ... */
  LINK_SHORT = -1 /* the snaplen cut the link header */
} link_result;

/* Strips the link header (and VLAN tags) of a frame of link type dlt; on
 * LINK_IPV4/6 *off is where the IP header starts. */
link_result wr_link_strip(int dlt, const uint8_t *p, size_t caplen,
                          size_t *off);

/* ---- IP (ip.c) -------------------------------------------------------- */

typedef enum ip_result {
  IP_OK = 0,
  IP_SHORT = -1,     /* cut by the snaplen inside a header */
  IP_MALFORMED = -2, /* lengths or version that contradict themselves */
  IP_NO_PAYLOAD = -3 /* ESP, "no next header": nothing we can read */
} ip_result;

typedef struct ip_info {
  int family; /* 4 or 6 */
  uint8_t src[16], dst[16];
  uint8_t proto;          /* upper-layer protocol (fragments: of the whole) */
  const uint8_t *payload; /* upper-layer bytes (fragments: this piece) */
  size_t cap_len;         /* of them, captured */
  size_t len;             /* of them, per the IP header */
  int is_frag;
  uint32_t frag_id;
  uint32_t frag_off; /* in bytes */
  int frag_more;
  int bad_len; /* the length field claimed more than the frame's wire length */
} ip_info;

/* p[0..caplen) was captured of a datagram that took wirelen bytes on the
 * wire (the record's length less the link header). */
ip_result wr_ip_parse(int family, const uint8_t *p, size_t caplen,
                      size_t wirelen, ip_info *out);

/* Walks IPv6 extension headers starting with next-header nh over
 * p[0..caplen) (len bytes on the wire). On IP_OK, out->proto, payload,
 * cap_len and len describe the upper layer; a fragment header fills the
 * frag_ fields. Used again on a reassembled payload. */
ip_result wr_ipv6_walk(uint8_t nh, const uint8_t *p, size_t caplen, size_t len,
                       ip_info *out);

/* ---- fragments (ipfrag.c) --------------------------------------------- */

typedef struct wr_fragq wr_fragq;

/* The limits of wr_pcap_options; 0 takes the default. */
typedef struct wr_fragq_limits {
  size_t mem;
  size_t max_pending;
  uint32_t max_fragments;
} wr_fragq_limits;

wr_fragq *wr_fragq_new(const wr_fragq_limits *lim);
void wr_fragq_free(wr_fragq *q);

/* Adds one fragment (ip->is_frag). Returns 1 when a datagram is complete:
 * *whole then describes it (payload valid until the next call; cap_len
 * shorter than len when a fragment was cut by the snaplen), 0 while more
 * fragments are needed, or WR_ENOMEM. Expired and evicted datagrams are
 * counted in st->frag_dropped, and those a limit gave up also in
 * st->frag_cap_*. */
int wr_fragq_add(wr_fragq *q, const ip_info *ip, int64_t ts_ns,
                 wr_pcap_stats *st, ip_info *whole);
/* Datagrams still waiting (counted as dropped at the end of the file). */
size_t wr_fragq_pending(const wr_fragq *q);

/* ---- TCP header and checksum (tcpseg.c) -------------------------------- */

/* One's-complement sum of p[0..n) in native byte order, not folded; add
 * more with `acc`. n must be even except for the last call. */
uint64_t wr_csum_add(uint64_t acc, const uint8_t *p, size_t n);
/* Folds a sum to 16 bits (native byte order). */
uint16_t wr_csum_fold(uint64_t acc);

typedef enum tcp_result {
  TCP_OK = 0,
  TCP_SHORT = -1,
  TCP_MALFORMED = -2
} tcp_result;

/* Parses the TCP header at ip->payload into seg (addresses, ports,
 * sequence numbers, payload) and verifies the checksum unless no_checksum. */
tcp_result wr_tcp_parse(const ip_info *ip, int no_checksum,
                        wr_tcp_segment *seg);

#endif
