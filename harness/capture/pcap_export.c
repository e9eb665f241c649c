/* Export of a simulated run as a pcap file, written with libpcap.
 *
 * Each packet is a synthesised IPv4 or IPv6 header and a 20-byte TCP header
 * with valid checksums, on the raw-IP link type, stamped with the virtual
 * time at which it arrived (so the file is in time order). Sequence numbers
 * start at a per-connection ISN; acknowledgement numbers are the opposite
 * stream position when the segment was cut. Data segments larger than one
 * IP packet are split into packets of at most 65,495 bytes, as a kernel
 * with a 64 KiB MTU would. */
#include "base/bytes.h"
#include "pcap_internal.h"
#include "wirerig/error.h"
#include "wirerig/pcap.h"
#include "wirerig/simnet.h"

#include <pcap/pcap.h>
#include <stdlib.h>
#include <string.h>

#define PKT_MAX (40 + 20 + 65535)

typedef struct pcap_out {
  pcap_t *p;
  pcap_dumper_t *d;
  uint16_t ipid;
  uint8_t pkt[PKT_MAX];
  uint8_t tmp[65535]; /* one packet's payload, gathered from the ring */
} pcap_out;

static void write_one(pcap_out *o, wr_time now, const wr_addr *src,
                      const wr_addr *dst, uint8_t flags, uint32_t seq,
                      uint32_t ack, const uint8_t *data, size_t len) {
  size_t iph = src->family == 6 ? 40 : 20;
  uint8_t *ip = o->pkt, *tcp = o->pkt + iph;
  size_t total = iph + 20 + len;
  memset(o->pkt, 0, iph + 20);
  if (src->family == 6) {
    ip[0] = 0x60;
    wr_put_be16(ip + 4, (uint16_t)(20 + len));
    ip[6] = 6;  /* next header: TCP */
    ip[7] = 64; /* hop limit */
    memcpy(ip + 8, src->ip, 16);
    memcpy(ip + 24, dst->ip, 16);
  } else {
    ip[0] = 0x45;
    wr_put_be16(ip + 2, (uint16_t)total);
    wr_put_be16(ip + 4, o->ipid++);
    wr_put_be16(ip + 6, 0x4000); /* don't fragment */
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, src->ip, 4);
    memcpy(ip + 16, dst->ip, 4);
    uint16_t ipsum = (uint16_t)~wr_csum_fold(wr_csum_add(0, ip, 20));
    memcpy(ip + 10, &ipsum, 2); /* the sum is in memory order, see tcpseg.c */
  }
  wr_put_be16(tcp, src->port);
  wr_put_be16(tcp + 2, dst->port);
  wr_put_be32(tcp + 4, seq);
  wr_put_be32(tcp + 8, ack);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  wr_put_be16(tcp + 14, 65535);
  if (len)
    memcpy(tcp + 20, data, len);
  /* The checksum covers a pseudo-header: addresses, protocol, length. */
  size_t alen = src->family == 6 ? 16 : 4;
  uint8_t tail[8] = {0};
  wr_put_be32(tail, (uint32_t)(20 + len));
  tail[7] = 6; /* protocol; IPv4's 12-byte form sums the same */
  uint64_t sum = wr_csum_add(0, src->ip, alen);
  sum = wr_csum_add(sum, dst->ip, alen);
  sum = wr_csum_add(sum, tail, sizeof tail);
  sum = wr_csum_add(sum, tcp, 20 + len);
  uint16_t tcpsum = (uint16_t)~wr_csum_fold(sum);
  memcpy(tcp + 16, &tcpsum, 2);

  struct pcap_pkthdr hdr;
  memset(&hdr, 0, sizeof hdr);
  hdr.ts.tv_sec = (time_t)(now / WR_NS_PER_SEC);
  hdr.ts.tv_usec = (suseconds_t)(now % WR_NS_PER_SEC); /* nanoseconds */
  hdr.caplen = hdr.len = (bpf_u_int32)total;
  pcap_dump((u_char *)o->d, &hdr, o->pkt);
}

