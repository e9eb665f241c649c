/* Crafted captures for the pcap tests (see craft.h). Written from the file
 * format specifications (pcap: tcpdump.org/manpages/pcap-savefile.5;
 * pcapng: IETF draft-ietf-opsawg-pcapng), in host byte order as capture
 * tools do. */
#include "craft.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "wirerig/pcap.h"

struct cr_file {
  FILE *fp;
  cr_format fmt;
  int failed;
};

static void put(cr_file *f, const void *p, size_t n) {
  if (n && fwrite(p, 1, n, f->fp) != n)
    f->failed = 1;
}
static void put32(cr_file *f, uint32_t v) { put(f, &v, 4); }
static void put16(cr_file *f, uint16_t v) { put(f, &v, 2); }

cr_file *cr_open(const char *path, cr_format fmt, const int *links, int nlinks,
                 uint32_t snaplen) {
  cr_file *f = calloc(1, sizeof *f);
  if (!f)
    return NULL;
  f->fp = fopen(path, "wb");
  if (!f->fp) {
    free(f);
    return NULL;
  }
  f->fmt = fmt;
  if (!snaplen)
    snaplen = 262144;
  if (fmt != CR_PCAPNG) {
    put32(f, fmt == CR_PCAP_NS ? 0xA1B23C4Du : 0xA1B2C3D4u);
    put16(f, 2);
    put16(f, 4);
    put32(f, 0);
    put32(f, 0);
    put32(f, snaplen);
    put32(f, (uint32_t)links[0]);
    return f;
  }
  /* Section header block: no options. */
  put32(f, 0x0A0D0D0Au);
  put32(f, 28);
  put32(f, 0x1A2B3C4Du);
  put16(f, 1);
  put16(f, 0);
  put32(f, 0xFFFFFFFFu); /* section length: unknown */
  put32(f, 0xFFFFFFFFu);
  put32(f, 28);
  for (int i = 0; i < nlinks; i++) { /* interface description blocks */
    put32(f, 1);
    put32(f, 20);
    put16(f, (uint16_t)links[i]);
    put16(f, 0);
    put32(f, snaplen);
    put32(f, 20);
  }
  return f;
}

void cr_record(cr_file *f, int iface, int64_t ts_ns, const uint8_t *frame,
               size_t wire_len, size_t caplen) {
  if (f->fmt != CR_PCAPNG) {
    int64_t frac = f->fmt == CR_PCAP_NS ? 1 : 1000;
    put32(f, (uint32_t)(ts_ns / 1000000000));
    put32(f, (uint32_t)(ts_ns % 1000000000 / frac));
    put32(f, (uint32_t)caplen);
    put32(f, (uint32_t)wire_len);
    put(f, frame, caplen);
    return;
  }
  /* Enhanced packet block, microsecond timestamps (the default if_tsresol). */
  size_t pad = (4 - caplen % 4) % 4;
  uint32_t len = (uint32_t)(32 + caplen + pad);
  uint64_t us = (uint64_t)ts_ns / 1000;
  put32(f, 6);
  put32(f, len);
  put32(f, (uint32_t)iface);
  put32(f, (uint32_t)(us >> 32));
  put32(f, (uint32_t)us);
  put32(f, (uint32_t)caplen);
  put32(f, (uint32_t)wire_len);
  put(f, frame, caplen);
  static const uint8_t zeros[4] = {0};
  put(f, zeros, pad);
  put32(f, len);
}

int cr_close(cr_file *f) {
  int failed = f->failed;
  if (fclose(f->fp) != 0)
    failed = 1;
  free(f);
  return failed ? -1 : 0;
}

/* ---- packets ------------------------------------------------------------ */

static uint16_t csum(uint64_t acc, const uint8_t *p, size_t n) {
  for (size_t i = 0; i + 1 < n; i += 2)
    acc += (uint32_t)(p[i] << 8 | p[i + 1]);
  if (n & 1)
    acc += (uint32_t)p[n - 1] << 8;
  while (acc >> 16)
    acc = (acc & 0xFFFF) + (acc >> 16);
  return (uint16_t)acc;
}

static void wr16(uint8_t *p, uint16_t v) {
  p[0] = (uint8_t)(v >> 8);
  p[1] = (uint8_t)v;
}
static void wr32(uint8_t *p, uint32_t v) {
  wr16(p, (uint16_t)(v >> 16));
  wr16(p + 2, (uint16_t)v);
}

static int family_of(const char *ip) { return strchr(ip, ':') ? 6 : 4; }

