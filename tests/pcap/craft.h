/* Crafted captures for the pcap tests: packets built byte by byte and
 * written as pcap (micro- or nanosecond) or pcapng, so every edge case --
 * out-of-order segments, overlaps with different data, sequence wrap, bad
 * checksums, fragments, VLAN stacks, SLL2, null/loop headers -- is exactly
 * what the test says it is.
 *
 * Link types are the LINKTYPE_ values written in files (101 for raw IP),
 * not libpcap's DLT_ values.
 */
#ifndef WIRERIG_TESTS_PCAP_CRAFT_H
#define WIRERIG_TESTS_PCAP_CRAFT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CR_LINK_NULL 0
#define CR_LINK_ETHERNET 1
#define CR_LINK_RAW 101
#define CR_LINK_LOOP 108
#define CR_LINK_SLL 113
#define CR_LINK_IPV4 228
#define CR_LINK_IPV6 229
#define CR_LINK_SLL2 276

typedef enum cr_format { CR_PCAP_US, CR_PCAP_NS, CR_PCAPNG } cr_format;

typedef struct cr_file cr_file;

/* Starts a capture file. For pcapng, `links` lists one link type per
 * interface (nlinks of them); for pcap only links[0] counts. snaplen 0
 * means 262144. NULL when the file cannot be created. */
cr_file *cr_open(const char *path, cr_format fmt, const int *links, int nlinks,
                 uint32_t snaplen);
/* One record: the frame was wire_len bytes, the first caplen are written.
 * iface picks the pcapng interface. */
void cr_record(cr_file *f, int iface, int64_t ts_ns, const uint8_t *frame,
               size_t wire_len, size_t caplen);
/* Returns 0 when everything was written. */
int cr_close(cr_file *f);

/* ---- packets ------------------------------------------------------------ */

/* One end of a conversation. */
typedef struct cr_end {
  const char *ip; /* "10.0.0.1" or "fd00::1" */
  uint16_t port;
} cr_end;

typedef struct cr_tcp {
  cr_end src, dst;
  uint32_t seq, ack;
  uint8_t flags; /* WR_TCP_* */
  uint16_t window;
  const void *payload;
  size_t len;
  int bad_checksum;     /* write a wrong checksum */
  int partial_checksum; /* write the pseudo-header sum (checksum offload) */
} cr_tcp;

/* The link layer in front of an IP datagram. */
typedef struct cr_link {
  int type;              /* CR_LINK_* */
  uint16_t vlans[4];     /* Ethernet / SLL / SLL2 tags, outermost first */
  uint16_t vlan_tpid[4]; /* 0 = 0x8100 */
  int nvlans;
  int null_big_endian; /* NULL: family written big-endian */
  int v6_family;       /* NULL/LOOP: AF_INET6 value to write (default 10) */
} cr_link;

/* Builds an IP datagram holding t (IPv4 or IPv6 from the address text)
 * into out (room for 65600 bytes) and returns its size. */
size_t cr_ip_tcp(uint8_t *out, const cr_tcp *t, uint16_t ip_id);
/* Prefixes the link header: writes link + datagram into out, returns the
 * frame size. */
size_t cr_frame(uint8_t *out, const cr_link *l, const uint8_t *dgram, size_t n);

/* Cuts an IP datagram into fragments whose payload parts are `piece` bytes
 * (a multiple of 8) and returns how many were written to frags[i] (each
 * with room for 65600 bytes), lens[i] their sizes. IPv6 fragments get a
 * fragment header. */
int cr_fragment(const uint8_t *dgram, size_t n, size_t piece, uint32_t id,
                uint8_t frags[][65600], size_t *lens, int max);

/* ---- conversations ---------------------------------------------------------
 */

/* Writes TCP segments of one connection, keeping the sequence numbers. */
typedef struct cr_conv {
  cr_file *file;
  cr_link link;
  cr_end client, server;
  uint32_t seq[2]; /* next sequence number: [0] client, [1] server */
  int64_t ts;      /* advanced by 1 ms per segment */
  uint16_t ip_id;
} cr_conv;

#define CR_C2S 0
#define CR_S2C 1

void cr_conv_init(cr_conv *c, cr_file *f, int link_type, cr_end client,
                  cr_end server, uint32_t client_isn, uint32_t server_isn);
/* SYN, SYN-ACK, ACK. */
void cr_handshake(cr_conv *c);
/* A segment from dir with the current sequence number (advanced by len and
 * by one for SYN/FIN) and the peer's as acknowledgement. */
void cr_send(cr_conv *c, int dir, uint8_t flags, const void *p, size_t len);
/* A segment at an explicit sequence number; nothing is advanced. */
void cr_send_at(cr_conv *c, int dir, uint32_t seq, uint8_t flags, const void *p,
                size_t len);
/* Writes a fully described segment through the conversation's link. */
void cr_write(cr_conv *c, const cr_tcp *t, size_t caplen_cut);

#endif
