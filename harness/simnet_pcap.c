/* Export of a simulated run as a pcap file, written with libpcap.
 *
 * Each packet is a synthesised IPv4 or IPv6 header and a 20-byte TCP header
 * with valid checksums, on the raw-IP link type, stamped with the virtual
 * time at which it arrived (so the file is in time order). Sequence numbers
 * start at a per-connection ISN; acknowledgement numbers are the opposite
 * stream position when the segment was cut. Data segments larger than one
 * IP packet are split into packets of at most 65,495 bytes, as a kernel
 * with a 64 KiB MTU would. */
#include "simnet_int.h"

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

static uint32_t sum16(uint32_t sum, const uint8_t *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2)
    sum += (uint32_t)p[i] << 8 | p[i + 1];
  if (n & 1)
    sum += (uint32_t)p[n - 1] << 8;
  return sum;
}

static uint16_t fold(uint32_t sum) {
  while (sum >> 16)
    sum = (sum & 0xffff) + (sum >> 16);
  return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}

static void put32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)(v >> 24);
  p[1] = (uint8_t)(v >> 16);
  p[2] = (uint8_t)(v >> 8);
  p[3] = (uint8_t)v;
}

static void write_one(wr_simnet *s, pcap_out *o, const wr_addr *src,
                      const wr_addr *dst, uint8_t flags, uint32_t seq,
                      uint32_t ack, const uint8_t *data, size_t len) {
  size_t iph = src->family == 6 ? 40 : 20;
  uint8_t *ip = o->pkt, *tcp = o->pkt + iph;
  size_t total = iph + 20 + len;
  memset(o->pkt, 0, iph + 20);
  if (src->family == 6) {
    ip[0] = 0x60;
    put16(ip + 4, (uint16_t)(20 + len));
    ip[6] = 6;  /* next header: TCP */
    ip[7] = 64; /* hop limit */
    memcpy(ip + 8, src->ip, 16);
    memcpy(ip + 24, dst->ip, 16);
  } else {
    ip[0] = 0x45;
    put16(ip + 2, (uint16_t)total);
    put16(ip + 4, o->ipid++);
    put16(ip + 6, 0x4000); /* don't fragment */
    ip[8] = 64;
    ip[9] = 6;
    memcpy(ip + 12, src->ip, 4);
    memcpy(ip + 16, dst->ip, 4);
    put16(ip + 10, fold(sum16(0, ip, 20)));
  }
  put16(tcp, src->port);
  put16(tcp + 2, dst->port);
  put32(tcp + 4, seq);
  put32(tcp + 8, ack);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  put16(tcp + 14, 65535);
  if (len)
    memcpy(tcp + 20, data, len);
  /* The checksum covers a pseudo-header: addresses, protocol, length. */
  size_t alen = src->family == 6 ? 16 : 4;
  uint32_t sum = sum16(0, src->ip, alen);
  sum = sum16(sum, dst->ip, alen);
  sum += 6;
  sum += (uint32_t)(20 + len) & 0xffff;
  sum += (uint32_t)((20 + len) >> 16);
  sum = sum16(sum, tcp, 20 + len);
  put16(tcp + 16, fold(sum));

  struct pcap_pkthdr hdr;
  memset(&hdr, 0, sizeof hdr);
  hdr.ts.tv_sec = (time_t)(s->now / WR_NS_PER_SEC);
  hdr.ts.tv_usec = (suseconds_t)(s->now % WR_NS_PER_SEC); /* nanoseconds */
  hdr.caplen = hdr.len = (bpf_u_int32)total;
  pcap_dump((u_char *)o->d, &hdr, o->pkt);
}

void wr_sim_pcap_packet_(wr_simnet *s, sconn *c, int from, uint8_t flags,
                         uint32_t seq, uint32_t ack, const uint8_t *p1,
                         size_t l1, const uint8_t *p2, size_t l2) {
  pcap_out *o = s->pcap;
  if (!o)
    return;
  const wr_addr *src = &c->ep[from].addr, *dst = &c->ep[1 - from].addr;
  size_t total = l1 + l2, maxseg = src->family == 6 ? 65515 : 65495;
  if (total == 0) {
    write_one(s, o, src, dst, flags, seq, ack, NULL, 0);
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
    uint8_t f = flags;
    if (done + n < total)
      f &= (uint8_t)~TCPF_PSH_;
    write_one(s, o, src, dst, f, seq + (uint32_t)done, ack, tmp, n);
    done += n;
  }
}

void wr_sim_pcap_free_(wr_simnet *s) {
  pcap_out *o = s->pcap;
  if (!o)
    return;
  pcap_dump_close(o->d);
  pcap_close(o->p);
  free(o);
  s->pcap = NULL;
}

int wr_simnet_pcap_open(wr_net *n, const char *path, char *err, size_t errlen) {
  if (!wr_simnet_is(n) || !path) {
    if (err && errlen)
      snprintf(err, errlen, "pcap export needs a simnet and a file name");
    return WR_EINVAL;
  }
  wr_simnet *s = sim_of(n);
  if (s->pcap) {
    if (err && errlen)
      snprintf(err, errlen, "a pcap export is already open; close it first");
    return WR_EALREADY;
  }
  pcap_out *o = calloc(1, sizeof *o);
  if (!o)
    return WR_ENOMEM;
  o->p = pcap_open_dead_with_tstamp_precision(DLT_RAW, PKT_MAX,
                                              PCAP_TSTAMP_PRECISION_NANO);
  if (!o->p) {
    free(o);
    if (err && errlen)
      snprintf(err, errlen, "libpcap could not create a raw-IP handle");
    return WR_EIO;
  }
  o->d = pcap_dump_open(o->p, path);
  if (!o->d) {
    if (err && errlen)
      snprintf(err, errlen, "cannot write pcap file '%s': %s", path,
               pcap_geterr(o->p));
    pcap_close(o->p);
    free(o);
    return WR_EIO;
  }
  s->pcap = o;
  return 0;
}

int wr_simnet_pcap_close(wr_net *n) {
  if (!wr_simnet_is(n))
    return WR_EINVAL;
  wr_simnet *s = sim_of(n);
  if (!s->pcap)
    return WR_ENOENT;
  pcap_dump_flush(((pcap_out *)s->pcap)->d);
  wr_sim_pcap_free_(s);
  return 0;
}