size_t cr_ip_tcp(uint8_t *out, const cr_tcp *t, uint16_t ip_id) {
  int fam = family_of(t->src.ip);
  size_t hl = fam == 4 ? 20 : 40;
  uint8_t *tcp = out + hl;
  size_t tl = 20 + t->len;
  memset(out, 0, hl + 20);
  uint8_t src[16] = {0}, dst[16] = {0};
  inet_pton(fam == 4 ? AF_INET : AF_INET6, t->src.ip, src);
  inet_pton(fam == 4 ? AF_INET : AF_INET6, t->dst.ip, dst);
  wr16(tcp, t->src.port);
  wr16(tcp + 2, t->dst.port);
  wr32(tcp + 4, t->seq);
  wr32(tcp + 8, t->ack);
  tcp[12] = 5 << 4;
  tcp[13] = t->flags;
  wr16(tcp + 14, t->window ? t->window : 65535);
  if (t->len)
    memcpy(tcp + 20, t->payload, t->len);
  /* Pseudo-header sum, then the segment. */
  uint64_t ps = 0;
  size_t alen = fam == 4 ? 4 : 16;
  for (size_t i = 0; i < alen; i += 2)
    ps += (uint32_t)(src[i] << 8 | src[i + 1]) +
          (uint32_t)(dst[i] << 8 | dst[i + 1]);
  ps += 6 + (uint32_t)(tl & 0xFFFF) + (uint32_t)(tl >> 16);
  uint16_t partial = csum(ps, NULL, 0);
  uint16_t c = (uint16_t)~csum(ps, tcp, tl);
  if (t->partial_checksum)
    c = partial;
  else if (t->bad_checksum)
    c ^= 0x5A5A;
  wr16(tcp + 16, c);
  if (fam == 4) {
    out[0] = 0x45;
    wr16(out + 2, (uint16_t)(20 + tl));
    wr16(out + 4, ip_id);
    out[8] = 64;
    out[9] = 6;
    memcpy(out + 12, src, 4);
    memcpy(out + 16, dst, 4);
    wr16(out + 10, (uint16_t)~csum(0, out, 20));
  } else {
    out[0] = 0x60;
    wr16(out + 4, (uint16_t)tl);
    out[6] = 6;
    out[7] = 64;
    memcpy(out + 8, src, 16);
    memcpy(out + 24, dst, 16);
  }
  return hl + tl;
}

static size_t put_vlans(uint8_t *p, const cr_link *l) {
  size_t n = 0;
  for (int i = 0; i < l->nvlans; i++) {
    wr16(p + n, l->vlan_tpid[i] ? l->vlan_tpid[i] : 0x8100);
    wr16(p + n + 2, l->vlans[i]);
    n += 4;
  }
  return n;
}

size_t cr_frame(uint8_t *out, const cr_link *l, const uint8_t *dgram,
                size_t n) {
  int v6 = (dgram[0] >> 4) == 6;
  uint16_t etype = v6 ? 0x86DD : 0x0800;
  size_t h = 0;
  switch (l->type) {
  case CR_LINK_ETHERNET:
    memcpy(out, "\x02\x00\x00\x00\x00\x02\x02\x00\x00\x00\x00\x01", 12);
    h = 12 + put_vlans(out + 12, l);
    wr16(out + h, etype);
    h += 2;
    break;
  case CR_LINK_SLL:
    memset(out, 0, 16);
    wr16(out + 2, 772); /* ARPHRD_LOOPBACK */
    wr16(out + 4, 6);
    if (l->nvlans) {
      /* The first tag's TPID is the protocol; the rest follow inline. */
      wr16(out + 14, l->vlan_tpid[0] ? l->vlan_tpid[0] : 0x8100);
      h = 16;
      wr16(out + h, l->vlans[0]);
      h += 2;
      cr_link rest = *l;
      memmove(rest.vlans, l->vlans + 1, sizeof rest.vlans - 2);
      memmove(rest.vlan_tpid, l->vlan_tpid + 1, sizeof rest.vlan_tpid - 2);
      rest.nvlans = l->nvlans - 1;
      h += put_vlans(out + h, &rest);
      wr16(out + h, etype);
      h += 2;
    } else {
      wr16(out + 14, etype);
      h = 16;
    }
    break;
  case CR_LINK_SLL2:
    memset(out, 0, 20);
    wr32(out + 4, 1);   /* interface index */
    wr16(out + 8, 772); /* ARPHRD_LOOPBACK */
    out[11] = 6;
    if (l->nvlans) {
      wr16(out, l->vlan_tpid[0] ? l->vlan_tpid[0] : 0x8100);
      h = 20;
      wr16(out + h, l->vlans[0]);
      h += 2;
      cr_link rest = *l;
      memmove(rest.vlans, l->vlans + 1, sizeof rest.vlans - 2);
      memmove(rest.vlan_tpid, l->vlan_tpid + 1, sizeof rest.vlan_tpid - 2);
      rest.nvlans = l->nvlans - 1;
      h += put_vlans(out + h, &rest);
      wr16(out + h, etype);
      h += 2;
    } else {
      wr16(out, etype);
      h = 20;
    }
    break;
  case CR_LINK_NULL:
  case CR_LINK_LOOP: {
    uint32_t fam = v6 ? (uint32_t)(l->v6_family ? l->v6_family : 10) : 2;
    if (l->type == CR_LINK_LOOP || l->null_big_endian)
      wr32(out, fam);
    else
      memcpy(out, &fam, 4); /* host order, as the BSDs write it */
    h = 4;
    break;
  }
  default: /* raw IP */
    h = 0;
    break;
  }
  memcpy(out + h, dgram, n);
  return h + n;
}

