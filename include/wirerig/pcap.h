/* wirerig pcap: TCP segments out of captured traffic.
 *
 * The reader opens a pcap (microsecond or nanosecond) or pcapng file through
 * libpcap, applies an optional BPF filter, takes off the link layer
 * (Ethernet with any stack of 802.1Q / 802.1ad tags, Linux cooked SLL and
 * SLL2, raw IP, BSD null and OpenBSD loop), the IPv4 or IPv6 header with its
 * extension headers, puts IP fragments back together, and hands out TCP
 * segments one at a time with their checksum verified where the capture holds
 * the whole segment. Everything else (ARP, UDP, ICMP, ...) is counted and
 * skipped. What becomes of the segments -- streams, flows -- is tcpreasm.h.
 *
 * Errors name the file and, once reading has started, the record:
 *   "trace.pcapng: record 17: an interface has a type 113 different from ..."
 */
#ifndef WIRERIG_PCAP_H
#define WIRERIG_PCAP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "wirerig/error.h"
#include "wirerig/net.h"

#ifdef __cplusplus
extern "C" {
#endif

/* The ends of a connection are wr_addr (types.h): IPv4 addresses fill
 * ip[0..4); wr_addr_str (net.h) prints them. */

/* TCP header flags. */
#define WR_TCP_FIN 0x01u
#define WR_TCP_SYN 0x02u
#define WR_TCP_RST 0x04u
#define WR_TCP_PSH 0x08u
#define WR_TCP_ACK 0x10u
#define WR_TCP_URG 0x20u

typedef enum wr_csum_state {
  WR_CSUM_OK = 0,
  WR_CSUM_BAD,
  /* The sender left the checksum to the network card, which never ran: the
   * field holds the pseudo-header sum only. Every capture taken on the
   * sending host or on Linux loopback looks like this, so such segments are
   * accepted (and counted in wr_pcap_stats.csum_offloaded). */
  WR_CSUM_OFFLOADED,
  /* Not verified: the snaplen cut the segment, or checking is off. */
  WR_CSUM_UNVERIFIED
} wr_csum_state;

/* One TCP segment, valid until the next call on the reader. */
typedef struct wr_tcp_segment {
  int64_t ts_ns;   /* capture time, nanoseconds since the epoch */
  uint64_t record; /* the record (1-based) that completed it */
  wr_addr src, dst;
  uint32_t seq, ack;
  uint16_t window;
  uint8_t flags; /* WR_TCP_* */
  uint8_t csum;  /* wr_csum_state */
  const uint8_t *payload;
  uint32_t len;      /* payload bytes captured */
  uint32_t wire_len; /* payload bytes sent; more than len when truncated */
} wr_tcp_segment;

#define WR_PCAP_DEFAULT_FRAG_MEM ((size_t)64 << 20)
/* Datagrams waiting for fragments at once: a capture of many datagrams
 * that never complete cannot hold more. */
#define WR_PCAP_DEFAULT_FRAG_PENDING ((size_t)65536)
/* Fragments one datagram may take: 8192 is what a 64 KiB datagram needs at
 * the smallest fragment size (8 bytes), so only duplicates and overlaps
 * beyond that reach it. */
#define WR_PCAP_DEFAULT_FRAG_FRAGMENTS 8192u

typedef struct wr_pcap_options {
  const char *filter; /* BPF expression (pcap-filter(7)), NULL = none */
  int no_checksum;    /* nonzero: do not verify TCP checksums */
  /* Bytes held at most for IP datagrams waiting for fragments; when more
   * would be needed the oldest datagram is given up (and counted). 0 means
   * WR_PCAP_DEFAULT_FRAG_MEM. */
  size_t frag_mem;
  /* Datagrams waiting at once; when a new one would pass this, the oldest
   * is given up (and counted). 0 means WR_PCAP_DEFAULT_FRAG_PENDING. */
  size_t frag_max_pending;
  /* Fragments one datagram may take; at the next one it is given up (and
   * counted), and its later fragments are ignored until it times out. 0
   * means WR_PCAP_DEFAULT_FRAG_FRAGMENTS. */
  uint32_t frag_max_fragments;
} wr_pcap_options;

typedef struct wr_pcap_stats {
  uint64_t records;       /* capture records read */
  uint64_t tcp_segments;  /* TCP segments handed out */
  uint64_t not_ip;        /* frames carrying something other than IP */
  uint64_t not_tcp;       /* IP datagrams of another protocol */
  uint64_t malformed;     /* IP/TCP headers that contradict themselves */
  uint64_t short_headers; /* cut by the snaplen inside a header */
  uint64_t fragments;     /* IP fragments received */
  uint64_t reassembled;   /* datagrams rebuilt from fragments */
  uint64_t frag_dropped;  /* datagrams never completed (expired, memory, end) */
  uint64_t frag_overlaps; /* fragment bytes that disagreed (first copy kept) */
  uint64_t frag_truncated; /* fragments cut by the snaplen (datagram lost) */
  /* Of frag_dropped, the datagrams a limit gave up: frag_mem, frag_max_pending
   * and frag_max_fragments (the rest timed out or the capture ended). */
  uint64_t frag_cap_mem;
  uint64_t frag_cap_pending;
  uint64_t frag_cap_fragments;
  uint64_t csum_bad;       /* TCP segments whose checksum is wrong */
  uint64_t csum_offloaded; /* TCP checksums left to the card: accepted */
  /* IP datagrams whose length field is larger than the frame that carried
   * them (not cut by the snaplen: the frame's wire length is shorter too).
   * Read as far as the frame goes, as tshark does; never a gap. */
  uint64_t bad_ip_length;
  /* The record cut short by the end of the file (1-based), 0 when none:
   * the file ends inside it, as when tcpdump was killed. The complete
   * records before it are read, as tcpdump and tshark read them. */
  uint64_t truncated_record;
} wr_pcap_stats;

typedef struct wr_pcap_reader wr_pcap_reader;

/* Opens path (pcap or pcapng). Returns 0, or a negative wr_err with a
 * message in err naming the file: WR_ENOENT / WR_EACCES / WR_EIO when it
 * cannot be opened, WR_EPROTO when it is not a readable capture, WR_ENOTSUP
 * for a link type wirerig does not decode, WR_EINVAL for a filter that does
 * not compile, WR_ENOMEM. opt may be NULL. */
int wr_pcap_reader_create(const char *path, const wr_pcap_options *opt,
                          wr_pcap_reader **out, char *err, size_t errlen);
/* The same from an open stream (fmemopen for fuzzing), called `name` in
 * messages. The reader takes fp over and closes it, also on failure. */
int wr_pcap_reader_create_stream(FILE *fp, const char *name,
                                 const wr_pcap_options *opt,
                                 wr_pcap_reader **out, char *err,
                                 size_t errlen);

/* The next TCP segment: returns 1 and fills *seg, 0 at the end of the file,
 * or a negative wr_err (WR_EPROTO for a damaged record, WR_EIO, WR_ENOMEM)
 * with wr_pcap_error() naming the file and record. Errors are sticky. */
int wr_pcap_next(wr_pcap_reader *r, wr_tcp_segment *seg);

/* The message of the last error ("" when none). */
const char *wr_pcap_error(const wr_pcap_reader *r);
const wr_pcap_stats *wr_pcap_get_stats(const wr_pcap_reader *r);
/* The file's link type as a libpcap DLT_ value, and its name ("EN10MB"). */
int wr_pcap_linktype(const wr_pcap_reader *r);
const char *wr_pcap_linktype_name(int dlt);
/* 1 when wirerig decodes this DLT_ link type. */
int wr_pcap_linktype_supported(int dlt);
void wr_pcap_reader_destroy(wr_pcap_reader *r);

/* ---- writing a simulated run as a capture ------------------------------ */

/* From now on, writes every packet of simnet n's run to a pcap file
 * (libpcap, raw IP link type, nanosecond timestamps = virtual time): SYN,
 * SYN-ACK, ACK, data, FIN and RST, with consistent sequence and
 * acknowledgement numbers and valid checksums. One file per network at a
 * time; destroying the network closes it. 0, WR_ENOTSUP (a transport
 * without simnet's packet hook), WR_EINVAL (no path), WR_EALREADY (one is
 * open) or WR_EIO; a message in err. */
int wr_pcap_export_open(wr_net *n, const char *path, char *err, size_t errlen);
/* Flushes and closes the file, which is written under a temporary name
 * and renamed to path only now: 0, WR_ENOENT when none is open, or WR_EIO
 * when it could not be written (nothing is then left under path). */
int wr_pcap_export_close(wr_net *n);

#ifdef __cplusplus
}
#endif
#endif