/* Also for an export whose file never opened (wr_pcap_export_open). */
static void close_out(pcap_out *o) {
  if (o->d)
    pcap_dump_close(o->d);
  if (o->p)
    pcap_close(o->p);
  free(o);
}

static void on_packet(void *ctx, const wr_sim_packet *pkt) {
  pcap_out *o = ctx;
  if (!pkt) { /* unhooked or the network is going away */
    close_out(o);
    return;
  }
  const wr_addr *src = pkt->src, *dst = pkt->dst;
  const uint8_t *p1 = pkt->p1, *p2 = pkt->p2;
  size_t l1 = pkt->l1, l2 = pkt->l2;
  size_t total = l1 + l2, maxseg = src->family == 6 ? 65515 : 65495;
  if (total == 0) {
    write_one(o, pkt->at, src, dst, pkt->flags, pkt->seq, pkt->ack, NULL, 0);
    return;
  }
  /* Gather the (possibly wrapped) bytes chunk by chunk. */
  size_t done = 0;
  uint8_t *tmp = o->tmp;
  while (done < total) {
    size_t n = total - done < maxseg ? total - done : maxseg;
    for (size_t i = 0; i < n;) {
      size_t off = done + i;
      const uint8_t *src_p = off < l1 ? p1 + off : p2 + (off - l1);
      size_t run = off < l1 ? l1 - off : l2 - (off - l1);
      if (run > n - i)
        run = n - i;
      memcpy(tmp + i, src_p, run);
      i += run;
    }
    uint8_t f = pkt->flags;
    if (done + n < total)
      f &= (uint8_t)~WR_TCPF_PSH;
    write_one(o, pkt->at, src, dst, f, pkt->seq + (uint32_t)done, pkt->ack, tmp,
              n);
    done += n;
  }
}

/* Opens the file behind an installed hook: 0, or WR_EIO with a message. */
static int open_out(pcap_out *o, const char *path, char *err, size_t errlen) {
  o->p = pcap_open_dead_with_tstamp_precision(DLT_RAW, PKT_MAX,
                                              PCAP_TSTAMP_PRECISION_NANO);
  if (!o->p) {
    if (err && errlen)
      snprintf(err, errlen, "libpcap could not create a raw-IP handle");
    return WR_EIO;
  }
  o->d = pcap_dump_open(o->p, path);
  if (!o->d) {
    if (err && errlen)
      snprintf(err, errlen, "cannot write pcap file '%s': %s", path,
               pcap_geterr(o->p));
    return WR_EIO;
  }
  return 0;
}

int wr_pcap_export_open(wr_net *n, const char *path, char *err, size_t errlen) {
  if (!path) {
    if (err && errlen)
      snprintf(err, errlen, "pcap export needs a file name");
    return WR_EINVAL;
  }
  if (wr_simnet_packet_hook_ctx(n, on_packet)) {
    if (err && errlen)
      snprintf(err, errlen, "a pcap export is already open; close it first");
    return WR_EALREADY;
  }
  pcap_out *o = calloc(1, sizeof *o);
  if (!o)
    return WR_ENOMEM;
  /* The hook goes in first: a transport without one answers WR_ENOTSUP
   * before any file is created or truncated. */
  int rc = wr_simnet_packet_hook(n, on_packet, o);
  if (rc < 0) {
    free(o);
    if (err && errlen)
      snprintf(err, errlen, "pcap export is not supported on %s",
               wr_net_name(n));
    return rc;
  }
  rc = open_out(o, path, err, errlen);
  if (rc < 0)
    wr_simnet_packet_hook(n, NULL, NULL); /* hands o to close_out */
  return rc;
}

int wr_pcap_export_close(wr_net *n) {
  if (!wr_simnet_packet_hook_ctx(n, on_packet))
    return WR_ENOENT;
  /* Removing the hook hands it NULL, which closes (and flushes) the file. */
  return wr_simnet_packet_hook(n, NULL, NULL);
}