int cr_fragment(const uint8_t *dgram, size_t n, size_t piece, uint32_t id,
                uint8_t frags[][65600], size_t *lens, int max) {
  int v6 = (dgram[0] >> 4) == 6;
  size_t hl = v6 ? 40 : (size_t)(dgram[0] & 15) * 4;
  const uint8_t *data = dgram + hl;
  size_t dl = n - hl;
  int k = 0;
  for (size_t off = 0; off < dl && k < max; off += piece, k++) {
    size_t len = dl - off < piece ? dl - off : piece;
    int more = off + len < dl;
    uint8_t *f = frags[k];
    if (!v6) {
      memcpy(f, dgram, hl);
      wr16(f + 2, (uint16_t)(hl + len));
      wr16(f + 4, (uint16_t)id);
      wr16(f + 6, (uint16_t)((more ? 0x2000 : 0) | (off / 8)));
      wr16(f + 10, 0);
      wr16(f + 10, (uint16_t)~csum(0, f, hl));
      memcpy(f + hl, data + off, len);
      lens[k] = hl + len;
    } else {
      memcpy(f, dgram, 40);
      f[6] = 44;
      wr16(f + 4, (uint16_t)(8 + len));
      f[40] = dgram[6]; /* next header of the fragmentable part */
      f[41] = 0;
      wr16(f + 42, (uint16_t)(off | (more ? 1 : 0)));
      wr32(f + 44, id);
      memcpy(f + 48, data + off, len);
      lens[k] = 48 + len;
    }
  }
  return k;
}

/* ---- conversations ---------------------------------------------------------
 */

void cr_conv_init(cr_conv *c, cr_file *f, int link_type, cr_end client,
                  cr_end server, uint32_t client_isn, uint32_t server_isn) {
  memset(c, 0, sizeof *c);
  c->file = f;
  c->link.type = link_type;
  c->client = client;
  c->server = server;
  c->seq[0] = client_isn;
  c->seq[1] = server_isn;
  c->ts = 1700000000LL * 1000000000LL;
  c->ip_id = 1;
}

void cr_write(cr_conv *c, const cr_tcp *t, size_t caplen_cut) {
  static uint8_t dgram[65600], frame[65700];
  size_t n = cr_ip_tcp(dgram, t, c->ip_id++);
  size_t fl = cr_frame(frame, &c->link, dgram, n);
  size_t cap = caplen_cut && caplen_cut < fl ? caplen_cut : fl;
  c->ts += 1000000;
  cr_record(c->file, 0, c->ts, frame, fl, cap);
}

void cr_send_at(cr_conv *c, int dir, uint32_t seq, uint8_t flags, const void *p,
                size_t len) {
  cr_tcp t = {0};
  t.src = dir == CR_C2S ? c->client : c->server;
  t.dst = dir == CR_C2S ? c->server : c->client;
  t.seq = seq;
  if (!(flags & WR_TCP_SYN) || (flags & WR_TCP_ACK))
    flags |= WR_TCP_ACK;
  t.flags = flags;
  t.ack = (flags & WR_TCP_ACK) ? c->seq[!dir] : 0;
  t.payload = p;
  t.len = len;
  cr_write(c, &t, 0);
}

void cr_send(cr_conv *c, int dir, uint8_t flags, const void *p, size_t len) {
  cr_send_at(c, dir, c->seq[dir], flags, p, len);
  c->seq[dir] += (uint32_t)len + ((flags & WR_TCP_SYN) ? 1 : 0) +
                 ((flags & WR_TCP_FIN) ? 1 : 0);
}

void cr_handshake(cr_conv *c) {
  cr_send(c, CR_C2S, WR_TCP_SYN, NULL, 0);
  cr_send(c, CR_S2C, WR_TCP_SYN | WR_TCP_ACK, NULL, 0);
  cr_send(c, CR_C2S, WR_TCP_ACK, NULL, 0);
}
